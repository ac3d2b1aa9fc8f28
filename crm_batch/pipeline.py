"""run(): the stages of the weekly job, in order. No printing, no exiting."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from crm_batch import almanac
from crm_batch.calendar import PlanWeek
from crm_batch.decisions import DecisionBook, merge_decisions, read_decisions, settle_decisions
from crm_batch.fields import label
from crm_batch.findings import Findings
from crm_batch.history import Prior
from crm_batch.ingest.register import Register, read_registers
from crm_batch.messages import (
    CALL_SCRIPTS,
    FALLBACK_SALUTATION,
    builtin_template_dir,
    check_templates,
    render_drafts,
    salutation,
)
from crm_batch.parallel import INLINE, outcome, preload, submit
from crm_batch.rules.actions import MISSED, PLANNED, last_note, plan_actions, review_list
from crm_batch.rules.appointments import latest_plans
from crm_batch.rules.cadence import contact_cadence
from crm_batch.rules.churn import churn_flags
from crm_batch.rules.completeness import assess_completeness, derive_stage
from crm_batch.rules.compliance import compliance_summary, kpis
from crm_batch.rules.conversation import AGAIN, conversation
from crm_batch.rules.coverage import Coverage, measure_coverage
from crm_batch.rules.grading import grade_intent, referral_tier
from crm_batch.rules.lifecycle import lifecycle
from crm_batch.rules.office_words import latest_notes, office_status
from crm_batch.rules.penalties import CHARGED, assess_fines
from crm_batch.rules.schedule import merge_actions, merge_waiting, rank_actions, recipients, schedule
from crm_batch.rules_config import Rules


@dataclass
class WeeklyResult:
    """What one run computed; the report is written from this alone."""

    week: PlanWeek
    rules: Rules
    register: Register
    inputs: list[Path]
    profiles: pd.DataFrame  # per customer: stage, completeness, computed grade (index as register.customers)
    actions: pd.DataFrame  # 本周行动: one row per customer and day (cust = index label in register.customers)
    dates: dict[str, pd.DataFrame]  # parsed 生日 / 纪念日 per customer (almanac.parse_birthdays)
    fines: pd.DataFrame  # 罚款明细 of the audit week, not charged in any other week
    greetings: pd.DataFrame  # every greeting the audit week required, and whether it was sent
    compliance: pd.DataFrame  # 合规汇总: one row per agent and a 合计 row
    kpis: dict
    prior: Prior
    waiting: pd.DataFrame = field(default_factory=pd.DataFrame)  # 待安排: what did not fit, per customer, with why
    recipients: pd.DataFrame = field(default_factory=pd.DataFrame)  # 群发名单: each group send's customers
    review: pd.DataFrame = field(default_factory=pd.DataFrame)  # 待主管处理: 建议战败, 疑似成交, 等级待复核, 无效线索
    coverage: Coverage | None = None  # what the register proves for the audit week
    decisions: DecisionBook = field(default_factory=DecisionBook)  # 主管确认 in force, and what reading them found


@dataclass
class WeekPlan:
    """本周行动 and what goes with it: the rows, what did not fit, the group sends' lists, the manager's lists."""

    actions: pd.DataFrame
    waiting: pd.DataFrame
    recipients: pd.DataFrame
    review: pd.DataFrame


def run(
    inputs: list[Path],
    week: PlanWeek,
    rules: Rules,
    progress: Callable[[str], None] | None = None,
    template_dirs: Sequence[Path] = (),
    prior: Prior | None = None,
    executor: Executor = INLINE,
    run_day: dt.date | None = None,
    decision_files: Sequence[Path] = (),
) -> WeeklyResult:
    """Read the registers and apply the rules for the plan week; the team's template folders come first.

    The sheets are read, and last week is audited while this week's actions are planned, in
    ``executor`` (see crm_batch.parallel): in this process by default, or in worker processes.
    ``run_day`` is the real date of the run (today): the audit never judges a day that is not over.
    ``decision_files`` are earlier reports whose 主管确认 the manager may have filled in.
    """
    run_day = run_day or today()
    template_dirs = list(dict.fromkeys([*template_dirs, builtin_template_dir()]))
    check_templates(rules, template_dirs)  # a broken template stops the run before any work
    register = read_registers(inputs, rules, reference=week.sunday, progress=progress, executor=executor)
    submit(executor, preload, __name__)  # a worker loads the audit while the rules run
    if progress:
        progress("检查资料完整性 …")
    stages = derive_stage(register.customers, register.contacts)
    profiles = stages.join(assess_completeness(register.customers, stages, rules))
    if progress:
        progress("计算意向等级 …")
    profiles = profiles.join(grade_intent(register.customers, register.contacts, rules))
    profiles = profiles.join(referral_tier(register.customers, rules))
    # Worked out once: the status, the plan and 流失预警 read the same latest notes and agreed follow-ups.
    notes = latest_notes(register.customers, register.contacts)
    plans = latest_plans(register.customers, register.contacts, pd.Timestamp(week.judged_on))
    profiles = profiles.join(office_status(register.customers, register.contacts, rules, notes))
    profiles = profiles.join(contact_cadence(register.customers, register.contacts, profiles, week.today, rules))
    if progress:
        progress("检查流失预警 …")
    prior = prior or Prior()
    book = read_decisions(decision_files, prior.files)
    if progress and len(book.read):
        progress(f"读取主管确认 {len(book.read)} 条 …")
    book = merge_decisions(prior.decisions, book)
    profiles = profiles.join(churn_flags(register.customers, register.contacts, profiles, week.today, rules,
                                         prior.grades, prior.week, appointments_by=week.judged_on, plans=plans))
    profiles = profiles.join(lifecycle(register.customers, profiles, rules))
    dates = parse_special_days(register.customers, week, register.findings)
    audit_args = (register.customers, register.contacts, register.events, profiles, dates, week, rules, prior.fines,
                  run_day, book.table, bool(register.missing))
    audit = submit(executor, audit_week, *audit_args)
    if progress:
        progress("安排本周行动 …")
    plan = plan_week(register.customers, register.contacts, register.events, profiles, dates, week, rules,
                     template_dirs, plans, notes)
    if progress:
        progress("稽核上周：罚款与合规 …")
    fines, greetings, compliance, coverage = outcome(audit, audit_week, *audit_args)
    book = settle_decisions(book, fines, prior.fines, prior.rerun)
    return WeeklyResult(week, rules, register, inputs, profiles, plan.actions, dates, fines, greetings, compliance,
                        kpis(register.customers, profiles, rules, prior.grades), prior,
                        waiting=plan.waiting, recipients=plan.recipients, review=plan.review,
                        coverage=coverage, decisions=book)


def plan_week(customers: pd.DataFrame, contacts: pd.DataFrame, events: pd.DataFrame, profiles: pd.DataFrame,
              dates: dict[str, pd.DataFrame], week: PlanWeek, rules: Rules,
              template_dirs: Sequence[Path], plans: pd.DataFrame | None = None,
              notes: pd.DataFrame | None = None) -> WeekPlan:
    """本周行动: the candidates, ranked and fitted into each agent's days, with drafts; what did not fit;
    the group sends' lists; the lists for the manager. ``plans`` and ``notes``: the customers'
    latest_plans (up to week.judged_on) and latest_notes, when the caller has them."""
    plans = latest_plans(customers, contacts, pd.Timestamp(week.judged_on)) if plans is None else plans
    long = plan_actions(customers, contacts, events, profiles, dates, week, rules, plans)
    fitted = schedule(rank_actions(long, customers, profiles, rules), week, rules)
    planned = fitted.planned
    talk = conversation(customers, contacts, week.today, rules)
    agreed = plans["planned_for"]
    planned = planned.assign(
        draft=drafts(planned, customers, talk, agreed, rules, template_dirs),
        group_draft=drafts(planned, customers, talk, agreed, rules, template_dirs, anonymous=True),
        form=planned["action_type"].isin(CALL_SCRIPTS).map({True: "电话", False: "短信"}).to_numpy(),
    )
    said = last_note(customers, contacts, notes)
    actions = merge_actions(planned)
    actions["last_note"] = said.reindex(actions["cust"]).to_numpy()
    waiting = merge_waiting(fitted.waiting)
    waiting["last_note"] = said.reindex(waiting["cust"]).to_numpy()
    return WeekPlan(actions, waiting, recipients(planned), review_list(customers, contacts, profiles, week, rules))


def audit_week(customers: pd.DataFrame, contacts: pd.DataFrame, events: pd.DataFrame, profiles: pd.DataFrame,
               dates: dict[str, pd.DataFrame], week: PlanWeek, rules: Rules, charged: pd.DataFrame | None,
               run_day: dt.date, decided: pd.DataFrame | None = None, lacking: bool = False,
               ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, Coverage]:
    """The audit week: (fines, greeting checks, 合规汇总, coverage). Needs the profiles, not this week's actions.

    ``run_day`` is the run's real date; ``decided`` the manager's decisions (code, decision, note).
    """
    coverage = measure_coverage(contacts, week, rules, run_day, lacking)
    fines, greetings = assess_fines(customers, contacts, events, profiles, dates, week, rules, charged, coverage,
                                    decided)
    compliance = compliance_summary(customers, contacts, profiles, fines, greetings, week, rules, coverage)
    return fines, greetings, compliance, coverage


def drafts(items: pd.DataFrame, customers: pd.DataFrame, talk: pd.DataFrame, agreed: pd.Series, rules: Rules,
           template_dirs: Sequence[Path], anonymous: bool = False) -> pd.Series:
    """话术/短信草稿 for each planned action, in the customer's salutation, from what was said last time.

    ``anonymous``: only the group sends, greeted “您好” (one text for every recipient); other rows missing.
    """
    if anonymous:  # one text per group send (agent, day, occasion), mapped back to its recipients
        items = items[items["group"].to_numpy(dtype=bool)]
        sends = items.drop_duplicates(["agent", "date", "occasion"])
        text = _drafts(sends, customers, talk, agreed, rules, template_dirs, by_name=False)
        keyed = sends[["agent", "date", "occasion"]].assign(draft=text.to_numpy())
        found = items[["agent", "date", "occasion"]].merge(keyed, how="left", on=["agent", "date", "occasion"])
        return pd.Series(found["draft"].to_numpy(), index=items.index, dtype="string")
    return _drafts(items, customers, talk, agreed, rules, template_dirs, by_name=True)


def _drafts(items: pd.DataFrame, customers: pd.DataFrame, talk: pd.DataFrame, agreed: pd.Series, rules: Rules,
            template_dirs: Sequence[Path], by_name: bool) -> pd.Series:
    cust = items["cust"].to_numpy()
    people = customers.reindex(cust)
    gender = people["gender"] if "gender" in people else pd.Series(pd.NA, index=people.index)
    if by_name:
        called = salutation(people["name"], gender, rules["actions"]["compound_surnames"],
                            rules["actions"]["not_names"])
    else:
        called = pd.Series(FALLBACK_SALUTATION, index=people.index, dtype="string")
    said = talk.reindex(cust)
    kind = items["action_type"].astype("string")
    appointment = kind.isin([PLANNED, MISSED]).to_numpy()
    # A customer called again later in the week: the script says so, it does not repeat the first call.
    calls = kind.isin(CALL_SCRIPTS).fillna(False).to_numpy(dtype=bool)
    call_number = pd.Series(1, index=items.index, dtype="int64")
    if calls.any():
        dated = items.loc[calls, ["cust", "date"]]
        call_number.loc[dated.index] = dated.groupby("cust", sort=False)["date"].rank(method="dense").astype("int64")
    situation = said["situation"].astype("string").mask((call_number > 1).to_numpy(), AGAIN)
    rows = pd.DataFrame({
        "action_type": kind.to_numpy(),
        "salutation": called.to_numpy(),
        "agent": people["agent"].astype("string").to_numpy(),
        "occasion": items["occasion"].to_numpy(),
        "date": items["date"].to_numpy(),
        "detail": items["detail"].to_numpy(),
        "topic": said["topic"].to_numpy(),
        "topic_at": said["topic_at"].to_numpy(),
        "situation": situation.to_numpy(),
        "last_at": said["last_at"].to_numpy(),
        "agreed": pd.to_datetime(agreed.reindex(cust).to_numpy()).where(appointment, pd.NaT),
        "call_number": call_number.to_numpy(),
    }, index=items.index)
    return render_drafts(rows, rules, template_dirs)


def parse_special_days(customers: pd.DataFrame, week: PlanWeek, findings: Findings) -> dict[str, pd.DataFrame]:
    """生日 and 纪念日 read as solar or lunar days; a cell that is neither becomes a data problem."""
    parsed = {}
    for key in ("birthday", "anniversary"):
        if key not in customers:
            continue
        kind = customers["birthday_type"] if key == "birthday" and "birthday_type" in customers else None
        parsed[key] = almanac.parse_birthdays(customers[key], kind, reference_year=week.sunday.year)
        bad = customers[parsed[key]["slug"].notna()]
        for (file, sheet), rows in bad.groupby(["_file", "_sheet"], sort=False):
            findings.add_rows(almanac.BIRTHDAY_INVALID, file=file, sheet=sheet, rows=rows["_row"],
                              field=label(key), raw=rows[key])
    return parsed


def today() -> dt.date:
    return dt.date.today()


def snapshot(result: WeeklyResult) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What history keeps of a week: grades and flags per customer, and the fines with their keys and status
    (the manager's decisions are kept apart, by 罚款编号: ``result.decisions.table``)."""
    customers = result.register.customers
    grades = customers[["customer_id", "agent"]].join(result.profiles[["grade", "lifecycle", "alerts", "risk"]])
    fines = result.fines.assign(customer_id=customers["customer_id"].reindex(result.fines["cust"]).to_numpy(),
                                amount=result.fines["suggested"].where(result.fines["status"] == CHARGED))
    return grades, fines
