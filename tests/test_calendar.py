"""The plan week (计划周) of a run, and the audit week before it."""

from __future__ import annotations

import datetime as dt

import pytest

from crm_batch.calendar import PlanWeek


@pytest.mark.parametrize(("today", "monday", "starts"), [
    ("2026-11-23", "2026-11-23", "2026-11-23"),  # Monday: the whole week
    ("2026-11-26", "2026-11-23", "2026-11-26"),  # Thursday: this week, from today
    ("2026-11-27", "2026-11-30", "2026-11-30"),  # Friday: next week
    ("2026-11-29", "2026-11-30", "2026-11-30"),  # Sunday: next week
], ids=["monday", "thursday", "friday", "sunday"])
def test_the_default_plan_week_is_this_week_until_thursday_then_next_week(today, monday, starts):
    week = PlanWeek.for_run(dt.date.fromisoformat(today))
    assert week.monday == dt.date.fromisoformat(monday)
    assert week.today == dt.date.fromisoformat(starts)
    assert week.audit.monday == week.monday - dt.timedelta(days=7)


def test_a_team_chooses_from_which_day_the_default_is_next_week():
    friday, saturday = dt.date(2026, 11, 27), dt.date(2026, 11, 28)
    assert PlanWeek.for_run(friday, "周六").monday == dt.date(2026, 11, 23)
    assert PlanWeek.for_run(saturday, "周六").monday == dt.date(2026, 11, 30)
    assert PlanWeek.for_run(dt.date(2026, 11, 26), "周四").monday == dt.date(2026, 11, 30)


def test_the_choice_is_said_in_words():
    friday = dt.date(2026, 11, 27)
    said = PlanWeek.for_run(friday).why(friday)
    assert said == "今天是周五，默认安排下周；要安排本周剩下的几天，请加 --week 2026-11-27"
    thursday = dt.date(2026, 11, 26)
    assert PlanWeek.for_run(thursday).why(thursday) == "从今天（周四）起安排，已过去的几天不再安排"
    monday = dt.date(2026, 11, 23)
    assert PlanWeek.for_run(monday).why(monday) == "整周安排"


def test_a_fridays_run_judges_appointments_on_the_friday():
    friday = dt.date(2026, 11, 27)
    week = PlanWeek.for_run(friday)
    assert (week.today, week.judged_on) == (dt.date(2026, 11, 30), friday)
    monday = PlanWeek.for_run(dt.date(2026, 11, 23))
    assert monday.judged_on == monday.today == dt.date(2026, 11, 23)
