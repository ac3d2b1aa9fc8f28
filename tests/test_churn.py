"""流失预警 and 生命周期 (SPEC §3, §4): hand-computed cases, plan week Monday 2026-11-23."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from crm_batch.rules.cadence import contact_cadence
from crm_batch.rules.churn import churn_flags
from crm_batch.rules.lifecycle import lifecycle
from crm_batch.rules_config import load_rules

TODAY = dt.date(2026, 11, 23)


LOG_END = "2026-11-22"  # the follow-up log records up to the day before the run


def profile(stage="来访", grade="C", contacts=(), referral=None, preset=None, rules=None, status=None, **fields):
    """One customer's churn flags and lifecycle; contacts are (date, method[, next contact]) tuples.

    Another customer (K0), called on LOG_END, stands for the rest of the office's log whenever the
    customer has contacts: the log's last day, up to which a top grade's window is judged.
    """
    rules = rules or load_rules(preset)
    others = ["K0"] if contacts else []
    customers = pd.DataFrame({"customer_id": ["K1", *others], **{k: [v, *[None] * len(others)]
                                                                 for k, v in fields.items()}})
    for key in ("registered_at", "signed_at", "handover_at", "outreach_at"):
        if key in customers:
            customers[key] = pd.to_datetime(customers[key])
    log = pd.DataFrame({"customer_id": ["K1"] * len(contacts) + others,
                        "contact_at": pd.to_datetime([c[0] for c in contacts] + [LOG_END] * len(others)),
                        "method": [c[1] for c in contacts] + ["电话"] * len(others),
                        "next_contact_at": pd.to_datetime([c[2] if len(c) > 2 else None for c in contacts]
                                                          + [None] * len(others))})
    profiles = pd.DataFrame({"stage": [stage, *["来电"] * len(others)], "grade": [grade, *["D"] * len(others)],
                             "referral": [referral, *[None] * len(others)],
                             "status": pd.Series([status, *[None] * len(others)], dtype="string"),
                             "status_evidence": pd.Series(["最近跟进（2026-11-20）：“不考虑了”" if status else None,
                                                           *[None] * len(others)], dtype="string")})
    profiles = profiles.join(contact_cadence(customers, log, profiles, TODAY, rules))
    profiles = profiles.join(churn_flags(customers, log, profiles, TODAY, rules))
    return profiles.join(lifecycle(customers, profiles, rules)).iloc[0]


def test_45_days_without_contact_is_overdue():
    row = profile(contacts=[("2026-10-09", "电话")])
    assert (row.alerts, row.risk, row.idle_days) == ("超期未联系", "中", 45)
    assert row.churn_reason == "超期未联系：最近联系 2026-10-09，已 45 天（超过 30 天未联系或更新）"
    assert row.action == "本周电话回访，更新客户资料"


def test_30_days_is_not_yet_overdue():
    assert pd.isna(profile(grade="D", contacts=[("2026-10-24", "电话")]).alerts)


def test_over_90_days_is_sleeping_not_also_overdue():
    row = profile(grade="D", contacts=[("2026-08-15", "电话")])
    assert (row.alerts, row.risk, row.idle_days) == ("沉睡", "高", 100)
    assert row.lifecycle == "沉睡"


def test_visitor_who_has_not_come_back_in_30_days_is_a_note_not_an_alert():
    # Called three days ago, but the last visit was 53 days ago: 回笼周期 exceeded.
    row = profile(stage="来访", grade="C", contacts=[("2026-10-01", "来访"), ("2026-11-20", "电话")])
    assert pd.isna(row.alerts) and pd.isna(row.risk)
    assert row.notes.startswith("未回笼：来访客户，最近来访 2026-10-01，已 53 天未再来访")


def test_a_caller_is_not_held_to_the_return_cycle():
    assert pd.isna(profile(stage="来电", grade="C", contacts=[("2026-10-01", "来访"), ("2026-11-20", "电话")]).alerts)


@pytest.mark.parametrize(("last", "flagged"), [("2026-11-15", True), ("2026-11-18", False)])
def test_behind_cadence_is_more_than_twice_the_interval(last, flagged):
    # B: every 3 days; 8 days > 2 × 3 is behind, 5 days is not.
    row = profile(stage="意向", grade="B", contacts=[(last, "电话")])
    assert pd.isna(row.alerts)  # behind cadence is a note on the customer, not an alert
    assert (row.notes == "落后频率：B 级每 3 天至少联系一次，已 8 天未联系（超过 2 倍）" if flagged
            else pd.isna(row.notes))


def test_being_graded_a_is_not_a_reason_for_high_risk():
    # Last called 11-20: 3 days before the run (behind the daily cadence), but the log stops on 11-22,
    # so by the log the customer was last reached 2 days ago: within 2 × the one-day window.
    row = profile(stage="意向", grade="A", contacts=[("2026-11-20", "电话")])
    assert pd.isna(row.alerts) and row.notes.startswith("落后频率：A 级每 1 天至少联系一次，已 3 天未联系")


def test_a_grade_stale_past_twice_its_window_is_high_risk():
    row = profile(stage="意向", grade="A", contacts=[("2026-11-18", "电话")])
    assert (row.alerts, row.risk) == ("落后频率", "高")
    assert row.churn_reason.endswith("A 级客户已 4 天没联系上（超过 2 倍联系间隔），等级待复核 → 风险为高")


@pytest.mark.parametrize(("agreed", "risk", "days"), [("2026-11-16", "中", 7), ("2026-10-24", "中", 30),
                                                     ("2026-10-23", "高", 31)])
def test_a_missed_appointment_is_flagged_and_high_after_a_month(agreed, risk, days):
    row = profile(stage="来访", grade="C", contacts=[("2026-10-22", "电话", agreed)])
    assert row.alerts.startswith("未按计划回访") and row.risk == risk
    assert f"约定 {agreed} 回访（2026-10-22 跟进时约定），之后没有任何跟进记录，已过 {days} 天" in row.churn_reason
    assert row.action.startswith("先回访约好的客户")


def test_an_appointment_on_the_logs_last_day_or_after_is_not_missed():
    # The log runs to 11-22 (LOG_END): whether the 11-22 call was made that evening, it cannot say.
    assert pd.isna(profile(stage="来访", grade="C", contacts=[("2026-11-10", "电话", "2026-11-22")]).alerts)
    assert profile(stage="来访", grade="C", contacts=[("2026-11-10", "电话", "2026-11-21")]).alerts == "未按计划回访"


def test_an_appointment_followed_by_a_contact_was_kept():
    row = profile(stage="来访", grade="C", contacts=[("2026-11-10", "电话", "2026-11-16"), ("2026-11-17", "微信")])
    assert pd.isna(row.alerts)


def test_a_customer_who_said_no_waits_for_the_managers_approval_with_the_note():
    row = profile(stage="来访", grade="C", status="建议战败", contacts=[("2026-11-20", "电话", "2026-11-21")])
    assert (row.alerts, row.risk) == ("战败待审批", "高")  # not also 未按计划回访: there is nothing to follow up
    assert row.churn_reason == "战败待审批：建议战败：最近跟进（2026-11-20）：“不考虑了” → 待主管审批"


def test_an_invalid_lead_raises_no_flag():
    row = profile(stage="来电", grade="D", status="无效线索", contacts=[("2026-06-01", "电话", "2026-06-05")])
    assert pd.isna(row.alerts) and pd.isna(row.notes)


def test_an_owners_intent_grade_does_not_raise_the_risk():
    row = profile(stage="业主", grade="A", contacts=[("2026-10-09", "电话")])
    assert (row.alerts, row.risk) == ("超期未联系", "中")


def test_key_account_not_met_for_three_months_is_reassigned():
    row = profile(stage="业主", grade="C", referral="老母鸡", registered_at="2025-03-01",
                  contacts=[("2026-07-01", "拜访"), ("2026-11-21", "电话")])
    assert (row.alerts, row.risk) == ("大客户无进展", "高")
    assert "老母鸡，最近一次见面或成交 2026-07-01，已 145 天没有进展" in row.churn_reason
    assert "换人跟进" in row.action


def test_a_new_key_account_is_not_stalled():
    row = profile(stage="业主", grade="C", key_account="是", registered_at="2026-10-01",
                  contacts=[("2026-11-21", "电话")])
    assert pd.isna(row.alerts)


@pytest.mark.parametrize(
    ("approval", "alert", "reason"),
    [(None, "战败待审批", "战败审批未填"), ("否", "战败待审批", "主管未批准"), ("是", None, None)],
)
def test_lost_customer_needs_a_managers_approval(approval, alert, reason):
    row = profile(stage="战败", grade="D", lost_approved=approval, contacts=[("2026-03-01", "电话")])
    assert row.lifecycle == "战败"
    if alert is None:
        assert pd.isna(row.alerts)  # approved: gone by decision, no 沉睡 flag either
    else:
        assert (row.alerts, row.risk) == (alert, "高") and reason in row.churn_reason


def two_customers(registered: list[str | None]) -> pd.DataFrame:
    """K1 never contacted, K2 called on 11-20: the register does log contacts."""
    rules = load_rules()
    customers = pd.DataFrame({"customer_id": ["K1", "K2"], "registered_at": pd.to_datetime(registered)})
    log = pd.DataFrame({"customer_id": ["K2"], "contact_at": pd.to_datetime(["2026-11-20"]), "method": ["电话"]})
    profiles = pd.DataFrame({"stage": ["来电", "来电"], "grade": ["D", "D"], "referral": [None, None]})
    profiles = profiles.join(contact_cadence(customers, log, profiles, TODAY, rules))
    return churn_flags(customers, log, profiles, TODAY, rules)


def test_registered_last_week_without_contacts_is_not_idle():
    flags = two_customers(["2026-11-16", None])
    assert pd.isna(flags["alerts"].iloc[0]) and flags["idle_days"].iloc[0] == 7


def test_registration_date_counts_as_the_last_update():
    flags = two_customers(["2026-10-01", None])
    assert flags["alerts"].iloc[0] == "超期未联系"
    assert flags["churn_reason"].iloc[0].startswith("超期未联系：登记日期 2026-10-01（之后没有跟进记录），已 53 天")


def test_a_register_without_a_follow_up_log_judges_no_idle_time():
    # Only dates of the register itself: no one can be called overdue, sleeping or lost by guess.
    row = profile(stage="业主", grade="D", registered_at="2023-12-30", signed_at="2024-01-05")
    assert pd.isna(row.alerts) and pd.isna(row.idle_days) and row.lifecycle == "成交"


def test_never_contacted_in_a_register_that_logs_contacts_is_overdue():
    rules = load_rules()
    customers = pd.DataFrame({"customer_id": ["K1", "K2"]})
    log = pd.DataFrame({"customer_id": ["K2"], "contact_at": pd.to_datetime(["2026-11-20"]), "method": ["电话"]})
    profiles = pd.DataFrame({"stage": ["来电", "来电"], "grade": ["D", "D"], "referral": [None, None]})
    profiles = profiles.join(contact_cadence(customers, log, profiles, TODAY, rules))
    flags = churn_flags(customers, log, profiles, TODAY, rules)
    assert flags["alerts"].tolist()[0] == "超期未联系"
    assert "没有任何跟进记录和登记日期" in flags["churn_reason"].iloc[0]
    assert pd.isna(flags["alerts"].iloc[1])


def test_a_register_without_any_dates_raises_no_flags():
    assert pd.isna(profile(stage="来电", grade="D").alerts)


def test_several_flags_take_the_highest_risk_and_every_action():
    row = profile(stage="来访", grade="C", contacts=[("2026-10-01", "来访", "2026-10-10")])
    # Raised to 高 by the missed appointment, the customer keeps every flag on the list, 未回笼 too.
    assert (row.alerts, row.risk) == ("未按计划回访、超期未联系、未回笼", "高")
    assert row.action == ("先回访约好的客户，了解现在的想法并重新约定；本周电话回访，更新客户资料；"
                          "邀约再次到访（新房源、优惠或活动）")
    assert pd.isna(row.notes)


def test_days_come_from_the_rules_file(tmp_path):
    team = tmp_path / "rules.toml"
    team.write_text('[churn]\nstale_days = 60\n\n[churn.flags."超期未联系"]\nrisk = "高"\n', encoding="utf-8")
    rules = load_rules(rules_file=team)
    assert pd.isna(profile(grade="D", contacts=[("2026-10-09", "电话")], rules=rules).alerts)
    row = profile(grade="D", contacts=[("2026-09-09", "电话")], rules=rules)
    assert (row.alerts, row.risk) == ("超期未联系", "高")


def test_auto_dealer_escalates_h_and_a():
    row = profile(stage="意向", grade="H", preset="auto_dealer", contacts=[("2026-11-19", "电话")])
    assert (row.alerts, row.risk, row.lifecycle) == ("落后频率", "高", "准客户")


@pytest.mark.parametrize(
    ("kwargs", "stage"),
    [
        ({"stage": "战败", "grade": "A"}, "战败"),
        ({"contacts": [("2026-05-01", "电话")]}, "流失"),
        ({"contacts": [("2026-08-01", "电话")]}, "沉睡"),
        ({"stage": "业主", "referred_visits": 2, "contacts": [("2026-11-20", "电话")]}, "忠诚"),
        ({"stage": "业主", "referred_visits": 2, "contacts": [("2026-03-20", "电话")]}, "忠诚"),  # loyal, though idle
        ({"stage": "成交", "contribution": "老带新1套", "contacts": [("2026-11-20", "电话")]}, "忠诚"),
        ({"stage": "成交", "contribution": "无", "contacts": [("2026-11-20", "电话")]}, "成交"),
        ({"grade": "A", "contacts": [("2026-11-22", "电话")]}, "准客户"),
        ({"grade": "B", "contacts": [("2026-11-22", "电话")]}, "意向"),
        ({"stage": "意向", "grade": "D", "contacts": [("2026-11-22", "电话")]}, "意向"),
        ({"grade": "D", "contacts": [("2026-11-22", "电话")]}, "潜在"),
        ({"grade": None, "contacts": [("2026-11-22", "电话")]}, "潜在"),
    ],
    ids=["lost", "gone-180", "sleeping-90", "loyal-referrer", "loyal-idle", "loyal-contribution", "buyer", "ready",
         "intent", "intent-by-stage", "potential", "ungraded"],
)
def test_lifecycle(kwargs, stage):
    row = profile(**kwargs)
    assert row.lifecycle == stage
    assert isinstance(row.lifecycle_reason, str) and len(row.lifecycle_reason) >= 5


def test_lifecycle_reason_names_the_fact():
    assert profile(grade="D", contacts=[("2026-05-01", "电话")]).lifecycle_reason == \
        "已 206 天没有联系（超过 180 天）"
    assert profile(grade=None).lifecycle_reason == "计算等级=未分级，尚无明确意向"


def test_grade_dropped_since_the_last_snapshot():
    rules = load_rules()
    customers = pd.DataFrame({"customer_id": ["K1", "K2", "K3"]})
    log = pd.DataFrame({"customer_id": ["K1", "K2", "K3"], "contact_at": pd.to_datetime(["2026-11-22"] * 3),
                        "method": ["电话"] * 3})
    profiles = pd.DataFrame({"stage": ["意向"] * 3, "grade": ["B", "A", "C"], "referral": [None] * 3})
    profiles = profiles.join(contact_cadence(customers, log, profiles, TODAY, rules))
    previous = pd.Series({"K1": "A", "K2": "B"}, dtype="string")  # K3 is new since then
    flags = churn_flags(customers, log, profiles, TODAY, rules, previous, "2026-W47")
    assert flags["alerts"].tolist()[0] == "等级下降"
    assert flags["churn_reason"].iloc[0] == "等级下降：上次（2026-W47）A 级 → 本周 B 级"
    assert flags["risk"].iloc[0] == "中"
    assert pd.isna(flags["alerts"].iloc[1]) and pd.isna(flags["alerts"].iloc[2])
