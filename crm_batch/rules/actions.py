"""本周行动: who each agent calls, greets or visits on each day of the plan week, and why.

Every source of SPEC §5 yields rows of one shape — customer (index label),
date, action type, reason, occasion, detail — for dates inside the plan week:

- cadence calls on the days they fall due (A daily, B every 3 days …; key
  accounts every 3 days; buyers and D the quarterly revisit);
- birthdays and anniversaries (solar or lunar), handled by relationship, and
  birthday-event invitations for top grades and key accounts 14–21 days ahead;
- a greeting to every customer on each holiday and solar term;
- follow-ups the agent planned (下次跟进时间) in the week;
- 外拓 leads not yet called within their 7 days;
- post-sale revisits and maintenance reminders (car preset);
- company events: every eligible customer is notified ahead of the day.

`merge_actions` folds one customer's several reasons on one day into one row,
led by the most urgent; the SMS draft is rendered for that lead afterwards.
Customers whose 战败 was approved get no actions: they are gone by decision.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from crm_batch import almanac
from crm_batch.calendar import PlanWeek
from crm_batch.rules import column, date_column, key_account, last_contact, rows_by_id, top_customer
from crm_batch.rules_config import Rules
from crm_batch.vocabulary import LEVELS, LOST_STAGE, OWNER_STAGES

LONG_COLUMNS = ["cust", "date", "action_type", "reason", "occasion", "detail"]
ALL_WORDS = ("全部", "所有", "全体")
LIFECYCLE_TARGETS = ("潜在", "准客户", "忠诚", "沉睡")


def _day(value: pd.Series) -> pd.Series:
    return value.dt.month.astype("string") + "月" + value.dt.day.astype("string") + "日"


def _rows(cust: pd.Index | np.ndarray, date, action_type: str | pd.Series, reason, occasion=None, detail=None):
    n = len(cust)

    def text(value) -> pd.Series:  # noqa: ANN001 - a text, None, or one value per row
        if value is None or isinstance(value, str):
            value = np.full(n, value, dtype=object)
        return pd.Series(np.asarray(value, dtype=object), dtype="string")

    action_type = np.full(n, action_type, dtype=object) if isinstance(action_type, str) else action_type
    # One constructor for the whole frame: ~15 calls a week, and column-by-column assignment costs more.
    return pd.DataFrame({
        "cust": np.asarray(cust), "date": pd.to_datetime(np.asarray(date)).normalize(),
        "action_type": pd.Series(np.asarray(action_type, dtype=object), dtype="str"),
        "reason": text(reason), "occasion": text(occasion), "detail": text(detail),
    })


def _stack(parts: list[pd.DataFrame]) -> pd.DataFrame:
    return pd.concat(parts, ignore_index=True) if parts else _rows([], [], "", [])


def active_customers(customers: pd.DataFrame, profiles: pd.DataFrame) -> pd.Series:
    """Everyone but a 战败 the manager approved."""
    lost = profiles["stage"].astype("string").eq(LOST_STAGE).fillna(False)
    approved = column(customers, "lost_approved").astype("string").eq("是").fillna(False)
    return ~(lost & approved).astype(bool)


def cadence_calls(customers: pd.DataFrame, profiles: pd.DataFrame, week: PlanWeek, rules: Rules) -> pd.DataFrame:
    """A call on every day the customer's interval falls due inside the week; overdue ones on the run's day."""
    today, sunday = pd.Timestamp(week.today), pd.Timestamp(week.sunday)
    interval = profiles["interval_days"].astype("int64").clip(lower=1)
    first = profiles["next_due"].clip(lower=today)
    kind = pd.Series(np.where(key_account(customers, profiles), "大客户回访",
                              np.where(interval >= rules["cadence"]["revisit_days"], "季度回访", "电话回访")),
                     index=profiles.index)
    last = profiles["last_contact"]
    overdue_days = (today - profiles["next_due"]).dt.days
    seen = pd.Series(np.where(last.notna(), "最近联系 " + last.dt.strftime("%Y-%m-%d").fillna(""), "从未联系"),
                     index=profiles.index, dtype="string")
    parts = []
    for k in range(7):  # at most seven due days a week: a loop over days, never over customers
        day = first + pd.to_timedelta(interval * k, unit="D")
        due = day <= sunday
        if not due.any():
            break
        note = seen if k == 0 else pd.Series("按频率继续联系", index=profiles.index, dtype="string")
        if k == 0:
            late = (overdue_days > 0) & due
            note = note.mask(late, note + "，已逾期 " + overdue_days.astype("string") + " 天")
        reason = profiles["cadence_rule"].astype("string") + "；" + note
        parts.append(_rows(profiles.index[due], day[due], kind[due], reason[due]))
    return _stack(parts)


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


def _dated(parsed: pd.DataFrame, start, end) -> pd.DataFrame:
    """Occurrences of parsed birthdays in [start, end], with their lunar label."""
    found = almanac.birthday_dates(parsed, start, end)
    if found.empty:
        return found.assign(label=pd.Series(dtype="string"))
    # One label per distinct lunar (month, day, leap), mapped back: a handful of labels, not one per customer.
    source = parsed.loc[found["row"], ["month", "day", "leap"]].reset_index(drop=True)
    key = (source["month"].astype("string") + "-" + source["day"].astype("string") + "-"
           + source["leap"].astype("string"))
    lunar = found["lunar"].to_numpy(dtype=bool)
    distinct = source[lunar].assign(k=key[lunar]).drop_duplicates("k")
    labels = {k: almanac.lunar_label(int(m), int(d), bool(leap))
              for k, m, d, leap in distinct[["k", "month", "day", "leap"]].itertuples(index=False)}
    found["label"] = key.map(labels).astype("string").where(lunar, "").fillna("").to_numpy()
    return found


def birthdays(customers: pd.DataFrame, profiles: pd.DataFrame, parsed: dict[str, pd.DataFrame], week: PlanWeek,
              rules: Rules) -> pd.DataFrame:
    """Birthdays and anniversaries in the week, by relationship; invitations for the top ones ahead."""
    cfg = rules["actions"]
    how = _relationship(customers, profiles, rules).map(cfg["birthday"])
    parts = []
    for field, name in (("birthday", "生日"), ("anniversary", "纪念日")):
        if field not in parsed:
            continue
        found = _dated(parsed[field], week.monday, week.sunday)
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
        # Invited once: in the week holding the day `high` days before the birthday (so 14–21 days ahead).
        low, high = cfg["birthday_invite_days"]
        top = top_customer(customers, profiles, cfg["top_grades"])
        ahead = _dated(parsed["birthday"][top], week.monday + pd.Timedelta(days=high),
                       week.sunday + pd.Timedelta(days=high))
        if len(ahead):
            invite_on = ahead["date"] - pd.Timedelta(days=high)
            reason = "生日 " + _day(ahead["date"]) + f"（{high} 天后），A 级或大客户提前 {low}–{high} 天邀约参加生日会"
            parts.append(_rows(ahead["row"], invite_on, "生日会邀约", reason, "生日会"))
    return _stack(parts)


def greetings(index: pd.Index, week: PlanWeek, rules: Rules) -> pd.DataFrame:
    """Every holiday and solar term in the week: a greeting to every customer."""
    cal = rules["calendar"]
    days = almanac.occasions(week.monday, week.sunday, cal["holidays"], cal["solar_terms"])
    parts = []
    for day in days.itertuples(index=False):  # a week has one or two occasions
        kind = "节日问候" if day.kind == almanac.HOLIDAY else "节气问候"
        reason = f"{day.name}（{day.date.month}月{day.date.day}日）{day.kind}问候"
        parts.append(_rows(index, np.full(len(index), day.date), kind, np.full(len(index), reason), day.name))
    return _stack(parts)


def planned_follow_ups(customers: pd.DataFrame, contacts: pd.DataFrame, week: PlanWeek) -> pd.DataFrame:
    """下次跟进时间 the agent wrote that falls in the week, with what was said last time."""
    if not len(contacts) or "next_contact_at" not in contacts:
        return _rows([], [], "", [])
    contacts = contacts.assign(next_contact_at=date_column(contacts, "next_contact_at"),
                               contact_at=date_column(contacts, "contact_at"))
    # A later contact's plan replaces an earlier one: only each customer's latest plan counts.
    plans = contacts[contacts["next_contact_at"].notna()].sort_values("contact_at", na_position="first")
    plans = plans.drop_duplicates("customer_id", keep="last")
    planned = plans[plans["next_contact_at"].between(pd.Timestamp(week.monday), pd.Timestamp(week.sunday))]
    cust = rows_by_id(customers, planned["customer_id"])
    keep = pd.notna(cust)
    planned = planned[keep]
    said = column(planned, "content").astype("string")
    when = planned["contact_at"].dt.strftime("%m-%d").fillna("日期不详")
    method = column(planned, "method").astype("string").fillna("跟进")
    reason = ("上次" + method + "（" + when + "）约定 " + planned["next_contact_at"].dt.strftime("%m-%d") + " 回访"
              + ("：" + said).fillna(""))
    return _rows(cust[keep], planned["next_contact_at"], "计划回访", reason, None, said)


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
    late = deadline[due] < monday
    by = "，须在 " + deadline[due].dt.strftime("%m-%d") + " 前电话并邀约到访"
    text = "外拓 " + out[due].dt.strftime("%m-%d") + by.mask(late, f"，已超过 {days} 天仍未电话，尽快补上")
    return _rows(on.index, on, "外拓回访", text)


def add_months(base: pd.Series, months: pd.Series | int) -> pd.Series:
    """base + N calendar months, vectorised; a day the month lacks falls on its last day (01-31 + 1 → 02-28)."""
    total = base.dt.year * 12 + base.dt.month - 1 + months
    first = pd.to_datetime(pd.DataFrame({"year": total // 12, "month": total % 12 + 1, "day": 1}))
    day = np.minimum(base.dt.day, first.dt.days_in_month)
    return first + pd.to_timedelta(day - 1, unit="D")


def post_sale(customers: pd.DataFrame, profiles: pd.DataFrame, week: PlanWeek, rules: Rules) -> pd.DataFrame:
    """Revisits N months after the deal or delivery, and maintenance reminders every M months."""
    cfg = rules["actions"]
    monday, sunday = pd.Timestamp(week.monday), pd.Timestamp(week.sunday)
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
        parts.append(_rows(base.index[hit], day[hit], "售后回访",
                           since[hit] + f"，已满 {months} 个月 → 回访置换、增购意向", None, f"{months}个月"))
    every = cfg["maintenance_months"]
    if every:
        elapsed = (monday.year - base.dt.year) * 12 + (monday.month - base.dt.month)
        for step in (0, 1):  # the due multiple of `every` is this one or the next
            months = (elapsed // every + step) * every
            day = add_months(base, months)
            hit = day.between(monday, sunday) & (months > 0)
            parts.append(_rows(base.index[hit], day[hit], "保养提醒",
                               since[hit] + "，已满 " + months[hit].astype("string") + " 个月 → 提醒保养", None,
                               "距购车已满" + months[hit].astype("string") + "个月"))
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
    """Every eligible customer is told of an event once: `event_notice_days` before it, when that day is this week."""
    if not len(events) or "event_date" not in events:
        return _rows([], [], "", [])
    notice = pd.Timedelta(days=rules["actions"]["event_notice_days"])
    dated = events.assign(event_date=date_column(events, "event_date").dt.normalize())
    dated = dated[(dated["event_date"] - notice).between(pd.Timestamp(week.monday), pd.Timestamp(week.sunday))]
    parts = []
    for event in dated.itertuples(index=False):  # a handful of events, never a loop over customers
        on = event.event_date - notice
        who, named = _eligible(getattr(event, "event_target", None), profiles, rules)
        name = str(event.event_name) if pd.notna(getattr(event, "event_name", None)) else "公司活动"
        when = f"{event.event_date.month}月{event.event_date.day}日"
        reason = f"活动“{name}”{when}举行，通知{named}"
        index = profiles.index[who.to_numpy()]
        parts.append(_rows(index, np.full(len(index), on), "活动通知", np.full(len(index), reason), name,
                           np.full(len(index), when)))
    return _stack(parts)


def plan_actions(customers: pd.DataFrame, contacts: pd.DataFrame, events: pd.DataFrame, profiles: pd.DataFrame,
                 parsed: dict[str, pd.DataFrame], week: PlanWeek, rules: Rules) -> pd.DataFrame:
    """Every action of the week, one row per source, for active customers only."""
    active = active_customers(customers, profiles)
    mine = profiles[active]
    long = pd.concat(
        [
            cadence_calls(customers[active], mine, week, rules),
            birthdays(customers[active], mine, {k: v[active] for k, v in parsed.items()}, week, rules),
            greetings(mine.index, week, rules),
            planned_follow_ups(customers[active], contacts, week),
            outreach_calls(customers[active], contacts, mine, week, rules),
            post_sale(customers[active], mine, week, rules),
            event_notices(events, mine, week, rules),
        ],
        ignore_index=True,
    )
    inside = long["date"].between(pd.Timestamp(week.monday), pd.Timestamp(week.sunday))
    return long[inside & long["action_type"].ne("")].reset_index(drop=True)


def _join_in_order(frame: pd.DataFrame, keys: list[str], value: str, sep: str) -> pd.Series:
    """Each group's values joined in frame order; vectorised over groups, looping over positions (a few)."""
    grouped = frame.groupby(keys, sort=False)
    position = grouped.cumcount().to_numpy()
    group = grouped.ngroup().to_numpy()
    text = frame[value].astype("string").to_numpy()
    joined = pd.Series("", index=range(group.max() + 1), dtype="string")
    for k in range(position.max() + 1):
        at = position == k
        prefix = joined.iloc[group[at]].to_numpy()
        joined.iloc[group[at]] = prefix + (sep if k else "") + text[at]
    first = frame.drop_duplicates(keys)
    return pd.Series(joined.to_numpy(), index=pd.MultiIndex.from_frame(first[keys]), dtype="string")


def merge_actions(long: pd.DataFrame, profiles: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """One row per customer and day: types and reasons joined, led by the most urgent; priority the highest."""
    cfg = rules["actions"]
    order = {kind: i for i, kind in enumerate(cfg["priority"])}
    ranks = {kind: LEVELS.index(level) for kind, level in cfg["priority"].items()}
    rank = long["action_type"].map(ranks).fillna(len(LEVELS) - 1).astype("int64")
    top = profiles["grade"].astype("string").isin(cfg["top_grades"]).fillna(False)
    calls = long["action_type"].isin(["电话回访", "季度回访"]).to_numpy()
    urgent = rank.mask(calls & top.reindex(long["cust"]).to_numpy(), 0)
    # The lead (whose draft is sent) is the most specific action by the table's own order; a top-grade
    # customer's routine call raises the row's priority without taking the lead from, say, a planned follow-up.
    frame = long.assign(_base=rank.to_numpy(), _order=long["action_type"].map(order).fillna(len(order)).to_numpy())
    keys = ["cust", "date"]
    frame["_rank"] = urgent.to_numpy()
    frame["_rank"] = frame.groupby(keys)["_rank"].transform("min")
    frame = frame.sort_values([*keys, "_base", "_order"], kind="stable").drop_duplicates(
        [*keys, "action_type", "reason"])
    several = frame.duplicated(keys, keep=False)
    single = frame[~several]
    lead = frame[several].drop_duplicates(keys)
    multi = frame[several]
    if len(multi):
        types = _join_in_order(multi.drop_duplicates([*keys, "action_type"]), keys, "action_type", "、")
        reasons = _join_in_order(multi[multi["reason"].notna()], keys, "reason", "；")
        lead = lead.join(types.rename("types"), on=keys).join(reasons.rename("reasons"), on=keys)
    else:
        lead = lead.assign(types=pd.Series(dtype="string"), reasons=pd.Series(dtype="string"))
    single = single.assign(types=single["action_type"], reasons=single["reason"])
    out = pd.concat([single, lead], ignore_index=True)
    out["priority"] = np.asarray(LEVELS, dtype=object)[out["_rank"].to_numpy(dtype=int)]
    return out.drop(columns=["_order", "_base", "reason"]).rename(columns={"action_type": "lead_type"})
