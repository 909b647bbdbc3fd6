"""Build leakscan's Traditional-Chinese (Taiwan) dictionary for jieba.

Why this exists
---------------
jieba's bundled ``dict.txt`` is Simplified Chinese. On Traditional (Taiwan) text it
mis-segments words that leakscan's rules depend on, e.g. 洩漏底價 -> 洩/漏底/價, because the
dictionary only knows 泄漏 and 底价. This script derives a Traditional dictionary from jieba's
own ``dict.txt`` with OpenCC, so segmentation quality matches what jieba has on Simplified text.

What it does
------------
For every ``word freq tag`` line of jieba's dict.txt it emits these Traditional forms:

* OpenCC ``s2tw`` (characters plus Taiwan variants, e.g. 泄漏 -> 洩漏), the main form;
* OpenCC ``s2twp`` where it differs (Taiwan vocabulary, e.g. 软件 -> 軟體 besides 軟件);
* 台/臺 spellings of both: OpenCC writes 臺 (臺灣, 臺北) but Taiwan text uses 台 just as
  often, so every form containing 臺 or 台 is also emitted with all 臺->台 and all 台->臺.

Each distinct form gets the source word's frequency once. When several source words land
on the same Traditional word (e.g. 发/發 -> 發), frequencies are summed and the POS tag of the
most frequent contributor is kept. The output is sorted by word and gzipped with mtime=0 and
no file name in the header, so reruns with the same jieba and OpenCC versions are
byte-identical (the shipped file was built with jieba 0.42.1, OpenCC 1.4.2 and Python 3.11;
other versions may change the entries, other zlib builds may change the compressed bytes).

Output: ``leakscan/data/jieba_zh_tw.txt.gz`` (UTF-8, one ``word freq tag`` per line), which
leakscan loads into a private ``jieba.Tokenizer`` via ``Tokenizer.gen_pfdict``.

This is a dev-time tool; the library never imports it. To rebuild (from the repo root)::

    pip install jieba opencc
    python tools/build_jieba_dict.py
"""

from __future__ import annotations

import argparse
import gzip
import io
import os
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = REPO_ROOT / "leakscan" / "data" / "jieba_zh_tw.txt.gz"

TAI_SIMPLE = "台"
TAI_FULL = "臺"


def jieba_dict_path() -> Path:
    """Return the path of the dict.txt bundled with the installed jieba."""
    import jieba

    return Path(os.path.join(os.path.dirname(jieba.__file__), "dict.txt"))


def read_source(path: Path) -> list[tuple[str, int, str]]:
    """Read jieba's dict.txt as (word, freq, tag) tuples, in file order."""
    entries = []
    seen = set()
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            parts = line.strip().split(" ")
            if not parts[0]:
                continue
            if len(parts) < 2:
                raise ValueError(f"{path}:{lineno}: bad line {line!r}")
            word, freq, tag = parts[0], int(parts[1]), (parts[2] if len(parts) > 2 else "")
            # dict.txt repeats a few lines verbatim (e.g. "B超 3 n"); count them once.
            if (word, freq, tag) in seen:
                continue
            seen.add((word, freq, tag))
            entries.append((word, freq, tag))
    return entries


def tai_variants(word: str) -> set[str]:
    """Return {word} plus its all-台 and all-臺 spellings."""
    forms = {word}
    if TAI_SIMPLE in word or TAI_FULL in word:
        forms.add(word.replace(TAI_FULL, TAI_SIMPLE))
        forms.add(word.replace(TAI_SIMPLE, TAI_FULL))
    return forms


def build(entries: list[tuple[str, int, str]]) -> dict[str, tuple[int, str]]:
    """Convert entries to Traditional (Taiwan) forms and merge collisions.

    Returns {word: (summed_freq, tag_of_most_frequent_contributor)}.
    """
    import opencc

    s2tw = opencc.OpenCC("s2tw")
    s2twp = opencc.OpenCC("s2twp")

    total: dict[str, int] = {}
    best: dict[str, tuple[int, str]] = {}  # word -> (largest contributing freq, its tag)
    for word, freq, tag in entries:
        forms = tai_variants(s2tw.convert(word)) | tai_variants(s2twp.convert(word))
        for form in forms:
            if not form or any(ch.isspace() for ch in form):
                raise ValueError(f"OpenCC produced an unusable form {form!r} for {word!r}")
            total[form] = total.get(form, 0) + freq
            # Strictly greater: ties keep the first contributor in dict.txt order.
            if form not in best or freq > best[form][0]:
                best[form] = (freq, tag)
    return {w: (total[w], best[w][1]) for w in total}


def serialize(merged: dict[str, tuple[int, str]]) -> bytes:
    """Return the gzipped dictionary, byte-identical for identical input."""
    lines = []
    for word in sorted(merged):
        freq, tag = merged[word]
        lines.append(f"{word} {freq} {tag}" if tag else f"{word} {freq}")
    text = ("\n".join(lines) + "\n").encode("utf-8")
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, compresslevel=9, mtime=0) as gz:
        gz.write(text)
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=None, help="jieba dict.txt to convert")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="output .txt.gz")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    source = args.source or jieba_dict_path()
    entries = read_source(source)
    merged = build(entries)
    data = serialize(merged)

    args.output.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.output.with_name(args.output.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, args.output)

    import jieba
    import opencc

    elapsed = time.perf_counter() - start
    print(
        f"jieba {jieba.__version__}, OpenCC {opencc.__version__}: {source}: {len(entries)} "
        f"entries -> {args.output}: {len(merged)} entries, {len(data)} bytes, {elapsed:.1f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
