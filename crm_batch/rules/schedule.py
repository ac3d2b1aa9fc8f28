"""一周排得下: the week's candidate actions fitted into each agent's days, in the order worth doing.

**The score (排序).** Every action has a tier (rules ``[actions.order]``, routine calls by grade in
``[actions.call_order]``; the defaults below); within a tier the longest overdue goes first:

    score = tier × 1000 − min(days overdue, 999)        the lower, the earlier in the day

====  ==========================================================================
tier  actions
====  ==========================================================================
0     节日群发 / 节气群发: one group greeting per agent and occasion, sent first
1     逾期回访 (a missed appointment), 计划回访 (an appointment due that day)
2     top grades' calls (A with recent activity), 意向复核 (a stale A), 成交确认
3     birthdays, anniversaries, birthday-event invitations, personal greetings
4     大客户回访, 外拓回访
5     the next grade's calls (B), 活动通知, 售后回访, 保养提醒
6     everyone else's calls (C, D, unknown) and the quarterly revisit (季度回访)
====  ==========================================================================

**Capacity.** Each agent has ``actions.capacity`` contacts a day (``capacity_by_agent``
per agent). One customer's several actions on one day are one contact; a group send
is one. Scheduling loops over the week's days and the agents' arrays, never over
customers:

1. Actions with a date (a birthday, an appointment, a due call) and those due "on the
   first working day with room" (missed appointments, 意向复核, 成交确认) are placed
   day by day: each day, every agent's candidates — those whose window
   [``date``, ``until``] holds the day — are taken up to the room: first what cannot
   wait (the day is the last of its window) among the actions that are late once their
   day is gone (``actions.urgent``: a festival, a birthday, an appointment, the call
   after an outreach, an event notice), then the rest by score. A routine call at the end
   of its window does not push out a missed appointment: on a day too full for both, the
   call waits (待安排). The day's rows are then listed by score.
2. Overdue routine work (``spread``) first joins a day its customer is called on
   anyway; the rest is spread evenly over the working days (``actions.workdays``):
   every day is filled up to a common level (water-filling), the oldest first.
3. A personal greeting (节日问候, 节气问候) that found no room goes out with the agent's group SMS
   for the same occasion, on that send's day.
4. Whatever is left is 待安排 with the reason: nothing is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from crm_batch.calendar import WEEKDAYS, PlanWeek
from crm_batch.rules import column
from crm_batch.rules.actions import DEAL, MISSED, REGRADE, call_tier
from crm_batch.rules_config import Rules
from crm_batch.vocabulary import LEVELS, NO_AGENT

ROUTINE_CALL = "电话回访"
GROUP_TYPES = {"节日问候": "节日群发", "节气问候": "节气群发"}
# "On the first working day with room": these wait for a working day, whatever their window.
FIRST_FREE_DAY = (MISSED, REGRADE, DEAL)
KEY_STALLED = "大客户无进展"  # rules/churn.py's flag: a key account going cold makes its call 高
MAX_AGE = 999


@dataclass
class Schedule:
    """The candidates, split: ``planned`` (each with its day) and ``waiting`` (待安排, with ``why``)."""

    planned: pd.DataFrame
    waiting: pd.DataFrame


def rank_actions(long: pd.DataFrame, customers: pd.DataFrame, profiles: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """Each candidate with its agent, tier, score and priority (高/中/低).

    Priority comes from ``[actions.priority]``; it is raised to 高 for what the manager must act on
    this week: an appointment missed for more than ``churn.missed_high_days``, a stale top grade
    (意向复核, 高 in the table), a key account going cold. Being graded A raises nothing by itself.
    """
    cust = long["cust"].to_numpy()
    agent = customers["agent"].astype("string").reindex(cust).fillna(NO_AGENT).to_numpy(dtype=object)
    kind = long["action_type"].astype("string")
    order, call_order = rules["actions"]["order"], rules["actions"]["call_order"]
    tier = kind.map(order).astype("Float64")
    calls = kind.eq(ROUTINE_CALL).fillna(False).to_numpy(dtype=bool)
    by_grade = call_tier(profiles, rules).map(call_order).reindex(cust).to_numpy(dtype=float)
    tier = tier.mask(calls, pd.Series(by_grade, index=tier.index, dtype="Float64"))
    tier = tier.fillna(max([*order.values(), *call_order.values()])).astype("int64")
    group = long["group"].to_numpy(dtype=bool)
    tier = tier.mask(group, kind.map(GROUP_TYPES).map(order).fillna(0).astype("int64"))
    age = long["age"].clip(lower=0, upper=MAX_AGE).astype("int64")
    levels = kind.map(rules["actions"]["priority"]).fillna(LEVELS[-1]).map(LEVELS.index).astype("int64")
    missed_long = kind.eq(MISSED).fillna(False) & (long["age"] > rules["churn"]["missed_high_days"])
    alerts = column(profiles, "alerts").astype("string").reindex(cust)
    cold = kind.eq("大客户回访").fillna(False).to_numpy() & alerts.str.contains(KEY_STALLED).fillna(False).to_numpy()
    levels = levels.mask(missed_long | cold, 0)
    return long.assign(agent=agent, tier=tier.to_numpy(), score=(tier * 1000 - age).to_numpy(),
                       priority=np.asarray(LEVELS, dtype=object)[levels.to_numpy()],
                       workday=long["spread"].to_numpy(dtype=bool) | kind.isin(FIRST_FREE_DAY).to_numpy())


def capacities(agents: np.ndarray, rules: Rules) -> np.ndarray:
    """Contacts a day for each agent: ``capacity_by_agent`` where set, else ``capacity``."""
    by_agent = rules["actions"]["capacity_by_agent"]
    default = rules["actions"]["capacity"]
    return np.array([by_agent.get(a, default) for a in agents], dtype=np.int64)  # a loop over agents


def schedule(ranked: pd.DataFrame, week: PlanWeek, rules: Rules) -> Schedule:
    """Fit the ranked candidates into each agent's days from ``week.today`` to Sunday (see the module)."""
    today = pd.Timestamp(week.today)
    days = (pd.Timestamp(week.sunday) - today).days + 1
    workday = np.array([WEEKDAYS[(today + pd.Timedelta(days=d)).weekday()] in rules["actions"]["workdays"]
                        for d in range(days)])
    agent_code, agents = pd.factorize(ranked["agent"].to_numpy(dtype=object))
    cap = capacities(np.asarray(agents, dtype=object), rules)
    unit = _units(ranked)
    first = (ranked["date"] - today).dt.days.to_numpy(dtype=np.int64)
    deadline = np.maximum((ranked["until"] - today).dt.days.to_numpy(dtype=np.int64), first)
    last = np.minimum(deadline, days - 1)
    score = ranked["score"].to_numpy(dtype=np.int64)
    # Only what is late once its day is gone (``actions.urgent``) jumps the queue on its last day; routine
    # calls keep their rank.
    kind = ranked["action_type"].astype("string")
    kind = kind.mask(ranked["group"].to_numpy(dtype=bool), kind.map(GROUP_TYPES)).fillna(kind)
    urgent = kind.isin(rules["actions"]["urgent"]).to_numpy(dtype=bool)
    deadline = np.where(urgent, deadline, days + 7)
    restricted = ranked["workday"].to_numpy(dtype=bool)
    spread = ranked["spread"].to_numpy(dtype=bool)
    day_of = np.full(len(ranked), -1, dtype=np.int64)
    used = np.zeros((len(agents), days), dtype=np.int64)
    plan = _Sweep(agent_code, unit, first, last, deadline, score, restricted, workday, day_of, used)

    for d in range(days):  # 1. dated and first-free-day actions, best score first
        plan.fill(d, ~spread, cap[:, None] - used)
    plan.join_called(spread)  # 2. overdue work joins a day its customer is called on anyway
    quota = _level_quota(plan, spread, cap, workday)
    for d in range(days):  # … then spreads evenly, the oldest first
        plan.fill(d, spread, quota)
    for d in range(days):  # … and takes any room still left in its window
        plan.fill(d, spread, cap[:, None] - used)

    ranked = _fold_into_group_sends(ranked, day_of)  # 3. a personal greeting with no room joins the group send

    at = today + pd.to_timedelta(np.maximum(day_of, 0), unit="D")
    planned = ranked.assign(date=at.to_numpy())[day_of >= 0]
    waiting = ranked[day_of < 0]
    return Schedule(_join_group_to_personal(planned, rules["actions"]["order"]),
                    waiting.assign(why=_why_waiting(waiting, cap[agent_code[day_of < 0]], workday, today)))


def _fold_into_group_sends(ranked: pd.DataFrame, day_of: np.ndarray) -> pd.DataFrame:
    """A personal greeting (an A grade's, a key account's) that found no room is sent with the agent's group
    SMS for the same occasion, on that send's day, rather than not at all; ``day_of`` is updated in place."""
    kind = ranked["action_type"].astype("string")
    group = ranked["group"].to_numpy(dtype=bool)
    sends = ranked[group & (day_of >= 0)].assign(_day=day_of[group & (day_of >= 0)])
    left = ~group & (day_of < 0) & kind.isin(list(GROUP_TYPES)).fillna(False).to_numpy(dtype=bool)
    if not left.any() or sends.empty:
        return ranked
    keys = ["agent", "occasion", "action_type"]
    send = sends.drop_duplicates(keys).set_index(keys)[["_day", "tier", "score"]]
    found = send.reindex(pd.MultiIndex.from_frame(ranked.loc[left, keys]))
    sent = found["_day"].notna().to_numpy()
    joined = np.flatnonzero(left)[sent]
    day_of[joined] = found["_day"].to_numpy()[sent].astype(np.int64)
    # Ranked as the send they join: one row, at its place in the day.
    tier, score = ranked["tier"].to_numpy().copy(), ranked["score"].to_numpy().copy()
    tier[joined] = found["tier"].to_numpy()[sent]
    score[joined] = found["score"].to_numpy()[sent]
    return ranked.assign(group=group | np.isin(np.arange(len(ranked)), joined), tier=tier, score=score)


def _units(ranked: pd.DataFrame) -> np.ndarray:
    """What one contact is: a customer's day, or a group send (agent, day, occasion)."""
    group = ranked["group"].to_numpy(dtype=bool)
    cust_code = pd.factorize(ranked["cust"].to_numpy())[0]
    key = (ranked["agent"].astype("string") + "|" + ranked["date"].dt.strftime("%Y%m%d") + "|"
           + ranked["occasion"].astype("string").fillna(""))
    group_code = pd.factorize(key.to_numpy(dtype=object))[0]
    return np.where(group, cust_code.max(initial=-1) + 1 + group_code, cust_code)


@dataclass
class _Sweep:
    """The scheduling state: each candidate's day (-1 = not yet), and each agent's contacts per day."""

    agent: np.ndarray
    unit: np.ndarray
    first: np.ndarray
    last: np.ndarray  # the last day of the window inside the week
    deadline: np.ndarray  # an occasion's or appointment's last day (others: never): due today, it cannot wait
    score: np.ndarray
    restricted: np.ndarray
    workday: np.ndarray
    day_of: np.ndarray
    used: np.ndarray

    def fill(self, d: int, among: np.ndarray, room: np.ndarray) -> None:
        """Place on day ``d`` the best units of ``among`` whose window holds it, up to ``room[agent, d]``."""
        open_ = among & (self.day_of < 0) & (self.first <= d) & (self.last >= d)
        if not self.workday[d]:
            open_ &= ~self.restricted
        items = np.flatnonzero(open_)
        if not len(items):
            return
        units = pd.DataFrame({"unit": self.unit[items], "agent": self.agent[items], "score": self.score[items],
                              "waits": self.deadline[items] > d})
        best = units.groupby("unit", sort=False).agg(agent=("agent", "first"), waits=("waits", "min"),
                                                      score=("score", "min"))
        best = best.sort_values(["agent", "waits", "score"], kind="stable")
        rank = best.groupby("agent", sort=False).cumcount().to_numpy()
        agent = best["agent"].to_numpy()
        taken = rank < np.maximum(room[agent, d], 0)
        chosen = best.index.to_numpy()[taken]
        self.day_of[items[np.isin(self.unit[items], chosen)]] = d
        np.add.at(self.used[:, d], agent[taken], 1)

    def join_called(self, among: np.ndarray) -> None:
        """An item of ``among`` goes, at no cost, to the earliest day in its window its unit already has."""
        items = np.flatnonzero(among & (self.day_of < 0))
        placed = np.flatnonzero(self.day_of >= 0)
        if not len(items) or not len(placed):
            return
        booked = pd.DataFrame({"unit": self.unit[placed], "day": self.day_of[placed]}).drop_duplicates()
        wanted = pd.DataFrame({"item": items, "unit": self.unit[items], "first": self.first[items],
                               "last": self.last[items], "restricted": self.restricted[items]})
        pairs = wanted.merge(booked, on="unit")
        fits = (pairs["day"] >= pairs["first"]) & (pairs["day"] <= pairs["last"])
        fits &= self.workday[pairs["day"].to_numpy()] | ~pairs["restricted"].to_numpy()
        earliest = pairs[fits].groupby("item")["day"].min()
        self.day_of[earliest.index.to_numpy()] = earliest.to_numpy()


def _level_quota(plan: _Sweep, spread: np.ndarray, cap: np.ndarray, workday: np.ndarray) -> np.ndarray:
    """How many spread units each agent takes on each day: every working day filled to one level.

    The level is the lowest whole number of contacts a day at which the agent's free room holds all
    their spread units (or all the room there is); found by bisection for all agents at once.
    """
    pending = spread & (plan.day_of < 0)
    units = pd.DataFrame({"agent": plan.agent[pending], "unit": plan.unit[pending]}).drop_duplicates()
    need = np.bincount(units["agent"].to_numpy(), minlength=len(cap))
    used = plan.used
    free = np.clip(cap[:, None] - used, 0, None) * workday[None, :]
    need = np.minimum(need, free.sum(axis=1))
    low, high = np.zeros(len(cap), dtype=np.int64), cap.copy()
    while (low < high).any():  # ~log2(capacity) rounds over the agents × days array
        mid = (low + high) // 2
        holds = np.clip(mid[:, None] - used, 0, free).sum(axis=1) >= need
        high = np.where(holds, mid, high)
        low = np.where(holds, low, mid + 1)
    return np.clip(high[:, None] - used, 0, free)


def _join_group_to_personal(planned: pd.DataFrame, order: dict[str, int]) -> pd.DataFrame:
    """A group greeting's recipient who is contacted that day anyway is greeted in that row instead
    (ranked as a personal greeting, ``order``)."""
    group = planned["group"].to_numpy(dtype=bool)
    personal = planned.loc[~group, ["cust", "date"]].drop_duplicates()
    hit = pd.MultiIndex.from_frame(planned[["cust", "date"]]).isin(pd.MultiIndex.from_frame(personal))
    joined = group & hit
    if not joined.any():
        return planned
    personal_tier = planned["action_type"].map(order).fillna(planned["tier"]).to_numpy(dtype=np.int64)
    return planned.assign(group=group & ~joined,
                          tier=np.where(joined, personal_tier, planned["tier"].to_numpy()),
                          score=np.where(joined, personal_tier * 1000, planned["score"].to_numpy()))


def _why_waiting(waiting: pd.DataFrame, cap: np.ndarray, workday: np.ndarray, today: pd.Timestamp) -> pd.Series:
    """Why an action did not fit: its day or window was full, or it held no working day."""
    first = waiting["date"].dt.strftime("%m-%d")
    last = waiting["until"].clip(upper=today + pd.Timedelta(days=len(workday) - 1)).dt.strftime("%m-%d")
    room = pd.Series(cap, index=waiting.index).astype("string")
    span = pd.Series(np.where(first == last, first + " 当天", first + " 至 " + last + " 每天"), index=waiting.index)
    why = span + "都已排满（每天 " + room + " 位客户）"
    lo = (waiting["date"] - today).dt.days.to_numpy(dtype=np.int64)
    hi = np.minimum((waiting["until"] - today).dt.days.to_numpy(dtype=np.int64), len(workday) - 1)
    cumulative = np.r_[0, np.cumsum(workday)]
    no_workday = waiting["workday"].to_numpy(dtype=bool) & (cumulative[np.maximum(hi, lo) + 1] - cumulative[lo] == 0)
    why = why.mask(no_workday, first + " 至 " + last + " 没有工作日（规则 actions.workdays）")
    return why.astype("string")


def _joined(group: np.ndarray, text: np.ndarray, sep: str, groups: int) -> np.ndarray:
    """Per group 0..groups-1, its texts joined in row order; a loop over positions in a group (a few)."""
    out = np.full(groups, "", dtype=object)
    if not len(group):
        return out
    position = pd.Series(group).groupby(group).cumcount().to_numpy()
    for k in range(position.max() + 1):
        at = position == k
        out[group[at]] = out[group[at]] + (sep if k else "") + text[at]
    return out


DRAFT_LABELS = {"电话": "【电话】", "短信": "【短信】"}


def _combined_drafts(frame: pd.DataFrame, group: np.ndarray, groups: int) -> np.ndarray:
    """One draft per row: the first call script and every distinct text message, labelled when several."""
    draft = frame["draft"].astype("string")
    form = frame["form"].astype("string").fillna("短信")
    parts = pd.DataFrame({"g": group, "draft": draft.to_numpy(), "form": form.to_numpy()})[draft.notna().to_numpy()]
    calls = parts[parts["form"] == "电话"].drop_duplicates("g")  # one call: its opening is the lead's script
    texts = parts[parts["form"] != "电话"].drop_duplicates(["g", "draft"])
    kept = pd.concat([calls, texts]).sort_index(kind="stable")
    count = np.bincount(kept["g"].to_numpy(dtype=np.int64), minlength=groups)
    label = kept["form"].map(DRAFT_LABELS).fillna("").to_numpy(dtype=object)
    several = count[kept["g"].to_numpy(dtype=np.int64)] > 1
    text = np.where(several, label + kept["draft"].to_numpy(dtype=object), kept["draft"].to_numpy(dtype=object))
    out = _joined(kept["g"].to_numpy(dtype=np.int64), text, " ", groups)
    return np.where(count > 0, out, None)


def _collapse(frame: pd.DataFrame, keys: list[str]) -> tuple[pd.DataFrame, np.ndarray, int]:
    """One row per ``keys`` group of ``frame`` (sorted best score first within each group): the lead row,
    with every action type (``types``), every distinct reason (``reasons``) and the highest priority.
    Also returns the group number of each of ``frame``'s rows, and the number of groups."""
    g = frame.groupby(keys, sort=False).ngroup().to_numpy()
    n = int(g.max()) + 1 if len(g) else 0
    kinds = frame.drop_duplicates([*keys, "action_type"])
    reasons = frame[frame["reason"].notna()].drop_duplicates([*keys, "reason"])
    level = frame["priority"].map(LEVELS.index).to_numpy(dtype=np.int64)
    best = np.full(n, len(LEVELS) - 1, dtype=np.int64)
    np.minimum.at(best, g, level)
    rows = frame.drop_duplicates(keys).assign(
        types=_joined(g[frame.index.get_indexer(kinds.index)], kinds["action_type"].to_numpy(dtype=object), "、", n),
        reasons=_joined(g[frame.index.get_indexer(reasons.index)], reasons["reason"].to_numpy(dtype=object), "；", n),
        priority=np.asarray(LEVELS, dtype=object)[best])
    return rows, g, n


def merge_actions(planned: pd.DataFrame) -> pd.DataFrame:
    """本周行动's rows: one per customer and day, plus one per group send; best score first in each agent's day.

    A customer's row lists every action type and reason, is led by the best-scored one, takes the highest
    priority, and (when drafts were rendered) keeps every part: the call script and each text message.
    A group send names its recipients' count; the list itself is ``recipients(planned)``.
    """
    group = planned["group"].to_numpy(dtype=bool)
    personal = planned[~group].sort_values(["cust", "date", "score"], kind="stable")
    rows, g, n = _collapse(personal, ["cust", "date"])
    rows = rows.assign(recipients=pd.NA)
    if "draft" in personal:
        rows["draft"] = _combined_drafts(personal, g, n)
    rows = pd.concat([rows, _group_rows(planned[group])], ignore_index=True)
    rows = rows.rename(columns={"action_type": "lead_type"}).sort_values(["agent", "date", "score"], kind="stable")
    rows["order"] = rows.groupby(["agent", "date"], sort=False).cumcount().to_numpy() + 1
    keep = [c for c in rows if c not in ("reason", "spread", "workday", "group", "form", "until")]
    return rows[keep].reset_index(drop=True)


def _group_rows(items: pd.DataFrame) -> pd.DataFrame:
    """One row per group send (agent, day, occasion): “小寒群发短信，N 位客户，名单见“群发名单””."""
    if items.empty:
        return pd.DataFrame()
    keys = ["agent", "date", "occasion"]
    count = items.groupby(keys, sort=False).size().rename("recipients")
    rows = items.drop_duplicates(keys).join(count, on=keys)
    rows["action_type"] = rows["action_type"].map(GROUP_TYPES).fillna(rows["action_type"])
    rows["types"] = rows["action_type"]
    rows["reasons"] = (rows["reason"].astype("string") + "：群发短信，" + rows["recipients"].astype("string")
                       + " 位客户，名单见“群发名单”")
    rows["cust"] = pd.NA
    if "group_draft" in rows:
        rows["draft"] = rows["group_draft"]
    return rows.drop(columns=[c for c in ("group_draft",) if c in rows])


def recipients(planned: pd.DataFrame) -> pd.DataFrame:
    """群发名单: every customer of a group send, with their own salutation's text when drafts were rendered."""
    items = planned[planned["group"].to_numpy(dtype=bool)]
    columns = [c for c in ("agent", "date", "occasion", "action_type", "cust", "draft") if c in items]
    return items[columns].sort_values(["agent", "date", "occasion"], kind="stable").reset_index(drop=True)


def merge_waiting(waiting: pd.DataFrame) -> pd.DataFrame:
    """待安排: one row per customer (or group send) that did not fit, best score first per agent, with why."""
    if waiting.empty:
        return waiting.assign(types=pd.Series(dtype="string"), reasons=pd.Series(dtype="string"))
    frame = waiting.assign(_unit=np.where(waiting["group"].to_numpy(dtype=bool),
                                          ("群发" + waiting["agent"].astype("string")).to_numpy(dtype=object),
                                          waiting["cust"].to_numpy(dtype=object)))
    frame = frame.sort_values(["_unit", "score"], kind="stable")
    rows, _, _ = _collapse(frame, ["_unit"])
    rows = rows.sort_values(["agent", "score", "date"], kind="stable")
    return rows.drop(columns=["_unit", "reason"]).rename(columns={"action_type": "lead_type"}).reset_index(drop=True)
