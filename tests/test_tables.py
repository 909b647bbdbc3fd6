"""Rosters in every table format: a value under a personal-data column header is read with the
header's label (as in .xlsx), located at its own cell; text outside labelled cells reads as before."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pytest

from leakscan import Finding, Scanner
from leakscan.extract.tables import header_label, labels

from .fixtures_docx import table_docx
from .fixtures_odf import table_ods, table_odt
from .fixtures_office import national_ids

ROSTER = [["姓名", "出生日期", "護照號碼"], ["王小明", "75.03.02", "312345678"]]
HTML = ("<html><body>\n<p>名冊</p>\n<table>\n<tr><th>姓名</th><th>出生日期</th><th>護照號碼</th></tr>\n"
        "<tr><td>王小明</td><td>75.03.02</td><td>312345678</td></tr>\n</table>\n</body></html>\n")
MARKDOWN = "# 名冊\n\n| 姓名 | 出生年月日 | 護照號碼 |\n|---|---|---|\n| 王小明 | 75.3.2 | 312345678 |\n"
IDS = national_ids(5)
CSV = "編號,姓名,身分證字號,出生日期,手機,戶籍地址\n" + "".join(
    f"{i},學員{i},{IDS[i - 1]},{70 + i}.03.0{i},091234567{i},臺北市中正區重慶南路1段{i}號\n"
    for i in range(1, 6))


def _found(scanner: Scanner, data: bytes, name: str) -> dict[str, list[Finding]]:
    found: dict[str, list[Finding]] = {}
    for finding in scanner.scan_bytes(data, name).findings:
        found.setdefault(finding.rule, []).append(finding)
    return found


def _where(text: str, value: str) -> tuple[int, int]:
    """1-based line and column of ``value`` in ``text``."""
    offset = text.index(value)
    return text.count("\n", 0, offset) + 1, offset - text.rfind("\n", 0, offset)


def _signature(scanner: Scanner, data: bytes, name: str) -> list[tuple[str, str, int | None, int | None]]:
    return sorted((f.rule, f.severity, f.location.line, f.location.column)
                  for f in scanner.scan_bytes(data, name).findings)


@pytest.mark.parametrize(("make", "name"), [
    (table_docx, "名冊.docx"),
    (table_odt, "名冊.odt"),
    (table_ods, "名冊.ods"),
    (lambda rows: HTML.encode(), "名冊.html"),
    (lambda rows: MARKDOWN.encode(), "名冊.md"),
    (lambda rows: "".join(",".join(row) + "\n" for row in rows).encode(), "名冊.csv"),
    (lambda rows: "".join("\t".join(row) + "\r\n" for row in rows).encode(), "名冊.tsv"),
], ids=["docx", "odt", "ods", "html", "markdown", "csv", "tsv"])
def test_roster_values_are_read_with_their_column_header(
        scanner: Scanner, make: Callable[[list[list[str]]], bytes], name: str) -> None:
    found = _found(scanner, make(ROSTER), name)
    birth, passport = found["date-of-birth"], found["passport-number"]
    assert [f.severity for f in birth + passport] == ["medium", "medium"]
    for finding, col in ((birth[0], 2), (passport[0], 3)):
        assert (finding.location.part, finding.location.row, finding.location.col) == ("table", 2, col)
    assert "312345678" not in passport[0].masked  # still masked
    if name.endswith((".csv", ".tsv", ".md")):  # text files: the cell's own line and column
        text = make(ROSTER).decode()
        value = "75.3.2" if name.endswith(".md") else "75.03.02"
        assert (birth[0].location.line, birth[0].location.column) == _where(text, value)
        assert (passport[0].location.line, passport[0].location.column) == _where(text, "312345678")


@pytest.mark.parametrize(("name", "delimiter"), [("名冊.csv", ","), ("名冊.tsv", "\t")], ids=["csv", "tsv"])
def test_every_row_of_a_csv_roster_is_labelled(scanner: Scanner, name: str, delimiter: str) -> None:
    text = CSV.replace(",", delimiter)
    counts = Counter((f.rule, f.severity) for f in scanner.scan_bytes(text.encode(), name).findings)
    for rule in ("date-of-birth", "home-address", "tw-national-id", "tw-mobile"):
        assert counts[(rule, "medium")] == 5, rule
    births = _found(scanner, text.encode(), name)["date-of-birth"]
    assert [(f.location.line, f.location.column) for f in births] == [
        _where(text, f"{70 + i}.03.0{i}") for i in range(1, 6)]


def test_csv_without_a_personal_data_header_reads_as_before(scanner: Scanner) -> None:
    data = ("案號,日期,內容\n第1案,75.03.02,底價新臺幣1,234,000元\n"
            "第2案,0912345678,\"檢舉人王小明，手機0912345678\"\n第3案,備註,密碼：Tpe@2026!x\n").encode()
    before = _signature(scanner, data, "案件.txt")  # the plain-text reading, unchanged
    assert {rule for rule, *_ in before} >= {"bid-floor-price-amount", "tw-mobile", "password-value"}
    assert _signature(scanner, data, "案件.csv") == before


@pytest.mark.parametrize("text", [
    "姓名,出生日期,備註\n王小明,75.03.02,\"未閉合\n陳大華,76.04.05,密碼：Tpe@2026!x 身分證A123456789\n",
    "姓名,出生日期\n王小明,75.03.02\n\"陳大華\"x,76.04.05,密碼：Tpe@2026!x 身分證A123456789\n",
], ids=["unbalanced-quote", "text-after-quote"])
def test_malformed_csv_is_still_read_in_full(scanner: Scanner, text: str) -> None:
    found = _found(scanner, text.encode(), "名冊.csv")
    assert found["password-value"][0].location.line == 3
    assert found["tw-national-id"][0].location.line == 3
    as_text = _signature(scanner, text.encode(), "名冊.txt")
    # what the plain reading finds outside the labelled cells is still found
    assert {(r, line) for r, _, line, _ in as_text if r != "date-of-birth"} <= {
        (r, line) for r, _, line, _ in _signature(scanner, text.encode(), "名冊.csv")}


def test_csv_cell_holding_a_newline_keeps_lines_of_later_cells(scanner: Scanner) -> None:
    text = "姓名,戶籍地址,出生日期\n王小明,\"臺北市中正區重慶南路1段2號\n（戶籍）\",75.03.02\n"
    found = _found(scanner, text.encode(), "名冊.csv")
    address, birth = found["home-address"][0], found["date-of-birth"][0]
    assert address.severity == birth.severity == "medium"
    assert (address.location.line, address.location.column) == _where(text, "臺北市")
    assert (birth.location.line, birth.location.column) == _where(text, "75.03.02")
    assert (birth.location.row, birth.location.col) == (2, 3)


def test_row_context_outside_labelled_cells_still_holds(scanner: Scanner) -> None:
    text = "姓名,手機,備註\n王小明,0912345678,檢舉人陳大文 聯絡電話0987654321\n"
    found = _found(scanner, text.encode(), "名冊.csv")
    assert sorted(f.severity for f in found["tw-mobile"]) == ["high", "medium"]


def test_labelled_value_is_not_found_twice_nor_reaches_the_next_cell(scanner: Scanner) -> None:
    text = "姓名,出生日期,到職日期,密碼\n王小明,75.03.02,110.01.01,Tpe@2026!x\n"
    found = _found(scanner, text.encode(), "名冊.csv")
    assert [f.location.col for f in found["date-of-birth"]] == [2]
    assert len(found["password-value"]) == 1 and "," not in found["password-value"][0].masked


@pytest.mark.parametrize(("text", "label"), [
    ("出生日期", "出生日期"), ("身分證字號：", "身分證字號"), ("護照號碼（外籍）", "護照號碼（外籍）"),
    ("帳號（14碼）", "帳號（14碼）"), ("備註", None), ("身分證字號A123456789", None),
    ("本表所列出生日期一律以民國年月日表示，填寫時請勿使用西元年", None),
], ids=["birth", "trailing-colon", "bracketed", "digits-in-label", "no-label", "label-with-value",
        "sentence"])
def test_header_label(text: str, label: str | None) -> None:
    assert header_label(text) == label


def test_labels_come_from_the_header_row_or_the_left_neighbour() -> None:
    rows = [[(1, 1, "姓名", "a"), (1, 2, "手機", "b")], [(2, 1, "王小明", "c"), (2, 2, "0912345678", "d")],
            [(3, 1, "密碼", "e"), (3, 2, "Tpe@2026!x", "f")]]
    assert [(cell[3], label) for cell, label in labels(rows)] == [
        ("a", None), ("b", None), ("c", None), ("d", "手機"), ("e", None), ("f", "手機")]


def test_a_line_id_column_is_read_with_its_label(scanner) -> None:
    data = "姓名,LINE ID,手機\n王小明,wang0912,0912345678\n李大華,lee.dh,0922333444\n".encode()
    found = [(f.rule, f.location.row, f.location.col) for f in scanner.scan_bytes(data, "名冊.csv").findings]
    assert [(rule, row, col) for rule, row, col in found if rule == "line-id"] == [("line-id", 2, 2),
                                                                                  ("line-id", 3, 2)]
