"""主管确认: the manager marks fines in the report, the tool reads the decisions back and keeps them.

The manager edits 罚款明细 in Excel or WPS: only cell values come back, rows may be
re-sorted, a drop-down value may carry stray spaces. Decisions are matched by
罚款编号, kept in the history, and survive every re-run of the week.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from crm_batch.cli import main
from crm_batch.decisions import DecisionBook, merge_decisions, read_decisions
from crm_batch.ingest.inputs import discover, find_reports, is_report
from crm_batch.rules.penalties import codes_of, fine_codes
from crm_batch.sample import generate
from tests.conftest import overview_of, write_xlsx

WEEK, NEXT_WEEK = "2026-11-23", "2026-11-30"  # audits 11-16 … 11-22 and 11-23 … 11-29
REPORT, NEXT_REPORT = "客户维护周报_2026-W48.xlsx", "客户维护周报_2026-W49.xlsx"


@pytest.fixture
def office(tmp_path) -> Path:
    """A generated office (registers in input/), its data up to 2026-11-23."""
    generate(tmp_path / "input", customers=150, seed=5, today=dt.date(2026, 11, 23))
    return tmp_path


def run(base: Path, week: str = WEEK) -> int:
    return main(["--week", week, "--out", str(base / "output")], base_dir=base)


def sheet_rows(path: Path, sheet: str) -> list[dict]:
    header, *body = openpyxl.load_workbook(path, read_only=True)[sheet].iter_rows(values_only=True)
    return [dict(zip(header, r, strict=True)) for r in body]


def overview(path: Path) -> dict:
    return overview_of(openpyxl.load_workbook(path, read_only=True))


def edit_as_a_manager(path: Path, decisions: dict[str, tuple[str, str | None]], *, reverse: bool = True,
                      codes: dict[str, str] | None = None) -> None:
    """Set 主管确认 / 备注 by 罚款编号 the way a manager does in Excel: values typed into cells, rows re-sorted."""
    book = openpyxl.load_workbook(path)
    sheet = book["罚款明细"]
    header = [c.value for c in sheet[1]]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    if reverse:  # sorted the other way round, as a manager sorting by a column does
        rows.reverse()
    code, decision, note = header.index("罚款编号"), header.index("主管确认"), header.index("备注")
    for row in rows:
        if row[code] in decisions:
            row[decision], row[note] = decisions[row[code]]
        if codes and row[code] in codes:
            row[code] = codes[row[code]]
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            sheet.cell(r, c).value = value
    book.save(path)


def charged(path: Path) -> list[dict]:
    return [f for f in sheet_rows(path, "罚款明细") if f["状态"] == "罚款"]


def test_decisions_hold_across_a_rerun_and_the_next_week(office):
    assert run(office) == 0
    report = office / "output" / REPORT
    fines = charged(report)
    assert len(fines) >= 2 and all(f["主管确认"] is None and f["罚款编号"].startswith("F") for f in fines)
    waived, confirmed = fines[0], fines[-1]
    # Excel's drop-down value typed by hand with spaces around it, in a sheet sorted the other way.
    edit_as_a_manager(report, {waived["罚款编号"]: (" 免罚 ", "客户出国，联系不上"),
                               confirmed["罚款编号"]: ("确认", None)})

    assert run(office) == 0  # the same week again: the report is rewritten, the decisions stay
    again = {f["罚款编号"]: f for f in sheet_rows(report, "罚款明细")}
    assert (again[waived["罚款编号"]]["主管确认"], again[waived["罚款编号"]]["备注"]) == ("免罚", "客户出国，联系不上")
    assert again[confirmed["罚款编号"]]["主管确认"] == "确认"
    assert [f["罚款编号"] for f in charged(report)] == [f["罚款编号"] for f in fines], "same fines, same order"
    totals = next(r for r in sheet_rows(report, "合规汇总") if r["经纪人"] == "合计")
    assert totals["确认金额"] == confirmed["金额"] and totals["建议金额"] == sum(f["金额"] for f in fines)
    said = overview(report)
    assert said["主管确认"].startswith("本次读取 2 条（确认 1、免罚 1、待核实 0），来自 客户维护周报_2026-W48.xlsx")
    assert f"已确认 1 笔 ¥{confirmed['金额']:,.0f}，免罚 1 笔" in said["罚款合计（稽核周）"]

    assert run(office, NEXT_WEEK) == 0  # next week: nothing new to read, the history keeps both
    assert overview(office / "output" / NEXT_REPORT)["主管确认"].startswith("历史里保存的决定 2 条照旧有效")
    with sqlite3.connect(office / "output" / "客户维护历史.sqlite") as db:
        kept = dict(db.execute("SELECT code, decision FROM decisions"))
    assert kept == {waived["罚款编号"]: "免罚", confirmed["罚款编号"]: "确认"}
    next_codes = {f["罚款编号"] for f in sheet_rows(office / "output" / NEXT_REPORT, "罚款明细")}
    assert waived["罚款编号"] not in next_codes, "a waived fine is never listed again"

    assert run(office) == 0  # and the first week once more, after the next
    final = {f["罚款编号"]: f["主管确认"] for f in sheet_rows(report, "罚款明细")}
    assert final[waived["罚款编号"]] == "免罚" and final[confirmed["罚款编号"]] == "确认"


def test_a_report_copied_into_input_is_read_for_decisions_never_as_a_register(office, capsys):
    assert run(office) == 0
    report = office / "output" / REPORT
    copy = office / "input" / "周报（主管已看）.xlsx"  # renamed: known by its sheets, not its name
    shutil.copy(report, copy)
    first = charged(report)[0]
    edit_as_a_manager(copy, {first["罚款编号"]: ("确认", "已和经纪人核对")}, reverse=False)
    assert is_report(copy) and discover([office / "input"]) == [p for p in discover([office / "input"])
                                                               if p != copy]
    assert run(office) == 0
    assert "读回主管确认 1 条（确认 1、免罚 0、待核实 0）" in capsys.readouterr().out
    rows = {f["罚款编号"]: f for f in sheet_rows(report, "罚款明细")}
    assert (rows[first["罚款编号"]]["主管确认"], rows[first["罚款编号"]]["备注"]) == ("确认", "已和经纪人核对")
    said = overview(report)
    assert "周报（主管已看）.xlsx" not in said["读取的文件"]
    assert not [r for r in sheet_rows(report, "列映射") if r["文件"] == copy.name]
    assert not [r for r in sheet_rows(report, "数据问题") if r["文件"] == copy.name]


def test_a_decision_that_matches_no_fine_is_reported_not_guessed(office):
    assert run(office) == 0
    report = office / "output" / REPORT
    fines = charged(report)
    edit_as_a_manager(report, {fines[0]["罚款编号"]: ("确认", None), fines[1]["罚款编号"]: ("同意", None)},
                      codes={fines[0]["罚款编号"]: "F0000000000"})
    assert run(office) == 0
    rows = {f["罚款编号"]: f["主管确认"] for f in sheet_rows(report, "罚款明细")}
    assert rows[fines[0]["罚款编号"]] is None and rows[fines[1]["罚款编号"]] is None, "nothing applied"
    assert "F0000000000" not in rows
    totals = next(r for r in sheet_rows(report, "合规汇总") if r["经纪人"] == "合计")
    assert totals["确认金额"] == 0
    book = openpyxl.load_workbook(report, read_only=True)
    cells = [r for r in book["总览"].iter_rows(values_only=True)]
    title = next(i for i, r in enumerate(cells) if r[0] == "主管确认未能采用")
    header, *problems = cells[title + 1:title + 4]
    found = {r[2]: (r[3], r[4]) for r in problems}
    assert found["F0000000000"] == ("确认", "找不到这个罚款编号（不是本工具写的，或被改过），没有采用")
    assert found[fines[1]["罚款编号"]] == ("同意", "写的不是 确认 / 免罚 / 待核实，没有采用")
    assert "2 条没有采用或有疑问" in overview(report)["主管确认"]


def test_the_decision_column_is_a_drop_down_of_the_three_choices(office):
    assert run(office) == 0
    sheet = openpyxl.load_workbook(office / "output" / REPORT)["罚款明细"]
    header = [c.value for c in sheet[1]]
    column = openpyxl.utils.get_column_letter(header.index("主管确认") + 1)
    (rule,) = sheet.data_validations.dataValidation
    assert rule.type == "list" and rule.formula1 == '"确认,免罚,待核实"' and rule.allow_blank
    assert str(rule.sqref) == f"{column}2:{column}{sheet.max_row}"


# ---------------------------------------------------------------- reading and merging, cell by cell


def _report(path: Path, rows: list[list]) -> Path:
    header = ["罚款编号", "经纪人", "客户编号", "规则", "金额", "主管确认", "备注"]
    return write_xlsx(path, {"总览": [["项目", "内容"]], "罚款明细": [header, *rows]})


def test_cells_are_read_as_typed_in_excel_or_wps(tmp_path):
    path = _report(tmp_path / "r.xlsx", [
        ["FAAAAAAAAAA", "李娜", "K1", "漏发问候", 10, "\u3000免罚\u00a0", None],  # full-width and no-break spaces
        ["fbbbbbbbbbb", "李娜", "K2", "漏发问候", 10, "确 认", " 已核实 "],  # a code retyped in lower case
        ["FCCCCCCCCCC", "李娜", "K3", "漏发问候", 10, None, None],  # undecided: nothing to read
        [None, "李娜", "K4", "漏发问候", 10, "确认", None],  # a decision on a row without its code
    ])
    book = read_decisions([path])
    assert [(r.row, r.code, r.decision, None if pd.isna(r.note) else r.note) for r in book.read.itertuples()] == [
        (2, "FAAAAAAAAAA", "免罚", None), (3, "FBBBBBBBBBB", "确认", "已核实")]
    assert book.problems[["行号", "问题"]].values.tolist() == [[5, "这一行没有罚款编号，无法对应到罚款，没有采用"]]
    assert read_decisions([path], seen=book.files).read.empty, "an unchanged report is not read again"


def test_a_blank_never_erases_a_decision_and_the_newest_file_wins():
    stored = pd.DataFrame({"code": ["F1"], "key": ["k1"], "decision": ["免罚"], "note": ["出国"], "source": ["a"],
                           "decided_ns": [200]})

    def read(*rows) -> DecisionBook:
        frame = pd.DataFrame(rows, columns=["file", "row", "code", "decision", "note", "decided_ns"])
        return DecisionBook(read=frame.assign(source=frame["file"]))

    assert merge_decisions(stored, read(("b", 2, "F1", None, None, 300))).table["decision"].tolist() == ["免罚"]
    older = merge_decisions(stored, read(("old", 2, "F1", "确认", None, 100))).table
    assert older[["decision", "note"]].values.tolist() == [["免罚", "出国"]], "an older copy changes nothing"
    newer = merge_decisions(stored, read(("new", 2, "F1", "确认", None, 300))).table
    assert newer[["decision", "note"]].values.tolist() == [["确认", "出国"]]
    both = merge_decisions(stored, read(("x.xlsx", 2, "F1", "确认", None, 300), ("y.xlsx", 4, "F1", "免罚", None, 400)))
    assert both.table["decision"].tolist() == ["免罚"]
    assert both.problems["问题"].tolist() == ["几个文件里的决定不一致（x.xlsx：确认、y.xlsx：免罚），采用最新的"]


def test_a_register_with_report_like_sheet_names_is_still_a_register(tmp_path):
    register = write_xlsx(tmp_path / "登记表.xlsx", {"总览": [["说明"]], "罚款明细": [["姓名", "电话", "罚款"]]})
    report = _report(tmp_path / "周报.xlsx", [])
    assert not is_report(register) and is_report(report)
    assert discover([tmp_path]) == [register] and find_reports([tmp_path]) == [report]


def test_a_folder_holding_only_a_report_says_it_is_not_a_register(tmp_path, capsys):
    (tmp_path / "input").mkdir()
    _report(tmp_path / "input" / "周报.xlsx", [])
    assert main([], base_dir=tmp_path) == 2
    assert "周报.xlsx 是本工具生成的周报，只用来读回主管确认，不是登记表" in capsys.readouterr().err


def test_a_history_written_before_decisions_existed_gains_them(tmp_path):
    from crm_batch.history import History

    path = tmp_path / "h.sqlite"
    with sqlite3.connect(path) as db:
        db.executescript("""
            CREATE TABLE runs (week TEXT PRIMARY KEY, run_at TEXT NOT NULL);
            CREATE TABLE fines (week TEXT NOT NULL, key TEXT NOT NULL, agent TEXT, customer_id TEXT, rule TEXT,
                                amount REAL, offence INTEGER, PRIMARY KEY (week, key));
            INSERT INTO runs VALUES ('2026-W47', '2026-11-16');
            INSERT INTO fines VALUES ('2026-W47', '漏发问候|K1|立冬|2026-11-07', '李娜', 'K1', '漏发问候', 10, 1);
        """)
    prior = History(path, print).prior("2026-W48")
    assert prior.fines[["status", "code"]].isna().all().all() and prior.decisions.empty and prior.files == {}
    assert prior.fines["key"].tolist() == ["漏发问候|K1|立冬|2026-11-07"] and prior.rerun.empty
    # A fine saved before codes were has its code from its key, as the report shows it.
    assert codes_of(prior.fines).tolist() == fine_codes(prior.fines["key"]).tolist()
    assert History(path, print).prior("2026-W47").rerun["key"].tolist() == ["漏发问候|K1|立冬|2026-11-07"]
