"""本周行动 (SPEC §5): a hand-built register and the exact actions expected for plan week 2026-W48.

Plan week: Monday 2026-11-23 to Sunday 2026-11-29; no holiday or solar term falls in it
(小雪 is 11-22, 大雪 12-07), so greetings are tested on the weeks that have them.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from crm_batch import almanac
from crm_batch.calendar import PlanWeek
from crm_batch.rules.actions import add_months, plan_actions, review_list
from crm_batch.rules.cadence import contact_cadence
from crm_batch.rules.churn import churn_flags
from crm_batch.rules.lifecycle import lifecycle
from crm_batch.rules.schedule import merge_actions, rank_actions, schedule
from crm_batch.rules_config import load_rules

WEEK = PlanWeek.containing(dt.date(2026, 11, 23))
DATE_FIELDS = ("registered_at", "signed_at", "handover_at", "outreach_at")


def plan(people: list[dict], contacts: list[tuple] = (), events: list[dict] = (), week: PlanWeek = WEEK,
         preset: str | None = None, merged: bool = False) -> pd.DataFrame:
    """Actions for customers given as dicts (stage, grade, referral, status, fields…); contacts as
    (id, date, method, next[, note]). ``merged``: scheduled into the agents' days, one row per customer and day."""
    customers, log, event_frame, profiles, dates, rules = register(people, contacts, events, week, preset)
    long = plan_actions(customers, log, event_frame, profiles, dates, week, rules)
    out = merge_actions(schedule(rank_actions(long, customers, profiles, rules), week, rules).planned) if merged \
        else long
    out = out.assign(who=customers["customer_id"].reindex(out["cust"]).to_numpy())
    return out.sort_values(["who", "date"], kind="stable").reset_index(drop=True)


def register(people: list[dict], contacts: list[tuple] = (), events: list[dict] = (), week: PlanWeek = WEEK,
             preset: str | None = None) -> tuple:
    """The frames the plan reads: customers, contacts, events, profiles, parsed dates, rules."""
    rules = load_rules(preset)
    customers = pd.DataFrame([{k: v for k, v in p.items() if k not in ("stage", "grade", "referral", "status")}
                              for p in people])
    if "agent" not in customers:
        customers["agent"] = "李娜"
    for key in DATE_FIELDS:
        if key in customers:
            customers[key] = pd.to_datetime(customers[key])
    log = pd.DataFrame([(*c, "介绍户型")[:5] for c in contacts],
                       columns=["customer_id", "contact_at", "method", "next_contact_at", "content"])
    log["contact_at"] = pd.to_datetime(log["contact_at"])
    log["next_contact_at"] = pd.to_datetime(log["next_contact_at"])
    profiles = pd.DataFrame({"stage": [p.get("stage", "来访") for p in people],
                             "grade": [p.get("grade", "C") for p in people],
                             "referral": [p.get("referral") for p in people],
                             "status": pd.Series([p.get("status") for p in people], dtype="string"),
                             "status_evidence": pd.Series([p.get("status") and "最近跟进（2026-11-20）：“已认购 3-502”"
                                                           for p in people], dtype="string")})
    profiles = profiles.join(contact_cadence(customers, log, profiles, week.today, rules))
    profiles = profiles.join(churn_flags(customers, log, profiles, week.today, rules))
    profiles = profiles.join(lifecycle(customers, profiles, rules))
    dates = {}
    if "birthday" in customers:
        kind = customers.get("birthday_type")
        dates["birthday"] = almanac.parse_birthdays(customers["birthday"], kind, reference_year=week.sunday.year)
    event_frame = pd.DataFrame(list(events), columns=["event_name", "event_date", "event_target"])
    event_frame["event_date"] = pd.to_datetime(event_frame["event_date"])
    return customers, log, event_frame, profiles, dates, rules


def days(frame: pd.DataFrame, who: str, kind: str | None = None) -> list[str]:
    rows = frame[(frame["who"] == who) & ((frame["action_type"] == kind) if kind else True)]
    return [d.strftime("%m-%d") for d in rows["date"]]


def test_cadence_calls_fall_on_their_due_days():
    frame = plan(
        [
            {"customer_id": "A1", "grade": "A"},   # last 11-20, daily → due 11-21, overdue: every day
            {"customer_id": "B1", "grade": "B"},   # last 11-22, every 3 days → 11-25, 11-28
            {"customer_id": "C1", "grade": "C"},   # last 11-01, every 15 days → due 11-16: Monday only
            {"customer_id": "D1", "grade": "D"},   # last 09-01, quarterly → due 11-30: nothing this week
            {"customer_id": "K1", "grade": "C", "referral": "老母鸡"},  # last 11-21, every 3 days → 11-24, 11-27
        ],
        contacts=[("A1", "2026-11-20", "电话", None), ("B1", "2026-11-22", "电话", None),
                  ("C1", "2026-11-01", "电话", None), ("D1", "2026-09-01", "电话", None),
                  ("K1", "2026-11-21", "来访", None)],
    )
    assert days(frame, "A1", "电话回访") == ["11-23", "11-24", "11-25", "11-26", "11-27", "11-28", "11-29"]
    assert days(frame, "B1", "电话回访") == ["11-25", "11-28"]
    assert days(frame, "C1", "电话回访") == ["11-23"]
    assert days(frame, "D1") == []
    assert days(frame, "K1", "大客户回访") == ["11-24", "11-27"]
    first_a = frame[frame["who"] == "A1"].iloc[0]
    assert first_a["reason"] == "A 级每 1 天至少联系一次；已逾期 2 天"
    c1 = frame[frame["who"] == "C1"].iloc[0]
    assert c1["reason"] == "C 级每 15 天至少联系一次；已逾期 7 天"
    assert (c1["spread"], c1["age"], c1["until"].strftime("%m-%d")) == (True, 7, "11-29")  # work for the week


def test_buyers_get_the_quarterly_revisit():
    frame = plan([{"customer_id": "O1", "stage": "业主", "grade": "A"}], contacts=[("O1", "2026-08-26", "电话", None)])
    assert days(frame, "O1", "季度回访") == ["11-24"]  # 08-26 + 90 days


def test_birthdays_solar_and_lunar_by_relationship():
    frame = plan([
        {"customer_id": "S1", "birthday": "1980-11-25", "relationship": "一般"},
        {"customer_id": "L1", "birthday": "农历十月十五", "relationship": "关系很好"},  # 2026-11-23
        {"customer_id": "F1", "birthday": "1990/11/29", "relationship": "疏远"},
        {"customer_id": "T1", "birthday": "1985-11-28", "birthday_type": "农历"},  # 农历十一月廿八: January
    ], contacts=[(c, "2026-11-22", "电话", None) for c in ("S1", "L1", "F1", "T1")])
    births = frame[frame["action_type"] == "生日祝福"].set_index("who")
    assert births["date"].dt.strftime("%m-%d").to_dict() == {"F1": "11-29", "L1": "11-23", "S1": "11-25"}
    assert births.loc["S1", "reason"] == "生日 11月25日，46 岁 → 电话祝福，寄送贺卡"
    assert births.loc["L1", "reason"] == "生日 11月23日（农历十月十五） → 上门拜访，送鲜花和蛋糕"
    assert births.loc["F1", "detail"] == "发送祝福短信"


def test_top_customers_are_invited_to_a_birthday_event_once_21_days_ahead():
    people = [
        {"customer_id": "A1", "grade": "A", "birthday": "1980-12-10"},  # 12-10 − 21 = 11-19: invited last week
        {"customer_id": "A2", "grade": "A", "birthday": "1980-12-16"},  # 12-16 − 21 = 11-25
        {"customer_id": "A3", "grade": "A", "birthday": "1980-12-21"},  # 11-30: next week
        {"customer_id": "A4", "grade": "A", "birthday": "1980-12-14"},  # 11-23
        {"customer_id": "K1", "grade": "C", "key_account": "是", "birthday": "1980-12-15"},  # 大客户: 11-24
        {"customer_id": "B1", "grade": "B", "birthday": "1980-12-10"},  # not a top customer
    ]
    contacts = [(p["customer_id"], "2026-11-22", "电话", None) for p in people]
    frame = plan(people, contacts=contacts)
    invites = frame[frame["action_type"] == "生日会邀约"].sort_values("date")
    assert list(zip(invites["who"], invites["date"].dt.strftime("%m-%d"), strict=True)) == [
        ("A4", "11-23"), ("K1", "11-24"), ("A2", "11-25")]
    assert invites.iloc[0]["reason"] == "生日 12月14日（21 天后），A 级或大客户提前 14–21 天邀约参加生日会"
    next_week = plan(people, contacts=contacts, week=PlanWeek.containing(dt.date(2026, 11, 30)))
    again = next_week[next_week["action_type"] == "生日会邀约"]
    assert list(again["who"]) == ["A3"], "each birthday is invited once, not again the week after"


@pytest.mark.parametrize(
    ("monday", "kind", "name", "day"),
    [("2026-12-21", "节日问候", "冬至", "12-22"), ("2026-12-07", "节气问候", "大雪", "12-07"),
     ("2026-09-21", "节日问候", "中秋", "09-25"), ("2027-02-01", "节日问候", "春节", "02-06")],
)
def test_every_customer_is_greeted_on_holidays_and_solar_terms(monday, kind, name, day):
    week = PlanWeek.containing(dt.date.fromisoformat(monday))
    frame = plan([{"customer_id": "X1"}, {"customer_id": "X2", "stage": "战败", "lost_approved": "否"},
                  {"customer_id": "X3", "stage": "战败", "lost_approved": "是"}], week=week)
    greet = frame[(frame["action_type"] == kind) & (frame["occasion"] == name)]
    assert list(greet["who"]) == ["X1", "X2"]  # an approved 战败 is not greeted
    assert set(greet["date"].dt.strftime("%m-%d")) == {day}


def test_planned_follow_ups_in_the_week():
    frame = plan([{"customer_id": "P1", "grade": "D"}],
                 contacts=[("P1", "2026-11-18", "电话", "2026-11-26"), ("P1", "2026-11-10", "电话", "2026-12-01")])
    planned = frame[frame["action_type"] == "计划回访"]
    assert days(planned, "P1") == ["11-26"]
    assert planned.iloc[0]["reason"] == "上次电话（11-18）约定 11-26 回访：介绍户型"


def test_outreach_leads_are_called_within_seven_days():
    frame = plan([
        {"customer_id": "W1", "stage": "外拓", "outreach_at": "2026-11-20"},
        {"customer_id": "W2", "stage": "外拓", "outreach_at": "2026-11-10"},  # 7 days ran out 11-17
        {"customer_id": "W3", "stage": "外拓", "outreach_at": "2026-11-01"},  # long gone: churn flags, not this
        {"customer_id": "W4", "stage": "外拓", "outreach_at": "2026-11-20"},  # already called
    ], contacts=[("W4", "2026-11-21", "电话", None)])
    calls = frame[frame["action_type"] == "外拓回访"].set_index("who")
    assert list(calls.index) == ["W1", "W2"]
    assert calls.loc["W1", "reason"] == "外拓 11-20，须在 11-27 前电话并邀约到访"
    assert calls.loc["W2", "reason"] == "外拓 11-10，已超过 7 天仍未电话，尽快补上"
    assert set(calls["date"].dt.strftime("%m-%d")) == {"11-23"}


def test_car_dealer_post_sale_revisits_and_maintenance():
    frame = plan([
        {"customer_id": "R1", "stage": "业主", "handover_at": "2023-11-25"},  # 36 months on 11-25
        {"customer_id": "M1", "stage": "成交", "signed_at": "2026-05-26"},  # 6 months on 11-26
        {"customer_id": "M2", "stage": "成交", "signed_at": "2026-05-01"},  # 6 months on 11-01: not this week
    ], contacts=[(c, "2026-11-22", "电话", None) for c in ("R1", "M1", "M2")], preset="auto_dealer")
    assert days(frame, "R1", "售后回访") == ["11-25"]
    assert days(frame, "M1", "保养提醒") == ["11-26"]
    assert days(frame, "M2", "保养提醒") == []
    assert frame[frame["action_type"] == "售后回访"].iloc[0]["reason"] == \
        "成交/交付 2023-11-25，已满 36 个月 → 回访置换、增购意向"


def test_real_estate_has_no_post_sale_schedule():
    frame = plan([{"customer_id": "R1", "stage": "业主", "handover_at": "2023-11-25"}],
                 contacts=[("R1", "2026-11-22", "电话", None)])
    assert days(frame, "R1", "售后回访") == []


def test_events_are_notified_once_seven_days_ahead_to_the_customers_they_name():
    people = [{"customer_id": "O1", "stage": "业主"}, {"customer_id": "V1", "stage": "来访", "grade": "A"},
              {"customer_id": "V2", "stage": "意向", "grade": "B"},
              {"customer_id": "L1", "stage": "来电", "grade": "D"}]
    frame = plan(
        people,
        contacts=[(p["customer_id"], "2026-11-22", "电话", None) for p in people],
        events=[{"event_name": "老业主答谢会", "event_date": "2026-11-30", "event_target": "所有业主"},
                {"event_name": "新品品鉴会", "event_date": "2026-12-02", "event_target": None},
                {"event_name": "A/B类客户团购会", "event_date": "2026-12-01", "event_target": "A、B类客户"},
                {"event_name": "周末暖场", "event_date": "2026-11-27", "event_target": "全部客户"},  # told 11-20
                {"event_name": "年终晚宴", "event_date": "2026-12-10", "event_target": "全部客户"}],  # told 12-03
    )
    notices = frame[frame["action_type"] == "活动通知"]
    got = sorted(zip(notices["occasion"], notices["who"], notices["date"].dt.strftime("%m-%d"), strict=True))
    assert got == [("A/B类客户团购会", "V1", "11-24"), ("A/B类客户团购会", "V2", "11-24"),
                   ("新品品鉴会", "L1", "11-25"), ("新品品鉴会", "O1", "11-25"), ("新品品鉴会", "V1", "11-25"),
                   ("新品品鉴会", "V2", "11-25"), ("老业主答谢会", "O1", "11-23")]
    reasons = dict(zip(notices["occasion"], notices["reason"], strict=False))
    assert reasons["老业主答谢会"] == "活动“老业主答谢会”11月30日举行，通知业主"
    assert reasons["A/B类客户团购会"].endswith("通知A级、B级")


def test_only_the_latest_plan_of_a_customer_counts():
    frame = plan([{"customer_id": "P1", "grade": "D"}],
                 contacts=[("P1", "2026-11-10", "电话", "2026-11-25"), ("P1", "2026-11-20", "来访", "2026-12-05")])
    assert days(frame, "P1", "计划回访") == []


def test_an_sms_does_not_count_as_the_outreach_call():
    frame = plan([{"customer_id": "W1", "stage": "外拓", "outreach_at": "2026-11-20"}],
                 # An SMS is not a call, and a call dated 12-20 is a typo, not a call made.
                 contacts=[("W1", "2026-11-20", "短信", None), ("W1", "2026-12-20", "电话", None)])
    assert days(frame, "W1", "外拓回访") == ["11-23"]


def test_a_run_in_mid_week_counts_that_weeks_contacts():
    thursday = PlanWeek.containing(dt.date(2026, 11, 26))
    frame = plan([{"customer_id": "C1", "grade": "C"}], contacts=[("C1", "2026-11-24", "电话", None)], week=thursday)
    assert days(frame, "C1", "电话回访") == []  # called Tuesday: next due 12-09
    overdue = plan([{"customer_id": "C2", "grade": "C"}], contacts=[("C2", "2026-11-01", "电话", None)], week=thursday)
    assert days(overdue, "C2", "电话回访") == ["11-26"]  # overdue calls land on the run's day, not a past Monday


def test_relationship_words_negated_are_not_close():
    frame = plan([
        {"customer_id": "R1", "birthday": "1980-11-25", "relationship": "不熟悉"},
        {"customer_id": "R2", "birthday": "1980-11-25", "relationship": "普通朋友"},
        {"customer_id": "R3", "birthday": "1980-11-25", "relationship": "关系很好"},
    ], contacts=[(c, "2026-11-22", "电话", None) for c in ("R1", "R2", "R3")])
    how = frame[frame["action_type"] == "生日祝福"].set_index("who")["detail"].to_dict()
    assert how == {"R1": "发送祝福短信", "R2": "电话祝福，寄送贺卡", "R3": "上门拜访，送鲜花和蛋糕"}


def test_one_customers_reasons_on_one_day_are_one_row_led_by_the_best_score():
    frame = plan(
        [{"customer_id": "A1", "grade": "A", "birthday": "1980-11-24", "relationship": "一般"}],
        contacts=[("A1", "2026-11-22", "电话", "2026-11-24")], merged=True,
    )
    monday_to_sunday = days(frame, "A1")
    assert monday_to_sunday == ["11-23", "11-24", "11-25", "11-26", "11-27", "11-28", "11-29"]
    tuesday = frame[frame["date"] == pd.Timestamp("2026-11-24")].iloc[0]
    # In score order: the appointment (tier 1), the A's daily call (2), the birthday (3).
    assert tuesday["types"] == "计划回访、电话回访、生日祝福"
    assert tuesday["lead_type"] == "计划回访"
    # Being graded A raises nothing by itself: every part is 中.
    assert tuesday["priority"] == "中"
    assert tuesday["reasons"] == ("上次电话（11-22）约定 11-24 回访：介绍户型；"
                                  "A 级每 1 天至少联系一次；按频率继续联系；"
                                  "生日 11月24日，46 岁 → 上门拜访，送鲜花和蛋糕")


def test_a_planned_follow_up_leads_over_a_routine_call():
    frame = plan([{"customer_id": "A1", "grade": "A"}], contacts=[("A1", "2026-11-22", "电话", "2026-11-25")],
                 merged=True)
    wednesday = frame[frame["date"] == pd.Timestamp("2026-11-25")].iloc[0]
    assert (wednesday["lead_type"], wednesday["types"]) == ("计划回访", "计划回访、电话回访")
    assert wednesday["priority"] == "中"


def test_add_months_keeps_the_day_or_the_months_last():
    base = pd.Series(pd.to_datetime(["2026-01-31", "2023-11-25", "2024-02-29"]))
    assert add_months(base, 1).dt.strftime("%Y-%m-%d").tolist() == ["2026-02-28", "2023-12-25", "2024-03-29"]
    assert add_months(base, 12).dt.strftime("%Y-%m-%d").tolist() == ["2027-01-31", "2024-11-25", "2025-02-28"]


# ---------------------------------------------------------------- issue 17: the office's words, missed appointments


def test_a_missed_appointment_is_an_action_on_the_plans_first_day():
    frame = plan([{"customer_id": "M1", "grade": "B"}, {"customer_id": "O1"}],
                 contacts=[("M1", "2026-11-10", "电话", "2026-11-16", "想看三居室，等周末和爱人商量"),
                           ("O1", "2026-11-22", "电话", None)])  # the log runs to 11-22
    missed = frame[frame["action_type"] == "逾期回访"].iloc[0]
    assert missed["reason"] == "计划回访已逾期 7 天：上次约定 11-16"
    assert (missed["date"].strftime("%m-%d"), missed["until"].strftime("%m-%d"), missed["age"]) == ("11-23", "11-29", 7)
    assert missed["detail"] == "想看三居室，等周末和爱人商量"


def test_an_appointment_followed_by_any_contact_is_not_missed():
    frame = plan([{"customer_id": "M1", "grade": "C"}],
                 contacts=[("M1", "2026-11-10", "电话", "2026-11-16"), ("M1", "2026-11-18", "微信", None)])
    assert days(frame, "M1", "逾期回访") == []


def test_a_fridays_run_calls_the_weekends_appointment_on_monday_and_misses_only_the_past_ones():
    week = PlanWeek.for_run(dt.date(2026, 11, 27))  # Friday: plan week 11-30 … 12-06
    frame = plan([{"customer_id": "W1", "grade": "C"}, {"customer_id": "W2", "grade": "C"}, {"customer_id": "O1"}],
                 contacts=[("W1", "2026-11-20", "电话", "2026-11-28", "周六来看房"),
                           ("W2", "2026-11-20", "电话", "2026-11-26", "周四回电"),
                           ("O1", "2026-11-27", "电话", None)], week=week)  # the log runs to the Friday
    assert days(frame, "W1", "逾期回访") == []  # Saturday 11-28 has not come yet on Friday
    assert days(frame, "W1", "计划回访") == ["11-30"]  # called on the plan week's first day
    assert days(frame, "W2", "逾期回访") == ["11-30"]  # Thursday's was missed: 1 day late on Friday
    assert frame[(frame["who"] == "W2") & (frame["action_type"] == "逾期回访")].iloc[0]["age"] == 1


def test_an_appointment_after_the_logs_last_day_is_not_missed_but_checked_first_thing():
    # The log was exported on Friday 11-20 and read on Monday 11-23: Saturday's appointment may have been kept.
    frame = plan([{"customer_id": "E1", "grade": "C"}, {"customer_id": "E2", "grade": "C"}, {"customer_id": "O1"}],
                 contacts=[("E1", "2026-11-12", "电话", "2026-11-21", "周六看房"),
                           ("E2", "2026-11-12", "电话", "2026-11-18", "周三回电"),
                           ("E2", "2026-11-20", "微信", None, "发了户型图"),
                           ("O1", "2026-11-20", "电话", None)])
    assert days(frame, "E1", "逾期回访") == [] and days(frame, "E1", "计划回访") == ["11-23"]
    row = frame[(frame["who"] == "E1") & (frame["action_type"] == "计划回访")].iloc[0]
    assert row["reason"] == "上次电话（11-12）约定 11-21 回访（登记表只记到 11-20，请先确认是否已回访）：周六看房"
    assert days(frame, "E2", "逾期回访") == []  # the WeChat of 11-20 came after the plan was agreed


def test_a_customer_who_said_no_gets_no_routine_calls_but_keeps_the_birthday():
    frame = plan([{"customer_id": "N1", "grade": "B", "status": "建议战败", "birthday": "1980-11-25"}],
                 contacts=[("N1", "2026-11-01", "电话", "2026-11-10", "不考虑了")])
    assert sorted(set(frame[frame["who"] == "N1"]["action_type"])) == ["生日祝福"]


def test_a_probable_deal_is_congratulated_not_called_on_the_grades_cadence():
    frame = plan([{"customer_id": "D1", "grade": "A", "status": "疑似成交"}],
                 contacts=[("D1", "2026-11-20", "来访", "2026-11-21", "已认购 3-502")])
    rows = frame[frame["who"] == "D1"]
    assert rows["action_type"].tolist() == ["成交确认"]  # no daily A calls, no 逾期回访 for the 11-21 plan
    assert rows.iloc[0]["reason"] == "疑似成交，请补登成交日期：最近跟进（2026-11-20）：“已认购 3-502”"


def test_an_invalid_lead_gets_nothing_not_even_a_greeting():
    week = PlanWeek.containing(dt.date(2026, 12, 7))  # 大雪
    frame = plan([{"customer_id": "X1", "grade": "D", "status": "无效线索", "birthday": "1980-12-08"},
                  {"customer_id": "X2", "grade": "D"}],
                 contacts=[("X1", "2026-11-01", "电话", "2026-11-05", "空号")], week=week)
    assert days(frame, "X1") == [] and days(frame, "X2", "节气问候") == ["12-07"]


def test_a_stale_a_gets_one_call_to_reconfirm_not_seven():
    # Last reached 11-18; the office's log runs to 11-22 (another customer): 4 days > 2 × 1.
    frame = plan([{"customer_id": "S1", "grade": "A"}, {"customer_id": "O1", "grade": "C"}],
                 contacts=[("S1", "2026-11-18", "电话", None), ("O1", "2026-11-22", "电话", None)])
    rows = frame[frame["who"] == "S1"]
    assert rows["action_type"].tolist() == ["意向复核"]
    assert rows.iloc[0]["reason"] == "A 级已 4 天没联系上（超过 2 倍联系间隔）→ 打一次电话确认意向，按结果改等级"


def test_overdue_b_calls_are_phased_over_their_interval_the_oldest_first():
    people = [{"customer_id": f"B{i}", "grade": "B"} for i in range(4)]
    contacts = [(f"B{i}", f"2026-11-{10 + i}", "电话", None) for i in range(4)]
    frame = plan(people, contacts=contacts)
    first = {who: days(frame, who, "电话回访") for who in ("B0", "B1", "B2", "B3")}
    assert first == {"B0": ["11-23", "11-26", "11-29"], "B1": ["11-24", "11-27"], "B2": ["11-25", "11-28"],
                     "B3": ["11-23", "11-26", "11-29"]}


def test_a_lunar_birthday_names_the_greeting_days_own_lunar_date():
    # 腊月 of lunar year 2026 has 29 days: a 腊月三十 birthday is greeted on 廿九, 2027-02-05.
    week = PlanWeek.containing(dt.date(2027, 2, 1))
    frame = plan([{"customer_id": "L1", "birthday": "农历腊月三十", "relationship": "一般"},
                  {"customer_id": "L2", "birthday": "农历腊月廿八", "relationship": "一般"}], week=week)
    births = frame[frame["action_type"] == "生日祝福"].set_index("who")["reason"]
    assert births["L1"] == "生日 2月5日（农历腊月廿九；登记为腊月三十，今年腊月小） → 电话祝福，寄送贺卡"
    assert births["L2"] == "生日 2月4日（农历腊月廿八） → 电话祝福，寄送贺卡"


def test_a_mid_week_run_dates_nothing_before_today():
    wednesday = PlanWeek.containing(dt.date(2026, 11, 25))
    frame = plan(
        [{"customer_id": "P1", "grade": "C", "birthday": "1980-11-23"}, {"customer_id": "P2", "grade": "C"},
         {"customer_id": "O1", "grade": "C"}],
        contacts=[("P1", "2026-11-20", "电话", None), ("P2", "2026-11-20", "电话", "2026-11-24"),
                  ("O1", "2026-11-25", "电话", None)],  # the log runs to today
        events=[{"event_name": "品鉴会", "event_date": "2026-11-30", "event_target": "全部客户"}],
        week=wednesday)
    assert frame["date"].min() == pd.Timestamp("2026-11-25")
    assert days(frame, "P1", "生日祝福") == []  # Monday's birthday is past
    assert days(frame, "P2", "逾期回访") == ["11-25"]  # Tuesday's appointment was missed: first thing today
    assert days(frame, "P1", "活动通知") == ["11-25"]  # the notice day (11-23) is past, the event ahead


def test_the_manager_lists_quote_the_evidence():
    customers, log, _, profiles, _, rules = register(
        [{"customer_id": "N1", "status": "建议战败"}, {"customer_id": "D1", "grade": "A", "status": "疑似成交"},
         {"customer_id": "S1", "grade": "A"}, {"customer_id": "X1", "grade": "D", "status": "无效线索"},
         {"customer_id": "O1", "grade": "C"}],
        contacts=[("S1", "2026-11-18", "电话", None), ("O1", "2026-11-22", "电话", None)])
    listed = review_list(customers, log, profiles, WEEK, rules)
    listed["who"] = customers["customer_id"].reindex(listed["cust"]).to_numpy()
    assert listed[["list", "who"]].values.tolist() == [
        ["建议战败（待主管审批）", "N1"], ["疑似成交，请补登成交日期", "D1"], ["等级待复核", "S1"], ["无效线索", "X1"]]
    evidence = dict(zip(listed["who"], listed["evidence"], strict=True))
    assert evidence["N1"] == "最近跟进（2026-11-20）：“已认购 3-502”"  # the fixture's evidence text, as given
    assert evidence["S1"] == "A 级每 1 天联系一次，已 4 天没联系上（超过 2 倍间隔，跟进记录记到 11-22）"
