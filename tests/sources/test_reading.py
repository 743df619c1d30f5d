"""Reading files: every cell as text, encodings, formats recognised by content."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from aidmatch.errors import InputError
from aidmatch.sources.reading import cell_text, detect_encoding, read_table_file
from tests.builders import write_csv, write_xls, write_xlsx


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        ("王芳", "王芳"),
        (1.0, "1"),
        (312.5, "312.5"),
        (611022199001011234.0, "6.11022199001011E+17"),  # Excel kept 15 digits; never invent more
        (611022199001011.0, "611022199001011"),  # a 15-digit old ID is exact
        (dt.date(2010, 1, 2), "2010-01-02"),
        (dt.datetime(2010, 1, 2), "2010-01-02"),
        (dt.datetime(2025, 3, 1, 8, 30), "2025-03-01 08:30:00"),
        (True, "TRUE"),
        (float("nan"), ""),
    ],
)
def test_cell_text(value: object, text: str) -> None:
    assert cell_text(value) == text


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_csv_in_every_chinese_encoding(tmp_path: Path, encoding: str) -> None:
    path = write_csv(tmp_path / "a.csv", [["姓名", "身份证号"], ["陈小龙", "61102219900101123X"]],
                     encoding=encoding, delimiter="\t" if encoding == "utf-16" else ",")
    [sheet] = read_table_file(path, "a.csv")
    assert sheet.text_row(1) == ["陈小龙", "61102219900101123X"]


def test_mixed_encodings_are_an_error_naming_lines(tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    path.write_bytes("姓名,身份证号\n".encode() + "王芳,1\n".encode("gbk"))
    with pytest.raises(InputError, match="第 1 行是 UTF-8，第 2 行是 GBK"):
        detect_encoding(path.read_bytes(), "mixed.csv")


def test_xls_and_renamed_xls(tmp_path: Path) -> None:
    path = write_xls(tmp_path / "old.xls", {"Sheet1": [["姓名", "身份证号"],
                                                       ["王芳", 611022199001011234.0]]})
    renamed = tmp_path / "old.xlsx"
    shutil.copy(path, renamed)
    for candidate in (path, renamed):
        [sheet] = read_table_file(candidate, candidate.name)
        assert sheet.text_row(1) == ["王芳", "6.11022199001011E+17"]


def test_broken_and_empty_files_are_clear_errors(tmp_path: Path) -> None:
    good = write_xlsx(tmp_path / "good.xlsx", {"S": [["姓名"]]})
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(good.read_bytes()[:300])
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="已损坏"):
        read_table_file(broken, "broken.xlsx")
    with pytest.raises(InputError, match="空的"):
        read_table_file(empty, "empty.csv")


@pytest.mark.parametrize(("text", "row", "swallowed"), [
    ('姓名,身份证号,类别\n王芳,"6110,x\n李四,2,z\n张三,3,y\n', 2, 2),  # nothing closes it
    ('姓名,身份证号,类别,状态\n王芳,"6110,x,a\n李四,2",z,b\n张三,3,y,c\n', 2, 1),  # closed later
    ('标题\r\n姓名,身份证号,类别\r\n"王\r\n芳",1,x\r\n李四,"2,z\r\n张三,3,y\r\n', 4, 1),
], ids=["unclosed", "closed a line later", "after a legit line break, CRLF"])
def test_a_stray_quote_is_an_error_naming_its_row(tmp_path: Path, text: str, row: int,
                                                   swallowed: int) -> None:
    path = tmp_path / "a.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=f"其后 {swallowed} 行被读成了这一个单元格") as caught:
        read_table_file(path, "a.csv")
    assert caught.value.location.row == row
    assert caught.value.location.column == "身份证号"


def test_line_breaks_inside_quoted_cells_are_read(tmp_path: Path) -> None:
    text = '"资助金额\n（元）",住址,身份证号\n375,"丹凤县,\n3组","611022\n20120304124X"\n'
    path = tmp_path / "a.csv"
    path.write_text(text, encoding="utf-8")
    [sheet] = read_table_file(path, "a.csv")
    assert sheet.rows == [["资助金额\n（元）", "住址", "身份证号"],
                          ["375", "丹凤县,\n3组", "611022\n20120304124X"]]


# Issue 17 (foreign2 F25): web pages saved as .xls, read by content.
PAGE = """<html><head><meta charset="{charset}"><title>名单</title></head><body>
<table><caption>2025年3月 孤儿名单</caption>
<thead><tr><th rowspan="2">姓名</th><th colspan="2">证件</th></tr>
<tr><th>类型</th><th>号码</th></tr></thead>
<tbody><tr><td>陈&nbsp;小龙</td><td>居民身份证</td><td>611022<br>20081010555X</td></tr>
<tr><td colspan="3">合计：1 人 &amp; 无</td></tr></tbody></table>
<p>说明</p><table><tr><td>第二张表</td></tr></table></body></html>"""


@pytest.mark.parametrize(("suffix", "charset", "encoding", "prefix"), [
    (".xls", "utf-8", "utf-8", b""),
    (".xlsx", "GB2312", "gbk", b"  \r\n"),
    (".htm", "gbk", "gb18030", b""),
    (".html", "utf-8", "utf-8", b"\xef\xbb\xbf\n"),
    (".xls", "iso-8859-1", "gbk", b""),  # the page declares the wrong charset: detected instead
])
def test_html_tables_are_read_as_sheets(tmp_path: Path, suffix: str, charset: str,
                                        encoding: str, prefix: bytes) -> None:
    path = tmp_path / f"孤儿{suffix}"
    path.write_bytes(prefix + PAGE.format(charset=charset).encode(encoding))
    first, second = read_table_file(path, path.name)
    assert (first.name, second.name) == ("表1", "表2")
    if charset != "iso-8859-1":
        assert first.rows == [
            ["2025年3月 孤儿名单"],  # the caption as a title row
            ["姓名", "证件", "证件"], ["姓名", "类型", "号码"],
            ["陈 小龙", "居民身份证", "611022\n20081010555X"],
            ["合计：1 人 & 无", "合计：1 人 & 无", "合计：1 人 & 无"]]
        assert second.rows == [["第二张表"]]


def test_html_without_a_table_is_an_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "低保.xls"
    path.write_text("<!doctype html><html><body>登录已过期</body></html>", encoding="utf-8")
    with pytest.raises(InputError) as error:
        read_table_file(path, "低保.xls")
    assert "低保.xls" in str(error.value) and "没有表格" in str(error.value)


def test_a_csv_mentioning_html_is_still_a_csv(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", [["姓名", "备注"], ["王芳", "<table>"]])
    [sheet] = read_table_file(path, "a.csv")
    assert sheet.rows == [["姓名", "备注"], ["王芳", "<table>"]]


@pytest.mark.parametrize(
    ("text", "columnar"),
    [
        ("姓名,身份证号\n王芳,1\n李四,2\n", True),
        ("姓名,身份证号\r\n王芳,1\r\n李四,2", True),
        ('姓名,身份证号\n"王,芳","1\n2"\n"",""""\n', True),
        ("标题\n姓名,身份证号\n王芳,1\n", False),  # a title row narrower than the table
        ("姓名,身份证号\n\n王芳,1\n", False),  # a blank line is a row of its own
        ('姓名,身份证号\n王"芳,1\n', False),  # a quote inside a cell: literal to the csv module
        ('姓名,身份证号\n"王芳"x,1\n', False),  # text after a closing quote
        ('姓名,身份证号\n"王芳,1\n', False),  # a quote never closed
        ("姓名,身份证号\r王芳,1\r", False),  # old Mac line ends
    ],
)
def test_columnar_csv_reading_gives_the_rows_of_the_row_reader(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, columnar: bool) -> None:
    """A CSV is read column-wise only when that gives exactly the csv module's rows; any other
    file is read row by row, with the same result."""
    from aidmatch.sources import reading

    path = tmp_path / "a.csv"
    path.write_bytes(text.encode())
    try:
        [sheet] = read_table_file(path, "a.csv")
        fast: object = [list(row) for row in sheet.rows]
    except InputError as exc:
        sheet, fast = None, str(exc)
    assert (sheet is not None and sheet.columns is not None) == columnar
    monkeypatch.setattr(reading, "_columnar", lambda *args: None)
    try:
        [slow_sheet] = read_table_file(path, "a.csv")
        slow: object = [list(row) for row in slow_sheet.rows]
    except InputError as exc:
        slow = str(exc)
    assert fast == slow
