"""The real sales office's follow-up log (sample profile ``office_log``), audited end to end.

The office logs calls, visits and WeChat chats, never an SMS, and its festivals
show no rise in contacts: the register cannot prove a greeting missed. Its log ends
on 01-01, inside the audit week 2026-12-28 … 2027-01-03, which holds 元旦.
"""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from crm_batch import pipeline
from crm_batch.cli import main
from crm_batch.sample import generate
from tests.conftest import overview_of

RUN_DAY = dt.date(2027, 1, 4)  # the Monday after: the plan week 2027-W01
REPORT = "客户维护周报_2027-W01.xlsx"


@pytest.fixture(scope="module")
def audited(tmp_path_factory):
    base = tmp_path_factory.mktemp("office")
    generate(base / "input", profile="office_log", customers=300, rows=800, agents=6, seed=7, today=RUN_DAY,
             log_end=dt.date(2027, 1, 1))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pipeline, "today", lambda: RUN_DAY)
        assert main(["--week", "2027-01-04", "--out", str(base / "output")], base_dir=base) == 0
    return openpyxl.load_workbook(base / "output" / REPORT, read_only=True), base


def rows(book, sheet: str) -> list[dict]:
    header, *body = book[sheet].iter_rows(values_only=True)
    return [dict(zip(header, r, strict=True)) for r in body]


def test_the_office_is_charged_nothing_for_greetings_and_told_why(audited):
    book, _ = audited
    greetings = [f for f in rows(book, "罚款明细") if f["规则"] == "漏发问候"]
    assert greetings, "元旦 falls in the audit week: the would-be cases are listed for the manager"
    assert all(f["状态"] == "待核实" and f["金额"] is None for f in greetings)
    why = "。问候无法稽核（登记表没有短信/微信问候记录），待核实，不罚款"
    assert all(f["判定依据"].endswith(why) for f in greetings)
    said = overview_of(book)
    assert said["稽核·问候"].startswith("无法稽核，不罚款：登记表没有短信/微信问候记录")
    assert "短信 0 条" in said["稽核·问候"] and "没有明显增加" in said["稽核·问候"]
    assert said["问候完成率（稽核周）"].startswith("无法稽核")
    sections = [r[0] for r in book["合规汇总"].iter_rows(values_only=True) if r[0] and "无法稽核" in str(r[0])]
    assert sections == ["问候无法稽核：登记表没有短信/微信问候记录"]


def test_the_office_audit_says_the_data_ends_inside_the_week(audited):
    book, _ = audited
    assert overview_of(book)["稽核天数"] == (
        "2026-12-28 至 2027-01-01，5 天（数据截至 2027-01-01，01-02 至 01-03 没有数据，不稽核）")


def test_only_december_calls_the_log_proves_missing_are_charged(audited):
    book, _ = audited
    fines = [f for f in rows(book, "罚款明细") if f["状态"] == "罚款"]
    assert fines and {f["规则"] for f in fines} == {"每月电话不足"}
    assert all(f["判定依据"] == "2026年12月（12-01 至 12-31）没有电话、来访或上门拜访记录" and f["第几次"] is None
               for f in fines)
    written = {r["客户编号"]: r["登记等级"] for r in rows(book, "客户分级")}
    assert not [f for f in fines if "无效" in (written[f["客户编号"]] or "")], "invalid leads are never fined"




def test_the_audit_paragraph_counts_why_cases_wait():
    """总览's 稽核 line counts each 待核实 case under its cause, as 罚款明细's reasons give it."""
    from types import SimpleNamespace

    import pandas as pd

    from crm_batch.report.audit import _pending_why

    result = SimpleNamespace(coverage=SimpleNamespace(gap=lambda: "数据截至 2027-01-01"))
    reasons = pd.Series(["2026年12月没有电话记录。数据截至 2027-01-01，待核实，不罚款",
                         "2026年12月没有电话记录。疑似成交，最近跟进（2026-11-27）：“已签约”，请先补登成交日期，待核实，不罚款",
                         "2026年12月没有电话记录。没有登记日期，不能确定当时已是客户，待核实，不罚款",
                         "2026年12月没有电话记录。疑似成交，请先补登成交日期，待核实，不罚款"])
    assert _pending_why(reasons, result) == "数据截至 2027-01-01 1 · 登记日期不详 1 · 疑似成交 2"
    assert _pending_why(pd.Series(["别的原因"]), result) == "见“罚款明细”的判定依据"

def test_run_before_the_audit_week_is_over_it_charges_nothing(audited, monkeypatch):
    _, base = audited
    # On 12-31 (a Thursday, with --week for next week): December is not over, nor is the audit week.
    monkeypatch.setattr(pipeline, "today", lambda: dt.date(2026, 12, 31))
    assert main(["--week", "2027-01-04", "--out", str(base / "early")], base_dir=base) == 0
    book = openpyxl.load_workbook(base / "early" / REPORT, read_only=True)
    assert not [f for f in rows(book, "罚款明细") if f["状态"] == "罚款"]
    assert {f["规则"] for f in rows(book, "罚款明细")} == {"每月电话不足", "漏发问候"}
    assert overview_of(book)["稽核天数"] == (
        "2026-12-28 至 2026-12-30，3 天（2026-12-31（运行当天）起的日子还没过完，12-31 至 01-03 不稽核）")


def test_the_monday_run_charges_what_the_early_run_left_to_check_and_keeps_its_decisions(audited, monkeypatch):
    _, base = audited
    out = base / "twice"
    monkeypatch.setattr(pipeline, "today", lambda: dt.date(2026, 12, 31))
    assert main(["--week", "2027-01-04", "--out", str(out)], base_dir=base) == 0
    early = out / REPORT
    listed = rows(openpyxl.load_workbook(early, read_only=True), "罚款明细")
    pending = [f for f in listed if f["规则"] == "每月电话不足"]
    assert pending and all(f["状态"] == "待核实" for f in pending)
    book = openpyxl.load_workbook(early)  # the manager waives one case on Thursday
    sheet = book["罚款明细"]
    header = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[header.index("罚款编号")].value == pending[0]["罚款编号"])
    row[header.index("主管确认")].value = "免罚"
    book.save(early)
    monkeypatch.setattr(pipeline, "today", lambda: RUN_DAY)
    assert main(["--out", str(out)], base_dir=base) == 0  # Monday: the default plan week is the same 2027-W01
    monday = {f["罚款编号"]: f for f in rows(openpyxl.load_workbook(early, read_only=True), "罚款明细")
              if f["规则"] == "每月电话不足"}
    assert {f["状态"] for f in monday.values()} == {"罚款"}, "December is over and in the data: charged"
    assert set(monday) <= {f["罚款编号"] for f in pending}, "the same cases, by the same codes"
    assert monday[pending[0]["罚款编号"]]["主管确认"] == "免罚"
