"""Dates of the report: the plan week (计划周) and the audit week before it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
# Run on this weekday or later, the default plan is next week (rules ``actions.next_week_from``): by
# Friday the week is nearly done, and the manager is preparing Monday's hand-out.
NEXT_WEEK_FROM = "周五"


@dataclass(frozen=True)
class PlanWeek:
    """The ISO week (Monday–Sunday) the actions are planned for."""

    monday: dt.date
    as_of: dt.date | None = None  # the run's date inside the week, when it is not the Monday
    ran_on: dt.date | None = None  # the run's real date, when it comes before the week (a Friday's run)

    @classmethod
    def containing(cls, day: dt.date) -> PlanWeek:
        return cls(day - dt.timedelta(days=day.weekday()), day)

    @classmethod
    def for_run(cls, today: dt.date, next_week_from: str = NEXT_WEEK_FROM) -> PlanWeek:
        """The default plan week of a run on ``today``: this week before ``next_week_from`` (a weekday's
        Chinese name), next week from that day on.

        Within this week, actions start on ``today``, never on days already past.
        """
        if today.weekday() >= WEEKDAYS.index(next_week_from):
            return cls(today + dt.timedelta(days=7 - today.weekday()), ran_on=today)
        return cls.containing(today)

    def why(self, today: dt.date) -> str:
        """How the plan week was chosen for a run on ``today``, for the console and 总览."""
        if self.monday > today:
            day = WEEKDAYS[today.weekday()]
            return f"今天是{day}，默认安排下周；要安排本周剩下的几天，请加 --week {today:%Y-%m-%d}"
        if self.today > self.monday:
            return f"从今天（{WEEKDAYS[self.today.weekday()]}）起安排，已过去的几天不再安排"
        return "整周安排"

    @property
    def today(self) -> dt.date:
        """The reference day of the run: contacts up to it count, overdue calls land on it."""
        return self.as_of or self.monday

    @property
    def judged_on(self) -> dt.date:
        """The day an agreed follow-up counts as missed when its day is before it: the run's real day.
        (Run on a Friday for next week, a Saturday appointment is not missed yet.)"""
        return min(self.ran_on, self.today) if self.ran_on else self.today

    @property
    def sunday(self) -> dt.date:
        return self.monday + dt.timedelta(days=6)

    @property
    def label(self) -> str:
        """``2026-W48``: the ISO year and week, as used in the report's file name."""
        year, week, _ = self.monday.isocalendar()
        return f"{year}-W{week:02d}"

    @property
    def audit(self) -> PlanWeek:
        """The week before, whose compliance is audited (稽核周)."""
        return PlanWeek(self.monday - dt.timedelta(days=7))

    def describe(self) -> str:
        return f"{self.label}（{self.monday:%Y-%m-%d} 至 {self.sunday:%Y-%m-%d}）"
