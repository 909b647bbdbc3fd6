"""Folder scans as CI runs them: ``-j 1`` against ``-j 2``, and a cached rerun against the first run.

A tree of at least 2,000 mixed documents (txt, docx, xlsx, pdf) is generated once from
``benchmarks/corpus.py`` through the ``tests/fixtures_*`` builders and kept under /tmp, so later
runs reuse it.  Four configurations are timed (wall clock):

1. ``-j 1`` without cache;
2. ``-j 2`` without cache (the same work as 1, so their ratio is the parallel speed-up);
3. ``-j 2`` with an empty ``--cache`` (the first run: the workers also write the cache entries);
4. ``-j 2`` with the now filled cache (the rerun over the unchanged tree).

Each is timed twice: the *scan* (walk, cache, worker pool: ``leakscan.runner.scan_walk``, in this
process, as the CLI calls it) and the *command* end to end (``python -m leakscan scan TREE
--format json`` in a fresh process: start-up, scan and rendering the report).  The targets
(2 at least 1.7 times faster than 1; 4 at least 20 times faster than 3, the first run) are
checked on the scan; the command's ratios are printed too, since rendering a report of tens of
thousands of findings is a fixed cost both runs pay.  The machine's load average is printed,
because other processes on a shared machine take cores from ``-j 2``.  The commands must give the
same report.  Exit status 1 when a report differs or a target is missed.

    python benchmarks/bench_tree.py [--files 2400] [--seed 0] [--tree DIR] [--repeat 1]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchtools import ROOT, ensure_importable, mb, report_checks

ensure_importable()

import corpus  # noqa: E402  (benchmarks/ is on sys.path when run as a script)

# Share of the documents per format; text is the bulk of a shared drive's readable files.
FORMATS = {"txt": 0.55, "docx": 0.2, "xlsx": 0.15, "pdf": 0.1}
PDF_LINES = 60  # two pages: a long PDF would measure PDFium, not the folder scan


def build_tree(target: Path, files: int, seed: int) -> None:
    """Write ``files`` documents (about) under ``target`` in nested folders; a marker file ends it."""
    import openpyxl

    from tests.fixtures_docx import plain_docx
    from tests.fixtures_pdf import make_pdf

    documents = corpus.generate(seed, total_chars=files * 1300)[:files]
    counts = {fmt: round(share * len(documents)) for fmt, share in FORMATS.items()}
    order = [fmt for fmt, count in counts.items() for _ in range(count)]
    order += ["txt"] * (len(documents) - len(order))
    target.mkdir(parents=True, exist_ok=True)
    for number, ((name, text), fmt) in enumerate(zip(documents, order, strict=False)):
        folder = target / f"unit-{number % 12:02d}" / f"{2020 + number % 6}"
        folder.mkdir(parents=True, exist_ok=True)
        stem = Path(name).stem
        lines = [line for line in text.split("\n") if line.strip()]
        if fmt == "txt":
            (folder / f"{stem}.txt").write_text(text, encoding="utf-8")
        elif fmt == "docx":
            (folder / f"{stem}.docx").write_bytes(plain_docx(lines))
        elif fmt == "xlsx":
            workbook = openpyxl.Workbook()
            sheet = workbook.active
            for line in lines:
                sheet.append(line.split()[:8])
            workbook.save(folder / f"{stem}.xlsx")
        else:
            pages = ["\n".join(lines[i:i + 30]) for i in range(0, min(len(lines), PDF_LINES), 30)]
            (folder / f"{stem}.pdf").write_bytes(make_pdf(pages or ["(blank)"]))
    (target / ".leakscanignore").write_text(".complete\n", encoding="utf-8")
    (target / ".complete").write_text(str(len(documents)), encoding="utf-8")


def tree_stats(tree: Path) -> tuple[int, int, dict[str, int]]:
    files = [p for p in tree.rglob("*") if p.is_file() and p.name not in (".leakscanignore", ".complete")]
    kinds: dict[str, int] = {}
    for path in files:
        kinds[path.suffix] = kinds.get(path.suffix, 0) + 1
    return len(files), sum(p.stat().st_size for p in files), kinds


def timed_scan(tree: Path, *options: str) -> tuple[float, dict]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    command = [sys.executable, "-m", "leakscan", "scan", str(tree), "--format", "json", "-q", *options]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, env=env, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"scan failed ({done.returncode}): {done.stderr.decode(errors='replace')}")
    return elapsed, json.loads(done.stdout)


def timed_phase(tree: Path, jobs: int, cache_dir: str | None) -> float:
    """The scan as the CLI runs it, without start-up and rendering."""
    from leakscan.batch import ScannerSpec
    from leakscan.cache import ResultCache, version_key
    from leakscan.runner import scan_walk
    from leakscan.walk import WalkOptions, walk

    spec = ScannerSpec()
    scanner = spec.build()
    start = time.perf_counter()
    cache = ResultCache(cache_dir, version_key(scanner, None), scanner, None) if cache_dir else None
    walked = walk([str(tree)], WalkOptions(max_size=scanner.limits.max_file_bytes))
    scan_walk(walked, spec, scanner, jobs=jobs, timeout=90, cache=cache)
    return time.perf_counter() - start


def line(label: str, seconds: float, files: int, nbytes: int) -> str:
    return (f"{label:28} {seconds:8.2f} s  {files / seconds:9.1f} files/s  "
            f"{mb(nbytes) / seconds:7.2f} MB/s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=2400)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--tree", type=Path, default=None, help="where to keep the generated tree")
    parser.add_argument("--repeat", type=int, default=1, help="passes; the best time of each is kept")
    args = parser.parse_args(argv)
    tree = args.tree or Path(tempfile.gettempdir()) / f"leakscan-bench-tree-{args.seed}-{args.files}"
    if not (tree / ".complete").exists():
        shutil.rmtree(tree, ignore_errors=True)
        start = time.perf_counter()
        build_tree(tree, args.files, args.seed)
        print(f"generated {tree} in {time.perf_counter() - start:.1f} s")
    files, nbytes, kinds = tree_stats(tree)  # the .complete marker is left out by .leakscanignore
    print(f"tree: {tree}: {files} files, {mb(nbytes):.1f} MB "
          f"({', '.join(f'{k} {n}' for k, n in sorted(kinds.items()))}); {os.cpu_count()} CPU(s)")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    labels = ("-j 1", "-j 2", "-j 2, first run (--cache)", "-j 2, cached rerun")
    scan: dict[str, float] = {}
    command: dict[str, float] = {}
    reports: dict[str, dict] = {}
    for _ in range(max(1, args.repeat)):
        with tempfile.TemporaryDirectory(prefix="leakscan-bench-cache-") as cache:
            for label, jobs, cache_dir in zip(labels, (1, 2, 2, 2), (None, None, cache, cache), strict=True):
                seconds = timed_phase(tree, jobs, cache_dir)
                scan[label] = min(scan.get(label, seconds), seconds)
        with tempfile.TemporaryDirectory(prefix="leakscan-bench-cache-") as cache:
            for label, options in zip(labels, (("-j", "1"), ("-j", "2"), ("-j", "2", "--cache", cache),
                                               ("-j", "2", "--cache", cache)), strict=True):
                seconds, report = timed_scan(tree, *options)
                command[label] = min(command.get(label, seconds), seconds)
                reports[label] = report
    print(f"load average after:  {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for kind, times in (("scan", scan), ("command", command)):
        for label in labels:
            print(line(f"{kind} {label}", times[label], files, nbytes))
    summary = next(iter(reports.values()))["summary"]
    print(f"findings {summary['findings']}, status {summary['status']}, "
          f"skipped {summary['skipped']['count']}")
    parallel = scan[labels[0]] / scan[labels[1]]
    rerun = scan[labels[2]] / scan[labels[3]]
    print(f"info scan: writing the cache costs {scan[labels[2]] / scan[labels[1]]:.2f}x a scan without it")
    print(f"info command: -j 2 / -j 1 = {command[labels[0]] / command[labels[1]]:.2f}x, "
          f"first / cached = {command[labels[2]] / command[labels[3]]:.1f}x")
    same = len({json.dumps(r["files"], sort_keys=True) for r in reports.values()}) == 1
    return report_checks([
        (parallel >= 1.7, f"scan: -j 2 / -j 1 = {parallel:.2f}x (target >= 1.7x)"),
        (rerun >= 20, f"scan: first run / cached rerun = {rerun:.1f}x (target >= 20x)"),
        (same, "the four commands give the same report"),
    ])


if __name__ == "__main__":
    sys.exit(main())
