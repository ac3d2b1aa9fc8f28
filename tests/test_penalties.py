"""罚款 and 合规 (SPEC §6): hand-built registers and the exact fines expected.

The audit week is the week before the plan week, and an occasion is audited in the
week its greeting window closes. Plan week 2026-10-12 → audit 2026-10-05 … 10-11,
which closes 国庆 (holiday period 10-01 … 10-07) and 寒露 (10-08 ± 1).

A fine is charged only where the register proves the miss: it must cover the
window's days (from its first follow-up to its last, never past the run's real day)
and record the kind of contact the duty needs. Most registers below therefore hold
a couple of follow-ups of a bystander ("Z9", a 来电 customer no rule audits) that
set the days they cover.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from crm_batch import almanac
from crm_batch.calendar import PlanWeek
from crm_batch.rules.cadence import contact_cadence
from crm_batch.rules.churn import churn_flags
from crm_batch.rules.compliance import compliance_summary
from crm_batch.rules.coverage import Coverage, contact_days, greeting_evidence, measure_coverage
from crm_batch.rules.lifecycle import lifecycle
from crm_batch.rules.penalties import assess_fines, fine_codes
from crm_batch.rules_config import load_rules

GOLDEN_WEEK = PlanWeek.containing(dt.date(2026, 10, 12))
RUN_DAY = dt.date(2027, 6, 30)  # the runs below happen long after the weeks they audit


@dataclass
class Audit:
    fines: pd.DataFrame
    checks: pd.DataFrame
    summary: pd.DataFrame
    coverage: Coverage

    def brief(self, status: str | None = "罚款") -> list[tuple]:
        rows = self.fines if status is None else self.fines[self.fines["status"] == status]
        return [(f.who, f.rule, f.occasion, None if pd.isna(f.amount) else f.amount, f.offence)
                for f in rows.itertuples()]


def span(first: str, last: str) -> list[tuple]:
    """The bystander's follow-ups, first and last: the days the register covers (an SMS: it records texts)."""
    return [("Z9", first, "短信", None, "项目进度通知"), ("Z9", last, "电话", None, "电话沟通")]


def assess(people, contacts=(), events=(), week=GOLDEN_WEEK, charged=None, rules=None, run_day=RUN_DAY,
           decisions=None, status=None, lacking=False) -> Audit:
    """Fines for customers given as dicts; contacts as (id, when, method[, verification[, content]]).

    ``status`` maps a customer to their office status (无效线索 / 建议战败 / 疑似成交);
    ``lacking``: the register lacks an essential column.
    """
    rules = rules or load_rules()
    contacts = list(contacts)
    people = list(people) + ([{"customer_id": "Z9", "stage": "来电"}] if any(c[0] == "Z9" for c in contacts) else [])
    customers = pd.DataFrame([{"agent": "李娜", "registered_at": "2026-01-05",
                               **{k: v for k, v in p.items() if k not in ("stage", "grade")}} for p in people])
    for key in ("registered_at", "signed_at", "outreach_at"):
        if key in customers:
            customers[key] = pd.to_datetime(customers[key])
    rows = [(*c, *[None] * (5 - len(c))) for c in contacts]
    log = pd.DataFrame(rows, columns=["customer_id", "contact_at", "method", "verification", "content"])
    log["contact_at"] = pd.to_datetime(log["contact_at"], format="mixed")
    profiles = pd.DataFrame({"stage": [p.get("stage", "成交") for p in people],
                             "grade": [p.get("grade", "C") for p in people], "referral": [None] * len(people)})
    profiles["status"] = pd.array([(status or {}).get(p["customer_id"]) for p in people], dtype="string")
    profiles = profiles.join(contact_cadence(customers, log, profiles, week.monday, rules))
    profiles = profiles.join(churn_flags(customers, log, profiles, week.monday, rules))
    profiles = profiles.join(lifecycle(customers, profiles, rules))
    profiles["passed"] = True
    profiles["assessed"] = True
    dates = {}
    if "birthday" in customers:
        dates["birthday"] = almanac.parse_birthdays(customers["birthday"], reference_year=week.sunday.year)
    event_frame = pd.DataFrame(list(events), columns=["event_name", "event_date", "event_type"])
    event_frame["event_date"] = pd.to_datetime(event_frame["event_date"])
    coverage = measure_coverage(log, week, rules, run_day, lacking)
    fines, checks = assess_fines(customers, log, event_frame, profiles, dates, week, rules, charged, coverage,
                                 decisions)
    fines["who"] = customers["customer_id"].reindex(fines["cust"]).to_numpy()
    summary = compliance_summary(customers, log, profiles, fines, checks, week, rules, coverage)
    return Audit(fines, checks, summary, coverage)


def team_rules(tmp_path, text: str):
    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    return load_rules(rules_file=path)


# ---------------------------------------------------------------- greetings: a window, not a day


def test_a_buyer_not_greeted_in_the_golden_week_is_fined_10():
    audit = assess([{"customer_id": "C1"}, {"customer_id": "C2"}],
                   [("C2", "2026-10-05 09:12", "短信", None, "国庆快乐"),  # day 5 of the holiday: greeted
                    ("C1", "2026-10-08", "微信"), ("C2", "2026-10-08", "微信"),  # 寒露 greeted by both
                    *span("2026-09-20", "2026-10-12")])
    assert audit.brief() == [("C1", "漏发问候", "国庆 2026-10-01", 10.0, pd.NA)]
    assert audit.fines.iloc[0]["reason"] == (
        "国庆（2026-10-01）期间 10-01 至 10-07 没有短信、微信、电话、来访或上门拜访记录")
    national = audit.checks[audit.checks["occasion"] == "国庆"]
    assert national["sent"].tolist() == [False, True] and national["judged"].all()
    assert audit.coverage.whole_week


@pytest.mark.parametrize(("plan_monday", "greeted", "occasion"), [
    ("2027-01-04", "2026-12-31", "元旦 2027-01-01"),  # New Year's Eve
    ("2027-02-15", "2027-02-05", "春节 2027-02-06"),  # 除夕
    ("2027-02-15", "2027-02-07", "春节 2027-02-06"),  # 初二
    ("2027-02-15", "2027-02-12", "春节 2027-02-06"),  # 初七, the last day of the holiday
], ids=["元旦-eve", "春节-除夕", "春节-初二", "春节-初七"])
def test_a_greeting_in_the_holiday_period_counts(plan_monday, greeted, occasion):
    week = PlanWeek.containing(dt.date.fromisoformat(plan_monday))
    audit = assess([{"customer_id": "N1"}, {"customer_id": "N2"}],
                   [("N1", greeted, "微信", None, "新年快乐"), *span("2026-12-01", plan_monday)], week=week)
    assert [(f.who, f.occasion) for f in audit.fines.itertuples()] == [("N2", occasion)]
    assert audit.fines.iloc[0]["key"] == f"漏发问候|N2|{occasion.replace(' ', '|')}"


def test_chunjie_a_day_after_the_holiday_is_too_late():
    week = PlanWeek.containing(dt.date(2027, 2, 15))
    audit = assess([{"customer_id": "N1"}], [("N1", "2027-02-13", "微信", None, "新年快乐"),
                                             *span("2026-12-01", "2027-02-15")], week=week)
    assert audit.brief() == [("N1", "漏发问候", "春节 2027-02-06", 10.0, pd.NA)]
    assert "期间 02-05 至 02-12" in audit.fines.iloc[0]["reason"]


def test_a_solar_term_greeting_counts_a_day_either_side_and_a_team_can_narrow_it(tmp_path):
    people = [{"customer_id": "C1"}]
    contacts = [("C1", "2026-10-01", "短信", None, "国庆快乐"), ("C1", "2026-10-09", "微信"),  # 寒露 10-08 + 1
                *span("2026-09-20", "2026-10-12")]
    assert assess(people, contacts).fines.empty
    exact = team_rules(tmp_path, "[penalties]\ngreeting_tolerance_days = 0\n")
    assert assess(people, contacts, rules=exact).brief() == [("C1", "漏发问候", "寒露 2026-10-08", 10.0, pd.NA)]


def test_a_window_is_set_per_occasion_in_the_rules(tmp_path):
    people = [{"customer_id": "C1"}]
    contacts = [("C1", "2026-10-06", "短信", None, "国庆快乐"), ("C1", "2026-10-08", "微信"),
                *span("2026-09-20", "2026-10-12")]
    assert assess(people, contacts).fines.empty
    short = team_rules(tmp_path, '[penalties.greeting_windows]\n"国庆" = [0, 3]\n')
    # 国庆 now 10-01 … 10-04: its window closes in the week before, and the audit of 10-05 … 10-11 has no 国庆.
    assert assess(people, contacts, rules=short).fines.empty
    before = assess(people, contacts, rules=short, week=PlanWeek.containing(dt.date(2026, 10, 5)))
    assert before.brief() == [("C1", "漏发问候", "国庆 2026-10-01", 10.0, pd.NA)]


def test_birthdays_need_a_greeting_a_day_either_side():
    people = [{"customer_id": "B1", "birthday": "1980-10-06"}, {"customer_id": "B2", "birthday": "1980-10-07"}]
    contacts = [("B1", "2026-10-01", "短信", None, "国庆快乐"), ("B2", "2026-10-01", "短信", None, "国庆快乐"),
                ("B1", "2026-10-08", "微信"), ("B2", "2026-10-08", "短信", None, "生日快乐"),  # B2's birthday + 1
                *span("2026-09-20", "2026-10-12")]
    audit = assess(people, contacts)
    assert audit.brief() == [("B1", "漏发问候", "生日 2026-10-06", 10.0, pd.NA)]
    assert audit.fines.iloc[0]["reason"].startswith("生日（2026-10-06）前后 10-05 至 10-07 没有")


def test_dongzhi_is_audited_once_as_the_solar_term_it_is():
    week = PlanWeek.containing(dt.date(2026, 12, 28))  # audit 12-21 … 12-27; 冬至 is 12-22
    audit = assess([{"customer_id": "D1"}, {"customer_id": "D2"}],
                   [("D2", "2026-12-21", "短信", None, "冬至安康"), *span("2026-12-01", "2026-12-28")], week=week)
    assert audit.checks["occasion"].tolist() == ["冬至", "冬至"]
    assert audit.brief() == [("D1", "漏发问候", "冬至 2026-12-22", 10.0, pd.NA)]


# ---------------------------------------------------------------- who is held to a duty on the day


def test_a_customer_registered_after_the_occasion_is_not_held_to_it():
    people = [{"customer_id": "L1", "registered_at": "2026-10-03"},  # after 国庆's day, before 寒露
              {"customer_id": "L2", "registered_at": "2026-09-01"},
              {"customer_id": "L3", "registered_at": None}]  # a log-only customer: first contacted 10-02
    contacts = [("L3", "2026-10-02", "电话"), *span("2026-09-20", "2026-10-12")]
    audit = assess(people, contacts)
    assert sorted((w, o) for w, _, o, *_ in audit.brief()) == [
        ("L1", "寒露 2026-10-08"), ("L2", "国庆 2026-10-01"), ("L2", "寒露 2026-10-08"), ("L3", "寒露 2026-10-08")]


def test_invalid_leads_and_customers_who_already_said_no_are_not_fined():
    people = [{"customer_id": "I1"}, {"customer_id": "O1"}, {"customer_id": "O2"}]
    contacts = [("O1", "2026-09-25 10:00", "微信", None, "客户说不考虑了"),  # said no before 国庆
                ("O2", "2026-10-10 10:00", "微信", None, "不买了"),  # said no after both occasions
                *span("2026-09-20", "2026-10-12")]
    audit = assess(people, contacts, status={"I1": "无效线索", "O1": "建议战败", "O2": "建议战败"})
    assert sorted((w, o) for w, _, o, *_ in audit.brief()) == [("O2", "国庆 2026-10-01"), ("O2", "寒露 2026-10-08")]


@pytest.mark.parametrize("stage", ["外拓", "来电", "战败"])
def test_leads_callers_and_lost_customers_get_no_greeting_fines(stage):
    audit = assess([{"customer_id": "X1", "stage": stage}], span("2026-09-20", "2026-10-12"))
    assert audit.fines.empty and audit.checks.empty


# ---------------------------------------------------------------- what the register covers


def test_a_log_that_ends_mid_week_audits_only_its_days():
    audit = assess([{"customer_id": "C1"}], span("2026-09-20", "2026-10-08"))
    assert audit.coverage.days_said() == (
        "2026-10-05 至 2026-10-08，4 天（数据截至 2026-10-08，10-09 至 10-11 没有数据，不稽核）")
    # 国庆's window (to 10-07) lies in the data: charged. 寒露's (to 10-09) does not: 待核实, no amount.
    assert audit.brief() == [("C1", "漏发问候", "国庆 2026-10-01", 10.0, pd.NA)]
    assert audit.brief("待核实") == [("C1", "漏发问候", "寒露 2026-10-08", None, pd.NA)]
    pending = audit.fines[audit.fines["status"] == "待核实"].iloc[0]
    assert pending["reason"].endswith("。数据截至 2026-10-08，待核实，不罚款")
    assert pending["suggested"] == 0 and np.isnan(pending["amount"])
    assert audit.summary.set_index("agent").loc["合计", "pending"] == 1


def test_days_after_the_run_are_never_audited():
    # Run on Friday 10-09 with next week planned: the audit week is this week, and 10-09 is not over.
    audit = assess([{"customer_id": "C1"}], span("2026-09-20", "2026-10-09"), run_day=dt.date(2026, 10, 9))
    assert audit.coverage.last_day == dt.date(2026, 10, 8)
    assert audit.brief("待核实") == [("C1", "漏发问候", "寒露 2026-10-08", None, pd.NA)]
    assert "2026-10-09（运行当天）起的日子还没过完" in audit.fines.iloc[-1]["reason"]


def test_a_log_that_ends_before_the_audit_week_charges_only_what_the_manager_marked():
    audit = assess([{"customer_id": "C1", "stage": "意向"}],
                   [("C1", "2026-09-25 10:00", "电话", "虚假跟进", "客户说再考虑"), *span("2026-09-01", "2026-09-30")])
    assert audit.coverage.days_said() == (
        "0 天：数据截至 2026-09-30，稽核周（2026-10-05 至 2026-10-11）没有可以稽核的日子，"
        "问候、电话等按日子稽核的规则都不罚款")
    assert audit.brief() == [("C1", "虚假跟进", "跟进 2026-09-25", 100.0, 1)]  # the supervisor's own finding


def test_a_week_before_the_register_begins_proves_nothing():
    audit = assess([{"customer_id": "C1"}], span("2026-10-03", "2026-10-12"))  # 国庆 began before the data
    assert audit.brief() == [("C1", "漏发问候", "寒露 2026-10-08", 10.0, pd.NA)]
    assert [o for _, _, o, *_ in audit.brief("待核实")] == ["国庆 2026-10-01"]


# ---------------------------------------------------------------- does the register record greetings at all


def test_a_register_with_no_sms_rows_cannot_prove_a_missed_greeting():
    contacts = [("C1", "2026-09-20", "电话", None, "客户说最近忙"), ("C2", "2026-10-12", "来访", None, "带看样板间")]
    audit = assess([{"customer_id": "C1"}, {"customer_id": "C2"}], contacts)
    greetings = audit.coverage.of("问候")
    assert not greetings.auditable
    assert greetings.headline == "问候无法稽核：登记表没有短信/微信记录"
    assert audit.brief() == []
    assert len(audit.brief("待核实")) == 4  # two customers, 国庆 and 寒露, listed without an amount
    assert audit.fines["reason"].str.endswith("。问候无法稽核（登记表没有短信/微信记录），待核实，不罚款").all()
    assert audit.summary.set_index("agent").loc["合计", "greetings"] == "无法稽核"


def test_wechat_chatter_is_not_a_record_of_greetings():
    days = pd.DataFrame({"customer_id": ["W1", "W2", "W3"], "day": pd.to_datetime(["2026-10-02"] * 3),
                         "method": ["微信", "微信", "电话"], "content": ["发了户型图", "一房一价", "祝您国庆快乐"]})
    rules = load_rules()
    evidence = greeting_evidence(days.iloc[:2], GOLDEN_WEEK, rules)
    assert (evidence.auditable, evidence.summary) == (False, "登记表没有短信/微信问候记录")
    assert "微信 2 条，写着祝福或问候的 0 条" in evidence.facts
    # A call whose note says 祝您…快乐 is a greeting on record: 1 row in 3.
    assert greeting_evidence(days, GOLDEN_WEEK, rules).auditable


def test_a_greeting_written_in_the_note_counts_whatever_its_method():
    # The office wrote 其他 as the method of its mass texts: the words in the note say what it was.
    audit = assess([{"customer_id": "G1"}, {"customer_id": "G2"}],
                   [("G1", "2026-10-03", "其他", None, "群发：祝您国庆快乐，阖家安康"),
                    ("G2", "2026-10-03", "其他", None, "交了物业费"),
                    ("G1", "2026-10-08", "短信", None, "寒露问候"), ("G2", "2026-10-08", "短信", None, "寒露问候"),
                    *span("2026-09-20", "2026-10-12")])
    assert audit.brief() == [("G2", "漏发问候", "国庆 2026-10-01", 10.0, pd.NA)]


def _daily_log(customers_a_day: dict[str, int], start: str, end: str) -> pd.DataFrame:
    """Calls only (no SMS, no greeting words): ``customers_a_day`` per day, 2 on any other day."""
    rows = []
    for day in pd.date_range(start, end):
        n = customers_a_day.get(day.strftime("%m-%d"), 2)
        rows += [(f"P{k}", day, "电话", "电话沟通") for k in range(n)]
    return pd.DataFrame(rows, columns=["customer_id", "contact_at", "method", "content"])


def test_past_festivals_with_a_clear_rise_in_contacts_make_greetings_auditable():
    # Before the audit week (10-05 …): 白露 09-06…08, 秋分 09-22…24 and 中秋 09-24…26 are 8 festival days.
    festive = {d: 6 for d in ("09-06", "09-07", "09-08", "09-22", "09-23", "09-24", "09-25", "09-26")}
    rules = load_rules()
    rise = measure_coverage(_daily_log(festive, "2026-09-01", "2026-10-12"), GOLDEN_WEEK, rules, RUN_DAY).of("问候")
    assert rise.auditable and rise.summary == "以往的节日联系明显增加"
    assert rise.facts == "以往 3 个节日/节气期间每天联系 6 位客户，平时 2 位（3.0 倍，要求至少 1.5 倍）"
    flat = measure_coverage(_daily_log({}, "2026-09-01", "2026-10-12"), GOLDEN_WEEK, rules, RUN_DAY).of("问候")
    assert not flat.auditable
    assert flat.facts.endswith("以往 3 个节日/节气期间每天联系 2 位客户，平时 2 位，"
                               "没有明显增加（1.0 倍，要求至少 1.5 倍）")


def test_visits_crowding_into_holidays_are_no_sign_of_greetings(tmp_path):
    # The same festival days as above, but the extra customers came to the sales office (金九银十).
    festive = ("09-06", "09-07", "09-08", "09-22", "09-23", "09-24", "09-25", "09-26")
    log = _daily_log({}, "2026-09-01", "2026-10-12")
    visits = pd.DataFrame([(f"V{k}", pd.Timestamp(f"2026-{d}"), "来访", "带看样板间")
                           for d in festive for k in range(4)], columns=log.columns)
    log = pd.concat([log, visits], ignore_index=True)
    evidence = measure_coverage(log, GOLDEN_WEEK, load_rules(), RUN_DAY).of("问候")
    assert not evidence.auditable
    assert "每天联系 2 位客户，平时 2 位" in evidence.facts
    counted = team_rules(tmp_path, "[penalties]\ngreeting_rise_exclude = []\n")
    assert measure_coverage(log, GOLDEN_WEEK, counted, RUN_DAY).of("问候").auditable


def test_the_share_of_greeting_rows_needed_is_a_rule(tmp_path):
    days = contact_days(_daily_log({}, "2026-09-01", "2026-10-12").assign(
        method=["短信"] + ["电话"] * 83), RUN_DAY)  # 1 SMS in 84 rows: 1.2 %
    assert greeting_evidence(days, GOLDEN_WEEK, load_rules()).auditable
    strict = team_rules(tmp_path, "[penalties]\ngreeting_evidence_share = 0.05\n")
    assert not greeting_evidence(days, GOLDEN_WEEK, strict).auditable


# ---------------------------------------------------------------- the monthly call: any real contact


def test_any_real_contact_counts_as_the_months_call(tmp_path):
    week = PlanWeek.containing(dt.date(2026, 12, 7))  # audit 11-30 … 12-06 holds November's last day
    people = [{"customer_id": "P1", "stage": "意向", "registered_at": "2026-10-01"},  # only WeChat in November
              {"customer_id": "P2", "stage": "来访", "registered_at": "2026-10-01"},  # a visit
              {"customer_id": "P3", "stage": "意向", "registered_at": "2026-11-10"},  # new this month
              {"customer_id": "P4", "stage": "成交", "registered_at": "2026-10-01"},  # buyers: no monthly call rule
              {"customer_id": "P5", "stage": "意向", "registered_at": "2026-10-01"},  # met at their door
              {"customer_id": "P6", "stage": "意向", "registered_at": "2026-10-01"},  # a call from them
              {"customer_id": "P7", "stage": "来访", "registered_at": "2026-10-01"}]  # an invalid lead
    contacts = [("P1", "2026-11-03", "微信"), ("P2", "2026-11-15", "来访"), ("P5", "2026-11-20", "拜访"),
                ("P6", "2026-11-28", "电话", None, "客户来电问价格"), *span("2026-10-20", "2026-12-07")]
    audit = assess(people, contacts, week=week, status={"P7": "无效线索"})
    monthly = audit.fines[audit.fines["rule"] == "每月电话不足"]
    assert [(f.who, f.occasion, f.amount) for f in monthly.itertuples()] == [("P1", "2026年11月", 10.0)]
    assert monthly.iloc[0]["reason"] == "2026年11月（11-01 至 11-30）没有电话、来访或上门拜访记录"
    messages = team_rules(tmp_path, "[penalties]\nmonthly_call_messages_count = true\n")
    counted = assess(people, contacts, week=week, rules=messages, status={"P7": "无效线索"})
    assert "每月电话不足" not in set(counted.fines["rule"])
    plain_week = assess(people, contacts, week=PlanWeek.containing(dt.date(2026, 11, 23)))
    assert "每月电话不足" not in set(plain_week.fines["rule"])


def test_a_prospect_whose_note_says_they_bought_is_not_fined_for_the_months_call():
    """疑似成交: the latest note (a WeChat on 11-20) says 已签约; the register still says 意向. A manager cannot
    fine a buyer for a missed prospect call: the case waits for the deal date. A deal noted after the month
    (12-02) leaves November's fine standing."""
    week = PlanWeek.containing(dt.date(2026, 12, 7))
    people = [{"customer_id": "B1", "stage": "意向", "registered_at": "2026-10-01"},
              {"customer_id": "B2", "stage": "意向", "registered_at": "2026-10-01"}]
    contacts = [("B1", "2026-11-20", "微信", None, "已签约 10-1404"), ("B2", "2026-12-02", "微信", None, "交定金了"),
                *span("2026-10-20", "2026-12-07")]
    audit = assess(people, contacts, week=week, status={"B1": "疑似成交", "B2": "疑似成交"})
    monthly = audit.fines[audit.fines["rule"] == "每月电话不足"].set_index("who")
    assert monthly.loc["B2", "amount"] == 10.0
    assert monthly.loc["B1", "amount"] == 0.0 or pd.isna(monthly.loc["B1", "amount"])
    assert "疑似成交" in monthly.loc["B1", "reason"] and "请先补登成交日期" in monthly.loc["B1", "reason"]
    assert [(w, r) for w, r, *_ in audit.brief("待核实")] == [("B1", "每月电话不足")]

def test_a_month_the_register_does_not_cover_whole_is_left_to_check():
    week = PlanWeek.containing(dt.date(2026, 12, 7))
    audit = assess([{"customer_id": "P1", "stage": "意向", "registered_at": "2026-10-01"}],
                   span("2026-11-10", "2026-12-07"), week=week)  # the log begins on 11-10
    assert audit.brief() == []
    assert [(w, r) for w, r, *_ in audit.brief("待核实")] == [("P1", "每月电话不足")]


# ---------------------------------------------------------------- events and outreach


def test_events_appreciation_for_buyers_and_marketing_for_prospects():
    people = [{"customer_id": "O1", "stage": "成交"}, {"customer_id": "O2", "stage": "业主"},
              {"customer_id": "V1", "stage": "来访"}, {"customer_id": "V2", "stage": "意向"}]
    greeted = [(c, d, "短信", None, "节日快乐") for c in ("O1", "O2", "V1", "V2") for d in ("2026-10-01", "2026-10-08")]
    events = [{"event_name": "老业主答谢宴", "event_date": "2026-10-10", "event_type": "答谢"},
              {"event_name": "金秋开盘", "event_date": "2026-10-11", "event_type": "营销"}]
    # Every customer had an SMS on 10-08, within 7 days before both events: all were told.
    assert assess(people, greeted + span("2026-09-20", "2026-10-12"), events).fines.empty
    told_early = [("O2", "2026-09-20", "电话"), *[(c, "2026-10-01", "短信", None, "国庆快乐")
                                                   for c in ("O1", "O2", "V1", "V2")]]
    audit = assess(people, told_early + span("2026-09-20", "2026-10-12"), events)
    got = sorted((f.who, f.rule) for f in audit.fines.itertuples() if f.rule != "漏发问候")
    assert got == [("O1", "未邀约答谢活动"), ("O2", "未邀约答谢活动"),
                   ("V1", "未通知营销活动"), ("V2", "未通知营销活动")]


def test_event_notices_are_audited_only_where_greetings_are():
    people = [{"customer_id": "V1", "stage": "来访"}]
    events = [{"event_name": "金秋开盘", "event_date": "2026-10-11", "event_type": "营销"}]
    audit = assess(people, [("V1", "2026-09-20", "电话"), ("V1", "2026-10-12", "电话")], events)
    assert audit.brief() == []
    assert ("V1", "未通知营销活动") in [(w, r) for w, r, *_ in audit.brief("待核实")]


def test_outreach_lead_not_called_within_seven_days():
    people = [{"customer_id": "W1", "stage": "外拓", "outreach_at": "2026-09-30"},  # deadline 10-07
              {"customer_id": "W2", "stage": "外拓", "outreach_at": "2026-10-01"},  # called 10-03
              {"customer_id": "W3", "stage": "外拓", "outreach_at": "2026-09-10"}]  # deadline in an earlier week
    audit = assess(people, [("W2", "2026-10-03", "电话"), *span("2026-09-20", "2026-10-12")])
    assert audit.brief() == [("W1", "外拓未回访", "外拓 2026-09-30", 10.0, pd.NA)]
    assert audit.fines.iloc[0]["reason"] == "外拓 2026-09-30 后 7 天内（至 10-07）没有电话、来访或上门拜访"


# ---------------------------------------------------------------- fake records: the one rule that escalates


def test_second_fake_follow_up_of_an_agent_is_doubled_and_only_fakes_are_numbered():
    audit = assess(
        [{"customer_id": "C1", "stage": "意向"}, {"customer_id": "C2", "stage": "战败"}, {"customer_id": "C3"}],
        [("C1", "2026-10-06 10:00", "电话", "虚假跟进", "客户说再考虑"),
         ("C2", "2026-10-07 10:00", "电话", "虚假战败", "客户已买别家"),
         ("C1", "2026-10-01", "短信", None, "国庆快乐"), ("C1", "2026-10-08", "短信", None, "寒露"),
         *span("2026-09-20", "2026-10-12")],
    )
    assert audit.brief() == [("C3", "漏发问候", "国庆 2026-10-01", 10.0, pd.NA),
                             ("C1", "虚假跟进", "跟进 2026-10-06", 100.0, 1),
                             ("C2", "虚假战败", "跟进 2026-10-07", 200.0, 2),
                             ("C3", "漏发问候", "寒露 2026-10-08", 10.0, pd.NA)]
    assert audit.fines.iloc[2]["reason"].endswith("该经纪人第 2 次，罚款 ×2")


def test_a_fake_record_is_left_to_check_when_the_register_lacks_an_essential_column():
    contacts = [("C1", "2026-10-06 10:00", "电话", "虚假跟进", "客户说再考虑"), *span("2026-09-20", "2026-10-12")]
    audit = assess([{"customer_id": "C1", "stage": "意向"}], contacts, lacking=True)
    fake = audit.fines[audit.fines["rule"] == "虚假跟进"].iloc[0]
    assert (fake["status"], pd.isna(fake["amount"])) == ("待核实", True)
    assert "登记表缺少必要的列" in fake["reason"]
    assert audit.brief() == []


def _history(audit: Audit, week: str) -> pd.DataFrame:
    return audit.fines.assign(week=week)[["week", "key", "agent", "rule", "status"]]


def test_offences_count_across_weeks_and_a_fine_is_never_charged_twice():
    people = [{"customer_id": "C1", "stage": "意向"}]
    contacts = [("C1", "2026-10-06 10:00", "电话", "虚假跟进", "客户说再考虑"), ("C1", "2026-10-01", "短信"),
                ("C1", "2026-10-08", "短信"), ("C1", "2026-10-14 10:00", "电话", "核查：不属实", "已约看房")]
    first = assess(people, contacts)
    assert first.brief() == [("C1", "虚假跟进", "跟进 2026-10-06", 100.0, 1)]
    second = assess(people, contacts, week=PlanWeek.containing(dt.date(2026, 10, 19)),
                    charged=_history(first, "2026-W42"))
    # The 10-06 fake is still in the look-back window but was charged last week: only the new one, doubled.
    assert second.brief() == [("C1", "虚假跟进", "跟进 2026-10-14", 200.0, 2)]


def test_a_waived_fake_record_is_no_offence_and_is_never_charged_again():
    people = [{"customer_id": "C1", "stage": "意向"}]
    contacts = [("C1", "2026-10-06 10:00", "电话", "虚假跟进", "客户说再考虑"), ("C1", "2026-10-01", "短信"),
                ("C1", "2026-10-08", "短信"), ("C1", "2026-10-14 10:00", "电话", "核查：不属实", "已约看房")]
    first = assess(people, contacts)
    waived = pd.DataFrame({"code": first.fines["code"], "decision": "免罚", "note": "主管复核属实"})
    again = assess(people, contacts, decisions=waived)  # the same week re-run: the row stays, decided
    assert again.brief() == [("C1", "虚假跟进", "跟进 2026-10-06", 100.0, pd.NA)]  # no offence
    assert (again.fines.iloc[0]["decision"], again.fines.iloc[0]["confirmed"]) == ("免罚", 0.0)
    second = assess(people, contacts, week=PlanWeek.containing(dt.date(2026, 10, 19)),
                    charged=_history(first, "2026-W42"), decisions=waived)
    assert second.brief() == [("C1", "虚假跟进", "跟进 2026-10-14", 100.0, 1)]  # the first one does not count


# ---------------------------------------------------------------- the manager's decisions and the totals


def test_compliance_shows_confirmed_beside_suggested():
    people = [{"customer_id": "C1", "agent": "李娜"}, {"customer_id": "C2", "agent": "赵强"},
              {"customer_id": "C3", "agent": "赵强", "stage": "意向"}]
    contacts = [("C3", "2026-10-06 10:00", "电话", "虚假跟进", "x"), *[(c, "2026-10-08", "短信", None, "寒露")
                                                                      for c in ("C1", "C2", "C3")],
                *span("2026-09-20", "2026-10-12")]
    first = assess(people, contacts)
    codes = first.fines[first.fines["rule"] != "漏发问候"].set_index("who")["code"]
    codes["C2"] = first.fines.set_index("who").loc["C2", "code"]
    decisions = pd.DataFrame({"code": [codes["C3"], codes["C2"]], "decision": ["确认", "免罚"],
                              "note": [None, "客户在国外"]})
    audit = assess(people, contacts, decisions=decisions)
    rows = audit.summary.set_index("agent")
    # 赵强: C2's missed 国庆 greeting (10, waived), C3's (10: a call marked false greets nobody) and C3's fake
    # follow-up (100, confirmed); 李娜: C1's 国庆 (10).
    assert rows.loc["赵强", ["fine_count", "fine_total", "confirmed_total", "waived"]].tolist() == [3, 120, 100, 1]
    assert rows.loc["合计", "fine_total"] == audit.fines["suggested"].sum() == 130.0
    assert rows.loc["合计", "confirmed_total"] == 100.0 and rows.loc["李娜", "confirmed_total"] == 0
    assert rows.loc["合计", "greetings"] == "3/6"  # 寒露 sent to all three, 国庆 to none
    note = audit.fines.set_index("who").loc["C2", "note"]
    assert note == "客户在国外"


def test_a_pending_case_the_manager_confirms_counts_its_amount():
    contacts = span("2026-09-20", "2026-10-08")
    first = assess([{"customer_id": "C1"}], contacts)
    pending = first.fines[first.fines["status"] == "待核实"]
    confirmed = assess([{"customer_id": "C1"}], contacts,
                       decisions=pd.DataFrame({"code": pending["code"], "decision": "确认", "note": None}))
    row = confirmed.fines.set_index("code").loc[pending["code"].iloc[0]]
    assert (row["status"], row["amount"], row["suggested"], row["confirmed"]) == ("待核实", 10.0, 0.0, 10.0)


def test_fine_keys_and_codes_name_the_customer_not_the_row():
    contacts = [("C2", "2026-10-06 10:00", "电话", "虚假跟进", "x"), *span("2026-09-20", "2026-10-12")]
    first = assess([{"customer_id": "C1"}, {"customer_id": "C2", "stage": "意向"}], contacts)
    moved = assess([{"customer_id": "C0"}, {"customer_id": "C2", "stage": "意向"}, {"customer_id": "C1"}],
                   contacts)
    assert set(first.fines["key"]) <= set(moved.fines["key"])  # a row added above changes no key
    assert set(first.fines["code"]) <= set(moved.fines["code"])
    assert "虚假跟进|C2|2026-10-06 10:00|x" in set(first.fines["key"])
    assert "漏发问候|C1|国庆|2026-10-01" in set(first.fines["key"])
    code = fine_codes(pd.Series(["漏发问候|C1|国庆|2026-10-01"])).iloc[0]
    assert code.startswith("F") and len(code) == 11 and code in set(first.fines["code"])


def test_rerunning_a_week_gives_identical_fines():
    people = [{"customer_id": "C1"}, {"customer_id": "C2", "stage": "意向"}]
    contacts = [("C2", "2026-10-06 10:00", "电话", "虚假跟进", "x"), *span("2026-09-20", "2026-10-12")]
    pd.testing.assert_frame_equal(assess(people, contacts).fines, assess(people, contacts).fines)


# ---------------------------------------------------------------- compliance beside the fines


def test_sms_timeliness_and_note_quality_where_contacts_carry_times():
    people = [{"customer_id": "T1", "stage": "来访"}, {"customer_id": "T2", "stage": "来访"},
              {"customer_id": "T3", "stage": "成交", "signed_at": "2026-10-07"}]
    contacts = [
        ("T1", "2026-10-05 10:00", "电话", None, "首次来电咨询三居室户型和价格"),  # first call, SMS 5 minutes later
        ("T1", "2026-10-05 10:05", "短信", None, "感谢来电"),
        ("T2", "2026-10-06 14:00", "来访", None, "看了样板间，比较满意"),  # visit, thank-you 45 minutes later: late
        ("T2", "2026-10-06 14:45", "短信", None, "感谢来访"),
        ("T3", "2026-10-07 18:00", "微信", None, "恭喜签约"),  # congratulated on the signing day
        ("T2", "2026-10-08 09:00", "电话", None, "未接"),  # a thin note; not a first call (T2 visited first)
    ]
    audit = assess(people, contacts)
    li = audit.summary.set_index("agent").loc["李娜"]
    assert (li["首电短信"], li["来访短信"], li["签约祝贺"]) == ("1/1", "0/1", "1/1")
    assert li["thin"] == 1 and li["pasted"] == 0


def test_one_note_pasted_for_many_customers_is_suspect():
    people = [{"customer_id": f"P{i}", "stage": "意向"} for i in range(6)]
    contacts = [(f"P{i}", f"2026-10-06 1{i}:00", "电话", None, "客户说再考虑考虑，过段时间再联系") for i in range(6)]
    li = assess(people, contacts).summary.set_index("agent").loc["李娜"]
    assert li["pasted"] == 6 and li["suspect"] == 6


def test_contact_days_answer_windows_per_customer():
    from crm_batch.rules.penalties import ContactDays

    contacts = pd.DataFrame({
        "customer_id": ["K1", "K1", "K2", "K3"],
        "contact_at": pd.to_datetime(["2026-11-10 09:30", "2026-11-20 18:00", "2026-11-12 10:00", None]),
        "method": ["电话", "短信", "来访", "电话"],
    })
    days = ContactDays(contacts, ["电话", "短信"])
    # K1 on its contact day; 3 days after it; the day before it; K2 only met (来访 does not count);
    # K3's contact has no date; an unknown customer; no date asked.
    ids = pd.Series(["K1", "K1", "K1", "K2", "K3", "K9", "K1"])
    when = pd.Series(pd.to_datetime(["2026-11-10", "2026-11-13", "2026-11-09", "2026-11-12", "2026-11-12",
                                     "2026-11-10", None]))
    assert days.contacted(ids, when).tolist() == [True, False, False, False, False, False, False]
    assert days.contacted(ids, when, before=3).tolist() == [True, True, False, False, False, False, False]
    assert days.contacted(ids, when, before=2).tolist() == [True, False, False, False, False, False, False]
    assert days.contacted(ids, when, after=1).tolist() == [True, False, True, False, False, False, False]
    # Windows row for row: K1 11-13 looking 3 back, K1 11-09 looking 1 ahead.
    assert days.contacted(ids[1:3], when[1:3], np.array([3, 0]), np.array([0, 1])).tolist() == [True, True]
    assert ContactDays(contacts.iloc[:0], ["电话"]).contacted(ids, when).tolist() == [False] * 7
