"""The result cache: hits, invalidation, no values stored, damaged entries."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import time
from pathlib import Path

import pytest

from leakscan import Scanner
from leakscan.batch import ScannerSpec
from leakscan.cache import KEEP_DAYS, ResultCache, version_key
from leakscan.model import Location
from leakscan.report.sarif import finding_fingerprints
from leakscan.runner import Run, scan_walk
from leakscan.walk import walk

from .fixtures_mail import zip_of

ID = "A123456789"
PASSWORD = "Tpe@2026!x"
SECRET = f"密等及解密條件或保密期限：機密\n身分證字號{ID}\n密碼：{PASSWORD}\n"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "docs"
    root.mkdir()
    (root / "簽呈.txt").write_text(SECRET, encoding="utf-8")
    (root / "一般.txt").write_text("一般公文，無機敏內容。\n", encoding="utf-8")
    return root


def scan(root: Path, cache_dir: Path, *, action: str = "share", patterns: tuple[str, ...] = (),
         key: bytes | None = None, read_cache: bool = True, jobs: int = 0) -> Run:
    spec = ScannerSpec(patterns, action)
    scanner = _default_scanner(action) if not patterns else spec.build()
    cache = ResultCache(cache_dir, version_key(scanner, key), scanner, key)
    return scan_walk(walk([str(root)]), spec, scanner, jobs=jobs, timeout=60, cache=cache,
                     read_cache=read_cache)


def scan_uncached(root: Path, *, action: str = "share") -> Run:
    return scan_walk(walk([str(root)]), ScannerSpec(action=action), _default_scanner(action), jobs=0,
                     timeout=60)


@functools.cache
def _default_scanner(action: str) -> Scanner:
    return ScannerSpec(action=action).build()


def comparable(run: Run) -> list[dict]:
    return [r.to_dict() for r in run.results]


def test_a_second_run_comes_from_the_cache_with_the_same_results(folder: Path, tmp_path: Path) -> None:
    first = scan(folder, tmp_path / "cache")
    second = scan(folder, tmp_path / "cache")
    assert (first.cache_hits, second.cache_hits) == (0, 2)
    assert comparable(second) == comparable(first)
    assert second.results[1].verdict == "block"


def test_an_unchanged_file_is_not_even_opened(folder: Path, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    scan(folder, tmp_path / "cache")
    import leakscan.cache

    def refuse(path: str, limit: int) -> bytes:
        raise AssertionError(f"{path} was read")

    monkeypatch.setattr(leakscan.cache, "read_regular", refuse)
    assert scan(folder, tmp_path / "cache").cache_hits == 2


def test_a_new_checkout_of_the_same_content_is_found_by_content(folder: Path, tmp_path: Path) -> None:
    scan(folder, tmp_path / "cache")
    copy = tmp_path / "checkout"
    copy.mkdir()
    for file in folder.iterdir():
        (copy / file.name).write_bytes(file.read_bytes())
    run = scan(copy, tmp_path / "cache")
    assert run.cache_hits == 2 and run.results[1].path == str(copy / "簽呈.txt")


def test_a_changed_file_is_scanned_again(folder: Path, tmp_path: Path) -> None:
    scan(folder, tmp_path / "cache")
    (folder / "一般.txt").write_text("密碼：Changed#2026\n", encoding="utf-8")
    run = scan(folder, tmp_path / "cache")
    assert run.cache_hits == 1
    assert [f.rule for f in run.results[0].findings] == ["password-value"]


def test_a_renamed_file_is_scanned_again_because_the_name_is_scanned_too(folder: Path,
                                                                         tmp_path: Path) -> None:
    scan(folder, tmp_path / "cache")
    (folder / "一般.txt").rename(folder / "機密-一般.txt")
    run = scan(folder, tmp_path / "cache")
    assert run.cache_hits == 1  # same content, new name: a miss


EXTRA_RULES = ('[set]\nname = "extra"\n[[rules]]\nid = "ordinary-word"\ncategory = "dissemination"\n'
               'severity = "low"\nname = { zh = "一般", en = "ordinary" }\nkeywords = ["一般公文"]\n'
               "regex = '一般公文'\nmask = \"none\"\n[rules.examples]\nmatch = [\"一般公文\"]\n")


def test_other_patterns_use_other_entries(folder: Path, tmp_path: Path) -> None:
    patterns = tmp_path / "extra.toml"
    patterns.write_text(EXTRA_RULES, encoding="utf-8")
    scan(folder, tmp_path / "cache")
    run = scan(folder, tmp_path / "cache", patterns=(str(patterns),))
    assert run.cache_hits == 0
    assert "ordinary-word" in [f.rule for f in run.results[0].findings]
    patterns.write_text(patterns.read_text(encoding="utf-8").replace('"low"', '"medium"'), encoding="utf-8")
    changed = scan(folder, tmp_path / "cache", patterns=(str(patterns),))
    assert changed.cache_hits == 0 and {f.severity for f in changed.results[0].findings
                                                      if f.rule == "ordinary-word"} == {"medium"}


def test_the_version_is_that_of_the_rules_compiled_not_of_the_files_now(tmp_path: Path) -> None:
    """A pattern file edited after the scanner read it must not label the old rules' results."""
    patterns = tmp_path / "extra.toml"
    patterns.write_text(EXTRA_RULES, encoding="utf-8")
    scanner = ScannerSpec((str(patterns),)).build()
    before = version_key(scanner, None)
    patterns.write_text(patterns.read_text(encoding="utf-8").replace('"low"', '"medium"'), encoding="utf-8")
    assert version_key(scanner, None) == before
    assert version_key(ScannerSpec((str(patterns),)).build(), None) != before


def test_results_cached_by_other_leakscan_code_are_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    """An extractor that now reads more must not be answered by results of the older code, even
    when the version number stayed the same (a checkout, an editable install)."""
    from leakscan import cache

    scanner = Scanner()
    before = version_key(scanner, None)
    assert cache.code_digest() == cache.code_digest()  # stable while the code is
    monkeypatch.setattr(cache, "code_digest", lambda: b"other code")
    assert version_key(scanner, None) != before


def test_decisions_follow_the_current_action_not_the_cached_one(folder: Path, tmp_path: Path) -> None:
    scan(folder, tmp_path / "cache", action="share")
    run = scan(folder, tmp_path / "cache", action="all")
    assert run.cache_hits == 2
    fresh = scan(folder, tmp_path / "fresh", action="all")
    assert comparable(run) == comparable(fresh)
    assert {d.action for d in run.results[1].decisions} >= {"fax", "email"}


def test_no_matched_value_is_stored(folder: Path, tmp_path: Path) -> None:
    scan(folder, tmp_path / "cache")
    scan(folder, tmp_path / "keyed", key=b"k")
    stored = b"".join(p.read_bytes() for p in tmp_path.rglob("*.json") if "docs" not in p.parts)
    assert stored and ID.encode() not in stored and PASSWORD.encode() not in stored
    assert b"A1******89" in stored  # masked values are kept
    entries = [p for p in tmp_path.rglob("*.json") if p.name != "index.json" and "docs" not in p.parts]
    assert not any(str(folder).encode() in p.read_bytes() for p in entries)  # content-keyed, no paths


def test_cached_findings_give_the_fingerprints_of_a_fresh_scan(folder: Path, tmp_path: Path) -> None:
    for key in (None, b"secret-key"):
        fresh = scan(folder, tmp_path / f"c{key!r}", key=key)
        cached = scan(folder, tmp_path / f"c{key!r}", key=key)
        assert cached.cache_hits == 2
        assert ([finding_fingerprints(r.findings, "p", key) for r in cached.results]
                == [finding_fingerprints(r.findings, "p", key) for r in fresh.results])


def test_a_damaged_entry_is_scanned_again(folder: Path, tmp_path: Path) -> None:
    first = scan(folder, tmp_path / "cache")
    entries = [p for p in (tmp_path / "cache").rglob("*.json") if p.name != "index.json"]
    assert len(entries) == 2
    for entry in entries:
        entry.write_text('{"format": "leakscan-cache/1", "status": ', encoding="utf-8")
    (tmp_path / "cache" / "v1" / "index.json").write_text("[not json", encoding="utf-8")
    run = scan(folder, tmp_path / "cache")
    assert run.cache_hits == 0 and comparable(run) == comparable(first)
    assert scan(folder, tmp_path / "cache").cache_hits == 2  # repaired


def test_show_values_bypasses_reading_the_cache(folder: Path, tmp_path: Path) -> None:
    scan(folder, tmp_path / "cache")
    run = scan(folder, tmp_path / "cache", read_cache=False)
    assert run.cache_hits == 0
    assert any(f.value == ID for f in run.results[1].findings)


def test_writes_leave_no_temporary_files(folder: Path, tmp_path: Path) -> None:
    scan(folder, tmp_path / "cache")
    assert not [p for p in (tmp_path / "cache").rglob(".tmp-*")]
    assert all(os.path.getsize(p) > 0 for p in (tmp_path / "cache").rglob("*.json"))


def test_results_with_timeouts_are_not_cached(tmp_path: Path, scanner: Scanner) -> None:
    from leakscan.cache import cacheable as _cacheable
    from leakscan.model import Problem, ScanResult

    assert _cacheable(ScanResult("a", "scanned"))
    assert not _cacheable(ScanResult("a", "partial", problems=(Problem("timeout"),)))


def test_the_index_holds_stat_keys_not_values(folder: Path, tmp_path: Path) -> None:
    scan(folder, tmp_path / "cache")
    index = json.loads((tmp_path / "cache" / "v1" / "index.json").read_text(encoding="utf-8"))
    today = int(time.time() // 86400)
    assert len(index) == 2 and all(len(row) == 7 and row[-1] == today for row in index.values())


@pytest.mark.parametrize("location", [
    Location(), Location("header", page=2, line=3, column=4),
    Location("table", sheet="名冊", row=5, col=2, cell="B5", name="hidden"),
], ids=["default", "page", "cell"])
def test_locations_come_back_from_the_cache_as_they_were(location: Location) -> None:
    assert Location.from_dict(location.to_dict()) == location


def test_an_index_entry_of_the_wrong_shape_is_ignored(folder: Path, tmp_path: Path) -> None:
    first = scan(folder, tmp_path / "cache")
    index = tmp_path / "cache" / "v1" / "index.json"
    index.write_text(json.dumps({key: 5 for key in json.loads(index.read_text())}), encoding="utf-8")
    assert comparable(scan(folder, tmp_path / "cache")) == comparable(first)


def test_a_cache_that_cannot_be_written_costs_no_result(folder: Path, tmp_path: Path) -> None:
    blocked = tmp_path / "cache"
    blocked.write_text("a file where the cache folder should be", encoding="utf-8")
    run = scan(folder, blocked)
    assert [r.status for r in run.results] == ["scanned", "scanned"]
    assert comparable(run) == comparable(scan(folder, tmp_path / "elsewhere"))


@pytest.mark.parametrize("jobs", [0, 1], ids=["in-process", "worker"])
def test_a_name_that_is_not_utf8_is_cached_like_any_other(tmp_path: Path, jobs: int) -> None:
    """Such a name (kept by Python as surrogate escapes) once crashed writing its entry."""
    root = tmp_path / "docs"
    root.mkdir()
    with open(os.path.join(os.fsencode(root), b"x\xff.txt"), "wb") as handle:
        handle.write(SECRET.encode("utf-8"))
    fresh = scan_uncached(root)
    first = scan(root, tmp_path / "cache", jobs=jobs)
    second = scan(root, tmp_path / "cache", jobs=jobs)
    assert fresh.results[0].verdict == "block" and fresh.results[0].status == "scanned"
    assert comparable(first) == comparable(fresh)
    assert second.cache_hits == 1 and comparable(second) == comparable(fresh)


def test_a_result_that_cannot_be_encoded_costs_a_rescan_not_the_run(folder: Path, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from leakscan.cache import EntryWriter

    def refuse(self: EntryWriter, result: object) -> dict:
        raise UnicodeEncodeError("utf-8", "\udcff", 0, 1, "surrogates not allowed")

    monkeypatch.setattr(EntryWriter, "_dump", refuse)
    run = scan(folder, tmp_path / "cache")
    assert comparable(run) == comparable(scan_uncached(folder))
    assert scan(folder, tmp_path / "cache").cache_hits == 0  # nothing stored: scanned again


def test_the_index_keys_files_by_a_hash_of_their_path_not_the_path(tmp_path: Path) -> None:
    root = tmp_path / "docs"
    root.mkdir()
    named = root / f"{ID}.txt"  # file names are scanned as text, and can hold an ID number
    named.write_text("一般公文，無機敏內容。\n", encoding="utf-8")
    scan(root, tmp_path / "cache")
    stored = (tmp_path / "cache" / "v1" / "index.json").read_bytes()
    for text in (ID, str(root)):
        assert text.encode() not in stored and text.encode().hex().encode() not in stored
    path = os.path.abspath(named).encode("utf-8", "surrogateescape")
    assert list(json.loads(stored)) == ["sha256:" + hashlib.sha256(path).hexdigest()]


def test_an_index_of_the_older_format_misses_and_is_replaced(folder: Path, tmp_path: Path) -> None:
    first = scan(folder, tmp_path / "cache")
    index = tmp_path / "cache" / "v1" / "index.json"
    [row, *_] = json.loads(index.read_text(encoding="utf-8")).values()
    # Older indexes kept each absolute path, in hex: such keys must not match, nor be kept.
    old = {os.path.abspath(folder / name).encode().hex(): row for name in ("一般.txt", "簽呈.txt")}
    index.write_text(json.dumps(old), encoding="utf-8")
    run = scan(folder, tmp_path / "cache")
    assert run.cache_hits == 2 and comparable(run) == comparable(first)  # entries found by content
    assert not set(old) & set(json.loads(index.read_text(encoding="utf-8")))  # no path left in it


def test_items_come_back_named_below_the_file_where_it_is_now(tmp_path: Path) -> None:
    """An entry holds item paths below their file, so the same archive found at another path
    (a new checkout) gets its items named there, not where it was first scanned."""
    data = zip_of({"內部/名冊.txt": SECRET.encode(), "外層.zip": b"x"})
    for place in ("a", "b!c"):
        (tmp_path / place).mkdir()
        (tmp_path / place / "資料.zip").write_bytes(data)
    first = scan(tmp_path / "a", tmp_path / "cache")
    second = scan(tmp_path / "b!c", tmp_path / "cache")
    assert (first.cache_hits, second.cache_hits) == (0, 1)
    for run, place in ((first, "a"), (second, "b!c")):
        top = run.results[0]
        assert [item.path for item in top.items] == [f"{tmp_path / place / '資料.zip'}!內部/名冊.txt",
                                                     f"{tmp_path / place / '資料.zip'}!外層.zip"]
    assert comparable(scan_uncached(tmp_path / "b!c")) == comparable(second)


def _entries(cache_dir: Path) -> set[Path]:
    return {p for p in (cache_dir / "v1").glob("*/*/*.json")}


def test_index_rows_unused_for_the_keep_period_are_dropped(folder: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """A CI workspace path that is gone (a new one each build) leaves its rows behind: they go."""
    import leakscan.cache

    scan(folder, tmp_path / "cache")
    elsewhere = tmp_path / "build-2"
    elsewhere.mkdir()
    (elsewhere / "其他.txt").write_text("一般公文。", encoding="utf-8")
    today = leakscan.cache._today()
    monkeypatch.setattr(leakscan.cache, "_today", lambda: today + KEEP_DAYS)
    scan(elsewhere, tmp_path / "cache")  # the first rows are exactly KEEP_DAYS old: kept
    index = tmp_path / "cache" / "v1" / "index.json"
    assert len(json.loads(index.read_text(encoding="utf-8"))) == 3
    monkeypatch.setattr(leakscan.cache, "_today", lambda: today + KEEP_DAYS + 1)
    run = scan(elsewhere, tmp_path / "cache")  # a hit: its row is used, the two others are not
    assert run.cache_hits == 1
    rows = json.loads(index.read_text(encoding="utf-8"))
    assert [row[-1] for row in rows.values()] == [today + KEEP_DAYS + 1]


def test_entries_unused_for_the_keep_period_are_pruned_once_a_day(folder: Path, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    scan(folder, cache_dir)
    used = _entries(cache_dir)
    assert len(used) == 2
    stale = cache_dir / "v1" / ("0" * 32) / "ab" / ("ab" + "0" * 62 + ".json")  # an older version
    stale.parent.mkdir(parents=True)
    stale.write_text("{}", encoding="utf-8")
    long_ago = time.time() - (KEEP_DAYS + 1) * 86400
    for path in (*used, stale):
        os.utime(path, (long_ago, long_ago))
    scan(folder, cache_dir)  # pruned a moment ago by the first run: not again today
    assert _entries(cache_dir) == used | {stale}
    os.utime(cache_dir / "v1" / "pruned", (long_ago, long_ago))
    run = scan(folder, cache_dir)  # both hit (refreshed), then the stale one and its folders go
    assert run.cache_hits == 2
    assert _entries(cache_dir) == used and not stale.parent.parent.exists()
    assert all(p.stat().st_mtime > long_ago + 86400 for p in used)


def test_a_prune_that_fails_costs_no_result(folder: Path, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    first = scan(folder, tmp_path / "cache")

    def refuse(self: ResultCache, *, force: bool = False) -> int:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(ResultCache, "prune", refuse)
    again = scan(folder, tmp_path / "cache")
    assert again.cache_hits == 2 and comparable(again) == comparable(first)


def test_prune_touches_nothing_but_the_caches_own_entries(folder: Path, tmp_path: Path) -> None:
    """A --cache folder that also holds other files (a repository with a v1/ folder) keeps them."""
    cache_dir = tmp_path / "cache"
    scan(folder, cache_dir)
    version = next(p for p in (cache_dir / "v1").iterdir() if p.is_dir())
    others = [cache_dir / "v1" / "api" / "handlers" / "old.py",  # not a version folder
              version / "notes" / "old.txt",                      # not a shard folder
              version / "ab" / "README.md",                       # not an entry name
              version / "ab" / ("c" * 64 + ".json.bak")]
    for path in others:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("keep", encoding="utf-8")
    outside = tmp_path / "outside.json"
    outside.write_text("keep", encoding="utf-8")
    (version / "cd").mkdir()
    (version / "cd" / ("d" * 64 + ".json")).symlink_to(outside)
    stale = version / "ef" / ("e" * 64 + ".json")
    stale.parent.mkdir()
    stale.write_text("{}", encoding="utf-8")
    long_ago = time.time() - (KEEP_DAYS + 1) * 86400
    for path in (*others, outside, stale):
        os.utime(path, (long_ago, long_ago))
    scanner = _default_scanner("share")
    assert ResultCache(cache_dir, version_key(scanner, None), scanner, None).prune(force=True) == 1
    assert not stale.exists() and not stale.parent.exists()
    assert all(path.read_text(encoding="utf-8") == "keep" for path in (*others, outside))
    assert (version / "cd" / ("d" * 64 + ".json")).is_symlink()


def test_a_prune_goes_on_past_entries_another_run_deleted(folder: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Another run deletes an entry between this prune listing a folder and looking at it."""
    cache_dir = tmp_path / "cache"
    scan(folder, cache_dir)
    entries = sorted(_entries(cache_dir))
    long_ago = time.time() - (KEEP_DAYS + 1) * 86400
    for path in entries:
        os.utime(path, (long_ago, long_ago))
    real_scandir = os.scandir

    class Raced:  # lists a shard, then the other run deletes its first entry
        def __init__(self, path: str) -> None:
            self.listing = list(real_scandir(path))
            if path == str(entries[0].parent):
                entries[0].unlink()

        def __enter__(self) -> list:
            return self.listing

        def __exit__(self, *exc: object) -> None:
            return None

        def __iter__(self):
            return iter(self.listing)

    monkeypatch.setattr(os, "scandir", Raced)
    scanner = _default_scanner("share")
    ResultCache(cache_dir, version_key(scanner, None), scanner, None).prune(force=True)
    assert _entries(cache_dir) == set() and (cache_dir / "v1" / "pruned").exists()


def test_an_entry_is_written_even_if_another_run_pruned_its_folder(folder: Path, tmp_path: Path) -> None:
    from leakscan.cache import EntryWriter
    from leakscan.model import ScanResult

    writer = EntryWriter(tmp_path / "entries", None)
    writer.write("a.txt", "0" * 64, ScanResult("a.txt", "scanned"))
    first = writer.path("a.txt", "0" * 64)
    first.unlink()
    first.parent.rmdir()  # the folder this writer made, removed by another run's prune
    writer.write("a.txt", "0" * 64, ScanResult("a.txt", "scanned"))
    assert first.exists()


def test_prune_leaves_a_symlinked_v1_alone_and_clears_old_index_leftovers(folder: Path,
                                                                         tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    scan(folder, cache_dir)
    long_ago = time.time() - (KEEP_DAYS + 1) * 86400
    leftover = cache_dir / "v1" / ".tmp-abc123_x.json"  # an index write that was cut short
    leftover.write_text("{", encoding="utf-8")
    os.utime(leftover, (long_ago, long_ago))
    scanner = _default_scanner("share")
    ResultCache(cache_dir, version_key(scanner, None), scanner, None).prune(force=True)
    assert not leftover.exists() and (cache_dir / "v1" / "index.json").exists()

    elsewhere = tmp_path / "elsewhere"
    (cache_dir / "v1").rename(elsewhere)
    (cache_dir / "v1").symlink_to(elsewhere)
    for path in elsewhere.glob("*/*/*.json"):
        os.utime(path, (long_ago, long_ago))
    assert ResultCache(cache_dir, version_key(scanner, None), scanner, None).prune(force=True) == 0
    assert list(elsewhere.glob("*/*/*.json"))
