"""罚款 and 合规 (SPEC §6): hand-built registers and the exact fines expected.

The audit week is the week before the plan week. Plan week 2026-10-05 → audit
2026-09-28 … 10-04, which holds 国庆 (10-01) and no solar term (秋分 09-23, 寒露 10-08).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from crm_batch import almanac
from crm_batch.calendar import PlanWeek
from crm_batch.rules.cadence import contact_cadence
from crm_batch.rules.churn import churn_flags
from crm_batch.rules.compliance import compliance_summary
from crm_batch.rules.lifecycle import lifecycle
from crm_batch.rules.penalties import assess_fines
from crm_batch.rules_config import load_rules

NATIONAL_DAY = PlanWeek.containing(dt.date(2026, 10, 5))


def assess(people, contacts=(), events=(), week=NATIONAL_DAY, charged=None, rules=None):
    """Fines for customers given as dicts; contacts as (id, when, method[, verification[, content]])."""
    rules = rules or load_rules()
    customers = pd.DataFrame([{"agent": "李娜", **{k: v for k, v in p.items() if k not in ("stage", "grade")}}
                              for p in people])
    for key in ("registered_at", "signed_at", "outreach_at"):
        if key in customers:
            customers[key] = pd.to_datetime(customers[key])
    rows = [(*c, *[None] * (5 - len(c))) for c in contacts]
    log = pd.DataFrame(rows, columns=["customer_id", "contact_at", "method", "verification", "content"])
    log["contact_at"] = pd.to_datetime(log["contact_at"], format="mixed")
    profiles = pd.DataFrame({"stage": [p.get("stage", "成交") for p in people],
                             "grade": [p.get("grade", "C") for p in people], "referral": [None] * len(people)})
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
    fines, checks = assess_fines(customers, log, event_frame, profiles, dates, week, rules, charged)
    fines["who"] = customers["customer_id"].reindex(fines["cust"]).to_numpy()
    summary = compliance_summary(customers, log, profiles, fines, checks, week, rules)
    return fines, checks, summary


def brief(fines):
    return [(f.who, f.rule, f.occasion, f.amount, f.offence) for f in fines.itertuples()]


def test_a_buyer_not_greeted_on_national_day_is_fined_10():
    fines, checks, _ = assess([{"customer_id": "C1"}, {"customer_id": "C2"}],
                              contacts=[("C2", "2026-10-01 09:12", "短信")])
    assert brief(fines) == [("C1", "漏发问候", "国庆 2026-10-01", 10.0, 1)]
    assert fines.iloc[0]["reason"] == "国庆（2026-10-01）当天没有短信、微信、电话或来访记录"
    assert checks["sent"].tolist() == [False, True]


@pytest.mark.parametrize("stage", ["外拓", "来电", "战败"])
def test_leads_callers_and_lost_customers_get_no_greeting_fines(stage):
    fines, checks, _ = assess([{"customer_id": "X1", "stage": stage}])
    assert fines.empty and checks.empty


def test_a_greeting_a_day_late_counts_only_with_tolerance(tmp_path):
    people, late = [{"customer_id": "C1"}], [("C1", "2026-10-02", "微信")]
    assert len(assess(people, late)[0]) == 1
    team = tmp_path / "rules.toml"
    team.write_text("[penalties]\ngreeting_tolerance_days = 1\n", encoding="utf-8")
    assert assess(people, late, rules=load_rules(rules_file=team))[0].empty


def test_birthdays_in_the_audit_week_need_a_greeting():
    people = [{"customer_id": "B1", "birthday": "1980-09-29"}, {"customer_id": "B2", "birthday": "1980-09-30"}]
    contacts = [("B1", "2026-10-01", "短信"), ("B2", "2026-09-30", "电话"), ("B2", "2026-10-01", "短信")]
    fines, _, _ = assess(people, contacts)
    assert brief(fines) == [("B1", "漏发问候", "生日 2026-09-29", 10.0, 1)]


def test_second_fake_follow_up_of_an_agent_is_doubled():
    fines, _, _ = assess(
        [{"customer_id": "C1", "stage": "意向"}, {"customer_id": "C2", "stage": "战败"}],
        contacts=[("C1", "2026-09-29 10:00", "电话", "虚假跟进", "客户说再考虑"),
                  ("C2", "2026-09-30 10:00", "电话", "虚假战败", "客户已买别家"),
                  ("C1", "2026-10-01 10:00", "短信")],
    )
    fakes = fines[fines["rule"].str.startswith("虚假")]
    assert brief(fakes) == [("C1", "虚假跟进", "跟进 2026-09-29", 100.0, 1),
                            ("C2", "虚假战败", "跟进 2026-09-30", 200.0, 2)]
    assert fakes.iloc[1]["reason"].endswith("该经纪人第 2 次，罚款 ×2")


def test_offences_count_across_weeks_and_a_fine_is_never_charged_twice():
    people = [{"customer_id": "C1", "stage": "意向"}]
    contacts = [("C1", "2026-09-29 10:00", "电话", "虚假跟进", "客户说再考虑"), ("C1", "2026-10-01", "短信"),
                ("C1", "2026-10-07 10:00", "电话", "核查：不属实", "已约看房"), ("C1", "2026-10-08", "短信")]
    first, _, _ = assess(people, contacts)
    assert brief(first) == [("C1", "虚假跟进", "跟进 2026-09-29", 100.0, 1)]
    history = first.assign(week="2026-W41")[["week", "key", "agent", "rule"]]
    second, _, _ = assess(people, contacts, week=PlanWeek.containing(dt.date(2026, 10, 12)), charged=history)
    # The 09-29 fake is still in the look-back window but was charged last week: only the new one, doubled.
    assert brief(second) == [("C1", "虚假跟进", "跟进 2026-10-07", 200.0, 2)]


def test_rerunning_a_week_gives_identical_fines():
    people = [{"customer_id": "C1"}, {"customer_id": "C2", "stage": "意向"}]
    contacts = [("C2", "2026-09-29 10:00", "电话", "虚假跟进", "x")]
    first, _, _ = assess(people, contacts)
    again, _, _ = assess(people, contacts)
    pd.testing.assert_frame_equal(first, again)


def test_monthly_call_is_assessed_once_for_the_month_that_ended():
    week = PlanWeek.containing(dt.date(2026, 12, 7))  # audit 11-30 … 12-06 holds November's last day
    people = [{"customer_id": "P1", "stage": "意向", "registered_at": "2026-10-01"},
              {"customer_id": "P2", "stage": "来访", "registered_at": "2026-10-01"},
              {"customer_id": "P3", "stage": "意向", "registered_at": "2026-11-10"},  # new this month
              {"customer_id": "P4", "stage": "成交", "registered_at": "2026-10-01"}]  # buyers: no monthly call rule
    contacts = [("P1", "2026-11-03", "微信"), ("P2", "2026-11-15", "电话")]
    fines, _, _ = assess(people, contacts, week=week)
    monthly = fines[fines["rule"] == "每月电话不足"]
    assert brief(monthly) == [("P1", "每月电话不足", "2026年11月", 10.0, 1)]
    assert monthly.iloc[0]["reason"] == "2026年11月（11-01 至 11-30）没有一次电话联系"
    plain_week, _, _ = assess(people, contacts, week=PlanWeek.containing(dt.date(2026, 11, 23)))
    assert "每月电话不足" not in set(plain_week["rule"])


def test_events_appreciation_for_buyers_and_marketing_for_prospects():
    people = [{"customer_id": "O1", "stage": "成交"}, {"customer_id": "O2", "stage": "业主"},
              {"customer_id": "V1", "stage": "来访"}, {"customer_id": "V2", "stage": "意向"}]
    contacts = [(c, "2026-10-01", "短信") for c in ("O1", "O2", "V1", "V2")] + [
        ("O2", "2026-09-27", "电话"), ("V2", "2026-09-30", "微信")]
    events = [{"event_name": "老业主答谢宴", "event_date": "2026-10-03", "event_type": "答谢"},
              {"event_name": "国庆开盘", "event_date": "2026-10-04", "event_type": "营销"}]
    fines, _, _ = assess(people, contacts, events)
    got = sorted((f.who, f.rule) for f in fines.itertuples())
    # Every customer had an SMS on 10-01, within 7 days before both events: all were told.
    assert got == []
    fines, _, _ = assess(people, [("O2", "2026-09-20", "电话")], events)
    got = sorted((f.who, f.rule) for f in fines.itertuples() if f.rule != "漏发问候")
    assert got == [("O1", "未邀约答谢活动"), ("O2", "未邀约答谢活动"),
                   ("V1", "未通知营销活动"), ("V2", "未通知营销活动")]


def test_outreach_lead_not_called_within_seven_days():
    people = [{"customer_id": "W1", "stage": "外拓", "outreach_at": "2026-09-23"},  # deadline 09-30
              {"customer_id": "W2", "stage": "外拓", "outreach_at": "2026-09-24"},  # called 09-26
              {"customer_id": "W3", "stage": "外拓", "outreach_at": "2026-09-10"}]  # deadline in an earlier week
    fines, _, _ = assess(people, [("W2", "2026-09-26", "电话")])
    assert brief(fines) == [("W1", "外拓未回访", "外拓 2026-09-23", 10.0, 1)]


def test_compliance_totals_equal_the_fines():
    people = [{"customer_id": "C1", "agent": "李娜"}, {"customer_id": "C2", "agent": "赵强"},
              {"customer_id": "C3", "agent": "赵强", "stage": "意向"}]
    fines, _, summary = assess(people, [("C3", "2026-09-29 10:00", "电话", "虚假跟进", "x")])
    rows = summary.set_index("agent")
    assert rows.loc["合计", "fine_total"] == fines["amount"].sum() == 130.0
    # 赵强: C2's and C3's missed 国庆 greetings (10 + 10) and C3's fake follow-up (100).
    assert rows.loc["赵强", "fine_count"] == 3 and rows.loc["李娜", "fine_total"] == 10.0
    assert rows.loc["合计", "greetings"] == "0/3"
    assert rows.loc["合计", "customers"] == 3


def test_sms_timeliness_and_note_quality_where_contacts_carry_times():
    people = [{"customer_id": "T1", "stage": "来访"}, {"customer_id": "T2", "stage": "来访"},
              {"customer_id": "T3", "stage": "成交", "signed_at": "2026-09-30"}]
    contacts = [
        ("T1", "2026-09-28 10:00", "电话", None, "首次来电咨询三居室户型和价格"),  # first call, SMS 5 minutes later
        ("T1", "2026-09-28 10:05", "短信", None, "感谢来电"),
        ("T2", "2026-09-29 14:00", "来访", None, "看了样板间，比较满意"),  # visit, thank-you 45 minutes later: late
        ("T2", "2026-09-29 14:45", "短信", None, "感谢来访"),
        ("T3", "2026-09-30 18:00", "微信", None, "恭喜签约"),  # congratulated on the signing day
        ("T2", "2026-10-01 09:00", "电话", None, "未接"),  # a thin note; not a first call (T2 visited first)
    ] + [(c, "2026-10-01 09:30", "短信", None, "国庆快乐") for c in ("T1", "T3")]
    _, _, summary = assess(people, contacts)
    li = summary.set_index("agent").loc["李娜"]
    assert (li["首电短信"], li["来访短信"], li["签约祝贺"]) == ("1/1", "0/1", "1/1")
    assert li["thin"] == 1 and li["pasted"] == 0


def test_one_note_pasted_for_many_customers_is_suspect():
    people = [{"customer_id": f"P{i}", "stage": "意向"} for i in range(6)]
    contacts = [(f"P{i}", f"2026-09-29 1{i}:00", "电话", None, "客户说再考虑考虑，过段时间再联系") for i in range(6)]
    _, _, summary = assess(people, contacts)
    li = summary.set_index("agent").loc["李娜"]
    assert li["pasted"] == 6 and li["suspect"] == 6


def test_fine_keys_name_the_customer_not_the_row():
    contacts = [("C2", "2026-09-29 10:00", "电话", "虚假跟进", "x")]
    first, _, _ = assess([{"customer_id": "C1"}, {"customer_id": "C2", "stage": "意向"}], contacts)
    moved, _, _ = assess([{"customer_id": "C0"}, {"customer_id": "C2", "stage": "意向"}, {"customer_id": "C1"}],
                         contacts)
    assert set(first["key"]) <= set(moved["key"])  # a row added above changes no key
    assert "虚假跟进|C2|2026-09-29 10:00|x" in set(first["key"])
    assert "漏发问候|C1|国庆|2026-10-01" in set(first["key"])


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
    assert ContactDays(contacts.iloc[:0], ["电话"]).contacted(ids, when).tolist() == [False] * 7
