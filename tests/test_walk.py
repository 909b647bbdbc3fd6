"""The walker: ignore files, globs, symlinks, special files, sizes and hostile names."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from leakscan.errors import ConfigError
from leakscan.walk import WalkOptions, display_path, read_regular, skip_reason, walk


def tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


DEFAULT = WalkOptions()


def scanned(root: Path, options: WalkOptions = DEFAULT) -> list[str]:
    return [Path(e.path).relative_to(root).as_posix() for e in walk([str(root)], options).files]


def skips(root: Path, options: WalkOptions = DEFAULT) -> dict[str, str]:
    return {Path(s.path).relative_to(root).as_posix(): s.reason for s in walk([str(root)], options).skipped}


def test_files_come_sorted_by_path_with_their_relative_paths(tmp_path: Path) -> None:
    tree(tmp_path, {"b.txt": "", "a/z.txt": "", "a/b/c.txt": "", "A.txt": ""})
    result = walk([str(tmp_path)])
    assert [e.relative for e in result.files] == ["A.txt", "a/b/c.txt", "a/z.txt", "b.txt"]


def test_ignore_files_at_several_levels_are_relative_to_their_folder(tmp_path: Path) -> None:
    tree(tmp_path, {
        ".leakscanignore": "*.log\nbuild/\n",
        "keep.txt": "", "x.log": "", "build/out.txt": "",
        "sub/.leakscanignore": "!important.log\n/local.txt\n",
        "sub/important.log": "", "sub/other.log": "", "sub/local.txt": "", "sub/deeper/local.txt": "",
    })
    assert scanned(tmp_path) == ["keep.txt", "sub/deeper/local.txt", "sub/important.log"]
    reasons = skips(tmp_path)
    assert reasons == {"build": "ignored", "x.log": "ignored", "sub/other.log": "ignored",
                       "sub/local.txt": "ignored"}


@pytest.mark.parametrize(("options", "expected", "reason"), [
    (WalkOptions(exclude=("*.csv",)), ["a/doc.txt", "top.txt"], {"a/t.csv": "excluded"}),
    (WalkOptions(exclude=("a/",)), ["top.txt"], {"a": "excluded"}),
    (WalkOptions(include=("*.csv",)), ["a/t.csv"], {"a/doc.txt": "not-included", "top.txt": "not-included"}),
    (WalkOptions(include=("a/**",), exclude=("*.csv",)), ["a/doc.txt"],
     {"a/t.csv": "excluded", "top.txt": "not-included"}),
], ids=["exclude-glob", "exclude-folder", "include", "include-and-exclude"])
def test_include_and_exclude_globs(tmp_path: Path, options: WalkOptions, expected: list[str],
                                   reason: dict[str, str]) -> None:
    tree(tmp_path, {"top.txt": "", "a/doc.txt": "", "a/t.csv": ""})
    assert scanned(tmp_path, options) == expected
    assert skips(tmp_path, options) == reason


def test_oversize_files_are_skipped_with_their_size(tmp_path: Path) -> None:
    tree(tmp_path, {"small.txt": "x" * 10, "big.txt": "x" * 11})
    result = walk([str(tmp_path)], WalkOptions(max_size=10))
    assert [Path(e.path).name for e in result.files] == ["small.txt"]
    [skipped] = result.skipped
    assert skipped.reason == "too-large" and skipped.detail == "11 > 10 bytes"


def test_symlinks_out_of_the_tree_are_not_followed(tmp_path: Path) -> None:
    outside = tree(tmp_path / "outside", {"secret.txt": "", "dir/x.txt": ""})
    root = tree(tmp_path / "root", {"a.txt": ""})
    (root / "to-file").symlink_to(outside / "secret.txt")
    (root / "to-dir").symlink_to(outside / "dir")
    (root / "broken").symlink_to(tmp_path / "nothing")
    assert scanned(root) == ["a.txt"]
    assert skips(root) == {"to-file": "symlink-outside", "to-dir": "symlink-folder",
                           "broken": "broken-symlink"}


def test_a_symlink_loop_ends_and_a_file_reached_twice_is_read_once(tmp_path: Path) -> None:
    root = tree(tmp_path, {"a/doc.txt": "", "z.txt": ""})
    (root / "a" / "loop").symlink_to(root)
    (root / "a" / "self").symlink_to("self")
    (root / "0-link.txt").symlink_to(root / "z.txt")  # sorts before its target
    os.link(root / "a" / "doc.txt", root / "hard.txt")
    assert scanned(root) == ["a/doc.txt", "z.txt"]
    assert skips(root) == {"a/loop": "symlink-folder", "a/self": "broken-symlink",
                           "0-link.txt": "duplicate", "hard.txt": "duplicate"}


def test_fifos_are_reported_and_never_opened(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")  # opening it for reading would block the test forever
    tree(tmp_path, {"a.txt": ""})
    result = walk([str(tmp_path)])
    assert [Path(e.path).name for e in result.files] == ["a.txt"]
    [skipped] = result.skipped
    assert (skipped.reason, skipped.detail) == ("special-file", "fifo")
    explicit = walk([str(tmp_path / "pipe")])
    assert not explicit.files and explicit.skipped[0].reason == "special-file"
    with pytest.raises(OSError):
        read_regular(str(tmp_path / "pipe"), 10)  # does not block either


@pytest.mark.usefixtures("locked_folders")
def test_unreadable_folders_are_reported(tmp_path: Path) -> None:
    tree(tmp_path, {"locked/a.txt": "", "b.txt": ""})
    assert scanned(tmp_path) == ["b.txt"]
    [skipped] = walk([str(tmp_path)]).skipped
    assert (Path(skipped.path).name, skipped.reason, skipped.detail) == (
        "locked", "unreadable-folder", "Permission denied")


def test_arguments_keep_their_order_and_stdin_passes_through(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    tree(tmp_path, {"b/1.txt": "", "a/2.txt": ""})
    monkeypatch.chdir(tmp_path)
    result = walk([str(tmp_path / "b"), "-", str(tmp_path / "a" / "2.txt")])
    # Several paths: each file is keyed below the working folder, so names cannot collide.
    assert [e.relative for e in result.files] == ["b/1.txt", "-", "a/2.txt"]
    assert [e.relative for e in walk([str(tmp_path / "b")]).files] == ["1.txt"]


def test_a_named_file_is_read_even_when_an_ignore_file_would_skip_it(tmp_path: Path) -> None:
    tree(tmp_path, {".leakscanignore": "*.log\n", "x.log": ""})
    assert [e.relative for e in walk([str(tmp_path / "x.log")]).files] == ["x.log"]


def test_names_with_newlines_and_bad_bytes_are_walked_and_shown_escaped(tmp_path: Path) -> None:
    odd = tmp_path / "two\nlines.txt"
    odd.write_text("x")
    raw = os.path.join(os.fsencode(tmp_path), b"big5-\xbe\xf7\xb1\x4b.txt")
    with open(raw, "wb") as handle:
        handle.write(b"x")
    names = [display_path(e.relative) for e in walk([str(tmp_path)]).files]
    assert names == ["big5-\\xbe\\xf7\\xb1K.txt", "two\\nlines.txt"]
    for name in names:
        name.encode("utf-8")  # printable and encodable: no surrogate left
        assert "\n" not in name


def test_display_path_leaves_ordinary_names_alone() -> None:
    assert display_path("公文/簽呈 機密.docx") == "公文/簽呈 機密.docx"
    assert display_path("a\x1b[2Jb") == "a\\x1b[2Jb"


def test_skip_reasons_have_words_in_both_languages() -> None:
    assert skip_reason("too-large") == "超過大小上限，未讀取"
    assert skip_reason("too-large", "en") == "over the size limit, not read"
    assert skip_reason("no-such-code") == "no-such-code"


def test_the_cache_folder_inside_the_tree_is_never_scanned(tmp_path: Path) -> None:
    tree(tmp_path, {"a.txt": "", "cache/v1/index.json": "{}"})
    options = WalkOptions(own_folders=(os.path.realpath(tmp_path / "cache"),))
    assert scanned(tmp_path, options) == ["a.txt"]
    assert [(s.reason, s.detail) for s in walk([str(tmp_path)], options).skipped] == [
        ("excluded", "leakscan cache")]


def test_an_ignore_file_pathspec_refuses_is_reported_and_not_applied(tmp_path: Path) -> None:
    """Its rules are dropped, so the folder is scanned in full: more, never less."""
    tree(tmp_path, {"sub/.leakscanignore": "*.log\n!\n", "sub/x.log": "", "top.txt": ""})
    assert scanned(tmp_path) == ["sub/x.log", "top.txt"]
    assert skips(tmp_path) == {"sub/.leakscanignore": "bad-ignore-file"}


def test_an_ignore_file_that_cannot_be_read_is_a_skip_not_an_unread_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing goes unscanned (the folder is scanned in full), so it must not count as a file not
    read, which blocks a --fail-closed run."""
    import builtins

    from leakscan.walk import NOT_READ_SKIPS

    tree(tmp_path, {"sub/.leakscanignore": "*.log\n", "sub/x.log": "", "top.txt": ""})
    real_open = builtins.open

    def refusing(file: object, *args: object, **kwargs: object) -> object:
        if str(file).endswith(".leakscanignore"):
            raise PermissionError(13, "Permission denied")
        return real_open(file, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(builtins, "open", refusing)
    assert scanned(tmp_path) == ["sub/x.log", "top.txt"]
    assert skips(tmp_path) == {"sub/.leakscanignore": "unreadable-ignore-file"}
    assert "unreadable-ignore-file" not in NOT_READ_SKIPS


@pytest.mark.parametrize("option", ["exclude", "include"])
def test_a_glob_pathspec_refuses_is_a_configuration_error(tmp_path: Path, option: str) -> None:
    tree(tmp_path, {"a.txt": ""})
    with pytest.raises(ConfigError, match=f"--{option}: invalid pattern"):
        walk([str(tmp_path)], WalkOptions(**{option: ("!",)}))


def test_a_tree_nested_deeper_than_the_recursion_limit_is_walked(tmp_path: Path) -> None:
    deep = tmp_path.joinpath(*["d"] * 600)
    deep.mkdir(parents=True)
    (deep / "bottom.txt").write_text("x", encoding="utf-8")
    (tmp_path / "top.txt").write_text("x", encoding="utf-8")
    assert scanned(tmp_path) == ["d/" * 600 + "bottom.txt", "top.txt"]
    assert skips(tmp_path) == {}


def test_of_two_links_to_one_file_the_one_walked_first_is_kept(tmp_path: Path) -> None:
    """Folders are walked in full where their name sorts ("a" before "a.txt"), though the list of
    files is then sorted by path ("a.txt" before "a/x.txt")."""
    tree(tmp_path, {"a/x.txt": "", "a/b/y.txt": ""})
    os.link(tmp_path / "a" / "x.txt", tmp_path / "a.txt")
    os.link(tmp_path / "a" / "b" / "y.txt", tmp_path / "a" / "c.txt")
    assert scanned(tmp_path) == ["a/b/y.txt", "a/x.txt"]
    assert skips(tmp_path) == {"a.txt": "duplicate", "a/c.txt": "duplicate"}
