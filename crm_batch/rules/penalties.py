"""罚款: the brokerage's fines for the audit week (稽核周, the week before the plan week).

Each rule of SPEC §6 yields one row per customer and occasion, every amount
and word list from the rules' ``[penalties]`` table:

- 漏发问候: a 成交/业主/意向/来访 customer with no contact (SMS, WeChat, call,
  visit) in an occasion's window: a holiday's holiday period (国庆 10-01..07,
  春节 除夕..初七), a solar term or a birthday ± a day;
- 未邀约答谢活动: a buyer not contacted in the notice days before an
  appreciation event;
- 未通知营销活动: a 意向/来访 customer not contacted before a major event;
- 每月电话不足: a 意向/来访 customer with no real contact (a call either way,
  a visit) in a calendar month, assessed once, in the audit week holding the
  month's last day;
- 外拓未回访: a lead not called within the outreach days;
- 虚假跟进 / 虚假战败: a contact the manager marked false — 100, doubled from
  the agent's second offence on, counting earlier weeks from history.

An occasion is audited in the week its window closes, so a greeting sent on
its last day is seen. Only customers held to a duty on the day are assessed:
known by then (registered, or first contacted), in an audited stage (a visitor
by the log alone from their first visit), not an invalid lead (无效线索), and
not one who had already said no (建议战败, from the day of that note).

A fine is charged (罚款) only where the register proves the miss
(``coverage.py``): the duty is one the register evidences and its window lies
in the days the register covers. Otherwise the case is listed as 待核实,
without an amount, with the reason. The manager's decisions (主管确认:
确认 / 免罚 / 待核实) are attached by the fine's code (罚款编号), a hash of its
stable key (rule, 客户编号, occasion), so they survive re-runs; a fine listed
in another week is never listed again, and a waived fake record does not
count as an offence.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import numpy as np
import pandas as pd

from crm_batch import almanac
from crm_batch.calendar import PlanWeek
from crm_batch.rules import column, date_column, rows_by_id
from crm_batch.rules.coverage import (
    BIRTHDAY,
    CALLS,
    GREETINGS,
    NOTICES,
    OUTREACH,
    VERIFIED,
    Coverage,
    Evidence,
    audited_occasions,
    measure_coverage,
    monthly_call_methods,
    occasion_window,
)
from crm_batch.rules.office_words import latest_notes
from crm_batch.rules_config import Rules
from crm_batch.text import as_mask, mentions
from crm_batch.vocabulary import INVALID_LEAD, LOST_STAGE, NO_AGENT, PROBABLE_DEAL, PROPOSED_LOST

GREETING, APPRECIATION, EVENT, MONTHLY_CALL, OUTREACH_CALL, FAKE_FOLLOW_UP, FAKE_LOST = (
    "漏发问候", "未邀约答谢活动", "未通知营销活动", "每月电话不足", "外拓未回访", "虚假跟进", "虚假战败",
)
FAKE_RULES = (FAKE_FOLLOW_UP, FAKE_LOST)
# 状态 of a row in 罚款明细: charged because the register proves it, or listed for the manager to check.
CHARGED, PENDING = "罚款", "待核实"
# 主管确认: the manager's decision on a row.
CONFIRMED, WAIVED, TO_CHECK = "确认", "免罚", "待核实"
DECISIONS = (CONFIRMED, WAIVED, TO_CHECK)
FINE_COLUMNS = ["cust", "rule", "occasion", "when", "missing", "fine", "proven", "reason", "key"]
UNKNOWN_SINCE = "没有登记日期，不能确定当时已是客户"
# 无效线索 were never customers: out of every duty from the start.
_ALWAYS = pd.Timestamp("1900-01-01")


def fine_codes(keys: pd.Series) -> pd.Series:
    """罚款编号: a short stable code for each fine key (F + 10 hex digits), written into 罚款明细.

    Excel keeps it as text (it starts with a letter); the manager's decisions are matched by it.
    """
    codes = [("F" + hashlib.blake2b(k.encode("utf-8"), digest_size=5).hexdigest().upper()) if isinstance(k, str)
             else None for k in keys.tolist()]
    return pd.Series(codes, index=keys.index, dtype="string")


def codes_of(fines: pd.DataFrame) -> pd.Series:
    """The 罚款编号 of fines from history: as stored, or from the key for rows saved before codes were."""
    stored = fines["code"].astype("string") if "code" in fines else pd.Series(pd.NA, index=fines.index,
                                                                              dtype="string")
    missing = stored.isna()
    if missing.any():
        stored = stored.copy()
        stored[missing] = fine_codes(fines.loc[missing, "key"].astype("string"))
    return stored


def _fines(cust, rule: str, occasion, when, missing, fine, reason, key, proven=True) -> pd.DataFrame:
    frame = pd.DataFrame({"cust": np.asarray(cust)})
    for name, value in (("occasion", occasion), ("missing", missing), ("reason", reason), ("key", key)):
        frame[name] = pd.Series(np.asarray(value, dtype=object) if not isinstance(value, str) else value,
                                index=frame.index, dtype="string")
    frame["rule"] = rule
    frame["when"] = pd.to_datetime(np.asarray(when)) if not isinstance(when, str) else pd.NaT
    frame["fine"] = float(fine) if np.isscalar(fine) else np.asarray(fine, dtype=float)
    frame["proven"] = np.asarray(proven, dtype=bool) if not np.isscalar(proven) else bool(proven)
    return frame[FINE_COLUMNS]


def _none() -> pd.DataFrame:
    return _fines([], GREETING, [], [], [], 0, [], [])


def _stack(parts: list[pd.DataFrame]) -> pd.DataFrame:
    return pd.concat(parts, ignore_index=True) if parts else _none()


def _stage_in(profiles: pd.DataFrame, stages: list[str]) -> pd.Series:
    return profiles["stage"].astype("string").isin(stages).fillna(False).astype(bool)


def _methods_said(methods: list[str]) -> str:
    """跟进方式 as a manager says them: 电话、来访或上门拜访."""
    words = ["上门拜访" if m == "拜访" else m for m in methods]
    return words[0] if len(words) == 1 else "、".join(words[:-1]) + "或" + words[-1]


def _pending_reason(reason: pd.Series, proven: np.ndarray, why: pd.Series | str) -> pd.Series:
    """A 待核实 row's reason says what is missing and why the register cannot prove it."""
    return reason.where(proven, reason + "。" + why + "，待核实，不罚款")


def _cannot(evidence: Evidence) -> str:
    """Why a duty is not charged, inside a reason: 问候无法稽核（登记表没有短信/微信问候记录）."""
    return f"{evidence.duty}无法稽核（{evidence.summary}）"


class ContactDays:
    """The days each customer was contacted by one of the methods, for window look-ups.

    Every (customer, day) is one int64, customer code × DAYS_PER_KEY + day number, kept
    sorted, so asking for any window is two binary searches per row; built once, asked
    many times (every event, every greeting).
    """

    def __init__(self, contacts: pd.DataFrame, methods: list[str], words: list[str] = ()) -> None:
        """``words``: a contact of any method (其他, or none written) whose note holds one counts too."""
        ids, days = np.array([], dtype=object), np.array([], dtype="datetime64[D]")
        if len(contacts) and {"customer_id", "contact_at"} <= set(contacts.columns):
            who = contacts["customer_id"].astype("string")
            keep = (as_mask(column(contacts, "method").isin(methods)) | mentions(column(contacts, "content"), words)) \
                & contacts["contact_at"].notna().to_numpy() & who.notna().to_numpy()
            ids = who.to_numpy()[keep]
            days = pd.to_datetime(contacts["contact_at"]).to_numpy()[keep].astype("datetime64[D]")
        self.frame = pd.DataFrame({"customer_id": pd.array(ids, dtype="string"),
                                   "day": days.astype("datetime64[ns]")})
        codes, people = pd.factorize(self.frame["customer_id"])
        self._people = pd.Index(people)
        self._known = np.unique(codes.astype(np.int64) * DAYS_PER_KEY + days.astype(np.int64))

    def _keys(self, ids: pd.Series, when: pd.Series) -> tuple[np.ndarray, np.ndarray]:
        code = self._people.get_indexer(ids.astype("string").to_numpy())
        stamp = pd.to_datetime(pd.Series(when.to_numpy())).dt.normalize()
        number = stamp.to_numpy(dtype="datetime64[D]").astype(np.int64)
        usable = (code >= 0) & stamp.notna().to_numpy()
        return code.astype(np.int64) * DAYS_PER_KEY + number, usable

    def contacted(self, customer_id: pd.Series, day: pd.Series, before: int | np.ndarray = 0,
                  after: int | np.ndarray = 0) -> np.ndarray:
        """Whether each (customer, day) has a contact from ``before`` days earlier to ``after`` days later
        (numbers, or arrays row for row)."""
        wanted, usable = self._keys(customer_id, day)
        first = np.searchsorted(self._known, wanted - np.asarray(before, dtype=np.int64), side="left")
        past = np.searchsorted(self._known, wanted + np.asarray(after, dtype=np.int64), side="right")
        return usable & (past > first)


# Room for every day number (days since 1970, negative before it) under one customer's code.
DAYS_PER_KEY = 1 << 22


def standing(customers: pd.DataFrame, contacts: pd.DataFrame, profiles: pd.DataFrame) -> pd.DataFrame:
    """Per customer: ``since``, the first day they were held to their stage's duties (NaT: the register
    does not say), ``out``, the day they stopped being (无效线索: always; 建议战败: the day of that note), and
    ``bought``, the day of a note that says they bought (疑似成交) with ``bought_said``, that note.

    Known from the registration date or the first contact, whichever is earlier; a visitor only by
    the log (no 客户类型 and no 来访次数 written) became one on the first visit.
    """
    known = date_column(customers, "registered_at")
    if len(contacts) and "contact_at" in contacts:
        dated = contacts[contacts["contact_at"].notna()]
        first = dated.groupby("customer_id")["contact_at"].min()
        seen = pd.Series(pd.to_datetime(first.reindex(customers["customer_id"].to_numpy()).to_numpy()),
                         index=customers.index)
        known = pd.concat([known, seen], axis=1).min(axis=1)
        visits = dated[dated["method"].eq("来访").fillna(False)].groupby("customer_id")["contact_at"].min() \
            if "method" in dated else pd.Series(dtype="datetime64[ns]")
        visited = pd.Series(pd.to_datetime(visits.reindex(customers["customer_id"].to_numpy()).to_numpy()),
                            index=customers.index)
    else:
        visited = pd.Series(pd.NaT, index=customers.index, dtype="datetime64[ns]")
    by_log = (profiles["stage"].astype("string").eq("来访").fillna(False)
              & column(customers, "stage").isna() & column(customers, "visits").isna())
    since = known.mask(by_log & visited.notna(), pd.concat([known, visited], axis=1).max(axis=1))
    status = profiles["status"].astype("string") if "status" in profiles else pd.Series(pd.NA, index=profiles.index)
    notes = latest_notes(customers, contacts)
    out = pd.Series(pd.NaT, index=customers.index, dtype="datetime64[ns]")
    out = out.mask(status.eq(PROPOSED_LOST).fillna(False), notes["note_at"].dt.normalize())
    out = out.mask(status.eq(INVALID_LEAD).fillna(False), _ALWAYS)
    deal = status.eq(PROBABLE_DEAL).fillna(False)
    bought = pd.Series(pd.NaT, index=customers.index, dtype="datetime64[ns]")
    bought = bought.mask(deal, notes["note_at"].dt.normalize().fillna(_ALWAYS))
    said = column(profiles, "status_evidence").astype("string").where(deal)
    return pd.DataFrame({"since": pd.to_datetime(since).dt.normalize(), "out": out, "bought": bought,
                         "bought_said": said}, index=customers.index)


def _held(people: pd.DataFrame, since_day: pd.Series, out_day: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(held, unknown) per row: held to the duty on ``since_day`` and not out by ``out_day``; unknown
    when the register does not say since when the customer was one."""
    since, out = people["since"].to_numpy(), people["out"].to_numpy()
    staying = ~(out <= out_day.to_numpy())  # NaT compares False: never out
    return staying & (since <= since_day.to_numpy()), staying & pd.isna(since)


def greeting_checks(customers: pd.DataFrame, contacts: pd.DataFrame, profiles: pd.DataFrame,
                    dates: dict[str, pd.DataFrame], week: PlanWeek, rules: Rules,
                    coverage: Coverage | None = None, people: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every greeting whose window closed in the audit week, for the customers held to it, and whether it was sent.

    Columns: cust, date, occasion, kind, first and last (the window), sent, judged (the register can tell
    whether it was sent: it was, or the miss is proven) and unknown (since when a customer is unknown).
    """
    cfg = rules["penalties"]
    audit = week.audit
    coverage = coverage or measure_coverage(contacts, week, rules, dt.date.today())
    people = people if people is not None else standing(customers, contacts, profiles)
    eligible = _stage_in(profiles, cfg["greeting_stages"])
    index = profiles.index[eligible.to_numpy()]
    monday, sunday = pd.Timestamp(audit.monday), pd.Timestamp(audit.sunday)
    reach = max([cfg["greeting_tolerance_days"], *(a for _, a in cfg["greeting_windows"].values())])
    days = audited_occasions(audit.monday - dt.timedelta(days=reach), audit.sunday, rules)
    days = days[days["last"].between(monday, sunday)]
    parts = []
    for day in days.itertuples(index=False):  # one or two occasions a week
        parts.append(pd.DataFrame({"cust": index, "date": day.date, "occasion": day.name, "kind": day.kind,
                                   "first": day.first, "last": day.last}))
    if cfg["greeting_birthdays"] and "birthday" in dates:
        before, after = occasion_window(BIRTHDAY, rules)
        found = almanac.birthday_dates(dates["birthday"][eligible], audit.monday - dt.timedelta(days=after),
                                       audit.sunday - dt.timedelta(days=after))
        parts.append(pd.DataFrame({"cust": found["row"].to_numpy(), "date": found["date"].to_numpy(),
                                   "occasion": BIRTHDAY, "kind": BIRTHDAY,
                                   "first": found["date"].to_numpy() - np.timedelta64(before, "D"),
                                   "last": found["date"].to_numpy() + np.timedelta64(after, "D")}))
    if not parts:
        stamp = pd.Series(dtype="datetime64[ns]")
        return pd.DataFrame({"cust": [], "date": stamp, "occasion": [], "kind": [], "first": stamp, "last": stamp,
                             "sent": pd.Series(dtype=bool), "judged": pd.Series(dtype=bool),
                             "unknown": pd.Series(dtype=bool)})
    required = pd.concat(parts, ignore_index=True)
    who = people.reindex(required["cust"]).reset_index(drop=True)
    held, unknown = _held(who, required["date"], required["date"])
    required = required[held | unknown].reset_index(drop=True)
    required["unknown"] = unknown[held | unknown]
    ids = customers["customer_id"].reindex(required["cust"]).reset_index(drop=True)
    before = (required["date"] - required["first"]).dt.days.to_numpy()
    after = (required["last"] - required["date"]).dt.days.to_numpy()
    sent = ContactDays(contacts, cfg["greeting_methods"], cfg["greeting_evidence_words"])
    required["sent"] = sent.contacted(ids, required["date"], before, after)
    provable = coverage.of(GREETINGS).auditable & coverage.covers(required["first"], required["last"])
    required["judged"] = required["sent"] | (provable & ~required["unknown"].to_numpy())
    return required


def _greeting_fines(checks: pd.DataFrame, coverage: Coverage, rules: Rules) -> pd.DataFrame:
    missed = checks[~checks["sent"]]
    day = missed["date"].dt.strftime("%Y-%m-%d")
    occasion = missed["occasion"].astype("string") + " " + day
    window = missed["first"].dt.strftime("%m-%d") + " 至 " + missed["last"].dt.strftime("%m-%d") + " "
    # 期间 for a holiday period (国庆 10-01 至 10-07), 前后 for a day ± days (寒露, a birthday).
    around = np.where((missed["date"] - missed["first"]) == (missed["last"] - missed["date"]), "前后 ", "期间 ")
    when = pd.Series(np.where(missed["first"] == missed["last"], "当天", around + window), index=missed.index)
    said = _methods_said(rules["penalties"]["greeting_methods"])
    reason = missed["occasion"].astype("string") + "（" + day + "）" + when + "没有" + said + "记录"
    evidence = coverage.of(GREETINGS)
    covered = coverage.covers(missed["first"], missed["last"])
    proven = missed["judged"].to_numpy() & ~missed["sent"].to_numpy()
    why = pd.Series(np.select([np.full(len(missed), not evidence.auditable), missed["unknown"].to_numpy(), ~covered],
                              [_cannot(evidence), UNKNOWN_SINCE, coverage.gap()], ""), index=missed.index)
    key = missed["occasion"].astype("string") + "|" + day
    return _fines(missed["cust"], GREETING, occasion, missed["date"], missed["occasion"].astype("string") + "问候",
                  rules["penalties"]["greeting_fine"], _pending_reason(reason, proven, why), key, proven)


def _event_fines(customers: pd.DataFrame, contacts: pd.DataFrame, events: pd.DataFrame, profiles: pd.DataFrame,
                 people: pd.DataFrame, week: PlanWeek, rules: Rules, coverage: Coverage) -> pd.DataFrame:
    """Appreciation events not offered to buyers; major events not notified to prospects."""
    cfg = rules["penalties"]
    if not len(events) or "event_date" not in events:
        return _none()
    audit = week.audit
    notice = rules["actions"]["event_notice_days"]
    dated = events[events["event_date"].between(pd.Timestamp(audit.monday), pd.Timestamp(audit.sunday))]
    # The event's own type decides (答谢/营销); its name only when the type is blank.
    text = column(dated, "event_type").astype("string").fillna(column(dated, "event_name").astype("string")).fillna("")
    days = ContactDays(contacts, cfg["greeting_methods"], cfg["greeting_evidence_words"])
    appreciation = text.str.contains("|".join(cfg["appreciation_words"]), regex=True) if cfg[
        "appreciation_words"] else pd.Series(False, index=text.index)
    major = text.str.contains("|".join(cfg["event_words"]), regex=True) if cfg["event_words"] else appreciation & False
    evidence = coverage.of(NOTICES)
    parts = []
    for rule, which, stages, fine, what in (
        (APPRECIATION, appreciation, cfg["appreciation_stages"], cfg["appreciation_fine"], "答谢活动邀约"),
        (EVENT, major & ~appreciation, cfg["event_stages"], cfg["event_fine"], "活动通知"),
    ):
        eligible = profiles.index[_stage_in(profiles, stages).to_numpy()]
        for row in dated[which.to_numpy()].itertuples(index=False):  # a handful of events
            on = pd.Series(row.event_date, index=range(len(eligible)))
            held, unknown = _held(people.reindex(eligible).reset_index(drop=True), on, on)
            cust = eligible[held | unknown]
            ids = customers["customer_id"].reindex(cust).reset_index(drop=True)
            told = days.contacted(ids, pd.Series(row.event_date, index=ids.index), before=notice)
            missed, unknown = cust[~told], unknown[held | unknown][~told]
            name = str(row.event_name) if pd.notna(getattr(row, "event_name", None)) else "公司活动"
            day = row.event_date.strftime("%Y-%m-%d")
            n = len(missed)
            first = pd.Series(row.event_date - pd.Timedelta(days=notice), index=range(n))
            covered = coverage.covers(first, pd.Series(row.event_date, index=range(n)))
            proven = evidence.auditable & covered & ~unknown
            reason = pd.Series(f"活动“{name}”（{day}）前 {notice} 天内没有联系客户", index=range(n), dtype="string")
            why = pd.Series(np.select([np.full(n, not evidence.auditable), unknown, ~covered],
                                      [_cannot(evidence), UNKNOWN_SINCE, coverage.gap()], ""),
                            index=range(n))
            parts.append(_fines(missed, rule, np.full(n, f"{name} {day}"), np.full(n, row.event_date),
                                np.full(n, what), fine, _pending_reason(reason, proven, why).to_numpy(),
                                np.full(n, f"{name}|{day}"), proven))
    return _stack(parts)


def _monthly_call_fines(customers: pd.DataFrame, contacts: pd.DataFrame, profiles: pd.DataFrame,
                        people: pd.DataFrame, week: PlanWeek, rules: Rules, coverage: Coverage) -> pd.DataFrame:
    """Prospects with no real contact in the calendar month whose last day falls in the audit week."""
    cfg = rules["penalties"]
    audit = week.audit
    month_end = next((d for d in pd.date_range(audit.monday, audit.sunday) if d.is_month_end), None)
    if month_end is None:
        return _none()
    month_start = month_end.replace(day=1)
    eligible = profiles.index[_stage_in(profiles, cfg["monthly_call_stages"]).to_numpy()]
    # Held to the month only if a customer in the stage by its first day, and not out by its last.
    held, unknown = _held(people.reindex(eligible), pd.Series(month_start, index=eligible),
                          pd.Series(month_end, index=eligible))
    due = eligible[held | unknown]
    unknown = unknown[held | unknown]
    methods = monthly_call_methods(rules)
    calls = ContactDays(contacts, methods).frame
    called = calls[calls["day"].between(month_start, month_end)]["customer_id"].unique()
    missing = ~customers["customer_id"].reindex(due).isin(called).to_numpy()
    missed, unknown = due[missing], unknown[missing]
    label = f"{month_start.year}年{month_start.month}月"
    n = len(missed)
    evidence = coverage.of(CALLS)
    covered = coverage.covers(pd.Series(month_start, index=range(n)), pd.Series(month_end, index=range(n)))
    # A prospect whose note says they bought (已签约, 交定金) by the month's end was not a prospect to call.
    bought = (people["bought"].reindex(missed) <= month_end).fillna(False).to_numpy(dtype=bool)
    said = people["bought_said"].reindex(missed).astype("string")
    bought_why = (f"{PROBABLE_DEAL}，" + said + "，请先补登成交日期").fillna(f"{PROBABLE_DEAL}，请先补登成交日期")
    bought_why = bought_why.to_numpy(dtype=object)
    proven = evidence.auditable & covered & ~unknown & ~bought
    reason = pd.Series(f"{label}（{month_start:%m-%d} 至 {month_end:%m-%d}）没有{_methods_said(methods)}记录",
                       index=range(n), dtype="string")
    why = pd.Series(np.select([np.full(n, not evidence.auditable), unknown, ~covered, bought],
                              [_cannot(evidence), UNKNOWN_SINCE, coverage.gap(), bought_why], ""), index=range(n))
    return _fines(missed, MONTHLY_CALL, np.full(n, label), np.full(n, month_end), np.full(n, "当月电话或见面"),
                  cfg["monthly_call_fine"], _pending_reason(reason, proven, why).to_numpy(),
                  np.full(n, f"{month_start:%Y-%m}"), proven)


def _outreach_fines(customers: pd.DataFrame, contacts: pd.DataFrame, profiles: pd.DataFrame, people: pd.DataFrame,
                    week: PlanWeek, rules: Rules, coverage: Coverage) -> pd.DataFrame:
    """外拓 leads whose call deadline fell in the audit week without a call."""
    cfg = rules["penalties"]
    audit = week.audit
    days = rules["actions"]["outreach_days"]
    out = date_column(customers, "outreach_at").dt.normalize()
    deadline = out + pd.Timedelta(days=days)
    lead = _stage_in(profiles, ["外拓"]) & deadline.between(pd.Timestamp(audit.monday), pd.Timestamp(audit.sunday))
    lead &= ~(people["out"] <= deadline).fillna(False)  # an invalid lead (空号) cannot be called
    leads = customers[lead.to_numpy()]
    if leads.empty:
        return _none()
    called = ContactDays(contacts, cfg["outreach_methods"]).contacted(
        leads["customer_id"].reset_index(drop=True), deadline[lead].reset_index(drop=True), before=days)
    missed = leads.index[~called]
    when = out.loc[missed]
    evidence = coverage.of(OUTREACH)
    proven = evidence.auditable & coverage.covers(when, deadline.loc[missed])
    reason = "外拓 " + when.dt.strftime("%Y-%m-%d") + f" 后 {days} 天内（至 " + deadline.loc[missed].dt.strftime(
        "%m-%d") + "）没有" + _methods_said(cfg["outreach_methods"])
    why = _cannot(evidence) if not evidence.auditable else coverage.gap()
    return _fines(missed, OUTREACH_CALL, "外拓 " + when.dt.strftime("%Y-%m-%d"), deadline.loc[missed],
                  np.full(len(missed), f"{days} 天内电话邀约"), cfg["outreach_fine"],
                  _pending_reason(reason, proven, why), when.dt.strftime("%Y-%m-%d"), proven)


def _fake_fines(customers: pd.DataFrame, contacts: pd.DataFrame, week: PlanWeek, rules: Rules,
                coverage: Coverage) -> pd.DataFrame:
    """Contacts a manager marked false (主管核查), in the look-back window before the audit week's end;
    待核实 when the register cannot say whose they are (an essential column missing)."""
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
    lost = mark[fake & recent][keep].str.contains(LOST_STAGE).fillna(False).to_numpy()
    when = marked["contact_at"]
    day = when.dt.strftime("%Y-%m-%d")
    said = column(marked, "content").astype("string").fillna("（无内容）")
    rule = np.where(lost, FAKE_LOST, FAKE_FOLLOW_UP)
    reason = "主管核查=" + mark[fake & recent][keep] + "：" + day + " 的跟进“" + said.str.slice(0, 30) + "”"
    key = when.dt.strftime("%Y-%m-%d %H:%M") + "|" + said.str.slice(0, 30)
    evidence = coverage.of(VERIFIED)
    proven = np.full(len(marked), evidence.auditable)
    frame = _fines(cust, FAKE_FOLLOW_UP, "跟进 " + day, when.dt.normalize(), "真实跟进", cfg["fake_fine"],
                   _pending_reason(reason, proven, evidence.summary), key, proven)
    frame["rule"] = rule
    return frame


def _decided(decisions: pd.DataFrame | None) -> pd.DataFrame:
    """The manager's decisions by 罚款编号: decision (确认/免罚/待核实 or missing) and note."""
    if decisions is None or not len(decisions):
        return pd.DataFrame({"decision": pd.Series(dtype="string"), "note": pd.Series(dtype="string")},
                            index=pd.Index([], dtype="string", name="code"))
    table = decisions.drop_duplicates("code", keep="last").set_index("code")
    return table.reindex(columns=["decision", "note"]).astype("string")


def assess_fines(customers: pd.DataFrame, contacts: pd.DataFrame, events: pd.DataFrame, profiles: pd.DataFrame,
                 dates: dict[str, pd.DataFrame], week: PlanWeek, rules: Rules,
                 charged: pd.DataFrame | None = None, coverage: Coverage | None = None,
                 decisions: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(fines, greeting checks) for the audit week.

    ``coverage`` says what the register proves (measured here, as of today, when not given).
    ``charged`` is the history of fines of *other* weeks (columns key, agent, rule, and status): a case
    listed in another week is not listed again, and the agent's earlier fake records count towards
    第几次 and the doubling. ``decisions`` (code, decision, note) are the manager's: attached to their
    rows; a waived fake record is no offence.

    Each fine has: status (罚款 or 待核实), fine (its amount if charged or confirmed), amount (shown:
    charged, or confirmed by the manager), suggested (charged by the tool), confirmed (确认 by the
    manager), offence (fake records only), code (罚款编号), decision and note.
    """
    run_day = coverage.run_day if coverage is not None else dt.date.today()
    coverage = coverage or measure_coverage(contacts, week, rules, run_day)
    evidence = _evidence(contacts, run_day, rules)
    people = standing(customers, contacts, profiles)
    checks = greeting_checks(customers, evidence, profiles, dates, week, rules, coverage, people)
    fines = pd.concat([
        _greeting_fines(checks, coverage, rules),
        _event_fines(customers, evidence, events, profiles, people, week, rules, coverage),
        _monthly_call_fines(customers, evidence, profiles, people, week, rules, coverage),
        _outreach_fines(customers, evidence, profiles, people, week, rules, coverage),
        _fake_fines(customers, contacts, week, rules, coverage),
    ], ignore_index=True)
    # The key names the customer by 客户编号, never by row position: registers change between weeks.
    who = customers["customer_id"].reindex(fines["cust"]).astype("string").fillna("?").to_numpy()
    fines["key"] = fines["rule"] + "|" + who + "|" + fines["key"]
    fines = fines.drop_duplicates("key")
    fines["agent"] = customers["agent"].reindex(fines["cust"]).astype("string").fillna(NO_AGENT).to_numpy()
    fines["code"] = fine_codes(fines["key"])
    decided = _decided(decisions)
    waived = set(decided.index[decided["decision"].eq(WAIVED).fillna(False)])
    before = pd.Series(dtype="int64")
    if charged is not None and len(charged):
        fines = fines[~fines["key"].isin(charged["key"])]  # listed in another week: never twice
        fakes = charged[charged["rule"].isin(FAKE_RULES) & _charged(charged)]
        before = fakes[~codes_of(fakes).isin(waived).to_numpy()].groupby("agent").size()
    fines["status"] = np.where(fines["proven"], CHARGED, PENDING)
    fines["decision"] = decided["decision"].reindex(fines["code"]).to_numpy()
    fines["note"] = decided["note"].reindex(fines["code"]).to_numpy()
    # 第几次 only where the rule escalates (fake records), counted in time order: the earlier is the first.
    fines = fines.sort_values(["agent", "when", "rule", "cust"], kind="stable").reset_index(drop=True)
    offence = fines["rule"].isin(FAKE_RULES) & ~fines["code"].isin(waived)
    earlier = before.reindex(fines.loc[offence, "agent"]).fillna(0).to_numpy()
    fines["offence"] = pd.array([pd.NA] * len(fines), dtype="Int64")
    fines.loc[offence, "offence"] = fines[offence].groupby("agent").cumcount().to_numpy() + 1 + earlier
    cfg = rules["penalties"]
    repeat = offence & (fines["offence"] >= 2).fillna(False)
    factor = cfg["fake_repeat_factor"]
    fines.loc[repeat, "fine"] = fines.loc[repeat, "fine"] * factor
    nth = fines.loc[repeat, "offence"].astype("string")
    fines.loc[repeat, "reason"] = fines.loc[repeat, "reason"] + "；该经纪人第 " + nth + f" 次，罚款 ×{factor}"
    confirmed = fines["decision"].eq(CONFIRMED).fillna(False).to_numpy()
    fines["suggested"] = np.where(fines["proven"], fines["fine"], 0.0)
    fines["confirmed"] = np.where(confirmed, fines["fine"], 0.0)
    fines["amount"] = fines["fine"].where(fines["proven"].to_numpy() | confirmed)
    return fines.drop(columns="proven"), checks


def _evidence(contacts: pd.DataFrame, run_day: dt.date, rules: Rules) -> pd.DataFrame:
    """The follow-ups that prove a duty done: not dated after the run's day (a typo or a plan), and not one
    the manager marked false (a fake call greets nobody)."""
    if not len(contacts) or "contact_at" not in contacts:
        return contacts
    keep = ~(contacts["contact_at"] >= pd.Timestamp(run_day) + pd.Timedelta(days=1)).fillna(False)
    words = rules["penalties"]["fake_words"]
    if "verification" in contacts and words:
        keep &= ~contacts["verification"].astype("string").str.contains("|".join(words), regex=True).fillna(False)
    return contacts[keep.to_numpy(dtype=bool)]


def _charged(history: pd.DataFrame) -> pd.Series:
    """Rows of history that were fines, not 待核实 cases (rows saved before statuses existed were fines)."""
    status = history["status"] if "status" in history else pd.Series(pd.NA, index=history.index)
    return status.astype("string").fillna(CHARGED).eq(CHARGED)
