"""流失预警: customers drifting away, each flag with its facts, a risk level and an action.

The flags of SPEC §4, every number from the rules' ``[churn]`` table:

- 超期未联系: no contact or update for more than ``stale_days``;
- 未回笼: a visitor who has not come back within ``return_days`` (观望期/比对期);
- 沉睡: no contact for more than ``sleep_days`` (it replaces 超期未联系);
- 落后频率: idle for more than ``cadence_factor`` × the grade's interval, while
  not yet 超期 — the A/B customers slipping before the 30-day line;
- 大客户无进展: a key account not met (``progress_methods``) or closed for
  ``key_account_days`` → reassign (换人跟进);
- 等级下降: the computed grade is lower than in last week's snapshot (history);
- 战败待审批: 战败 without a manager's approval, or a customer whose latest note
  says they are out (建议战败, rules/office_words.py), with the note as evidence;
- 未按计划回访: the agent's 下次跟进时间 passed with nothing recorded since
  (rules/appointments.py).

A customer's risk is the highest of their flags' risks. 高 is kept for what the
manager must act on this week: a flag whose own risk is 高 (沉睡, 大客户无进展,
战败待审批), an appointment missed for more than ``missed_high_days``, a
top-grade prospect stale past its window (``escalate_grades``, 等级待复核 in
rules/cadence.py) and a key account going idle. Being graded A is not a reason
by itself. The ``note_flags`` (未回笼, 落后频率) are a note on the customer
(``notes``), not an alert, unless the customer is raised to 高 (a top grade stale
past its window is 落后频率 first). An approved 战败 is not flagged: the customer is gone by decision,
not by neglect; nor is an invalid lead (无效线索): it is no customer at all.
"Last touch" is the latest of the last contact and the register's own dates
(登记, 成交, 交房, 外拓), so a customer registered last week is not idle.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from crm_batch.fields import label
from crm_batch.rules import column, date_column, key_account, last_contact, mark_patterns
from crm_batch.rules.appointments import missed_appointments
from crm_batch.rules.cadence import recorded_until, stale_top_grade
from crm_batch.rules_config import Rules
from crm_batch.vocabulary import INVALID_LEAD, LEVELS, LOST_STAGE, PROPOSED_LOST

STALE, NO_RETURN, SLEEPING, BEHIND, KEY_STALLED, GRADE_DROP, LOST_PENDING, MISSED = (
    "超期未联系", "未回笼", "沉睡", "落后频率", "大客户无进展", "等级下降", "战败待审批", "未按计划回访",
)
FLAG_ORDER = (SLEEPING, KEY_STALLED, MISSED, STALE, NO_RETURN, GRADE_DROP, BEHIND, LOST_PENDING)
IDLE_FLAGS = (SLEEPING, STALE, BEHIND)  # the flags that say "not contacted for too long"
VISIT = "来访"  # the contact method that is a visit (vocab.methods)
# The register's own dates that count as a touch, besides the contacts.
TOUCH_DATES = ("registered_at", "signed_at", "handover_at", "outreach_at")


def _day(value: pd.Series) -> pd.Series:
    return value.dt.strftime("%Y-%m-%d")


def last_touch(customers: pd.DataFrame, contacts: pd.DataFrame, now: pd.Timestamp) -> pd.DataFrame:
    """The latest contact or register date up to today, and where it comes from."""
    candidates = {"跟进记录": last_contact(customers, contacts, now)}
    for key in TOUCH_DATES:
        if key in customers:
            dated = pd.to_datetime(customers[key], errors="coerce").dt.normalize()
            candidates[label(key)] = dated.where(dated <= now)
    frame = pd.DataFrame(candidates)
    touch = frame.max(axis=1)
    source = frame.fillna(pd.Timestamp("1900-01-01")).idxmax(axis=1).where(touch.notna())
    return pd.DataFrame({"last_touch": touch, "touch_source": source.astype("string"),
                         "idle_days": (now - touch).dt.days.astype("Int64")})




def churn_flags(
    customers: pd.DataFrame, contacts: pd.DataFrame, profiles: pd.DataFrame, today: dt.date, rules: Rules,
    previous: pd.Series | None = None, previous_week: str | None = None, appointments_by: dt.date | None = None,
    plans: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per customer: 预警 (flag names), 风险, 建议动作 and 预警依据, with the idle days behind them.

    ``previous`` maps customer_id → the grade in the last snapshot (``previous_week``) of history.
    ``appointments_by``: the day before which an agreed follow-up is missed (the run's real day
    when it comes before ``today``, as on a Friday's run for next week); ``plans`` the customers'
    latest_plans up to that day, when the caller has them.
    """
    cfg = rules["churn"]
    index = customers.index
    now = pd.Timestamp(today)
    touch = last_touch(customers, contacts, now)
    tracked = bool(len(contacts)) and "contact_at" in contacts and contacts["contact_at"].notna().any()
    if not tracked:  # a register with no follow-up log cannot tell who was contacted: no idle-time flags
        touch["idle_days"] = pd.array([pd.NA] * len(touch), dtype="Int64")
    idle = touch["idle_days"].astype("float64")  # NaN where nothing is dated
    stage = profiles["stage"].astype("string")
    grade = profiles["grade"].astype("string")
    lost = stage.eq(LOST_STAGE).fillna(False).astype(bool)
    key = key_account(customers, profiles)

    by_contact = touch["touch_source"].eq("跟进记录").fillna(False).astype(bool)
    when = _day(touch["last_touch"]).fillna("")
    seen = (pd.Series(np.where(by_contact, "最近联系 " + when, touch["touch_source"].fillna("") + " " + when
                               + "（之后没有跟进记录）"), index=index, dtype="string")
            + "，已 " + touch["idle_days"].astype("string").fillna("") + " 天")
    never = pd.Series("没有任何跟进记录和登记日期", index=index, dtype="string")

    flags: dict[str, tuple[pd.Series, pd.Series]] = {}
    sleeping = (idle > cfg["sleep_days"]) & ~lost
    flags[SLEEPING] = (sleeping, seen + f"（超过 {cfg['sleep_days']} 天）")
    unknown = touch["last_touch"].isna() & tracked & ~lost
    stale = (((idle > cfg["stale_days"]) & ~sleeping) | unknown) & ~lost
    flags[STALE] = (stale, seen.mask(unknown, never) + f"（超过 {cfg['stale_days']} 天未联系或更新）")

    visit = last_contact(customers, contacts, now, [VISIT])
    away = (now - visit).dt.days
    visitor = stage.isin(cfg["visitor_stages"]).fillna(False).astype(bool)
    no_return = visitor & (away > cfg["return_days"]).fillna(False) & ~sleeping
    flags[NO_RETURN] = (no_return, "来访客户，最近来访 " + _day(visit).fillna("") + "，已 "
                        + away.astype("Int64").astype("string").fillna("")
                        + f" 天未再来访（回笼周期超过 {cfg['return_days']} 天：观望期/比对期）")

    interval = profiles["interval_days"].astype("float64")
    behind = (idle > cfg["cadence_factor"] * interval) & ~stale & ~sleeping & ~lost
    flags[BEHIND] = (behind, profiles["cadence_rule"].astype("string") + "，已 "
                     + touch["idle_days"].astype("string").fillna("") + f" 天未联系（超过 {cfg['cadence_factor']} 倍）")

    met = last_contact(customers, contacts, now, cfg["progress_methods"])
    progress = pd.DataFrame({"见面": met, "成交": date_column(customers, "signed_at"),
                             "登记": date_column(customers, "registered_at")})
    progress = progress.where(progress <= now)
    last_progress = progress.max(axis=1)
    stalled_days = (now - last_progress).dt.days
    stalled = key & (stalled_days > cfg["key_account_days"]).fillna(False) & ~lost
    who = profiles["referral"].astype("string").fillna("大客户")
    flags[KEY_STALLED] = (stalled, who + "，最近一次见面或成交 " + _day(last_progress).fillna("") + "，已 "
                          + stalled_days.astype("Int64").astype("string").fillna("")
                          + f" 天没有进展（超过 {cfg['key_account_days']} 天）→ 换人跟进")

    approval = column(customers, "lost_approved").astype("string")
    pending = lost & approval.ne("是").fillna(True).astype(bool)
    status = column(profiles, "status").astype("string")
    said_out = status.eq(PROPOSED_LOST).fillna(False).astype(bool) & ~lost
    lost_why = pd.Series(np.where(approval.eq("否").fillna(False), "战败审批=否（主管未批准）→ 继续跟进",
                                  "客户类型=战败，战败审批未填 → 待主管审批"), index=index, dtype="string")
    lost_why = lost_why.mask(said_out, "建议战败：" + column(profiles, "status_evidence").astype("string").fillna("")
                             + " → 待主管审批")
    flags[LOST_PENDING] = (pending | said_out, lost_why)

    missed = missed_appointments(customers, contacts, pd.Timestamp(appointments_by or today), plans)
    missed_days = pd.Series(pd.NA, index=index, dtype="Int64")
    missed_days.loc[missed.index] = missed["missed_days"].to_numpy()
    flags[MISSED] = (missed_days.notna() & ~lost & ~said_out, (
        "约定 " + _day(missed["planned_for"]).reindex(index) + " 回访（" + _day(missed["set_at"]).reindex(index)
        + " 跟进时约定），之后没有任何跟进记录，已过 " + missed_days.astype("string") + " 天"))

    before = pd.Series(pd.NA, index=index, dtype="string")
    if previous is not None and len(previous):
        before = pd.Series(previous.reindex(customers["customer_id"].to_numpy()).to_numpy(), index=index,
                           dtype="string")
    rank = {level: i for i, level in enumerate(rules.grade_levels)}
    dropped = (before.map(rank).astype("Float64") < grade.map(rank).astype("Float64")).fillna(False).astype(bool)
    flags[GRADE_DROP] = (dropped & ~lost, f"上次（{previous_week}）" + before.fillna("") + " 级 → 本周 "
                         + grade.fillna("") + " 级")

    # An invalid lead is no customer: nothing to lose.
    invalid = status.eq(INVALID_LEAD).fillna(False).astype(bool)
    flags = {name: (hit & ~invalid, why) for name, (hit, why) in flags.items()}
    # 高 on top of the flags' own risks: an appointment missed for long, a top grade stale past its
    # window, a key account going idle. A buyer's stake is their key-account standing.
    until = recorded_until(contacts, today, rules["cadence"]["recording_lag_days"])
    stale, stale_days = stale_top_grade(customers, profiles, until, rules)
    stale &= grade.isin(cfg["escalate_grades"]).fillna(False).astype(bool)
    idle_flag = pd.concat([flags[name][0] for name in IDLE_FLAGS], axis=1).any(axis=1)
    escalations = [
        (flags[MISSED][0] & (missed_days > cfg["missed_high_days"]).fillna(False).astype(bool),
         f"约定的回访过了 {cfg['missed_high_days']} 天以上 → 风险为高"),
        (stale & idle_flag, grade.fillna("") + " 级客户已 " + stale_days.astype("string").fillna("")
         + f" 天没联系上（超过 {rules['actions']['regrade_factor']} 倍联系间隔），等级待复核 → 风险为高"),
        (key & idle_flag, pd.Series("大客户久未联系 → 风险为高", index=index, dtype="string")),
    ]
    return _combine(flags, escalations, index, rules).join(touch)


def _combine(
    flags: dict[str, tuple[pd.Series, pd.Series]], escalations: list[tuple[pd.Series, pd.Series | str]],
    index: pd.Index, rules: Rules,
) -> pd.DataFrame:
    """One row per customer: the fired flags in order of weight, the highest risk, actions and reasons."""
    cfg = rules["churn"]
    # A note flag (未回笼, 落后频率) is an alert after all when the customer is raised to 高: a top grade stale
    # past its window is 落后频率 at first.
    anything = pd.concat([hit.fillna(False) for hit, _ in flags.values()], axis=1).any(axis=1)
    raised = pd.concat([hit.fillna(False).astype(bool) for hit, _ in escalations], axis=1).any(axis=1) & anything
    noted = {name: (flags[name][0].fillna(False).astype(bool) & ~raised, flags[name][1])
             for name in cfg["note_flags"]}
    notes = _notes(noted, cfg["note_flags"], index)
    flags = {name: ((hit.fillna(False).astype(bool) & raised, why) if name in cfg["note_flags"] else (hit, why))
             for name, (hit, why) in flags.items()}
    flags = {name: flags[name] for name in FLAG_ORDER}
    order = list(flags)
    fired = np.column_stack([flags[name][0].fillna(False).astype(bool).to_numpy() for name in order])
    # Names, actions and risk depend only on which flags fired: worked out once per pattern.
    patterns, which = mark_patterns(fired)
    pattern_names, pattern_actions, pattern_ranks = [], [], []
    for row in patterns:
        on = [name for name, hit in zip(order, row, strict=True) if hit]
        pattern_names.append("、".join(on))
        actions = ""
        for name in on:  # an action already named (换人跟进 within 换人跟进并上报) is not repeated
            action = cfg["flags"][name]["action"]
            if action not in actions:
                actions += "；" + action
        pattern_actions.append(actions.lstrip("；"))
        pattern_ranks.append(min([LEVELS.index(cfg["flags"][name]["risk"]) for name in on],
                                 default=len(LEVELS)))
    names = pd.Series(np.array(pattern_names, dtype=object)[which], index=index, dtype="string")
    actions = pd.Series(np.array(pattern_actions, dtype=object)[which], index=index, dtype="string")
    rank = pd.Series(np.array(pattern_ranks, dtype="int64")[which], index=index)
    # The reasons carry each customer's own facts: joined for the flagged customers only.
    reasons = np.full(len(index), "", dtype=object)
    for column_at, name in enumerate(order):
        hit = fired[:, column_at]
        if hit.any():
            reasons[hit] += "；" + name + "：" + flags[name][1][hit].fillna("").to_numpy(dtype=object)
    reasons = pd.Series(reasons, index=index, dtype="string")
    flagged = names != ""
    for hit, why in escalations:  # the first reason that makes a customer 高 is the one given
        escalate = flagged & hit.fillna(False).astype(bool) & (rank > 0)
        reasons = reasons.mask(escalate, reasons + "；" + why)
        rank = rank.mask(escalate, 0)
    risk = pd.Series(np.array([*LEVELS, ""], dtype=object)[rank.to_numpy()], index=index)
    return pd.DataFrame({
        "alerts": names.where(flagged),
        "risk": risk.where(flagged),
        "action": actions.where(flagged),
        "churn_reason": reasons.str.lstrip("；").where(flagged),
        "notes": notes,
    }, index=index)


def _notes(flags: dict[str, tuple[pd.Series, pd.Series]], names: list[str], index: pd.Index) -> pd.Series:
    """提示: the flags shown on the customer rather than listed as alerts (未回笼), with their facts."""
    notes = pd.Series("", index=index, dtype="string")
    for name in names:
        hit, why = flags[name]
        hit = hit.fillna(False).astype(bool)
        notes = notes.mask(hit, notes + "；" + name + "：" + why.astype("string").fillna(""))
    notes = notes.str.lstrip("；")
    return notes.mask(notes == "")
