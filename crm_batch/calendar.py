"""Dates of the report: the plan week (计划周) and the audit week before it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


@dataclass(frozen=True)
class PlanWeek:
    """The ISO week (Monday–Sunday) the actions are planned for."""

    monday: dt.date
    as_of: dt.date | None = None  # the run's date inside the week, when it is not the Monday

    @classmethod
    def containing(cls, day: dt.date) -> PlanWeek:
        return cls(day - dt.timedelta(days=day.weekday()), day)

    @property
    def today(self) -> dt.date:
        """The reference day of the run: contacts up to it count, overdue calls land on it."""
        return self.as_of or self.monday

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
