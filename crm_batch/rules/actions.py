"""本周行动: who each agent calls, greets or visits this week, and why — the candidates of the plan.

Every source of SPEC §5 yields rows of one shape — customer (index label),
date, action type, reason, occasion, detail — plus the window the action may
take (``date`` … ``until``), whether it is overdue work to spread over the
week (``spread``) and how many days it is late (``age``). Nothing is dated
before the plan's first day (``week.today``). The sources:

- appointments: missed ones (逾期回访, a 下次跟进时间 before today with nothing
  recorded since) on the first working day, and those due this week (计划回访);
- cadence calls on the days they fall due (A daily, B every 3 days …; key
  accounts every 3 days; buyers and D the quarterly revisit), overdue ones
  spread over the week; a top grade not reached for ``regrade_factor`` × its
  interval gets one call to re-confirm the intent (意向复核, 等级待复核) instead;
- the office's words: a 疑似成交 gets a congratulation call (成交确认), a
  customer who said no (建议战败) no routine calls, an invalid lead nothing;
- birthdays and anniversaries (solar or lunar), handled by relationship, and
  birthday-event invitations for top grades and key accounts 14–21 days ahead;
- a greeting to every customer on each holiday and solar term: personal for
  top grades, key accounts and close relationships, a group send for the rest
  (``group``; seed 000: 重要客户短信最好定制勿群发);
- 外拓 leads not yet called within their 7 days;
- post-sale revisits and maintenance reminders (car preset);
- company events: every eligible customer is notified ahead of the day.

rules/schedule.py then fits them into each agent's daily capacity.
Customers whose 战败 was approved get no actions: they are gone by decision.
"""

from __future__ import annotations

import functools
import re

import numpy as np
import pandas as pd
from lunar_python import Solar

from crm_batch import almanac
from crm_batch.calendar import PlanWeek
from crm_batch.rules import column, date_column, key_account, last_contact, top_customer
from crm_batch.rules.appointments import latest_plans, missed_appointments, provable_until
from crm_batch.rules.cadence import recorded_until, stale_top_grade
from crm_batch.rules.office_words import latest_notes
from crm_batch.rules_config import Rules
from crm_batch.vocabulary import INVALID_LEAD, LOST_STAGE, OWNER_STAGES, PROBABLE_DEAL, PROPOSED_LOST

LONG_COLUMNS = ["cust", "date", "action_type", "reason", "occasion", "detail", "until", "spread", "age", "group"]
ALL_WORDS = ("全部", "所有", "全体")
LIFECYCLE_TARGETS = ("潜在", "准客户", "忠诚", "沉睡")
MISSED, PLANNED, REGRADE, DEAL = "逾期回访", "计划回访", "意向复核", "成交确认"


def _day(value: pd.Series) -> pd.Series:
    return value.dt.month.astype("string") + "月" + value.dt.day.astype("string") + "日"


def _rows(cust: pd.Index | np.ndarray, date, action_type: str | pd.Series, reason, occasion=None, detail=None,
          until=None, spread=False, age=0, group=False) -> pd.DataFrame:
    """Action rows of one source; ``until`` (the last day the action may take) defaults to its date."""
    n = len(cust)

    def text(value) -> pd.Series:  # noqa: ANN001 - a text, None, or one value per row
        if value is None or isinstance(value, str):
            value = np.full(n, value, dtype=object)
        return pd.Series(np.asarray(value, dtype=object), dtype="string")

    def each(value, dtype) -> np.ndarray:  # noqa: ANN001 - one value, or one per row
        return np.asarray(value, dtype=dtype) if np.ndim(value) else np.full(n, value, dtype=dtype)

    action_type = np.full(n, action_type, dtype=object) if isinstance(action_type, str) else action_type
    day = pd.to_datetime(np.asarray(date)).normalize()
    last = day if until is None else pd.to_datetime(np.asarray(until)).normalize()
    # One constructor for the whole frame: ~15 calls a week, and column-by-column assignment costs more.
    return pd.DataFrame({
        "cust": np.asarray(cust), "date": day,
        "action_type": pd.Series(np.asarray(action_type, dtype=object), dtype="str"),
        "reason": text(reason), "occasion": text(occasion), "detail": text(detail),
        "until": last, "spread": each(spread, bool), "age": each(age, np.int64), "group": each(group, bool),
    })


def _stack(parts: list[pd.DataFrame]) -> pd.DataFrame:
    return pd.concat(parts, ignore_index=True) if parts else _rows([], [], "", [])


def _mmdd(value: pd.Series) -> pd.Series:
    return value.dt.strftime("%m-%d")


def last_note(customers: pd.DataFrame, contacts: pd.DataFrame, notes: pd.DataFrame | None = None) -> pd.Series:
    """上次跟进: “12-29 电话：客户嫌价格高”, each customer's latest note with its date and method
    (from ``notes``, the customers' latest_notes, when the caller has them)."""
    notes = latest_notes(customers, contacts) if notes is None else notes
    method = notes["method"].astype("string").fillna("跟进")
    return (_mmdd(notes["note_at"]).fillna("日期不详") + " " + method + "：" + notes["note"].str.slice(0, 40)
            ).astype("string")


def active_customers(customers: pd.DataFrame, profiles: pd.DataFrame) -> pd.Series:
    """Everyone but a 战败 the manager approved and an invalid lead (无效线索: no actions, no fines)."""
    lost = profiles["stage"].astype("string").eq(LOST_STAGE).fillna(False)
    approved = column(customers, "lost_approved").astype("string").eq("是").fillna(False)
    invalid = column(profiles, "status").astype("string").eq(INVALID_LEAD).fillna(False)
    return ~((lost & approved) | invalid).astype(bool)


def _status(profiles: pd.DataFrame, label: str) -> pd.Series:
    return column(profiles, "status").astype("string").eq(label).fillna(False).astype(bool)


def call_tier(profiles: pd.DataFrame, rules: Rules) -> pd.Series:
    """Which rank a customer's routine call takes: 'top' (A), 'next' (B), or 'rest' (C, D, buyers)."""
    grade = profiles["grade"].astype("string")
    top = rules["actions"]["top_grades"]
    below = [g for g in rules.grade_levels if g not in top]
    tier = np.where(grade.isin(top).fillna(False), "top",
                    np.where(grade.eq(below[0] if below else "").fillna(False), "next", "rest"))
    settled = profiles["interval_days"].astype("int64") >= rules["cadence"]["revisit_days"]
    return pd.Series(np.where(settled, "rest", tier), index=profiles.index)


def cadence_calls(customers: pd.DataFrame, profiles: pd.DataFrame, week: PlanWeek, rules: Rules) -> pd.DataFrame:
    """A call on every day the customer's interval falls due inside the week, until the next one is due.

    Overdue calls (due before the plan's first day) are spread, the longest overdue first: an agent's
    overdue B customers start on the first, second or third day of their 3-day interval in turn (their
    later calls follow from there, so they do not all fall on the same days); a C, D or quarterly
    revisit is work to spread over the rest of the week (``spread``). Key accounts' and top grades'
    calls are never spread: they come first.
    """
    today, sunday = pd.Timestamp(week.today), pd.Timestamp(week.sunday)
    interval = profiles["interval_days"].astype("int64").clip(lower=1)
    key = key_account(customers, profiles)
    overdue = (profiles["next_due"] < today) & ~key & call_tier(profiles, rules).eq("next")
    # Oldest first within each agent: 0, 1, 2, 0, 1, 2 … days after today.
    order = pd.DataFrame({"agent": column(customers, "agent").astype("string").fillna(""),
                          "due": profiles["next_due"]})[overdue].sort_values(["agent", "due"], kind="stable")
    phase = pd.Series(0, index=profiles.index, dtype="int64")
    phase.loc[order.index] = order.groupby("agent", sort=False).cumcount().to_numpy() % interval[order.index]
    first = profiles["next_due"].clip(lower=today) + pd.to_timedelta(phase, unit="D")
    kind = pd.Series(np.where(key, "大客户回访",
                              np.where(interval >= rules["cadence"]["revisit_days"], "季度回访", "电话回访")),
                     index=profiles.index)
    tier = call_tier(profiles, rules)
    last = profiles["last_contact"]
    overdue_days = (today - profiles["next_due"]).dt.days.clip(lower=0).fillna(0).astype("int64")
    # The last contact itself stands in the row's 上次跟进 column.
    seen = pd.Series(np.where(last.notna(), "", "从未联系"), index=profiles.index, dtype="string")
    parts = []
    for k in range(7):  # at most seven due days a week: a loop over days, never over customers
        day = first + pd.to_timedelta(interval * k, unit="D")
        due = day <= sunday
        if not due.any():
            break
        note = seen if k == 0 else pd.Series("按频率继续联系", index=profiles.index, dtype="string")
        late = (overdue_days > 0) & due if k == 0 else pd.Series(False, index=profiles.index)
        if k == 0:
            note = note.mask(late, (note + "，已逾期 " + overdue_days.astype("string") + " 天").str.lstrip("，"))
        reason = profiles["cadence_rule"].astype("string") + ("；" + note).mask(note == "", "")
        until = day + pd.to_timedelta(interval - 1, unit="D")  # may reach into next week: no hurry on Sunday
        # The rest's overdue calls are work to fit wherever the week has room.
        spread = late & ~key & tier.eq("rest")
        until = until.mask(spread, sunday)
        age = overdue_days.where(late, 0)
        parts.append(_rows(profiles.index[due], day[due], kind[due], reason[due], until=until[due],
                           spread=spread[due].to_numpy(), age=age[due].to_numpy()))
    return _stack(parts)


def regrade_calls(customers: pd.DataFrame, profiles: pd.DataFrame, contacts: pd.DataFrame, week: PlanWeek,
                  rules: Rules) -> tuple[pd.DataFrame, pd.Series]:
    """意向复核: a top grade not reached for regrade_factor × its interval gets one call, not one a day.

    Returns the calls and who they are for (等级待复核), with the facts, per customer.
    """
    until = recorded_until(contacts, week.today, rules["cadence"]["recording_lag_days"])
    stale, days = stale_top_grade(customers, profiles, until, rules)
    factor = rules["actions"]["regrade_factor"]
    who = profiles.index[stale.to_numpy()]
    mine = profiles.loc[who]
    as_of = "" if until >= pd.Timestamp(week.today) else f"，跟进记录记到 {until:%m-%d}"
    facts = (mine["grade"].astype("string") + " 级每 " + mine["interval_days"].astype("string") + " 天联系一次，已 "
             + days[stale].astype("string") + f" 天没联系上（超过 {factor} 倍间隔{as_of}）")
    reason = (mine["grade"].astype("string") + " 级已 " + days[stale].astype("string")
              + f" 天没联系上（超过 {factor} 倍联系间隔）→ 打一次电话确认意向，按结果改等级")
    today, sunday = pd.Timestamp(week.today), pd.Timestamp(week.sunday)
    calls = _rows(who, np.full(len(who), today), REGRADE, reason, until=np.full(len(who), sunday),
                  age=days[stale].fillna(0).astype("int64").to_numpy())
    return calls, pd.Series(facts.to_numpy(), index=who, dtype="string")


def deal_calls(profiles: pd.DataFrame, week: PlanWeek) -> pd.DataFrame:
    """成交确认: the note says 已认购/已签约, the register has no deal date: congratulate, ask for the date."""
    bought = _status(profiles, PROBABLE_DEAL)
    who = profiles.index[bought.to_numpy()]
    evidence = profiles.loc[who, "status_evidence"].astype("string")
    reason = "疑似成交，请补登成交日期：" + evidence
    today, sunday = pd.Timestamp(week.today), pd.Timestamp(week.sunday)
    return _rows(who, np.full(len(who), today), DEAL, reason, until=np.full(len(who), sunday))


def _words(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in words) or "(?!)"


def _relationship(customers: pd.DataFrame, profiles: pd.DataFrame, rules: Rules) -> pd.Series:
    """close / ordinary / distant: the words in 关系亲疏; top grades and key accounts are close.

    Distant words win, and a negated or qualified word (不熟悉, 普通朋友) is never close.
    """
    cfg = rules["actions"]
    text = column(customers, "relationship").astype("string").fillna("")
    distant = text.str.contains(_words(cfg["distant_words"]), regex=True)
    hedged = text.str.contains(_words(cfg["not_close_words"]), regex=True)
    close = text.str.contains(_words(cfg["close_words"]), regex=True) & ~hedged
    top = top_customer(customers, profiles, cfg["top_grades"])
    return pd.Series(np.select([distant & ~top, close | top], ["distant", "close"], "ordinary"),
                     index=customers.index)


@functools.lru_cache(maxsize=64)
def _lunar_of(day: np.datetime64) -> tuple[int, int, bool]:
    """The lunar (month, day, leap) of a solar day."""
    when = pd.Timestamp(day)
    lunar = Solar.fromYmd(when.year, when.month, when.day).getLunar()
    return abs(lunar.getMonth()), lunar.getDay(), lunar.getMonth() < 0


def _lunar_note(registered: tuple[int, int, bool], actual: tuple[int, int, bool]) -> str:
    """（农历腊月廿九；登记为腊月三十，今年腊月小）: the greeting day's own lunar date, and why it moved."""
    shown = almanac.lunar_label(*actual)
    if registered == actual:
        return shown
    month, day, leap = registered
    written = almanac.lunar_label(month, day, leap).removeprefix("农历")
    if leap and not actual[2]:
        why = f"今年没有闰{written[1:written.index('月') + 1]}"
    else:
        why = f"今年{written[:written.index('月') + 1]}小"
    return f"{shown}；登记为{written}，{why}"


def _dated(parsed: pd.DataFrame, start, end) -> pd.DataFrame:
    """Occurrences of parsed birthdays in [start, end], with their lunar label."""
    found = almanac.birthday_dates(parsed, start, end)
    if found.empty:
        return found.assign(label=pd.Series(dtype="string"))
    # One label per distinct (lunar date, solar day): a handful of labels, not one per customer.
    source = parsed.loc[found["row"], ["month", "day", "leap"]].reset_index(drop=True)
    lunar = found["lunar"].to_numpy(dtype=bool)
    keys = pd.DataFrame({"m": source["month"].astype("int64"), "d": source["day"].astype("int64"),
                         "l": source["leap"].astype(bool), "on": found["date"].to_numpy()})[lunar]
    labels = {(m, d, leap, on): _lunar_note((int(m), int(d), bool(leap)), _lunar_of(np.datetime64(on, "D")))
              for m, d, leap, on in keys.drop_duplicates().itertuples(index=False)}
    text = [labels[k] for k in keys.itertuples(index=False, name=None)]
    label = np.full(len(found), "", dtype=object)
    label[lunar] = text
    found["label"] = pd.Series(label, dtype="string").to_numpy()
    return found


def birthdays(customers: pd.DataFrame, profiles: pd.DataFrame, parsed: dict[str, pd.DataFrame], week: PlanWeek,
              rules: Rules) -> pd.DataFrame:
    """Birthdays and anniversaries from the plan's first day on, by relationship; invitations ahead."""
    cfg = rules["actions"]
    how = _relationship(customers, profiles, rules).map(cfg["birthday"])
    parts = []
    for field, name in (("birthday", "生日"), ("anniversary", "纪念日")):
        if field not in parsed:
            continue
        found = _dated(parsed[field], week.today, week.sunday)
        if found.empty:
            continue
        cust = found["row"].to_numpy()
        when = _day(found["date"]) + found["label"].where(found["label"] == "", "（" + found["label"] + "）")
        age = found["age"].astype("string")
        turned = pd.Series(np.where(found["age"].notna() & (name == "生日"), "，" + age.fillna("") + " 岁", ""),
                           index=found.index)
        action = how.loc[cust].to_numpy()
        reason = name + " " + when + turned + " → " + action
        parts.append(_rows(cust, found["date"], name + "祝福", reason, name, action))
    if "birthday" in parsed:
        # Invited once: in the week holding the day `high` days before the birthday (so 14–21 days ahead);
        # an invitation day already past this week is made up on the plan's first day.
        low, high = cfg["birthday_invite_days"]
        top = top_customer(customers, profiles, cfg["top_grades"])
        ahead = _dated(parsed["birthday"][top], week.monday + pd.Timedelta(days=high),
                       week.sunday + pd.Timedelta(days=high))
        if len(ahead):
            invite_on = (ahead["date"] - pd.Timedelta(days=high)).clip(lower=pd.Timestamp(week.today))
            by = (ahead["date"] - pd.Timedelta(days=low)).clip(upper=pd.Timestamp(week.sunday))
            reason = "生日 " + _day(ahead["date"]) + "（" + (ahead["date"] - invite_on).dt.days.astype("string") \
                + f" 天后），A 级或大客户提前 {low}–{high} 天邀约参加生日会"
            parts.append(_rows(ahead["row"], invite_on, "生日会邀约", reason, "生日会", until=by))
    return _stack(parts)


def greetings(customers: pd.DataFrame, profiles: pd.DataFrame, week: PlanWeek, rules: Rules) -> pd.DataFrame:
    """Every holiday and solar term from the plan's first day on: a greeting to every customer.

    Top grades, key accounts and close relationships get their own message (重要客户短信最好定制勿群发);
    the others are one group send per agent (``group``).
    """
    cal = rules["calendar"]
    index = profiles.index
    days = almanac.occasions(week.today, week.sunday, cal["holidays"], cal["solar_terms"])
    personal = _relationship(customers, profiles, rules).eq("close").to_numpy()
    parts = []
    for day in days.itertuples(index=False):  # a week has one or two occasions
        kind = "节日问候" if day.kind == almanac.HOLIDAY else "节气问候"
        reason = f"{day.name}（{day.date.month}月{day.date.day}日）{day.kind}问候"
        parts.append(_rows(index, np.full(len(index), day.date), kind, np.full(len(index), reason), day.name,
                           group=~personal))
    return _stack(parts)


def planned_follow_ups(customers: pd.DataFrame, contacts: pd.DataFrame, week: PlanWeek,
                       plans: pd.DataFrame | None = None) -> pd.DataFrame:
    """下次跟进时间 the agent wrote: due from the plan's first day on (计划回访), or missed (逾期回访).

    A missed one — the agreed day before the plan's first day, nothing recorded since — is called on
    the first working day with room, the longest missed first.
    """
    today, sunday = pd.Timestamp(week.today), pd.Timestamp(week.sunday)
    judged = pd.Timestamp(week.judged_on)  # before the plan week on a Friday's run: not missed yet
    plans = latest_plans(customers, contacts, judged) if plans is None else plans.loc[customers.index]
    given = plans
    plans = plans[plans["planned_for"].notna()]
    said = plans["said"]
    method = plans["set_by"].fillna("跟进")
    when = _mmdd(plans["set_at"]).fillna("日期不详")
    until = provable_until(contacts, judged)
    due = plans[plans["planned_for"].between(until, sunday)]
    unknown = plans["planned_for"] < today  # agreed before the plan's first day, after the log's last
    reason = ("上次" + method + "（" + when + "）约定 " + _mmdd(plans["planned_for"]) + " 回访"
              + pd.Series(np.where(unknown, f"（登记表只记到 {until:%m-%d}，请先确认是否已回访）", ""),
                          index=plans.index) + ("：" + said).fillna(""))
    # An appointment of the days before the plan's first day that the log cannot judge (a Friday's
    # run, an export a few days old) is called on that first day.
    parts = [_rows(due.index, due["planned_for"].clip(lower=today), PLANNED, reason[due.index], None,
                   said[due.index])]
    missed = missed_appointments(customers, contacts, judged, given)
    if len(missed):
        # Nothing was recorded since the contact that agreed it: that contact is the row's 上次跟进.
        text = ("计划回访已逾期 " + missed["missed_days"].astype("string") + " 天：上次约定 "
                + _mmdd(missed["planned_for"]))
        parts.append(_rows(missed.index, np.full(len(missed), today), MISSED, text, None, said[missed.index],
                           until=np.full(len(missed), sunday), age=missed["missed_days"].to_numpy()))
    return _stack(parts)


def outreach_calls(customers: pd.DataFrame, contacts: pd.DataFrame, profiles: pd.DataFrame, week: PlanWeek,
                   rules: Rules) -> pd.DataFrame:
    """外拓 leads with no contact since the outreach: call and invite within the rule's days."""
    days = rules["actions"]["outreach_days"]
    today, monday, sunday = pd.Timestamp(week.today), pd.Timestamp(week.monday), pd.Timestamp(week.sunday)
    out = date_column(customers, "outreach_at").dt.normalize()
    lead = profiles["stage"].astype("string").eq("外拓").fillna(False) & out.notna() & (out <= sunday)
    # Called means what the fine accepts (a call or a meeting), on or after the outreach, up to today.
    called = (last_contact(customers, contacts, today, rules["penalties"]["outreach_methods"]) >= out).fillna(False)
    deadline = out + pd.Timedelta(days=days)
    due = lead & ~called & (deadline >= monday - pd.Timedelta(days=7))
    on = out[due].clip(lower=today)
    late = deadline[due] < today
    by = "，须在 " + deadline[due].dt.strftime("%m-%d") + " 前电话并邀约到访"
    text = "外拓 " + out[due].dt.strftime("%m-%d") + by.mask(late, f"，已超过 {days} 天仍未电话，尽快补上")
    until = deadline[due].where(~late, sunday).clip(upper=sunday, lower=on)
    age = (today - deadline[due]).dt.days.clip(lower=0).astype("int64")
    return _rows(on.index, on, "外拓回访", text, until=until, age=age.to_numpy())


def add_months(base: pd.Series, months: pd.Series | int) -> pd.Series:
    """base + N calendar months, vectorised; a day the month lacks falls on its last day (01-31 + 1 → 02-28)."""
    total = base.dt.year * 12 + base.dt.month - 1 + months
    first = pd.to_datetime(pd.DataFrame({"year": total // 12, "month": total % 12 + 1, "day": 1}))
    day = np.minimum(base.dt.day, first.dt.days_in_month)
    return first + pd.to_timedelta(day - 1, unit="D")


def post_sale(customers: pd.DataFrame, profiles: pd.DataFrame, week: PlanWeek, rules: Rules) -> pd.DataFrame:
    """Revisits N months after the deal or delivery, and maintenance reminders every M months.

    A date earlier in the week than the plan's first day is made up from that day on.
    """
    cfg = rules["actions"]
    today, monday, sunday = pd.Timestamp(week.today), pd.Timestamp(week.monday), pd.Timestamp(week.sunday)
    base = date_column(customers, "handover_at").fillna(
        date_column(customers, "signed_at"))
    base = base[profiles["stage"].astype("string").isin(OWNER_STAGES).fillna(False) & base.notna()]
    if base.empty:
        return _rows([], [], "", [])
    since = "成交/交付 " + base.dt.strftime("%Y-%m-%d")
    parts = []
    for months in cfg["post_sale_months"]:
        day = add_months(base, months)
        hit = day.between(monday, sunday)
        parts.append(_rows(base.index[hit], day[hit].clip(lower=today), "售后回访",
                           since[hit] + f"，已满 {months} 个月 → 回访置换、增购意向", None, f"{months}个月",
                           until=np.full(int(hit.sum()), sunday)))
    every = cfg["maintenance_months"]
    if every:
        elapsed = (monday.year - base.dt.year) * 12 + (monday.month - base.dt.month)
        for step in (0, 1):  # the due multiple of `every` is this one or the next
            months = (elapsed // every + step) * every
            day = add_months(base, months)
            hit = day.between(monday, sunday) & (months > 0)
            parts.append(_rows(base.index[hit], day[hit].clip(lower=today), "保养提醒",
                               since[hit] + "，已满 " + months[hit].astype("string") + " 个月 → 提醒保养", None,
                               "距购车已满" + months[hit].astype("string") + "个月",
                               until=np.full(int(hit.sum()), sunday)))
    return _stack(parts)


def _eligible(target: object, profiles: pd.DataFrame, rules: Rules) -> tuple[pd.Series, str]:
    """Which customers an event's 邀约对象 names: stages, lifecycles or grades; everyone when it says so.

    Named groups win over “全部/所有” (所有业主 is the owners); a blank or unreadable target means everyone.
    """
    text = "" if pd.isna(target) else str(target).strip().upper()
    everyone = pd.Series(True, index=profiles.index)
    stage = profiles["stage"].astype("string")
    life = profiles["lifecycle"].astype("string")
    grade = profiles["grade"].astype("string")
    hit = pd.Series(False, index=profiles.index)
    named = []
    for canonical, words in rules["vocab"]["stages"].items():
        # One-character spellings (准) are too loose to find inside free text.
        if any(w in text for w in (canonical, *words) if len(w) >= 2):
            hit |= stage.eq(canonical).fillna(False)
            named.append(canonical)
    for name in LIFECYCLE_TARGETS:
        if name in text:
            hit |= life.eq(name).fillna(False)
            named.append(name)
    if "级" in text or "类" in text:  # A级、A/B类客户, H、A级
        for level in rules.grade_levels:
            if re.search(rf"(?<![A-Z]){re.escape(level)}(?![A-Z])", text):
                hit |= grade.eq(level).fillna(False)
                named.append(f"{level}级")
    if named:
        return hit.astype(bool), "、".join(dict.fromkeys(named))
    if not text or any(word in text for word in ALL_WORDS):
        return everyone, "全部客户"
    return everyone, f"全部客户（邀约对象“{text}”无法识别）"


def event_notices(events: pd.DataFrame, profiles: pd.DataFrame, week: PlanWeek, rules: Rules) -> pd.DataFrame:
    """Every eligible customer is told of an event once: `event_notice_days` before it, when that day is this
    week; a notice day already past this week is made up from the plan's first day, while the event is ahead."""
    if not len(events) or "event_date" not in events:
        return _rows([], [], "", [])
    notice = pd.Timedelta(days=rules["actions"]["event_notice_days"])
    today, sunday = pd.Timestamp(week.today), pd.Timestamp(week.sunday)
    dated = events.assign(event_date=date_column(events, "event_date").dt.normalize())
    dated = dated[(dated["event_date"] - notice).between(pd.Timestamp(week.monday), sunday)
                  & (dated["event_date"] > today)]
    parts = []
    for event in dated.itertuples(index=False):  # a handful of events, never a loop over customers
        on = max(event.event_date - notice, today)
        by = min(event.event_date - pd.Timedelta(days=1), sunday)
        who, named = _eligible(getattr(event, "event_target", None), profiles, rules)
        name = str(event.event_name) if pd.notna(getattr(event, "event_name", None)) else "公司活动"
        when = f"{event.event_date.month}月{event.event_date.day}日"
        reason = f"活动“{name}”{when}举行，通知{named}"
        index = profiles.index[who.to_numpy()]
        parts.append(_rows(index, np.full(len(index), on), "活动通知", np.full(len(index), reason), name,
                           np.full(len(index), when), until=np.full(len(index), by)))
    return _stack(parts)


def plan_actions(customers: pd.DataFrame, contacts: pd.DataFrame, events: pd.DataFrame, profiles: pd.DataFrame,
                 parsed: dict[str, pd.DataFrame], week: PlanWeek, rules: Rules,
                 plans: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every candidate action of the week, one row per source and customer, for active customers only.

    A customer who said no (建议战败) gets no routine calls and no follow-up calls; a 疑似成交 gets the
    congratulation call (成交确认) instead of the follow-ups; a stale top grade one 意向复核 call instead
    of the daily ones. Nothing is dated before the plan's first day. ``plans``: each customer's latest
    下次跟进时间 (rules/appointments.py), when the caller has it already.
    """
    active = active_customers(customers, profiles)
    mine, people = profiles[active], customers[active]
    said_no, bought = _status(mine, PROPOSED_LOST), _status(mine, PROBABLE_DEAL)
    regrade, _ = regrade_calls(people, mine, contacts, week, rules)
    callable_ = ~said_no & ~bought & ~mine.index.isin(regrade["cust"])
    plans = latest_plans(customers, contacts, pd.Timestamp(week.today)) if plans is None else plans
    follow_ups = planned_follow_ups(people[~said_no & ~bought], contacts, week, plans)
    # A stale top grade with an appointment this week re-confirms the intent in that call.
    agreed = follow_ups[follow_ups["action_type"].eq(PLANNED)].drop_duplicates("cust").set_index("cust")["date"]
    on = pd.Series(pd.to_datetime(agreed.reindex(regrade["cust"].to_numpy()).to_numpy()), index=regrade.index)
    regrade = regrade.assign(date=on.fillna(regrade["date"]), until=on.fillna(regrade["until"]))
    long = pd.concat(
        [
            follow_ups,
            regrade,
            deal_calls(mine, week),
            cadence_calls(people[callable_], mine[callable_], week, rules),
            birthdays(people, mine, {k: v[active] for k, v in parsed.items()}, week, rules),
            greetings(people, mine, week, rules),
            outreach_calls(people[~said_no], contacts, mine[~said_no], week, rules),
            post_sale(people, mine, week, rules),
            event_notices(events, mine, week, rules),
        ],
        ignore_index=True,
    )
    inside = long["date"].between(pd.Timestamp(week.today), pd.Timestamp(week.sunday))
    return long[inside & long["action_type"].ne("")].reset_index(drop=True)


def review_list(customers: pd.DataFrame, contacts: pd.DataFrame, profiles: pd.DataFrame, week: PlanWeek,
                rules: Rules) -> pd.DataFrame:
    """待主管处理: the customers the office's words or the contacts put before the manager, with the evidence.

    建议战败（待主管审批）, 疑似成交（请补登成交日期）, 等级待复核 (a top grade stale past its window) and
    无效线索 (listed once; no actions, no fines). One row per customer and list.
    """
    status = column(profiles, "status").astype("string")
    evidence = column(profiles, "status_evidence").astype("string")
    lost = profiles["stage"].astype("string").eq(LOST_STAGE).fillna(False)
    approved = column(customers, "lost_approved").astype("string").eq("是").fillna(False)
    live = ~(lost & approved).astype(bool)
    _, stale = regrade_calls(customers[live & status.isna()], profiles[live & status.isna()], contacts, week, rules)
    parts = []
    for label, kind, todo in REVIEW_LISTS:
        if label == REVIEW_REGRADE:
            who, why = stale.index, stale
        else:
            hit = status.eq(kind).fillna(False) & live
            who, why = profiles.index[hit.to_numpy()], evidence[hit]
        parts.append(pd.DataFrame({"cust": np.asarray(who), "list": label, "evidence": why.to_numpy(),
                                   "todo": todo}))
    frame = pd.concat(parts, ignore_index=True)
    return frame.astype({"list": "string", "evidence": "string", "todo": "string"})


REVIEW_LOST, REVIEW_DEAL, REVIEW_REGRADE, REVIEW_INVALID = (
    "建议战败（待主管审批）", "疑似成交，请补登成交日期", "等级待复核", "无效线索")
# (list, the office-words status behind it, what to do) in the order the manager reads them.
REVIEW_LISTS = (
    (REVIEW_LOST, PROPOSED_LOST, "核实后批准战败（“战败审批”写“是”）或交代继续跟进；审批前不排例行回访"),
    (REVIEW_DEAL, PROBABLE_DEAL, "核实后补登成交日期；本周打祝贺电话，不再推销优惠"),
    (REVIEW_REGRADE, None, "本周打一次电话确认意向，按结果改等级"),
    (INVALID_LEAD, INVALID_LEAD, "不安排行动、不计罚款；确认后可移出登记表"),
)
