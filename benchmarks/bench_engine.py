"""Benchmark leakscan's engine against whole-document jieba tokenization, in one run.

Usage (from the repository root)::

    python benchmarks/bench_engine.py [--chars N] [--seed S] [--repeat R] [--baseline-share F]

What it measures, on a corpus generated in memory by ``benchmarks/corpus.py`` (see its docstring
for the mix) and on one core (the process is pinned to one CPU where the OS allows it):

* ``Scanner()`` construction: cold, in fresh subprocesses (``import leakscan`` and the first
  ``Scanner()`` timed separately, median of ``--repeat`` processes), and warm (later
  constructions in this process, median of 5);
* the first scan of a fresh scanner, which loads the private jieba dictionary lazily, reported
  separately and not counted in the throughput;
* engine throughput: ``scanner.scan_text(text, name=name)`` over every document, in MB/s of the
  documents' UTF-8 bytes; best of ``--repeat`` passes (the median is shown too);
* baselines on a deterministic subset (``--baseline-share`` of each kind of document, every k-th
  by name), each best of ``--repeat`` passes: whole-document jieba with the engine's own private
  Traditional tokenizer (``scanner.tokenizer.jieba``), once as jieba is normally used
  (``list(tok.cut(text))``, HMM on by default) and once with ``HMM=False`` (the mode the engine
  itself uses around candidates); and, for reference, jieba's default ``jieba.Tokenizer()``
  (Simplified dictionary) with ``HMM=True``.  The engine is timed on the same subset, so the
  ratios compare the same texts;
* finding counts by category and document kind, with two sanity checks: every roster has
  findings, and the guidance documents (which talk about secrets) have no classification finding.

Targets: engine >= 20x whole-document jieba as normally used with the right dictionary (the
engine's Traditional tokenizer, HMM on), and >= 10 MB/s.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import corpus
from benchtools import ensure_importable, mb, pin_one_core, report_checks

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from types import ModuleType

TARGET_RATIO = 20.0
TARGET_MBPS = 10.0
# A short text with candidates for several rule kinds, so the first scan needs the tokenizer.
WARMUP_TEXT = (
    "密等及解密條件或保密期限：密（本件於公布時解密）\n"
    "主旨：本案核定底價新臺幣1,234,000元整，請勿洩漏底價。\n"
    "身分證字號A123456789，密碼：Tpe@2026!x，限閱。\n"
)
COLD_SNIPPET = """
import json, time
t0 = time.perf_counter()
import leakscan
t1 = time.perf_counter()
leakscan.Scanner()
t2 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "construct": t2 - t1, "file": leakscan.__file__}))
"""

Documents = list[tuple[str, str]]


def _utf8_bytes(documents: Documents) -> int:
    return sum(len(text.encode("utf-8")) for _, text in documents)


def _subset(documents: Documents, share: float) -> Documents:
    """Every k-th document of each kind, in name order: deterministic and keeps the mix."""
    if share >= 1.0:
        return list(documents)
    step = max(1, round(1 / share))
    by_kind: dict[str, list[tuple[str, str]]] = {}
    for name, text in sorted(documents):
        by_kind.setdefault(corpus.kind_of(name), []).append((name, text))
    return [doc for docs in by_kind.values() for doc in docs[::step]]


def _time_passes(run: Callable[[], object], repeat: int) -> list[float]:
    """Wall time of ``repeat`` calls of ``run``, each after a garbage collection."""
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return times


def _cold_construction(repeat: int, leakscan_file: str) -> dict[str, float]:
    """Median import and first-construction times over ``repeat`` fresh interpreters."""
    package_parent = str(Path(leakscan_file).resolve().parent.parent)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (package_parent, env.get("PYTHONPATH"))))
    runs = []
    for _ in range(repeat):
        out = subprocess.run(
            [sys.executable, "-c", COLD_SNIPPET],
            env=env, capture_output=True, text=True, check=True, cwd=package_parent,
        )
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return {
        "import": statistics.median(r["import"] for r in runs),
        "construct": statistics.median(r["construct"] for r in runs),
    }


def _scan_all(scanner: object, documents: Documents) -> list[tuple[str, object]]:
    scan = scanner.scan_text  # type: ignore[attr-defined]
    return [(name, scan(text, name=name)) for name, text in documents]


def _tokenize_all(tokenizer: object, documents: Documents, hmm: bool) -> None:
    cut = tokenizer.cut  # type: ignore[attr-defined]
    for _, text in documents:
        list(cut(text) if hmm else cut(text, HMM=False))  # jieba's default is HMM=True


class Tally:
    """Finding counts of one engine pass, by document kind."""

    def __init__(self, results: list[tuple[str, object]]) -> None:
        """Count the findings of ``(name, ScanResult)`` pairs."""
        self.by_category: Counter[tuple[str, str]] = Counter()
        self.by_rule: Counter[tuple[str, str]] = Counter()
        self.docs_with: Counter[str] = Counter()
        self.docs: Counter[str] = Counter()
        self.verdicts: Counter[tuple[str, str]] = Counter()
        for name, result in results:
            kind = corpus.kind_of(name)
            self.docs[kind] += 1
            self.verdicts[kind, result.verdict] += 1  # type: ignore[attr-defined]
            findings = result.findings  # type: ignore[attr-defined]
            if findings:
                self.docs_with[kind] += 1
            for finding in findings:
                self.by_category[kind, finding.category] += 1
                self.by_rule[kind, finding.rule] += 1

    def print(self) -> None:
        """Print the table of findings by category and kind, and the rules seen in clean text."""
        kinds = list(corpus.MIX)
        categories = sorted({category for _, category in self.by_category})
        print("\nfindings by category (full corpus, one pass)")
        print(f"  {'category':<26}" + "".join(f"{kind:>10}" for kind in kinds) + f"{'total':>10}")
        for category in categories:
            counts = [self.by_category[kind, category] for kind in kinds]
            print(f"  {category:<26}" + "".join(f"{c:>10}" for c in counts) + f"{sum(counts):>10}")
        print(f"  {'documents with findings':<26}"
              + "".join(f"{f'{self.docs_with[k]}/{self.docs[k]}':>10}" for k in kinds))
        shares = [f"{self.verdicts[k, 'warn']}/{self.verdicts[k, 'block']}" for k in kinds]
        print(f"  {'share: warn/block':<26}" + "".join(f"{s:>10}" for s in shares))
        for kind in ("prose", "guidance"):
            rules = Counter({rule: n for (k, rule), n in self.by_rule.items() if k == kind})
            top = ", ".join(f"{rule} {n}" for rule, n in rules.most_common(6)) or "none"
            print(f"  rules in {kind} documents (meant to be clean, mostly info/low): {top}")

    def checks(self) -> list[tuple[bool, str]]:
        """Sanity checks as ``(passed, description)``."""
        rosters = f"{self.docs_with['roster']}/{self.docs['roster']}"
        guidance = self.by_category["guidance", "classification"]
        flagged = self.verdicts["prose", "warn"] + self.verdicts["prose", "block"]
        return [
            (flagged <= 0.05 * self.docs["prose"],
             f"at most 5 % of ordinary letters and minutes warn or block for share "
             f"({flagged}/{self.docs['prose']}; their officials' contacts are info/low)"),
            (self.docs_with["roster"] == self.docs["roster"] > 0,
             f"every roster has findings ({rosters})"),
            (guidance == 0, f"no classification finding in guidance documents ({guidance})"),
        ]


def _ms(label: str, seconds: float, note: str = "") -> str:
    return f"  {label:<52} {seconds * 1000:9.1f} ms  {note}".rstrip()


def _row(label: str, times: list[float], nbytes: int) -> str:
    """One throughput line: best time and rate, and the median rate."""
    best, median = min(times), statistics.median(times)
    return (f"  {label:<52} {best:7.3f} s {mb(nbytes) / best:8.2f} MB/s"
            f"  (median {mb(nbytes) / median:.2f} MB/s)")


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--chars", type=int, default=2_000_000, help="corpus size in characters")
    parser.add_argument("--seed", type=int, default=0, help="corpus seed")
    parser.add_argument("--repeat", type=int, default=3, help="passes per measurement (>= 3)")
    parser.add_argument(
        "--baseline-share", type=float, default=0.5,
        help="share of documents the jieba baselines (and the engine, for the ratio) run on",
    )
    args = parser.parse_args(argv)
    if not 0 < args.baseline_share <= 1:
        parser.error("--baseline-share must be in (0, 1]")
    args.repeat = max(3, args.repeat)
    return args


def _print_corpus(documents: Documents, subset: Documents, seed: int, share: float) -> None:
    kinds: Counter[str] = Counter()
    chars: Counter[str] = Counter()
    for name, text in documents:
        kinds[corpus.kind_of(name)] += 1
        chars[corpus.kind_of(name)] += len(text)
    total = sum(chars.values())
    mix = ", ".join(f"{kind} {kinds[kind]} docs {chars[kind] / total:.0%}" for kind in corpus.MIX)
    print(f"  corpus seed {seed}: {len(documents)} documents, {total:,} chars, "
          f"{mb(_utf8_bytes(documents)):.2f} MB UTF-8 ({mix})")
    print(f"  baseline subset: {len(subset)} documents, {mb(_utf8_bytes(subset)):.2f} MB "
          f"(1 in {max(1, round(1 / share))} of each kind, by name)")


def _construction(leakscan: ModuleType, repeat: int, import_seconds: float) -> object:
    """Time Scanner() cold and warm; return the first scanner built in this process."""
    cold = _cold_construction(repeat, str(leakscan.__file__))
    start = time.perf_counter()
    scanner = leakscan.Scanner()
    first = time.perf_counter() - start
    warm = []
    for _ in range(5):
        start = time.perf_counter()
        leakscan.Scanner()
        warm.append(time.perf_counter() - start)
    print("Scanner() construction")
    print(_ms(f"cold import leakscan (fresh process, median of {repeat})", cold["import"]))
    print(_ms(f"cold Scanner() (fresh process, median of {repeat})", cold["construct"]))
    print(_ms("import leakscan in this process", import_seconds))
    print(_ms("first Scanner() in this process", first))
    print(_ms("warm Scanner() (median of 5 later ones)", statistics.median(warm)))
    return scanner


def _first_scan(scanner: object) -> object:
    """Time the first scans of a new scanner; return its private jieba tokenizer, loaded."""
    scan = scanner.scan_text  # type: ignore[attr-defined]
    start = time.perf_counter()
    scan(WARMUP_TEXT, name="warmup.txt")
    first = time.perf_counter() - start
    start = time.perf_counter()
    private = scanner.tokenizer.jieba  # type: ignore[attr-defined]
    access = time.perf_counter() - start
    start = time.perf_counter()
    scan(WARMUP_TEXT, name="warmup.txt")
    second = time.perf_counter() - start
    list(private.cut("密等及解密條件或保密期限", HMM=False))
    print("first scan of a new Scanner (lazy Traditional dictionary load), not counted below")
    print(_ms(f"first scan_text() of a {len(WARMUP_TEXT)}-char text", first))
    print(_ms("second scan_text() of the same text", second))
    print(_ms("tokenizer.jieba access after the first scan", access,
              "(the first scan did not load it)" if access > 0.05 else ""))
    return private


def main(argv: Sequence[str] | None = None) -> int:
    """Run every measurement and print the report; exit status 1 if a check or target fails."""
    args = _parse(argv)
    pinned = pin_one_core()
    started = time.perf_counter()
    documents = corpus.generate(args.seed, args.chars)
    subset = _subset(documents, args.baseline_share)
    total_bytes, subset_bytes = _utf8_bytes(documents), _utf8_bytes(subset)

    ensure_importable()
    start = time.perf_counter()
    leakscan = importlib.import_module("leakscan")
    import_seconds = time.perf_counter() - start

    print("leakscan engine benchmark")
    print(f"  python {sys.version.split()[0]}, {pinned}, leakscan from {leakscan.__file__}")
    _print_corpus(documents, subset, args.seed, args.baseline_share)
    print(f"  timings: best of {args.repeat} passes unless marked median\n")

    scanner = _construction(leakscan, args.repeat, import_seconds)
    private = _first_scan(scanner)

    results: list[tuple[str, object]] = []

    def engine_full() -> None:
        results[:] = _scan_all(scanner, documents)

    engine = _time_passes(engine_full, args.repeat)
    engine_subset = _time_passes(lambda: _scan_all(scanner, subset), args.repeat)
    same_hmm = _time_passes(lambda: _tokenize_all(private, subset, hmm=True), args.repeat)
    same = _time_passes(lambda: _tokenize_all(private, subset, hmm=False), args.repeat)
    default = importlib.import_module("jieba").Tokenizer()
    start = time.perf_counter()
    default.initialize()
    default_init = time.perf_counter() - start
    reference = _time_passes(lambda: _tokenize_all(default, subset, hmm=True), args.repeat)

    engine_mbps = mb(total_bytes) / min(engine)
    engine_subset_mbps = mb(subset_bytes) / min(engine_subset)
    ratio_same_hmm = engine_subset_mbps / (mb(subset_bytes) / min(same_hmm))
    ratio_same = engine_subset_mbps / (mb(subset_bytes) / min(same))
    ratio_reference = engine_subset_mbps / (mb(subset_bytes) / min(reference))

    print(f"\n{'throughput (one core)':<62}time       rate")
    print(_row("engine scan_text, full corpus", engine, total_bytes))
    print(_row("engine scan_text, baseline subset", engine_subset, subset_bytes))
    print(_row("jieba whole-doc, engine tokenizer, HMM=True", same_hmm, subset_bytes))
    print(_row("jieba whole-doc, engine tokenizer, HMM=False", same, subset_bytes))
    print(_row("jieba whole-doc, default Tokenizer, HMM=True", reference, subset_bytes))
    print(f"  (default jieba Tokenizer initialize(): {default_init * 1000:.0f} ms, not counted)")
    print(f"  {'ratio engine / jieba, same tokenizer, HMM=True':<52} {ratio_same_hmm:9.1f}x")
    print(f"  {'ratio engine / jieba, same tokenizer, HMM=False':<52} {ratio_same:9.1f}x"
          "  (information)")
    print(f"  {'ratio engine / jieba, default HMM=True (same texts)':<52} {ratio_reference:9.1f}x")

    ratio_text = (f"target: engine >= {TARGET_RATIO:g}x whole-document jieba, same tokenizer, "
                  f"HMM=True ({ratio_same_hmm:.1f}x)")
    tally = Tally(results)
    tally.print()
    checks = [
        *tally.checks(),
        (engine_mbps >= TARGET_MBPS,
         f"target: engine >= {TARGET_MBPS:g} MB/s ({engine_mbps:.2f} MB/s, full corpus)"),
        (ratio_same_hmm >= TARGET_RATIO, ratio_text),
    ]
    status = report_checks(checks)
    print(f"\ntotal benchmark time {time.perf_counter() - started:.0f} s")
    return status


if __name__ == "__main__":
    sys.exit(main())
