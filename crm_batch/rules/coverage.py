"""证据范围 (coverage): what the register can prove about the audit week, measured from the register itself.

Before a fine is charged, the audit asks the register two questions.

Which days does it cover? From the first follow-up to the last one (数据截至),
and never a day that is not over: only days before the run's real date
count, whatever week was asked for. A duty whose window reaches past those
days cannot be proven missed. The plan week's own reference day
(``PlanWeek.today``) is no bound: from Friday on it is next Monday.

Does it record what the duty asks for? Each duty is judged once, for the
whole register:

- 问候 (greetings, and with them 活动通知, sent the same way, by mass SMS):
  the register records greetings when greeting rows — the
  ``greeting_evidence_methods`` (短信) or a note with a greeting word (祝, 快乐,
  问候 …) — make up ``greeting_evidence_share`` of its follow-ups, or when on
  its past festivals and solar terms (at least ``greeting_rise_min_occasions``
  of them, before the audit week) the customers contacted a day rise to
  ``greeting_rise_factor`` times an ordinary day's. A WeChat row alone proves
  nothing: offices chat on WeChat (户型图, 一房一价) and greet elsewhere.
- 每月电话 and 外拓回访: the register has follow-ups of those methods at all.
- 虚假记录: the register has a 主管核查 column.

A duty the register cannot evidence is charged nothing: its would-be cases are
listed as 待核实 without an amount, and the reason is said in 总览 and 合规汇总.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from crm_batch import almanac
from crm_batch.calendar import PlanWeek
from crm_batch.rules import column
from crm_batch.rules_config import Rules
from crm_batch.text import mentions

GREETINGS, CALLS, NOTICES, OUTREACH, VERIFIED = "问候", "每月电话", "活动通知", "外拓回访", "虚假记录"
DUTIES = (GREETINGS, NOTICES, CALLS, OUTREACH, VERIFIED)
BIRTHDAY = "生日"


@dataclass(frozen=True)
class Evidence:
    """Whether the register can prove one duty missed, and the measured facts that say so."""

    duty: str
    auditable: bool
    summary: str  # a few words: 登记表没有短信/微信问候记录
    facts: str = ""  # the numbers behind it

    @property
    def headline(self) -> str:
        """问候无法稽核：登记表没有短信/微信问候记录 — the title of its section in 合规汇总."""
        return f"{self.duty}{'可以稽核' if self.auditable else '无法稽核'}：{self.summary}"

    def said(self) -> str:
        return f"{self.summary}（{self.facts}）" if self.facts else self.summary


@dataclass(frozen=True)
class Coverage:
    """The audit week, the days the register covers, and which duties it can evidence."""

    start: dt.date  # the audit week's Monday
    end: dt.date  # its Sunday
    run_day: dt.date  # the real day of the run: it and later days are not over
    data_start: dt.date | None  # the first follow-up's day
    data_end: dt.date | None  # the last follow-up's day, on or before the run day
    evidence: tuple[Evidence, ...] = ()

    @property
    def last_known(self) -> dt.date | None:
        """The last day the register can speak for: its last follow-up, and no later than the day before the run."""
        if self.data_end is None:
            return None
        return min(self.data_end, self.run_day - dt.timedelta(days=1))

    @property
    def first_day(self) -> dt.date:
        return max(self.start, self.data_start) if self.data_start else self.start

    @property
    def last_day(self) -> dt.date | None:
        """The audit week's last covered day; None when it covers none."""
        known = self.last_known
        if known is None:
            return None
        last = min(self.end, known)
        return last if last >= self.first_day else None

    @property
    def days(self) -> int:
        last = self.last_day
        return 0 if last is None else (last - self.first_day).days + 1

    @property
    def whole_week(self) -> bool:
        return self.days == 7

    def of(self, duty: str) -> Evidence:
        return next(e for e in self.evidence if e.duty == duty)

    def covers(self, first: pd.Series, last: pd.Series) -> np.ndarray:
        """Whether each window [first, last] lies inside the days the register covers."""
        known = self.last_known
        if known is None or self.data_start is None:
            return np.zeros(len(first), dtype=bool)
        lo, hi = pd.Timestamp(self.data_start), pd.Timestamp(known)
        inside = (pd.to_datetime(first) >= lo) & (pd.to_datetime(last) <= hi)
        return inside.fillna(False).to_numpy(dtype=bool)

    def gap(self) -> str:
        """Why the days after the covered ones are not audited, for a 待核实 reason and 总览."""
        known = self.last_known
        if known is None:
            return "登记表没有带日期的跟进记录"
        if self.data_end is not None and self.data_end < self.run_day:
            return f"数据截至 {self.data_end:%Y-%m-%d}"
        return f"{self.run_day:%Y-%m-%d}（运行当天）起的日子还没过完"

    def days_said(self) -> str:
        """稽核天数 for 总览: the covered days, and why the rest of the week is not audited."""
        last = self.last_day
        week = f"{self.start:%Y-%m-%d} 至 {self.end:%Y-%m-%d}"
        if last is None:
            return f"0 天：{self.gap()}，稽核周（{week}）没有可以稽核的日子，问候、电话等按日子稽核的规则都不罚款"
        said = f"{self.first_day:%Y-%m-%d} 至 {last:%Y-%m-%d}，{self.days} 天"
        if self.whole_week:
            return f"{said}（整周）"
        missing = []
        if self.first_day > self.start:
            missing.append(f"{self.start:%m-%d} 至 {self.first_day - dt.timedelta(days=1):%m-%d} 在第一条跟进记录之前，"
                           "不稽核")
        if last < self.end:
            rest = f"{last + dt.timedelta(days=1):%m-%d} 至 {self.end:%m-%d}"
            ended = self.data_end is not None and self.data_end < self.run_day
            missing.append(f"{self.gap()}，{rest} {'没有数据，不稽核' if ended else '不稽核'}")
        return f"{said}（{'；'.join(missing)}）"


def contact_days(contacts: pd.DataFrame, run_day: dt.date) -> pd.DataFrame:
    """The follow-ups the register can speak for: dated, and not after the run's real day."""
    if not len(contacts) or "contact_at" not in contacts:
        return pd.DataFrame({"customer_id": pd.Series(dtype="string"), "day": pd.Series(dtype="datetime64[ns]"),
                             "method": pd.Series(dtype="string"), "content": pd.Series(dtype="string")})
    day = pd.to_datetime(contacts["contact_at"], errors="coerce").dt.normalize()
    keep = (day <= pd.Timestamp(run_day)).fillna(False).to_numpy(dtype=bool)
    return pd.DataFrame({"customer_id": contacts["customer_id"].astype("string").to_numpy()[keep],
                         "day": day.to_numpy()[keep],
                         "method": column(contacts, "method").astype("string").to_numpy()[keep],
                         "content": column(contacts, "content").astype("string").to_numpy()[keep]})


def occasion_window(name: str, rules: Rules) -> tuple[int, int]:
    """(days before, days after) an occasion in which a greeting counts: its holiday period, else ± tolerance."""
    cfg = rules["penalties"]
    tolerance = cfg["greeting_tolerance_days"]
    before, after = cfg["greeting_windows"].get(name, [tolerance, tolerance])
    return int(before), int(after)


def audited_occasions(start: dt.date, end: dt.date, rules: Rules) -> pd.DataFrame:
    """The holidays and solar terms whose greeting is audited with a date in [start, end]: date, name, kind,
    first and last day of the window.

    A holiday that is also a solar term (冬至, 清明) is listed, and audited, once.
    """
    cfg = rules["penalties"]
    days = almanac.occasions(start, end, rules["calendar"]["holidays"], cfg["greeting_solar_terms"])
    term = days["name"].isin(almanac.SOLAR_TERMS).fillna(False) & cfg["greeting_solar_terms"]
    fined = ((days["kind"] == almanac.SOLAR_TERM) | days["name"].isin(cfg["greeting_holidays"]) | term)
    days = days[fined.fillna(False).to_numpy(dtype=bool)].reset_index(drop=True)
    windows = [occasion_window(name, rules) for name in days["name"]]
    days["first"] = days["date"] - pd.to_timedelta([b for b, _ in windows], unit="D")
    days["last"] = days["date"] + pd.to_timedelta([a for _, a in windows], unit="D")
    return days


def _greeting_rows(days: pd.DataFrame, rules: Rules) -> pd.Series:
    cfg = rules["penalties"]
    by_method = days["method"].isin(cfg["greeting_evidence_methods"]).fillna(False)
    return by_method.astype(bool) | mentions(days["content"], cfg["greeting_evidence_words"])


def greeting_evidence(days: pd.DataFrame, week: PlanWeek, rules: Rules) -> Evidence:
    """问候: does the register record greetings? Greeting rows, or a rise in contacts on past occasions."""
    cfg = rules["penalties"]
    greeting = _greeting_rows(days, rules)
    total, found = len(days), int(greeting.sum())
    share = found / total if total else 0.0
    needed = cfg["greeting_evidence_share"]
    messages = days["method"].isin(cfg["greeting_evidence_methods"]).fillna(False)
    if total and share >= needed:
        return Evidence(GREETINGS, True, "登记表记录了问候",
                        f"{'/'.join(cfg['greeting_evidence_methods']) or '短信'}或写着祝福、问候的跟进 {found:,} 条，"
                        f"占跟进记录 {share:.1%}，要求至少 {needed:.0%}")
    rise, occasions, during, ordinary = festival_rise(days, week, rules)
    factor, least = cfg["greeting_rise_factor"], cfg["greeting_rise_min_occasions"]
    risen = f"以往 {occasions} 个节日/节气期间每天联系 {during:.0f} 位客户，平时 {ordinary:.0f} 位"
    if occasions >= least and rise >= factor:
        return Evidence(GREETINGS, True, "以往的节日联系明显增加", f"{risen}（{rise:.1f} 倍，要求至少 {factor:g} 倍）")
    wechat = days["method"].eq("微信").fillna(False)
    sms = int(messages.sum())
    summary = "登记表没有短信/微信记录" if not sms and not wechat.any() else "登记表没有短信/微信问候记录"
    parts = [f"{'/'.join(cfg['greeting_evidence_methods']) or '短信'} {sms:,} 条"]
    if wechat.any():
        parts.append(f"微信 {int(wechat.sum()):,} 条，写着祝福或问候的 {int((wechat & greeting).sum()):,} 条")
    parts.append(f"写着祝福、问候的跟进共 {found:,} 条（{share:.1%}，要求至少 {needed:.0%}）")
    if occasions >= least:
        parts.append(f"{risen}，没有明显增加（{rise:.1f} 倍，要求至少 {factor:g} 倍）")
    else:
        parts.append(f"登记表里以往的节日/节气只有 {occasions} 个，看不出节日是否多联系")
    return Evidence(GREETINGS, False, summary, "；".join(parts))


def festival_rise(days: pd.DataFrame, week: PlanWeek, rules: Rules) -> tuple[float, int, float, float]:
    """(rise, occasions, customers a day during them, on other days) over the register's days before the audit week.

    Only occasions whose whole window the register covers are counted; a day is a festival day when it
    lies in any of their windows.
    """
    if days.empty:
        return 0.0, 0, 0.0, 0.0
    first = days["day"].min()
    last = min(days["day"].max(), pd.Timestamp(week.audit.monday) - pd.Timedelta(days=1))
    if last < first:
        return 0.0, 0, 0.0, 0.0
    span = pd.date_range(first, last)
    past = audited_occasions(first.date(), last.date(), rules)
    past = past[(past["first"] >= first) & (past["last"] <= last)]
    if past.empty:
        return 0.0, 0, 0.0, 0.0
    festive = np.zeros(len(span), dtype=bool)
    for row in past.itertuples(index=False):  # a handful of occasions in a register's months
        festive |= ((span >= row.first) & (span <= row.last))
    # Visits crowd into holidays anyway (金九银十): only the other contacts can show greetings.
    reached = days[~days["method"].isin(rules["penalties"]["greeting_rise_exclude"]).fillna(False)]
    daily = reached[reached["day"].between(first, last)].groupby("day")["customer_id"].nunique()
    per_day = daily.reindex(span, fill_value=0).to_numpy(dtype=float)
    during = float(per_day[festive].mean())
    ordinary = float(per_day[~festive].mean()) if (~festive).any() else 0.0
    rise = during / ordinary if ordinary > 0 else (np.inf if during > 0 else 0.0)
    return float(rise), len(past), during, ordinary


def _method_evidence(duty: str, days: pd.DataFrame, methods: list[str], what: str) -> Evidence:
    found = int(days["method"].isin(methods).fillna(False).sum())
    if found:
        return Evidence(duty, True, f"登记表记录了{what}", f"{'、'.join(methods)} {found:,} 条")
    return Evidence(duty, False, f"登记表没有{what}记录", f"没有{'、'.join(methods)}的跟进记录")


def monthly_call_methods(rules: Rules) -> list[str]:
    """The contacts that count as the month's call: calls and visits, and the messages when the team says so."""
    cfg = rules["penalties"]
    return [*cfg["monthly_call_methods"], *(rules["compliance"]["sms_methods"] if cfg["monthly_call_messages_count"]
                                            else [])]


def measure_coverage(contacts: pd.DataFrame, week: PlanWeek, rules: Rules, run_day: dt.date,
                     lacking: bool = False) -> Coverage:
    """What the register proves for the audit week of ``week``, on a run on ``run_day`` (the real date).

    ``lacking``: the registers lack an essential column (phone or 客户编号, 经纪人, a log's contact
    time; ingest/register.py says which): nothing can be proven of whom, or charged to whom.
    """
    cfg = rules["penalties"]
    days = contact_days(contacts, run_day)
    audit = week.audit
    data_start = days["day"].min().date() if len(days) else None
    data_end = days["day"].max().date() if len(days) else None
    greetings = greeting_evidence(days, week, rules)
    calls = monthly_call_methods(rules)
    # Event notices go out as greetings do, by mass SMS: the register proves them when it proves greetings.
    notices = Evidence(NOTICES, greetings.auditable, greetings.summary, "通知和问候一样多是群发短信")
    verified = "verification" in contacts and column(contacts, "verification").notna().any()
    evidence = (
        greetings,
        notices,
        _method_evidence(CALLS, days, calls, "电话和见面"),
        _method_evidence(OUTREACH, days, cfg["outreach_methods"], "电话和见面"),
        Evidence(VERIFIED, True, "登记表有主管核查") if verified
        else Evidence(VERIFIED, False, "登记表没有主管核查记录"),
    )
    if lacking:
        evidence = tuple(Evidence(e.duty, False, "登记表缺少必要的列（见总览第一行）", e.facts) for e in evidence)
    return Coverage(audit.monday, audit.sunday, run_day, data_start, data_end, evidence)
