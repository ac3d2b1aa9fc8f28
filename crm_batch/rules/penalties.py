"""罚款: the brokerage's fines for the audit week (稽核周, the week before the plan week).

Each rule of SPEC §6 yields one row per customer and occasion, every amount
and word list from the rules' ``[penalties]`` table:

- 漏发问候: a 成交/业主/意向/来访 customer with no contact (SMS, WeChat, call,
  visit) on a legal holiday, a solar term or their birthday;
- 未邀约答谢活动: a buyer not contacted in the notice days before an
  appreciation event;
- 未通知营销活动: a 意向/来访 customer not contacted before a major event;
- 每月电话不足: a 意向/来访 customer without a phone call in a calendar month,
  assessed once, in the audit week holding the month's last day;
- 外拓未回访: a lead not called within the outreach days;
- 虚假跟进 / 虚假战败: a contact the manager marked false — 100, doubled from
  the agent's second offence on, counting earlier weeks from history.

Every fine has a stable key (rule, 客户编号, occasion) so history can make sure
it is charged once, however often a week is re-run.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_batch import almanac
from crm_batch.calendar import PlanWeek
from crm_batch.rules import column, date_column, rows_by_id
from crm_batch.rules_config import Rules
from crm_batch.vocabulary import NO_AGENT

GREETING, APPRECIATION, EVENT, MONTHLY_CALL, OUTREACH, FAKE_FOLLOW_UP, FAKE_LOST = (
    "漏发问候", "未邀约答谢活动", "未通知营销活动", "每月电话不足", "外拓未回访", "虚假跟进", "虚假战败",
)
FAKE_RULES = (FAKE_FOLLOW_UP, FAKE_LOST)
FINE_COLUMNS = ["cust", "rule", "occasion", "when", "missing", "amount", "reason", "key"]


def _fines(cust, rule: str, occasion, when, missing, amount, reason, key) -> pd.DataFrame:
    frame = pd.DataFrame({"cust": np.asarray(cust)})
    for name, value in (("occasion", occasion), ("missing", missing), ("reason", reason), ("key", key)):
        frame[name] = pd.Series(np.asarray(value, dtype=object) if not isinstance(value, str) else value,
                                index=frame.index, dtype="string")
    frame["rule"] = rule
    frame["when"] = pd.to_datetime(np.asarray(when)) if not isinstance(when, str) else pd.NaT
    frame["amount"] = float(amount) if np.isscalar(amount) else np.asarray(amount, dtype=float)
    return frame[FINE_COLUMNS]


def _none() -> pd.DataFrame:
    return _fines([], GREETING, [], [], [], 0, [], [])


def _stack(parts: list[pd.DataFrame]) -> pd.DataFrame:
    return pd.concat(parts, ignore_index=True) if parts else _none()


def _stage_in(profiles: pd.DataFrame, stages: list[str]) -> pd.Series:
    return profiles["stage"].astype("string").isin(stages).fillna(False).astype(bool)


class ContactDays:
    """The days each customer was contacted by one of the methods, for window look-ups.

    Every (customer, day) is one int64, customer code × DAYS_PER_KEY + day number, kept
    sorted, so asking for any window is two binary searches per row; built once, asked
    many times (every event, every greeting).
    """

    def __init__(self, contacts: pd.DataFrame, methods: list[str]) -> None:
        usable = len(contacts) and {"customer_id", "contact_at", "method"} <= set(contacts.columns)
        dated = contacts[contacts["contact_at"].notna() & contacts["method"].isin(methods).fillna(False)] \
            if usable else pd.DataFrame({"customer_id": [], "contact_at": pd.Series(dtype="datetime64[ns]")})
        self.frame = pd.DataFrame({"customer_id": dated["customer_id"].astype("string").to_numpy(),
                                   "day": dated["contact_at"].dt.normalize().to_numpy()}).drop_duplicates()
        self._people = pd.Index(self.frame["customer_id"].unique())
        known, usable = self._keys(self.frame["customer_id"], self.frame["day"])
        self._known = np.unique(known[usable])

    def _keys(self, ids: pd.Series, when: pd.Series) -> tuple[np.ndarray, np.ndarray]:
        code = self._people.get_indexer(ids.astype("string").to_numpy())
        stamp = pd.to_datetime(pd.Series(when.to_numpy())).dt.normalize()
        number = stamp.to_numpy(dtype="datetime64[D]").astype(np.int64)
        usable = (code >= 0) & stamp.notna().to_numpy()
        return code.astype(np.int64) * DAYS_PER_KEY + number, usable

    def contacted(self, customer_id: pd.Series, day: pd.Series, before: int = 0, after: int = 0) -> np.ndarray:
        """Whether each (customer, day) has a contact from ``before`` days earlier to ``after`` days later."""
        wanted, usable = self._keys(customer_id, day)
        first = np.searchsorted(self._known, wanted - before, side="left")
        past = np.searchsorted(self._known, wanted + after, side="right")
        return usable & (past > first)


# Room for every day number (days since 1970, negative before it) under one customer's code.
DAYS_PER_KEY = 1 << 22


def greeting_checks(customers: pd.DataFrame, contacts: pd.DataFrame, profiles: pd.DataFrame,
                    dates: dict[str, pd.DataFrame], week: PlanWeek, rules: Rules) -> pd.DataFrame:
    """Every greeting the audit week required of the eligible customers, and whether it was sent."""
    cfg = rules["penalties"]
    audit = week.audit
    eligible = _stage_in(profiles, cfg["greeting_stages"])
    index = profiles.index[eligible.to_numpy()]
    parts = []
    days = almanac.occasions(audit.monday, audit.sunday, rules["calendar"]["holidays"], cfg["greeting_solar_terms"])
    fined = days[(days["kind"] == almanac.SOLAR_TERM) | days["name"].isin(cfg["greeting_holidays"])]
    for day in fined.itertuples(index=False):  # one or two occasions a week
        parts.append(pd.DataFrame({"cust": index, "date": day.date, "occasion": day.name, "kind": day.kind}))
    if cfg["greeting_birthdays"] and "birthday" in dates:
        found = almanac.birthday_dates(dates["birthday"][eligible], audit.monday, audit.sunday)
        parts.append(pd.DataFrame({"cust": found["row"].to_numpy(), "date": found["date"].to_numpy(),
                                   "occasion": "生日", "kind": "生日"}))
    if not parts:
        return pd.DataFrame({"cust": [], "date": pd.Series(dtype="datetime64[ns]"), "occasion": [], "kind": [],
                             "sent": pd.Series(dtype=bool)})
    required = pd.concat(parts, ignore_index=True)
    ids = customers["customer_id"].reindex(required["cust"]).reset_index(drop=True)
    tolerance = cfg["greeting_tolerance_days"]
    required["sent"] = ContactDays(contacts, cfg["greeting_methods"]).contacted(ids, required["date"],
                                                                               tolerance, tolerance)
    return required


def _greeting_fines(checks: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    missed = checks[~checks["sent"]]
    day = missed["date"].dt.strftime("%Y-%m-%d")
    occasion = missed["occasion"].astype("string") + " " + day
    reason = (missed["occasion"].astype("string") + "（" + day + "）当天没有短信、微信、电话或来访记录")
    key = missed["occasion"].astype("string") + "|" + day
    return _fines(missed["cust"], GREETING, occasion, missed["date"], missed["occasion"].astype("string") + "问候",
                  rules["penalties"]["greeting_fine"], reason, key)


def _event_fines(customers: pd.DataFrame, contacts: pd.DataFrame, events: pd.DataFrame, profiles: pd.DataFrame,
                 week: PlanWeek, rules: Rules) -> pd.DataFrame:
    """Appreciation events not offered to buyers; major events not notified to prospects."""
    cfg = rules["penalties"]
    if not len(events) or "event_date" not in events:
        return _none()
    audit = week.audit
    notice = rules["actions"]["event_notice_days"]
    dated = events[events["event_date"].between(pd.Timestamp(audit.monday), pd.Timestamp(audit.sunday))]
    # The event's own type decides (答谢/营销); its name only when the type is blank.
    text = column(dated, "event_type").astype("string").fillna(column(dated, "event_name").astype("string")).fillna("")
    days = ContactDays(contacts, cfg["greeting_methods"])
    appreciation = text.str.contains("|".join(cfg["appreciation_words"]), regex=True) if cfg[
        "appreciation_words"] else pd.Series(False, index=text.index)
    major = text.str.contains("|".join(cfg["event_words"]), regex=True) if cfg["event_words"] else appreciation & False
    parts = []
    for rule, which, stages, fine, what in (
        (APPRECIATION, appreciation, cfg["appreciation_stages"], cfg["appreciation_fine"], "答谢活动邀约"),
        (EVENT, major & ~appreciation, cfg["event_stages"], cfg["event_fine"], "活动通知"),
    ):
        eligible = profiles.index[_stage_in(profiles, stages).to_numpy()]
        ids = customers["customer_id"].reindex(eligible).reset_index(drop=True)
        for row in dated[which.to_numpy()].itertuples(index=False):  # a handful of events
            told = days.contacted(ids, pd.Series(row.event_date, index=ids.index), before=notice)
            missed = eligible[~told]
            name = str(row.event_name) if pd.notna(getattr(row, "event_name", None)) else "公司活动"
            day = row.event_date.strftime("%Y-%m-%d")
            n = len(missed)
            reason = f"活动“{name}”（{day}）前 {notice} 天内没有联系客户"
            parts.append(_fines(missed, rule, np.full(n, f"{name} {day}"), np.full(n, row.event_date),
                                np.full(n, what), fine, np.full(n, reason),
                                np.full(n, f"{name}|{day}")))
    return _stack(parts)


def _monthly_call_fines(customers: pd.DataFrame, contacts: pd.DataFrame, profiles: pd.DataFrame, week: PlanWeek,
                        rules: Rules) -> pd.DataFrame:
    """Prospects without a phone call in the calendar month whose last day falls in the audit week."""
    cfg = rules["penalties"]
    audit = week.audit
    month_end = next((d for d in pd.date_range(audit.monday, audit.sunday) if d.is_month_end), None)
    if month_end is None:
        return _none()
    month_start = month_end.replace(day=1)
    eligible = _stage_in(profiles, cfg["monthly_call_stages"])
    # A customer is held to the month only if known by its first day: registered, or first contacted, by then.
    known = date_column(customers, "registered_at")
    if len(contacts) and "contact_at" in contacts:
        first = contacts.groupby("customer_id")["contact_at"].min()
        seen = pd.Series(pd.to_datetime(first.reindex(customers["customer_id"].to_numpy()).to_numpy()),
                         index=customers.index)
        known = pd.concat([known, seen], axis=1).min(axis=1)
    existed = (known.dt.normalize() <= month_start).fillna(False)
    due = eligible & existed
    calls = ContactDays(contacts, cfg["monthly_call_methods"]).frame
    called = calls[calls["day"].between(month_start, month_end)]["customer_id"].unique()
    missed = profiles.index[(due & ~customers["customer_id"].isin(called)).to_numpy()]
    label = f"{month_start.year}年{month_start.month}月"
    reason = f"{label}（{month_start:%m-%d} 至 {month_end:%m-%d}）没有一次电话联系"
    n = len(missed)
    return _fines(missed, MONTHLY_CALL, np.full(n, label), np.full(n, month_end), np.full(n, "当月电话"),
                  cfg["monthly_call_fine"], np.full(n, reason),
                  np.full(n, f"{month_start:%Y-%m}"))


def _outreach_fines(customers: pd.DataFrame, contacts: pd.DataFrame, profiles: pd.DataFrame, week: PlanWeek,
                    rules: Rules) -> pd.DataFrame:
    """外拓 leads whose call deadline fell in the audit week without a call."""
    cfg = rules["penalties"]
    audit = week.audit
    days = rules["actions"]["outreach_days"]
    out = date_column(customers, "outreach_at").dt.normalize()
    deadline = out + pd.Timedelta(days=days)
    lead = _stage_in(profiles, ["外拓"]) & deadline.between(pd.Timestamp(audit.monday), pd.Timestamp(audit.sunday))
    leads = customers[lead.to_numpy()]
    if leads.empty:
        return _none()
    called = ContactDays(contacts, cfg["outreach_methods"]).contacted(
        leads["customer_id"].reset_index(drop=True), deadline[lead].reset_index(drop=True), before=days)
    missed = leads.index[~called]
    when = out.loc[missed]
    reason = "外拓 " + when.dt.strftime("%Y-%m-%d") + f" 后 {days} 天内（至 " + deadline.loc[missed].dt.strftime(
        "%m-%d") + "）没有电话或见面"
    return _fines(missed, OUTREACH, "外拓 " + when.dt.strftime("%Y-%m-%d"), deadline.loc[missed],
                  np.full(len(missed), f"{days} 天内电话邀约"), cfg["outreach_fine"], reason,
                  when.dt.strftime("%Y-%m-%d"))


def _fake_fines(customers: pd.DataFrame, contacts: pd.DataFrame, week: PlanWeek, rules: Rules) -> pd.DataFrame:
    """Contacts a manager marked false (主管核查), in the look-back window before the audit week's end."""
    cfg = rules["penalties"]
    if not len(contacts) or "verification" not in contacts or not cfg["fake_words"]:
        return _none()
    end = pd.Timestamp(week.audit.sunday)
    mark = contacts["verification"].astype("string")
    fake = mark.str.contains("|".join(cfg["fake_words"]), regex=True).fillna(False).astype(bool)
    recent = contacts["contact_at"].between(end - pd.Timedelta(days=cfg["fake_lookback_days"]),
                                            end + pd.Timedelta(days=1)).fillna(False)
    marked = contacts[fake & recent]
    if marked.empty:
        return _none()
    cust = rows_by_id(customers, marked["customer_id"])
    keep = pd.notna(cust)
    marked, cust = marked[keep], cust[keep]
    lost = mark[fake & recent][keep].str.contains("战败").fillna(False).to_numpy()
    when = marked["contact_at"]
    day = when.dt.strftime("%Y-%m-%d")
    said = column(marked, "content").astype("string").fillna("（无内容）")
    rule = np.where(lost, FAKE_LOST, FAKE_FOLLOW_UP)
    reason = "主管核查=" + mark[fake & recent][keep] + "：" + day + " 的跟进“" + said.str.slice(0, 30) + "”"
    key = when.dt.strftime("%Y-%m-%d %H:%M") + "|" + said.str.slice(0, 30)
    frame = _fines(cust, FAKE_FOLLOW_UP, "跟进 " + day, when.dt.normalize(), "真实跟进", cfg["fake_fine"], reason,
                   key)
    frame["rule"] = rule
    return frame


def _offence_kind(rule: pd.Series) -> pd.Series:
    return rule.astype("string").mask(rule.isin(FAKE_RULES), "虚假记录")


def assess_fines(customers: pd.DataFrame, contacts: pd.DataFrame, events: pd.DataFrame, profiles: pd.DataFrame,
                 dates: dict[str, pd.DataFrame], week: PlanWeek, rules: Rules,
                 charged: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(fines, greeting checks) for the audit week.

    ``charged`` is the history of fines of *other* weeks (columns key, agent, rule):
    a key charged before is not charged again, and the agent's earlier offences
    count towards 第几次 and the doubling of repeat fake-record fines.
    """
    checks = greeting_checks(customers, contacts, profiles, dates, week, rules)
    fines = pd.concat([
        _greeting_fines(checks, rules),
        _event_fines(customers, contacts, events, profiles, week, rules),
        _monthly_call_fines(customers, contacts, profiles, week, rules),
        _outreach_fines(customers, contacts, profiles, week, rules),
        _fake_fines(customers, contacts, week, rules),
    ], ignore_index=True)
    # The key names the customer by 客户编号, never by row position: registers change between weeks.
    who = customers["customer_id"].reindex(fines["cust"]).astype("string").fillna("?").to_numpy()
    fines["key"] = fines["rule"] + "|" + who + "|" + fines["key"]
    fines = fines.drop_duplicates("key")
    fines["agent"] = customers["agent"].reindex(fines["cust"]).astype("string").fillna(NO_AGENT).to_numpy()
    if charged is not None and len(charged):
        fines = fines[~fines["key"].isin(charged["key"])]
        before = charged.assign(_kind=_offence_kind(charged["rule"])).groupby(["agent", "_kind"]).size()
    else:
        before = pd.Series(dtype="int64")
    # 第几次 counts in time order: the earlier record is the first offence.
    fines = fines.sort_values(["agent", "when", "rule", "cust"], kind="stable").reset_index(drop=True)
    # Offences are counted per agent and rule; a fake follow-up and a fake 战败 are one kind of offence.
    fines["_kind"] = _offence_kind(fines["rule"])
    earlier = before.reindex(pd.MultiIndex.from_frame(fines[["agent", "_kind"]])).fillna(0).to_numpy()
    fines["offence"] = (fines.groupby(["agent", "_kind"]).cumcount().to_numpy() + 1 + earlier).astype("int64")
    fines = fines.drop(columns="_kind")
    cfg = rules["penalties"]
    repeat = fines["rule"].isin(FAKE_RULES) & (fines["offence"] >= 2)
    factor = cfg["fake_repeat_factor"]
    fines.loc[repeat, "amount"] = fines.loc[repeat, "amount"] * factor
    nth = fines.loc[repeat, "offence"].astype("string")
    fines.loc[repeat, "reason"] = fines.loc[repeat, "reason"] + "；该经纪人第 " + nth + f" 次，罚款 ×{factor}"
    return fines, checks
