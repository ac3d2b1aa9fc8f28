"""run(): the stages of the weekly job, in order. No printing, no exiting."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from crm_batch.calendar import PlanWeek
from crm_batch.ingest.register import Register, read_registers
from crm_batch.rules.cadence import contact_cadence
from crm_batch.rules.churn import churn_flags
from crm_batch.rules.completeness import assess_completeness, derive_stage
from crm_batch.rules.grading import grade_intent, referral_tier
from crm_batch.rules.lifecycle import lifecycle
from crm_batch.rules_config import Rules


@dataclass
class WeeklyResult:
    """What one run computed; the report is written from this alone."""

    week: PlanWeek
    rules: Rules
    register: Register
    inputs: list[Path]
    profiles: pd.DataFrame  # per customer: stage, completeness, computed grade (index as register.customers)


def run(
    inputs: list[Path],
    week: PlanWeek,
    rules: Rules,
    progress: Callable[[str], None] | None = None,
) -> WeeklyResult:
    """Read the registers and apply the rules for the plan week."""
    register = read_registers(inputs, rules, reference=week.sunday, progress=progress)
    if progress:
        progress("检查资料完整性 …")
    stages = derive_stage(register.customers, register.contacts)
    profiles = stages.join(assess_completeness(register.customers, stages, rules))
    if progress:
        progress("计算意向等级 …")
    profiles = profiles.join(grade_intent(register.customers, register.contacts, rules))
    profiles = profiles.join(referral_tier(register.customers, rules))
    profiles = profiles.join(contact_cadence(register.customers, register.contacts, profiles, week.monday, rules))
    if progress:
        progress("检查流失预警 …")
    profiles = profiles.join(churn_flags(register.customers, register.contacts, profiles, week.monday, rules))
    profiles = profiles.join(lifecycle(register.customers, profiles, rules))
    return WeeklyResult(week, rules, register, inputs, profiles)


def today() -> dt.date:
    return dt.date.today()
