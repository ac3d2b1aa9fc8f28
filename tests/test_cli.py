"""End to end: the CLI on hand-built registers, the workbook read back with openpyxl."""

from __future__ import annotations

import contextlib
import datetime as dt
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest

from crm_batch.cli import main
from tests.conftest import CONTACT_HEADER, overview_of, write_office_register, write_xlsx

ROOT = Path(__file__).resolve().parents[1]
WEEK = "2026-11-23"
REPORT = "客户维护周报_2026-W48.xlsx"


def run_cli(*args: str, base: Path) -> int:
    return main([*args, "--week", WEEK], base_dir=base)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """The report on the hand-built register, made once for the tests that only read it."""
    base = tmp_path_factory.mktemp("report")
    out = base / "output"
    assert run_cli(str(write_office_register(base)), "--out", str(out), base=base) == 0
    return openpyxl.load_workbook(out / REPORT)


def problems(book) -> list[dict]:
    rows = list(book["数据问题"].iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def action_rows(book, sheet: str = "本周行动") -> list[dict]:
    """A plan sheet's rows; texts are folded to the column width for printing, so line breaks are dropped."""
    header, *body = book[sheet].iter_rows(values_only=True)
    return [{k: v.replace("\n", "") if isinstance(v, str) else v for k, v in zip(header, r, strict=True)}
            for r in body]


def test_sheets_in_spec_order(report):
    assert report.sheetnames == [
        "总览", "本周行动", "待安排", "群发名单", "待主管处理", "客户分级", "资料完整性", "流失预警", "罚款明细",
        "合规汇总", "生日台历", "数据问题", "列映射"]


def test_grade_sheet_shows_computed_beside_written_grade(report):
    rows = list(report["客户分级"].iter_rows(values_only=True))
    header, body = rows[0], {r[0]: r for r in rows[1:]}
    # The office register has no criteria or score: the written grade is kept, with the reason.
    k001 = body["K001"]
    assert (k001[header.index("计算等级")], k001[header.index("登记等级")]) == ("A", "A")
    assert "沿用登记等级 A" in k001[header.index("判定依据")]
    # Last contact 2026-11-02 (去电); A grade → daily → due 2026-11-03.
    assert k001[header.index("最近联系")].date().isoformat() == "2026-11-02"
    assert k001[header.index("下次应联系")].date().isoformat() == "2026-11-03"


def test_completeness_sheet_lists_failing_customers_first(report):
    rows = list(report["资料完整性"].iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert header[:3] == ("客户编号", "客户姓名", "经纪人")
    verdicts = [r[header.index("是否达标")] for r in body]
    assert verdicts == sorted(verdicts, key=lambda v: v != "未达标")
    # 王建国 (K001): no stage, visits or deal → 来电; name, gender, phone, agent only → 4/6, fails.
    wang = next(r for r in body if r[0] == "K001")
    assert wang[header.index("阶段")] == "来电"
    assert wang[header.index("缺少的资料")] == "信息获知途径、咨询内容"
    assert wang[header.index("是否达标")] == "未达标"


def test_churn_sheet_lists_flagged_customers_highest_risk_first(report):
    rows = list(report["流失预警"].iter_rows(values_only=True))
    header, body = rows[0], [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    assert header[:4] == ("客户编号", "客户姓名", "经纪人", "阶段")
    # Plan week Monday 2026-11-23. K001: A grade, last call 11-02, 21 days > 2 × 1 → behind, and an A stale
    # past its window → 高. 陈静: B, last WeChat 11-05, 18 days > 2 × 3 → behind: only a note (提示).
    # The =HYPERLINK name: registered 10-20, never contacted, 34 days → overdue, 中. 刘洋 (D, 13 days) and
    # 周敏 (28 days) are not flagged.
    assert [(r["客户姓名"], r["风险"], r["预警"]) for r in body] == [
        ("王建国", "高", "落后频率"),
        ('=HYPERLINK("http://x","点我")', "中", "超期未联系"),
    ]
    assert body[0]["客户编号"] == "K001" and body[0]["未联系天数"] == 21
    assert body[1]["判定依据"] == ("超期未联系：登记日期 2026-10-20（之后没有跟进记录），已 34 天"
                                   "（超过 30 天未联系或更新）")
    grades = {r[1]: r for r in report["客户分级"].iter_rows(values_only=True)}
    grade_header = grades["客户姓名"]
    assert grades["王建国"][grade_header.index("预警")] == "落后频率"
    assert grades["王建国"][grade_header.index("生命周期")] == "准客户"
    assert grades["刘洋"][grade_header.index("预警")] is None
    # 陈静 is only behind cadence: a note on the customer, not an alert.
    assert grades["陈静"][grade_header.index("预警")] is None
    assert grades["陈静"][grade_header.index("提示")].replace("\n", "").startswith("落后频率：B 级每 3 天至少联系一次")


def test_action_sheet_lists_who_to_call_each_day_with_a_draft(report):
    header = next(report["本周行动"].iter_rows(values_only=True))
    assert header == ("日期", "经纪人", "顺序", "客户编号", "客户姓名", "电话", "等级", "行动类型", "原因", "上次跟进",
                      "话术/短信草稿", "优先级")
    rows = action_rows(report)
    by_name = {}
    for r in rows:
        by_name.setdefault(r["客户姓名"], []).append((r["日期"].strftime("%m-%d"), r["行动类型"]))
    # 王建国: A, last called 11-02 (the log runs to 11-11, judged up to 11-20 at the latest): stale, so no
    # daily calls but one call to re-confirm the intent, made in the follow-up he agreed for 11-25.
    assert by_name["王建国"] == [("11-25", "计划回访、意向复核")]
    # 陈静: B, every 3 days from Monday (overdue); the =HYPERLINK name: C, never contacted → Monday;
    # 周敏: no valid grade → the quarterly revisit, due at once; 刘洋: D, called 11-10 → not this week.
    assert by_name["陈静"] == [("11-23", "电话回访"), ("11-26", "电话回访"), ("11-29", "电话回访")]
    assert by_name['=HYPERLINK("http://x","点我")'] == [("11-23", "电话回访")]
    assert by_name["周敏"] == [("11-23", "季度回访")]
    assert "刘洋" not in by_name
    wang = next(r for r in rows if r["客户姓名"] == "王建国")
    assert wang["话术/短信草稿"].startswith("王先生，您好，我是您的置业顾问李娜。上次跟您约好今天再联系，您提到的户型")
    assert "介绍新推出的洋房户型" in wang["原因"] and wang["优先级"] == "高"  # 意向复核: the grade needs review
    assert wang["上次跟进"] == "11-02 电话：介绍新推出的洋房户型"
    formula = next(r for r in rows if r["客户姓名"].startswith("="))
    assert formula["话术/短信草稿"].startswith("您好，我是您的置业顾问赵强。")
    assert [r["经纪人"] for r in rows] == sorted(r["经纪人"] for r in rows)
    # In the order worth doing: a B's call (tier 5) before a quarterly revisit (tier 6).
    monday = [(r["顺序"], r["客户姓名"]) for r in rows if r["经纪人"] == "李娜" and r["日期"].day == 23]
    assert monday == [(1, "陈静"), (2, "周敏")]


def test_a_broken_team_template_stops_the_run_with_its_name(office_register, tmp_path, capsys):
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "call.j2").write_text("{{ salutation }好", encoding="utf-8")
    assert run_cli(str(office_register), "--out", str(tmp_path / "o"), base=tmp_path) == 2
    err = capsys.readouterr().err
    assert "call.j2" in err and "电话回访" in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_birthdays_land_in_the_calendar_and_bad_ones_in_the_problems(tmp_path):
    register = write_xlsx(tmp_path / "客户.xlsx", {"客户": [
        ["客户姓名", "性别", "联系电话", "经纪人", "意向等级", "生日", "生日类型", "关系亲疏"],
        ["王建国", "男", "13812345678", "李娜", "B", "1980-11-25", "公历", "一般"],
        ["陈静", "女", "13912345678", "李娜", "C", "十月十五", "农历", "关系很好"],  # 2026-11-23
        ["刘洋", "男", "13600001111", "赵强", "C", "农历十三月初一", None, None],
        ["孙丽", "女", "13700002222", "赵强", "C", "12月24日", None, None],
        ["周敏", "女", "13700003333", "赵强", "C", "abc", None, None],
    ]})
    out = tmp_path / "out"
    assert run_cli(str(register), "--out", str(out), base=tmp_path) == 0
    book = openpyxl.load_workbook(out / REPORT)
    header, *body = book["生日台历"].iter_rows(values_only=True)
    assert header == ("月份", "第几周", "周一", "周二", "周三", "周四", "周五", "周六", "周日")
    cells = {c for row in body for c in row[2:] if c}
    assert "25日\n王建国·李娜" in cells
    assert "23日\n陈静·李娜（农历）" in cells
    assert "24日\n孙丽·赵强" in cells  # December: next month is on the calendar too
    assert [r[0] for r in body][0] == "2026年11月" and [r[0] for r in body][-1] == "2026年12月"
    rows = action_rows(book)
    birthdays = {r["客户姓名"]: r for r in rows if "生日祝福" in r["行动类型"]}
    assert birthdays["陈静"]["原因"].startswith("生日 11月23日（农历十月十五） → 上门拜访，送鲜花和蛋糕")
    assert "【短信】陈女士，您好！值此生日之际" in birthdays["陈静"]["话术/短信草稿"]
    assert birthdays["王建国"]["日期"].strftime("%m-%d") == "11-25"
    bad = [p for p in problems(book) if p["字段"] == "生日"]
    # One row per bad birthday: the almanac alone judges birthdays, the date reader does not report them too.
    assert [(p["行号"], p["原值"]) for p in bad] == [(4, "农历十三月初一"), (6, "abc")]
    assert bad[0]["问题"] == "生日无法识别为公历或农历日期"


def fine_rows(book, status: str | None = "罚款") -> list[dict]:
    header, *body = book["罚款明细"].iter_rows(values_only=True)
    rows = [dict(zip(header, r, strict=True)) for r in body]
    return [r for r in rows if status is None or r["状态"] == status]


def test_fines_across_two_weeks_double_repeat_offences_and_never_charge_twice(tmp_path):
    # 王建国 (成交) and 陈静 (意向) with 李娜. Week 2026-W41's audit (09-28 … 10-04) holds a fake follow-up and
    # September's end, before the log began; W42's audit (10-05 … 10-11) closes 国庆 (10-01 … 10-07) and
    # 寒露 (10-07 … 10-09), and holds a second fake.
    register = write_xlsx(tmp_path / "客户.xlsx", {
        "客户": [["客户编号", "客户姓名", "联系电话", "经纪人", "客户类型", "登记日期"],
                 ["K1", "王建国", "13812345678", "李娜", "成交", "2026-01-05"],
                 ["K2", "陈静", "13912345678", "李娜", "意向", "2026-01-05"]],
        "跟进": [["客户编号", "跟进时间", "跟进方式", "跟进内容", "主管核查"],
                 ["K2", "2026-09-29 10:00", "电话", "客户说再考虑", "虚假跟进"],
                 ["K1", "2026-10-01 09:00", "短信", "国庆快乐", None],
                 ["K2", "2026-10-01 09:05", "短信", "国庆快乐", None],
                 ["K2", "2026-10-07 15:00", "电话", "约了周末看房", "核查不属实"],
                 ["K1", "2026-10-08 09:00", "微信", "寒露问候", None],
                 ["K1", "2026-10-12 09:00", "电话", "回访", None]],
    })
    out = tmp_path / "out"

    def week(day: str) -> openpyxl.Workbook:
        assert main([str(register), "--out", str(out), "--week", day], base_dir=tmp_path) == 0
        label = "2026-W41" if day == "2026-10-05" else "2026-W42"
        return openpyxl.load_workbook(out / f"客户维护周报_{label}.xlsx")

    first = fine_rows(week("2026-10-05"))
    assert [(f["客户编号"], f["规则"], f["金额"], f["第几次"]) for f in first] == [("K2", "虚假跟进", 100, 1)]
    # September's call cannot be judged: the log begins on 09-29. Listed, without an amount.
    checks = fine_rows(openpyxl.load_workbook(out / "客户维护周报_2026-W41.xlsx"), "待核实")
    assert [(f["客户编号"], f["规则"], f["金额"]) for f in checks] == [("K2", "每月电话不足", None)]
    assert fine_rows(week("2026-10-05")) == first, "re-running a week charges the same fines, once"
    book = week("2026-10-12")
    second = fine_rows(book)
    # 陈静's only contact in 寒露's window is the call marked false: 10. Her second fake counts the first
    # week's: 200. Both were greeted in the Golden Week. 第几次 only for the fakes.
    assert sorted((f["客户编号"], f["规则"], f["金额"], f["第几次"]) for f in second) == [
        ("K2", "漏发问候", 10, None), ("K2", "虚假跟进", 200, 2)]
    header, *body = book["合规汇总"].iter_rows(values_only=True)
    totals = next(dict(zip(header, r, strict=True)) for r in body if r[0] == "合计")
    assert totals["建议金额"] == sum(f["金额"] for f in second) == 210 and totals["确认金额"] == 0
    assert totals["罚款笔数"] == 2
    assert (out / "客户维护历史.sqlite").exists()
    overview = overview_of(book)
    assert overview["与上次相比的等级变化"].endswith("（上次：2026-W41）")
    assert overview["稽核天数"] == "2026-10-05 至 2026-10-11，7 天（整周）"
    assert overview["罚款合计（稽核周）"] == "建议 2 笔 ¥210；已确认 0 笔 ¥0，免罚 0 笔，未确认 2 笔"


def test_check_mode_keeps_no_history(office_register, tmp_path):
    assert run_cli(str(office_register), "--check", "--out", str(tmp_path / "o"), base=tmp_path) == 1
    assert not (tmp_path / "o").exists()


def test_every_problem_row_has_location_and_action(report):
    found = problems(report)
    assert found, "the office register has problems"
    for row in found:
        assert row["文件"] == "客户登记表.xlsx"
        assert row["问题"] and row["处理"]


def rows_with(book, words: str) -> list[tuple]:
    return sorted((p["工作表"], p["行号"], p["字段"]) for p in problems(book) if words in p["问题"])


def test_problems_found_where_the_register_has_them(report):
    # Excel rows: header on row 3, customers on rows 4..10, footer on row 11.
    assert rows_with(report, "表尾") == [("客户档案", 11, None)]
    assert rows_with(report, "错位") == [("客户档案", 10, None)]
    assert rows_with(report, "电话号码无效") == [("客户档案", 9, "联系电话")]
    assert rows_with(report, "等级无法识别") == [("客户档案", 9, "意向等级")]
    assert rows_with(report, "夹带了电话") == [("客户档案", 7, "客户姓名")]
    assert rows_with(report, "没有写年份") == [("客户档案", 7, "登记日期")]
    assert rows_with(report, "其他经纪人名下") == [("客户档案", 8, "经纪人")]
    assert rows_with(report, "找不到对应客户") == [("跟进记录", 5, None)]
    assert rows_with(report, "用途无法识别") == [("说明", None, None)]


def test_inferred_year_comes_from_the_title(report):
    (row,) = [p for p in problems(report) if "没有写年份" in p["问题"]]
    assert "2026-11-03" in row["处理"]


def test_overview_counts(report):
    values = overview_of(report)
    # 7 customer rows: shifted row set aside, 孙丽 lost the phone to 王建国 (K001) → 5 customers.
    assert values["客户数"] == "5"
    # 4 contacts, one cannot be linked → 3.
    assert values["跟进记录数"] == "3"


def test_register_text_is_never_a_formula(office_register, tmp_path):
    out = tmp_path / "out"
    assert run_cli(str(office_register), "--out", str(out), "--per-agent", base=tmp_path) == 0
    for path in [out / REPORT, *sorted((out / "经纪人").glob("*.xlsx"))]:
        book = openpyxl.load_workbook(path)
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", f"{path.name}/{sheet.title}!{cell.coordinate} is a formula"
    agent_book = openpyxl.load_workbook(out / "经纪人" / "赵强.xlsx")
    names = [r[1] for r in agent_book["客户名单"].iter_rows(min_row=2, values_only=True)]
    assert sorted(names) == sorted(['=HYPERLINK("http://x","点我")', "刘洋"])


def test_sheet_layout(report):
    sheet = report["数据问题"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref.startswith("A1:G")
    assert sheet.page_setup.orientation == "landscape"


def test_column_mapping_lists_mapped_and_ignored_columns(report):
    rows = list(report["列映射"].iter_rows(min_row=2, values_only=True))
    mapped = {(r[1], r[5]): r[6] for r in rows}
    assert mapped[("客户档案", "客户姓名(必填)")] == "客户姓名"
    assert mapped[("客户档案", "负责人联系电话")] == "（忽略）"
    assert mapped[("客户档案", "来访人数")] == "（忽略）"


def test_check_mode_exit_codes(office_register, tmp_path, capsys):
    assert run_cli(str(office_register), "--check", base=tmp_path) == 1
    out = capsys.readouterr().out
    assert "列映射" in out and "数据问题" in out and "客户姓名(必填) → 客户姓名" in out
    assert not (tmp_path / "output").exists(), "--check writes no report"

    clean = write_xlsx(tmp_path / "clean.xlsx", {"跟进": [CONTACT_HEADER, [
        "K9", "王建国", "13812345678", "李娜", "2026-11-02", "电话", "介绍户型", "2026-11-25"]]})
    assert run_cli(str(clean), "--check", base=tmp_path) == 0


def test_follow_up_log_only_register_derives_customers(tmp_path):
    log = tmp_path / "跟进日志.csv"
    log.write_bytes(
        "姓名,电话,业务员,意向级别,跟进时间,跟进方式,跟进内容,下次跟进时间\n"
        "张伟,13811112222,王芳,B,2026-11-01,去电,介绍户型,2026-11-24\n"
        "张伟,13811112222,王芳,A,2026-11-08,来访,看样板间,\n"
        "李强,13833334444,王芳,C,2026-11-09,短信,节日问候,\n".encode("gb18030")
    )
    out = tmp_path / "out"
    assert run_cli(str(log), "--out", str(out), base=tmp_path) == 0
    book = openpyxl.load_workbook(out / REPORT)
    values = overview_of(book)
    assert values["客户数"] == "2"
    assert values["跟进记录数"] == "3"
    # Every derived customer has a stage, a grade with its reason, completeness and a lifecycle.
    header, *body = book["客户分级"].iter_rows(values_only=True)
    rows = [dict(zip(header, r, strict=True)) for r in body]
    zhang = next(r for r in rows if r["客户姓名"] == "张伟")
    # The log's latest grade is A; one visit (11-08) → 来访; A daily, 15 days since → behind cadence.
    assert (zhang["阶段"], zhang["计算等级"], zhang["生命周期"], zhang["预警"]) == ("来访", "A", "准客户", "落后频率")
    assert zhang["判定依据"].startswith("登记表没有六项标准，沿用登记等级 A")
    assert all(r["阶段"] and r["计算等级"] for r in rows)
    # A bare log keeps no profile: completeness is said to be unknown, not 0 % for everyone.
    assert all(r["完整度"] is None for r in rows)
    assert book["资料完整性"]["A2"].value.startswith("无法评估（登记表没有客户资料列）")
    # 李强: only an SMS on 11-09, 14 days ago, C every 15 days → not flagged.
    assert [r[1] for r in book["流失预警"].iter_rows(min_row=2, values_only=True)] == ["张伟"]


@pytest.mark.slow
def test_unreadable_file_exits_2_with_a_chinese_message(tmp_path):
    bad = tmp_path / "坏文件.xlsx"
    bad.write_bytes(b"PK\x03\x04 this is not really a zip archive")
    result = subprocess.run(
        [sys.executable, "-m", "crm_batch", str(bad), "--out", str(tmp_path / "o")],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert result.returncode == 2
    assert "坏文件.xlsx" in result.stderr and "损坏" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "o").exists()


@pytest.mark.slow
def test_run_py_ends_at_once_with_everything_written_and_said(office_register, tmp_path):
    # The entry points end without Python's shutdown (cli.exit_at_once): the report, the week's history
    # and every console line must all be out before that.
    import sqlite3

    from crm_batch.history import FILE_NAME

    out = tmp_path / "o"
    result = subprocess.run([sys.executable, str(ROOT / "run.py"), str(office_register), "--out", str(out),
                             "--week", "2026-11-23"], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.rstrip().splitlines()[-1] == f"报告：{(out / REPORT).resolve()}"
    assert openpyxl.load_workbook(out / REPORT)["本周行动"].max_row > 1
    with contextlib.closing(sqlite3.connect(out / FILE_NAME)) as history:
        assert history.execute("SELECT week FROM runs").fetchall() == [("2026-W48",)]
        assert history.execute("SELECT COUNT(*) FROM grades").fetchone()[0] > 0


def _session_members(session: int) -> list[int]:
    """Processes of a session, from /proc (the fields after the command name: state, ppid, pgrp, session)."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            if int(stat.read_text().rpartition(")")[2].split()[3]) == session:
                members.append(int(stat.parent.name))
    return members


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")
@pytest.mark.parametrize("to_a_pipe", [False, True], ids=["terminal", "pipe"])
def test_a_run_that_stops_early_exits_at_once_and_leaves_no_worker_behind(tmp_path, to_a_pipe):
    # With worker processes on, an early error ends the run at once, its output to a file or a pipe
    # (a scheduled task's log); the workers are gone and their queues released.
    folder = tmp_path / "登记表"
    folder.mkdir()
    (folder / "x.csv").write_text("a,b,c\n1,2,3\n", encoding="utf-8")  # no header it knows: exit 2
    with (tmp_path / "log.txt").open("w+", encoding="utf-8") as log:
        job = subprocess.Popen([sys.executable, "-m", "crm_batch", str(folder), "--out", str(tmp_path / "o"),
                                "--processes", "2"], cwd=ROOT, start_new_session=True,
                               stdout=subprocess.PIPE if to_a_pipe else log, stderr=subprocess.STDOUT, text=True)
        started = time.monotonic()
        out, _ = job.communicate(timeout=60)
        assert time.monotonic() - started < 20
        log.seek(0)
        err = out if to_a_pipe else log.read()
    assert job.returncode == 2 and "没有找到客户档案" in err
    assert "Traceback" not in err and "leaked" not in err
    deadline = time.monotonic() + 10
    while _session_members(job.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _session_members(job.pid) == []


def test_an_unreadable_file_among_several_is_reported_and_the_rest_run(office_register, tmp_path):
    (office_register.parent / "坏文件.xlsx").write_bytes(b"\x00\x01garbage")
    out = tmp_path / "o"
    assert run_cli(str(office_register.parent), "--out", str(out), base=tmp_path) == 0
    assert rows_with(openpyxl.load_workbook(out / REPORT), "无法读取") == [(None, None, None)]


def test_default_input_falls_back_to_sample_data(tmp_path):
    from crm_batch.cli import default_inputs

    (tmp_path / "input").mkdir()
    assert default_inputs(tmp_path) == [tmp_path / "sample_data"]
    write_xlsx(tmp_path / "input" / "a.xlsx", {"s": [["姓名", "电话"], ["王", "13812345678"]]})
    assert default_inputs(tmp_path) == [tmp_path / "input"]


def test_help_is_chinese():
    from crm_batch.cli import build_parser

    text = build_parser().format_help()
    assert text.startswith("用法：") and "--check" in text and "计划周" in text


@pytest.mark.parametrize("preset", ["real_estate", "auto_dealer"])
def test_generated_messy_register_end_to_end(tmp_path, preset):
    import datetime as dt

    from crm_batch.sample import generate

    inbox = tmp_path / "input"
    generate(inbox, customers=120, preset=preset, seed=3, today=dt.date(2026, 11, 23))
    before = {p.name: p.read_bytes() for p in inbox.iterdir()}
    out = tmp_path / "output"
    assert run_cli("--preset", preset, "--out", str(out), base=tmp_path) == 0
    assert {p.name: p.read_bytes() for p in inbox.iterdir()} == before, "inputs are never modified"

    book = openpyxl.load_workbook(out / REPORT)
    overview = overview_of(book)
    # 120 customers written; a few are set aside as shifted rows or merged as duplicates.
    assert 110 <= int(overview["客户数"]) <= 120
    assert int(overview["跟进记录数"]) > 300
    found = {p["问题"].split("（")[0] for p in problems(book)}
    for expected in ["整行疑似错位一列", "同一客户重复登记", "同一电话已登记在其他经纪人名下", "姓名里夹带了电话号码",
                     "一个单元格里写了多个号码", "表尾说明行，不是客户", "工作表的用途无法识别"]:
        assert expected in found, expected
    header, *body = book["客户分级"].iter_rows(values_only=True)
    graded = [dict(zip(header, r, strict=True)) for r in body]
    assert len(graded) == int(overview["客户数"])
    assert all(g["阶段"] and g["生命周期"] and g["判定依据"] and g["完整度"] is not None for g in graded)
    assert sum(g["计算等级"] is not None for g in graded) >= 0.9 * len(graded)
    header, *body = book["流失预警"].iter_rows(values_only=True)
    flagged = [dict(zip(header, r, strict=True)) for r in body]
    assert flagged, "a generated register always has customers drifting away"
    assert all(f["客户编号"] and f["风险"] in ("高", "中", "低") and f["判定依据"] and f["建议动作"] for f in flagged)
    assert {f["客户编号"] for f in flagged} == {g["客户编号"] for g in graded if g["预警"]}
    roles = {(r[0], r[2]) for r in book["列映射"].iter_rows(min_row=2, values_only=True)}
    assert ("意向客户管理卡.xlsx", "客户档案") in roles
    assert ("跟进日志.csv", "跟进记录") in roles


def test_every_option_is_documented_in_the_readme():
    from crm_batch.cli import build_parser

    readme = (ROOT / "README.md").read_text("utf-8")
    options = [o for a in build_parser()._actions for o in a.option_strings if o.startswith("--") and o != "--help"]
    assert options, "the parser has options"
    assert [o for o in options if f"`{o}" not in readme] == []
    assert "python run.py --selftest" in readme and "python run.py\n" in readme


def test_files_in_input_that_are_not_registers_are_an_error_not_the_samples(tmp_path, capsys):
    (tmp_path / "input").mkdir()
    (tmp_path / "input" / "客户.docx").write_bytes(b"x")
    assert main([], base_dir=tmp_path) == 2
    assert "没有找到可读取的登记表" in capsys.readouterr().err


def test_registers_in_a_subfolder_of_input_are_read(tmp_path):
    from crm_batch.cli import default_inputs

    (tmp_path / "input" / "十一月").mkdir(parents=True)
    write_xlsx(tmp_path / "input" / "十一月" / "a.xlsx", {"s": [["姓名", "电话"], ["王", "13812345678"]]})
    assert default_inputs(tmp_path) == [tmp_path / "input"]


def test_an_unwritable_output_folder_is_a_clear_error(office_register, tmp_path, capsys):
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the output folder should be")
    assert run_cli(str(office_register), "--out", str(blocked / "sub"), base=tmp_path) == 2
    err = capsys.readouterr().err
    assert "无法写入报告" in err and "Traceback" not in err


def test_a_report_open_in_excel_is_left_alone_and_the_new_one_written_beside_it(
    office_register, tmp_path, monkeypatch, capsys
):
    import os

    out = tmp_path / "out"
    assert run_cli(str(office_register), "--out", str(out), base=tmp_path) == 0
    old = (out / REPORT).read_bytes()
    real_replace = os.replace

    def locked(src, dst):  # what Windows does while Excel holds the file open
        if str(dst).endswith(REPORT):
            raise PermissionError(13, "另一个程序正在使用此文件", str(dst))
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", locked)
    assert run_cli(str(office_register), "--out", str(out), base=tmp_path) == 0
    beside = out / REPORT.replace(".xlsx", "（2）.xlsx")
    assert beside.exists() and (out / REPORT).read_bytes() == old
    said = capsys.readouterr().out
    assert "正被打开" in said and beside.name in said
    assert not [p for p in out.iterdir() if p.name.startswith(".")], "no temporary file is left behind"


# ---------------------------------------------------------------- a bug is a crash report, not a traceback


def test_an_unexpected_failure_leaves_a_crash_report_and_one_chinese_line(office_register, tmp_path, monkeypatch,
                                                                         capsys):
    from crm_batch import pipeline

    def broken(*args, **kwargs):
        raise RuntimeError("内部错误 in the rules")

    monkeypatch.setattr(pipeline, "run", broken)
    out = tmp_path / "output"
    assert run_cli(str(office_register), "--out", str(out), base=tmp_path) == 3
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    (line,) = captured.err.strip().splitlines()
    (report,) = out.glob("错误报告_*.txt")
    assert str(report) in line and "维护本工具的同事" in line
    text = report.read_text("utf-8-sig")
    assert "Traceback" in text and "RuntimeError: 内部错误 in the rules" in text
    assert "客户登记表.xlsx" in text and "王建国" not in text  # file names, never register contents
    assert not (out / REPORT).exists()


@pytest.mark.slow
def test_an_unexpected_failure_in_a_real_process_shows_no_traceback(office_register, tmp_path):
    out = tmp_path / "output"
    code = ("import sys\n"
            "from crm_batch import pipeline\n"
            "from crm_batch.cli import main\n"
            "def broken(*a, **k):\n"
            "    raise KeyError('x')\n"
            "pipeline.run = broken\n"
            "if __name__ == '__main__':\n"
            f"    sys.exit(main([{str(office_register)!r}, '--out', {str(out)!r}]))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, encoding="utf-8", cwd=ROOT,
                          timeout=120)
    assert done.returncode == 3
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert len(list(out.glob("错误报告_*.txt"))) == 1


def test_one_agents_workbook_failing_does_not_stop_the_others(office_register, tmp_path, monkeypatch, capsys):
    from crm_batch import publish
    from crm_batch.errors import OutputNotWritable

    real = publish.write_workbook

    def failing_for_li_na(path, tables, **kwargs):
        if path.parent.name == "经纪人" and path.stem == "李娜":
            raise OutputNotWritable(str(path), "[Errno 28] No space left on device")
        return real(path, tables, **kwargs)

    monkeypatch.setattr(publish, "write_workbook", failing_for_li_na)
    out = tmp_path / "output"
    assert run_cli(str(office_register), "--out", str(out), "--per-agent", base=tmp_path) == 0
    said = capsys.readouterr().out
    assert "经纪人“李娜”的工作簿没有生成" in said and "磁盘空间不足" in said
    assert sorted(p.name for p in (out / "经纪人").glob("*.xlsx")) == ["赵强.xlsx"]
    assert (out / REPORT).exists()


def test_a_team_that_works_saturdays_plans_the_rest_of_this_week_on_a_friday(office_register, tmp_path, capsys,
                                                                              monkeypatch):
    from crm_batch import pipeline

    friday = dt.date(2026, 11, 27)
    monkeypatch.setattr(pipeline, "today", lambda: friday)
    assert main([str(office_register), "--check", "--out", str(tmp_path / "o")], base_dir=tmp_path) == 1
    assert "今天是周五，默认安排下周" in capsys.readouterr().out
    (tmp_path / "rules.toml").write_text('[actions]\nnext_week_from = "周六"\n', encoding="utf-8")
    assert main([str(office_register), "--check", "--out", str(tmp_path / "o")], base_dir=tmp_path) == 1
    said = capsys.readouterr().out
    assert "计划周 2026-W48" in said and "从今天（周五）起安排" in said


def test_a_folder_in_the_way_of_an_agents_workbook_is_said_in_chinese(office_register, tmp_path, capsys):
    out = tmp_path / "output"
    (out / "经纪人" / "李娜.xlsx").mkdir(parents=True)
    assert run_cli(str(office_register), "--out", str(out), "--per-agent", base=tmp_path) == 0
    said = capsys.readouterr().out
    assert "经纪人“李娜”的工作簿没有生成" in said and "已有同名的文件夹" in said and "Is a directory" not in said
    assert (out / "经纪人" / "赵强.xlsx").is_file()


@pytest.mark.parametrize(("given", "passed"), [
    (["--fast"], ["-n", "auto", "-m", "not slow"]),
    (["--fast", "-k", "cli"], ["-n", "auto", "-k", "cli", "-m", "not slow"]),
    (["--fast", "-n0"], ["-n0", "-m", "not slow"]),  # the user's own choice of workers wins
    (["--fast", "-p", "no:xdist"], ["-p", "no:xdist", "-m", "not slow"]),
    (["-k", "cli"], ["-k", "cli"]),  # the full suite stays serial
], ids=["fast", "fast-k", "own-workers", "no-xdist", "full"])
def test_selftest_fast_runs_on_every_core_unless_told_otherwise(given, passed):
    import importlib.util

    spec = importlib.util.spec_from_file_location("run_script", ROOT / "run.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert script.pytest_args(given) == passed


def test_a_change_to_the_test_tools_does_not_reinstall_the_weekly_job(tmp_path, monkeypatch):
    import importlib.util

    spec = importlib.util.spec_from_file_location("run_script", ROOT / "run.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    project = (ROOT / "pyproject.toml").read_text("utf-8")
    (tmp_path / "pyproject.toml").write_text(project, "utf-8")
    monkeypatch.setattr(script, "ROOT", tmp_path)
    before = script._install_stamp("run"), script._install_stamp("test")
    (tmp_path / "pyproject.toml").write_text(project.replace('"ruff>=0.6"', '"ruff>=0.7"'), "utf-8")
    assert script._install_stamp("run") == before[0]
    assert script._install_stamp("test") != before[1]
