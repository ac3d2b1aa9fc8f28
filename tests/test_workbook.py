"""The manager's workbook read back with openpyxl: layout, formats, charts, links, no formulas (SPEC §8)."""

from __future__ import annotations

import datetime as dt
import re
import zipfile

import openpyxl
import pytest

from crm_batch.cli import main
from crm_batch.sample import generate

SHEETS = ["总览", "本周行动", "待安排", "群发名单", "待主管处理", "客户分级", "资料完整性", "流失预警", "罚款明细",
          "合规汇总", "生日台历", "数据问题", "列映射"]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    base = tmp_path_factory.mktemp("book")
    generate(base / "input", customers=150, preset="real_estate", seed=11, today=dt.date(2026, 11, 23))
    (base / "rules.toml").write_text("[report]\nmask_phones_in_agent_workbooks = true\n", encoding="utf-8")
    out = base / "output"
    for week in ("2026-11-16", "2026-11-23"):  # two weeks, so history has a trend
        assert main(["--week", week, "--out", str(out), "--per-agent"], base_dir=base) == 0
    return out


@pytest.fixture(scope="module")
def book(run):
    return openpyxl.load_workbook(run / "客户维护周报_2026-W48.xlsx")


def header(ws) -> list[str]:
    return [c.value for c in ws[1]]


def column(ws, name: str) -> str:
    return openpyxl.utils.get_column_letter(header(ws).index(name) + 1)


def test_sheets_in_order_with_frozen_headers_and_filters(book):
    assert book.sheetnames == SHEETS
    for ws in book.worksheets:
        assert ws.freeze_panes == "A2", ws.title
        assert ws.page_setup.orientation == "landscape" and ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.print_title_rows == "$1:$1", ws.title
    for name in SHEETS[1:]:
        ws = book[name]
        assert ws.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(ws.max_column)}{max(ws.max_row, 2)}", name


def test_dates_money_and_percentages_are_real_numbers(book):
    actions = book["本周行动"]
    day = actions[f"{column(actions, '日期')}2"]
    assert isinstance(day.value, dt.datetime) and day.number_format == "yyyy-mm-dd"
    fines = book["罚款明细"]
    amount = fines[f"{column(fines, '金额')}2"]
    assert isinstance(amount.value, int | float) and amount.number_format == "¥#,##0"
    grades = book["客户分级"]
    share = grades[f"{column(grades, '完整度')}2"]
    assert 0 <= share.value <= 1 and share.number_format == "0.0%"
    phone = actions[f"{column(actions, '电话')}2"]
    assert phone.data_type == "s", "phones are text"


def test_grades_and_risk_are_coloured(book):
    def rules(ws):
        return [r.formula[0] for cf in ws.conditional_formatting for r in cf.rules]

    assert {'"A"', '"D"'} <= set(rules(book["客户分级"]))
    assert {'"高"', '"中"', '"低"'} <= set(rules(book["流失预警"]))


def test_overview_has_charts_and_links_to_every_sheet(book):
    ws = book["总览"]
    assert len(ws._charts) == 4  # grade funnel, rates by agent, fines by agent, fines by week
    links = {c.value: c.hyperlink.location for row in ws.iter_rows() for c in row if c.hyperlink}
    assert set(links) == set(SHEETS[1:])
    assert all(location == f"'{name}'!A1" for name, location in links.items())


def test_compliance_has_a_totals_row_equal_to_the_fines(book):
    ws = book["合规汇总"]
    rows = list(ws.iter_rows(values_only=True))
    totals = next(dict(zip(rows[0], r, strict=True)) for r in rows[1:] if r[0] == "合计")
    fines = [dict(zip(header(book["罚款明细"]), r, strict=True))
             for r in book["罚款明细"].iter_rows(min_row=2, values_only=True)]
    charged = [f["金额"] for f in fines if f["状态"] == "罚款"]
    assert charged and totals["建议金额"] == pytest.approx(sum(charged))
    assert totals["罚款笔数"] == len(charged) and totals["待核实"] == len(fines) - len(charged)


def test_no_cell_is_a_formula(run):
    for path in [run / "客户维护周报_2026-W48.xlsx", *sorted((run / "经纪人").glob("*.xlsx"))]:
        wb = openpyxl.load_workbook(path)
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                assert all(c.data_type != "f" for c in row), (path.name, ws.title)


def test_agent_workbooks_hold_only_their_own_rows_with_masked_phones(run, book):
    agents = {r[1] for r in book["本周行动"].iter_rows(min_row=2, values_only=True)}
    files = sorted((run / "经纪人").glob("*.xlsx"))
    assert {f.stem for f in files} >= agents
    for path in files:
        wb = openpyxl.load_workbook(path)
        assert wb.sheetnames == ["本周行动", "待安排", "群发名单", "待主管处理", "客户名单", "流失预警", "罚款明细",
                                 "数据问题"]
        for name in ("本周行动", "客户名单", "流失预警", "罚款明细"):
            ws = wb[name]
            who = header(ws).index("经纪人")
            assert {r[who] for r in ws.iter_rows(min_row=2, values_only=True) if r[who]} <= {path.stem}, name
        ws = wb["客户名单"]
        phones = [r[header(ws).index("联系电话")] for r in ws.iter_rows(min_row=2, values_only=True)]
        assert not [p for p in phones if p and re.fullmatch(r"1\d{10}", p)], "no mobile number left unmasked"
        assert any(p and re.fullmatch(r"1\d{2}\*{4}\d{4}", p) for p in phones)


def cell_values(path):
    book = openpyxl.load_workbook(path)
    return {ws.title: [tuple(c.value for c in row) for row in ws.iter_rows()] for ws in book.worksheets}


def test_running_the_same_week_twice_gives_the_same_workbook(run):
    report = run / "客户维护周报_2026-W48.xlsx"
    first = cell_values(report)
    # Same inputs, same history folder: the re-run replaces its own snapshot and charges nothing twice.
    assert main(["--week", "2026-11-23", "--out", str(run), "--per-agent"], base_dir=run.parent) == 0
    assert cell_values(report) == first


def test_cell_values_survive_the_writer_exactly(tmp_path):
    """The main table's rows are built as sheet XML: every kind of value must read back as written."""
    import math

    import pandas as pd

    from crm_batch.report.workbook import EXCEL_MAX_TEXT, Block, Column, Table, write_workbook

    frame = pd.DataFrame({
        "text": ["=SUM(A1:A2)", "a & b <c> \"d\"", "bell\x07tab\tend", "x" * 40_000, None, "", "  两边空格  ",
                 "多\n行"],
        "when": pd.to_datetime(["1900-01-01 00:00", "1900-03-01 00:00", "2100-12-31 00:00", "2026-11-23 14:30",
                                None, None, None, None]),
        "money": [1234.5, math.inf, math.nan, 0.1 + 0.2, -7, None, 3, 1e20],
        "phone": ["013812345678", "+8613812345678", "备注_x000D_原样", "\t前面是制表符", "后面是换行\n",
                  " 前面一个空格", "中间 的 空格", "全角空格在后\u3000"],
    })
    columns = [Column("文本", "text", "wrap"), Column("日期", "when", "datetime"), Column("金额", "money", "money"),
               Column("电话", "phone"), Column("不存在的列", "missing")]
    block = Block("附表", [Column("名称", "name"), Column("数", "n", "int")], pd.DataFrame({"name": ["甲"], "n": [2]}))
    path = write_workbook(tmp_path / "t.xlsx", [Table("表", columns, frame, blocks=[block])])
    ws = openpyxl.load_workbook(path)["表"]
    assert [c.value for c in ws[1]] == ["文本", "日期", "金额", "电话", "不存在的列"]
    text = [ws.cell(row, 1).value for row in range(2, 10)]
    assert text == ["=SUM(A1:A2)", "a & b <c> \"d\"", "belltab\tend", "x" * (EXCEL_MAX_TEXT - 1) + "…", None,
                    None, "  两边空格  ", "多\n行"]
    assert all(ws.cell(row, 1).data_type == "s" for row in (2, 3, 4))
    assert [ws.cell(row, 2).value for row in range(2, 6)] == [
        dt.datetime(1900, 1, 1), dt.datetime(1900, 3, 1), dt.datetime(2100, 12, 31), dt.datetime(2026, 11, 23, 14, 30)]
    assert ws.cell(2, 2).number_format == "yyyy-mm-dd hh:mm"
    # Stored to 16 significant digits, as xlsxwriter's own write_number stores them: 0.1 + 0.2 is 0.3.
    assert [ws.cell(row, 3).value for row in range(2, 10)] == [1234.5, None, None, 0.3, -7, None, 3, 1e20]
    assert ws.cell(2, 3).number_format == "¥#,##0"
    assert [ws.cell(row, 4).value for row in (2, 3)] == ["013812345678", "+8613812345678"]
    # Whitespace at the ends of a text survives (xml:space="preserve" on exactly those cells).
    padded = ["\t前面是制表符", "后面是换行\n", " 前面一个空格", "中间 的 空格", "全角空格在后\u3000"]
    assert [ws.cell(row, 4).value for row in range(5, 10)] == padded
    with zipfile.ZipFile(path) as zf:  # Excel itself drops those spaces without the attribute
        xml = zf.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert all(re.search(rf'<c r="D{row}"[^>]*><is><t xml:space="preserve">', xml) for row in (5, 6, 7, 9))
    assert re.search(r'<c r="D8"[^>]*><is><t>中间', xml)
    # Excel (and LibreOffice) read _x000D_ as an escaped carriage return: written text saying it is escaped.
    assert "备注_x005F_x000D_原样" in xml
    assert ws.row_dimensions[1].height == 30 and ws.row_dimensions[9].height == 27.75  # two lines, on the pixel grid
    # The block's rows come after the table's, written by xlsxwriter: title, header, one row.
    assert [ws.cell(r, 1).value for r in (11, 12, 13)] == ["附表", "名称", "甲"] and ws.cell(13, 2).value == 2
    assert ws.max_row == 13


@pytest.mark.slow
def test_a_table_longer_than_excel_allows_ends_with_a_note_not_a_broken_file(tmp_path):
    import numpy as np
    import pandas as pd

    from crm_batch.report.workbook import EXCEL_MAX_ROWS, Column, Table, write_workbook

    frame = pd.DataFrame({"n": np.arange(EXCEL_MAX_ROWS + 9)})
    path = write_workbook(tmp_path / "t.xlsx", [Table("数据问题", [Column("序号", "n", "int")], frame)])
    xml = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode()
    assert f'<dimension ref="A1:A{EXCEL_MAX_ROWS}"/>' in xml
    assert f'<row r="{EXCEL_MAX_ROWS + 1}"' not in xml
    # Excel's last row says how many rows did not fit: 1,048,574 rows were written, 11 were not.
    assert f'<row r="{EXCEL_MAX_ROWS}"' in xml and f'<c r="A{EXCEL_MAX_ROWS}" s=' in xml
    strings = zipfile.ZipFile(path).read("xl/sharedStrings.xml").decode()
    assert "以下还有 11 行超出 Excel 的行数上限" in strings


def test_columns_in_several_arrow_chunks_are_written_whole_and_the_zip_is_valid(tmp_path):
    # A column assembled by concat is a chunked arrow array; its rows' XML comes out of each chunk's buffer.
    import pandas as pd
    import pyarrow as pa

    from crm_batch.report.workbook import Column, Table, write_workbook

    names = pd.Series(pd.arrays.ArrowExtensionArray(pa.chunked_array([["甲", "乙"], [], ["丙 & 丁"]])))
    counts = pd.Series(pd.arrays.ArrowExtensionArray(pa.chunked_array([[1, 2], [3]])))
    frame = pd.DataFrame({"name": names, "n": counts})
    tables = [Table("表", [Column("姓名", "name"), Column("次数", "n", "int")], frame),
              Table("乙", [Column("姓名", "name")], frame.head(2))]
    path = write_workbook(tmp_path / "t.xlsx", tables)
    ws = openpyxl.load_workbook(path)["表"]
    assert [[c.value for c in row] for row in ws.iter_rows(min_row=2)] == [["甲", 1], ["乙", 2], ["丙 & 丁", 3]]
    with zipfile.ZipFile(path) as packed:
        assert packed.testzip() is None  # every CRC and size right
        assert {"xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"} <= set(packed.namelist())
        assert {i.compress_type for i in packed.infolist()} == {zipfile.ZIP_DEFLATED}


# Every kind of value and style the report writes, and the awkward texts.
AWKWARD = {
    "text": ["=SUM(A1:A2)", "a & b <c>", "bell\x07end", "x" * 40_000, None, "", "  两边空格  ", "多\n行\n三行",
             "回车\r\n换行", "备注_x000D_原样", "\t制表符在前", "A"],
    "when": ["2026-11-23", "1900-01-01", "1900-03-01", None, "not a date", "2100-12-31", "2026-01-01", None,
             "2026-02-28", "2026-03-01", "2026-12-31", "2026-06-30"],
    "at": ["2026-11-23 14:30", None, "2026-01-01 00:00", None, None, None, None, None, None, None, None, None],
    "money": [1234.5, float("inf"), float("nan"), 0.1 + 0.2, -7, None, 3, 1e20, 0, 10, 20, 30],
    "rate": [0.5, 1, 0, None, 0.333, 0.25, 1, 0, 0, 0, 0, 0],
    "n": [1, 2, 3, None, 5, 6, 7, 8, 9, 10, 11, 12],
    "grade": ["A", "B", "C", "D", None, "A", "B", "C", "D", "A", "B", "高"],
}


def _awkward_tables():
    import pandas as pd

    from crm_batch.report.workbook import Block, Chart, Column, Table

    frame = pd.DataFrame({k: pd.Series(v, dtype="object") for k, v in AWKWARD.items()})
    frame["when"] = pd.to_datetime(frame["when"], errors="coerce")
    frame["at"] = pd.to_datetime(frame["at"], errors="coerce")
    columns = [Column("文本", "text", "wrap"), Column("日期", "when", "date"), Column("时间", "at", "datetime"),
               Column("金额", "money", "money"), Column("比例", "rate", "percent"), Column("次数", "n", "int"),
               Column("等级", "grade", "center", colours={"A": "#C6EFCE", "高": "#FFC7CE"}),
               Column("没有的列", "missing")]
    block = Block("附表", [Column("工作表", "sheet", "link"), Column("数", "n", "int")],
                  pd.DataFrame({"sheet": ["表", "空"], "n": [2, 3]}), Chart("图", "bar"))
    return [Table("表", columns, frame, blocks=[block], total_row=True),
            Table("空", columns, frame.iloc[:0], note="没有数据。")]


def _cell_facts(path, inline=False):
    """Every cell's value and style, and the sheets' settings. ``inline``: the book's texts are inline strings,
    which Excel unescapes (_x005F_x000D_ reads _x000D_) and openpyxl, unlike its shared strings, does not."""
    from openpyxl.utils.escape import unescape

    book = openpyxl.load_workbook(path)
    facts = {}
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is None and not cell.has_style:
                    continue
                value = unescape(cell.value) if inline and isinstance(cell.value, str) else cell.value
                facts[(ws.title, cell.coordinate)] = (
                    value, cell.data_type, cell.number_format, cell.font.b, cell.font.i,
                    cell.font.color.rgb if cell.font.color else None, cell.fill.fgColor.rgb,
                    cell.alignment.wrap_text, cell.alignment.horizontal, cell.alignment.vertical)
        facts[(ws.title, "heights")] = {r: d.height for r, d in ws.row_dimensions.items() if d.height}
        facts[(ws.title, "widths")] = {c: d.width for c, d in ws.column_dimensions.items()}
        facts[(ws.title, "settings")] = (ws.freeze_panes, ws.auto_filter.ref, ws.dimensions,
                                         len(ws.conditional_formatting), ws.print_title_rows)
    return facts


def test_the_fast_path_writes_exactly_what_xlsxwriters_own_calls_write(tmp_path):
    """TableSheet (sheet XML built with pyarrow) against the plain path (write_string, write_number …): every
    cell's value and style, row heights, widths and sheet settings are the same."""
    from crm_batch.report.workbook import write_workbook

    fast = _cell_facts(write_workbook(tmp_path / "fast.xlsx", _awkward_tables(), fast=True), inline=True)
    plain = _cell_facts(write_workbook(tmp_path / "plain.xlsx", _awkward_tables(), fast=False))
    assert fast.keys() == plain.keys()
    assert {k: v for k, v in fast.items() if plain[k] != v} == {}
    assert fast[("表", "A4")][0] == "bellend" and fast[("表", "A10")][0] == "回车\n换行"
    assert fast[("表", "B3")][0] == dt.datetime(1900, 1, 1) and ("表", "D3") not in fast  # inf: a blank cell
    assert fast[("表", "heights")][9] == 42 and fast[("表", "heights")][10] == 27.75  # three lines, two
    assert fast[("表", "D5")][0] == 0.3 and fast[("表", "A11")][0] == "备注_x000D_原样"


def test_a_cell_written_into_the_main_tables_rows_is_an_error_not_a_silent_loss(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    import pandas as pd
    import xlsxwriter

    from crm_batch.report.workbook import Column, Table, TableSheet

    book = xlsxwriter.Workbook(str(tmp_path / "t.xlsx"))
    sheet = book.add_worksheet("表", worksheet_class=TableSheet)
    table = Table("表", [Column("姓名", "name")], pd.DataFrame({"name": ["甲", "乙", "丙"]}))
    with ThreadPoolExecutor(1) as builder:
        sheet.attach(table, book.add_format({"bold": True}), [book.add_format()], builder)
    sheet.write_string(2, 0, "覆盖")  # the table's second row
    with pytest.raises(ValueError, match="row 3 belongs to the main table"):
        book.close()
