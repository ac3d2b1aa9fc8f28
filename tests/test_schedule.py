"""一周排得下 (issue 17): the ranking score, each agent's daily capacity, spreading overdue work, 待安排.

Plan week 2026-W48: Monday 11-23 to Sunday 11-29. Candidates are built by hand (one row per
action, as rules/actions.py yields them) so every placement can be counted by eye.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from crm_batch.calendar import PlanWeek
from crm_batch.errors import RulesInvalid
from crm_batch.rules.actions import _rows
from crm_batch.rules.schedule import merge_actions, merge_waiting, rank_actions, schedule
from crm_batch.rules_config import Rules, load_rules

WEEK = PlanWeek.containing(dt.date(2026, 11, 23))
INTERVAL = {"A": 1, "B": 3, "C": 15, "D": 90}


def team(tmp_path: Path, text: str) -> Rules:
    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    return load_rules(rules_file=path)


def people(grades: list[str], agent: str = "李娜", alerts: list[str | None] | None = None):
    """Customers K0, K1 … of one agent with these grades; their profiles as the plan reads them."""
    customers = pd.DataFrame({"customer_id": [f"K{i}" for i in range(len(grades))], "agent": agent,
                              "name": [f"客户{i}" for i in range(len(grades))]})
    profiles = pd.DataFrame({"grade": grades, "stage": "来访", "interval_days": [INTERVAL[g] for g in grades],
                             "alerts": pd.Series(alerts or [None] * len(grades), dtype="string")})
    return customers, profiles


def item(cust: int, day: str, kind: str, *, until: str | None = None, age: int = 0, spread: bool = False,
         group: bool = False, occasion: str | None = None) -> pd.DataFrame:
    when = [pd.Timestamp(day)]
    return _rows([cust], when, kind, f"{kind}原因", occasion, None, until=[pd.Timestamp(until or day)],
                 spread=spread, age=age, group=group)


def plan(items: list[pd.DataFrame], grades: list[str], rules: Rules | None = None, week: PlanWeek = WEEK,
         alerts: list[str | None] | None = None):
    rules = rules or load_rules()
    customers, profiles = people(grades, alerts=alerts)
    ranked = rank_actions(pd.concat(items, ignore_index=True), customers, profiles, rules)
    return ranked, schedule(ranked, week, rules)


def placed(fitted) -> dict[int, str]:
    """Customer → day (MM-DD) of every planned item (one item per customer in these tests)."""
    return {int(c): d.strftime("%m-%d") for c, d in zip(fitted.planned["cust"], fitted.planned["date"], strict=True)}


# ---------------------------------------------------------------- the score


def test_the_score_puts_tiers_first_then_the_oldest():
    ranked, _ = plan([
        item(0, "2026-11-23", "逾期回访", until="2026-11-29", age=12),
        item(1, "2026-11-23", "计划回访"),
        item(2, "2026-11-23", "电话回访"),          # an A: top grade
        item(3, "2026-11-23", "生日祝福"),
        item(4, "2026-11-23", "大客户回访"),
        item(5, "2026-11-23", "电话回访"),          # a B: the next grade
        item(6, "2026-11-23", "电话回访", until="2026-11-29", age=7, spread=True),  # a C, 7 days overdue
        item(7, "2026-11-23", "季度回访"),
        item(8, "2026-11-23", "节气问候", group=True, occasion="小雪"),
    ], ["C", "C", "A", "C", "C", "B", "C", "D", "C"])
    assert ranked["score"].tolist() == [988, 1000, 2000, 3000, 4000, 5000, 5993, 6000, 0]


def test_priority_is_high_only_for_what_the_manager_must_act_on():
    ranked, _ = plan([
        item(0, "2026-11-23", "逾期回访", until="2026-11-29", age=30),  # 30 days: 中
        item(1, "2026-11-23", "逾期回访", until="2026-11-29", age=31),  # over a month: 高
        item(2, "2026-11-23", "电话回访"),                              # an A's call: 中, not 高
        item(3, "2026-11-23", "大客户回访"),                            # key account, fine
        item(4, "2026-11-23", "大客户回访"),                            # key account going cold: 高
        item(5, "2026-11-23", "意向复核"),                              # a stale A: 高 in the table
    ], ["C", "C", "A", "C", "C", "A"], alerts=[None, None, None, None, "大客户无进展", "落后频率"])
    assert ranked["priority"].tolist() == ["中", "高", "中", "中", "高", "高"]



def test_a_team_reorders_the_tiers(tmp_path):
    """The tiers are rules data: a team that wants quarterly revisits before birthdays and C calls before
    B calls says so in [actions.order] and [actions.call_order]."""
    rules = team(tmp_path, '[actions.order]\n"季度回访" = 2\n\n[actions.call_order]\nrest = 4\n')
    ranked, _ = plan([item(0, "2026-11-23", "季度回访"), item(1, "2026-11-23", "生日祝福"),
                      item(2, "2026-11-23", "电话回访"), item(3, "2026-11-23", "电话回访")],
                     ["D", "C", "C", "B"], rules)
    assert ranked["score"].tolist() == [2000, 3000, 4000, 5000]


def test_a_tier_that_is_not_a_small_whole_number_is_named(tmp_path):
    with pytest.raises(RulesInvalid) as caught:
        team(tmp_path, '[actions.order]\n"季度回访" = "最后"\n')
    assert "actions.order.季度回访" in str(caught.value)
    with pytest.raises(RulesInvalid) as caught:
        team(tmp_path, "[actions.call_order]\ntop = -1\n")
    assert "actions.call_order.top" in str(caught.value)


# ---------------------------------------------------------------- capacity


def test_what_does_not_fit_waits_with_the_reason(tmp_path):
    rules = team(tmp_path, "[actions]\ncapacity = 2\n")
    sunday = PlanWeek(WEEK.monday, dt.date(2026, 11, 29))  # run on Sunday: one day left
    _, fitted = plan([item(0, "2026-11-29", "电话回访"), item(1, "2026-11-29", "电话回访"),
                      item(2, "2026-11-29", "电话回访")], ["C", "A", "B"], rules, sunday)
    assert placed(fitted) == {1: "11-29", 2: "11-29"}  # the A, then the B
    waiting = merge_waiting(fitted.waiting)
    assert waiting["cust"].tolist() == [0]
    assert waiting["why"].tolist() == ["11-29 当天都已排满（每天 2 位客户）"]


def test_a_team_sets_capacity_per_agent(tmp_path):
    rules = team(tmp_path, '[actions]\ncapacity = 5\n\n[actions.capacity_by_agent]\n"李娜" = 1\n')
    _, fitted = plan([item(0, "2026-11-23", "电话回访"), item(1, "2026-11-23", "电话回访")], ["B", "B"], rules)
    assert len(fitted.planned) == 1 and len(fitted.waiting) == 1


def test_nothing_is_lost_and_no_day_is_over_capacity(tmp_path):
    rules = team(tmp_path, "[actions]\ncapacity = 3\n")
    items = [item(i, "2026-11-23", "逾期回访", until="2026-11-29", age=i) for i in range(15)]
    items += [item(15 + i, "2026-11-23", "电话回访", until="2026-11-29", age=i, spread=True) for i in range(15)]
    ranked, fitted = plan(items, ["C"] * 30, rules)
    assert len(fitted.planned) + len(fitted.waiting) == len(ranked)
    assert fitted.planned.groupby("date").size().max() == 3
    assert len(fitted.planned) == 21 and len(fitted.waiting) == 9  # 7 days × 3; the missed appointments first
    assert set(fitted.waiting["action_type"]) == {"电话回访"}


def test_missed_appointments_take_the_first_day_with_room_the_oldest_first(tmp_path):
    rules = team(tmp_path, "[actions]\ncapacity = 2\n")
    _, fitted = plan([item(0, "2026-11-23", "逾期回访", until="2026-11-29", age=3),
                      item(1, "2026-11-23", "逾期回访", until="2026-11-29", age=20),
                      item(2, "2026-11-23", "逾期回访", until="2026-11-29", age=9),
                      item(3, "2026-11-23", "生日祝福")], ["C"] * 4, rules)
    # The birthday cannot wait; the oldest missed appointment shares Monday, the others Tuesday.
    assert placed(fitted) == {3: "11-23", 1: "11-23", 2: "11-24", 0: "11-24"}


def test_what_cannot_wait_goes_before_better_scored_work_that_can(tmp_path):
    rules = team(tmp_path, "[actions]\ncapacity = 1\n")
    _, fitted = plan([item(0, "2026-11-24", "逾期回访", until="2026-11-29", age=5),
                      item(1, "2026-11-24", "节气问候", occasion="小雪")], ["C", "A"], rules)
    assert placed(fitted) == {1: "11-24", 0: "11-25"}


def test_routine_calls_at_the_end_of_their_window_do_not_push_out_missed_appointments(tmp_path):
    """An overloaded agent (one contact a day): a B call due each day, three missed appointments. The ranking
    puts missed appointments first, so they take Monday to Wednesday and those days' B calls wait."""
    rules = team(tmp_path, "[actions]\ncapacity = 1\n")
    days = [f"2026-11-{23 + k}" for k in range(7)]
    items = [item(k, day, "电话回访") for k, day in enumerate(days)]
    items += [item(7 + k, "2026-11-23", "逾期回访", until="2026-11-29", age=10 + k) for k in range(3)]
    _, fitted = plan(items, ["B"] * 10, rules)
    assert placed(fitted) == {9: "11-23", 8: "11-24", 7: "11-25", 3: "11-26", 4: "11-27", 5: "11-28", 6: "11-29"}
    assert sorted(fitted.waiting["cust"]) == [0, 1, 2]
    # A team that wants routine calls to keep their day says so: the oldest missed appointment gets Sunday,
    # when it cannot wait either.
    rules = team(tmp_path, '[actions]\ncapacity = 1\nurgent = ["电话回访", "逾期回访"]\n')
    _, fitted = plan(items, ["B"] * 10, rules)
    assert sorted(fitted.waiting["cust"]) == [6, 7, 8]


def test_a_call_that_is_fined_when_late_keeps_its_day(tmp_path):
    """The call after an outreach and an event notice are due by a day (missing them is fined): on that day
    they go before a missed appointment, which can wait for the next day."""
    rules = team(tmp_path, "[actions]\ncapacity = 1\n")
    _, fitted = plan([item(0, "2026-11-23", "逾期回访", until="2026-11-29", age=20),
                      item(1, "2026-11-23", "外拓回访"), item(2, "2026-11-24", "活动通知")], ["C"] * 3, rules)
    assert placed(fitted) == {1: "11-23", 2: "11-24", 0: "11-25"}



def test_a_group_send_is_urgent_by_its_own_name(tmp_path):
    """A team that names only 节气群发 (not 节气问候) as urgent: the group SMS keeps its day."""
    rules = team(tmp_path, '[actions]\ncapacity = 1\nurgent = ["节气群发", "生日祝福"]\n')
    _, fitted = plan([item(0, "2026-11-24", "生日祝福"),
                      item(1, "2026-11-24", "节气问候", group=True, occasion="小雪")], ["C", "C"], rules)
    assert placed(fitted) == {1: "11-24"}

def test_urgent_names_action_types(tmp_path):
    with pytest.raises(RulesInvalid) as caught:
        team(tmp_path, '[actions]\nurgent = ["生日"]\n')
    assert "actions.urgent" in str(caught.value)



def test_a_personal_greeting_with_no_room_goes_out_with_the_group_send(tmp_path):
    """Two contacts on 11-24: the group SMS and an appointment. The A customers' own 小雪 greetings do not fit:
    they are sent with the group SMS that day rather than not at all."""
    rules = team(tmp_path, "[actions]\ncapacity = 2\n")
    _, fitted = plan([item(0, "2026-11-24", "计划回访"),
                      item(1, "2026-11-24", "节气问候", occasion="小雪"),
                      item(2, "2026-11-24", "节气问候", occasion="小雪"),
                      item(3, "2026-11-24", "节气问候", group=True, occasion="小雪")], ["C", "A", "A", "C"], rules)
    assert fitted.waiting.empty
    assert placed(fitted) == {0: "11-24", 1: "11-24", 2: "11-24", 3: "11-24"}
    sent = fitted.planned.set_index("cust")["group"].to_dict()
    assert sent == {0: False, 1: True, 2: True, 3: True}
    rows = merge_actions(fitted.planned)
    assert rows["types"].tolist() == ["节气群发", "计划回访"] and rows["recipients"].iloc[0] == 3

def test_overdue_work_is_spread_evenly_over_the_working_days_the_oldest_first(tmp_path):
    rules = team(tmp_path, '[actions]\nworkdays = ["周一", "周二", "周三", "周四", "周五"]\n')
    items = [item(i, "2026-11-23", "季度回访", until="2026-11-29", age=100 - i, spread=True) for i in range(12)]
    _, fitted = plan(items, ["D"] * 12, rules)
    days = pd.Series(placed(fitted)).sort_index()
    # 12 over 5 working days: a level of 3 a day, Monday first; nothing on the weekend.
    assert days.value_counts().sort_index().to_dict() == {"11-23": 3, "11-24": 3, "11-25": 3, "11-26": 3}
    assert days.loc[[0, 1, 2]].tolist() == ["11-23"] * 3  # the longest overdue on Monday


def test_overdue_work_joins_a_day_its_customer_is_called_anyway():
    _, fitted = plan([item(0, "2026-11-23", "电话回访", until="2026-11-29", age=20, spread=True),
                      item(0, "2026-11-26", "生日祝福")], ["C"])
    rows = merge_actions(fitted.planned)
    assert rows[["types"]].assign(day=rows["date"].dt.strftime("%m-%d")).values.tolist() == [
        ["生日祝福、电话回访", "11-26"]]


def test_no_working_day_left_is_the_reason(tmp_path):
    rules = team(tmp_path, '[actions]\nworkdays = ["周一", "周二", "周三", "周四", "周五"]\n')
    saturday = PlanWeek(WEEK.monday, dt.date(2026, 11, 28))
    _, fitted = plan([item(0, "2026-11-28", "逾期回访", until="2026-11-29", age=4)], ["C"], rules, saturday)
    assert fitted.planned.empty
    assert fitted.waiting["why"].tolist() == ["11-28 至 11-29 没有工作日（规则 actions.workdays）"]


# ---------------------------------------------------------------- group sends and merged rows


def test_a_group_greeting_is_one_contact_and_one_row(tmp_path):
    rules = team(tmp_path, "[actions]\ncapacity = 2\n")
    greet = [item(i, "2026-11-24", "节气问候", group=True, occasion="小雪") for i in range(5)]
    _, fitted = plan([*greet, item(0, "2026-11-24", "电话回访")], ["B"] * 5, rules)
    assert fitted.waiting.empty
    rows = merge_actions(fitted.planned)
    group = rows[rows["recipients"].notna()].iloc[0]
    # K0 is called that day anyway: greeted in that call's row; the other four are the group send.
    assert (group["types"], group["recipients"], group["order"]) == ("节气群发", 4, 1)
    assert group["reasons"] == "节气问候原因：群发短信，4 位客户，名单见“群发名单”"
    k0 = rows[rows["cust"].eq(0).fillna(False)].iloc[0]
    assert k0["types"] == "节气问候、电话回访"


def test_a_merged_row_keeps_the_call_script_and_every_text_message():
    _, fitted = plan([item(0, "2026-11-24", "电话回访"), item(0, "2026-11-24", "节气问候", occasion="小雪"),
                      item(0, "2026-11-24", "计划回访")], ["B"])
    planned = fitted.planned.assign(
        draft=fitted.planned["action_type"].map({"电话回访": "按频率的话术", "计划回访": "约好的话术",
                                                 "节气问候": "小雪短信"}),
        form=fitted.planned["action_type"].map({"电话回访": "电话", "计划回访": "电话", "节气问候": "短信"}))
    row = merge_actions(planned).iloc[0]
    # One call (the appointment's script, the best scored) and the greeting, each labelled.
    assert row["draft"] == "【电话】约好的话术 【短信】小雪短信"
    assert row["types"] == "计划回访、节气问候、电话回访"
