"""联系频率: when each customer was last contacted and when the next contact is due.

The interval comes from the computed grade (rules ``[cadence.interval_days]``);
key accounts (老母鸡/小母鸡) are revisited at least every ``key_account_days``,
and everyone at least every ``revisit_days`` (每3个月定期回访). A customer never
contacted is due at once. A 疑似成交 (the office's note says 已认购…) is a buyer:
the quarterly revisit is their cadence too.

``stale_top_grade`` names the top-grade prospects whose grade the contacts no
longer support (等级待复核): not reached for more than ``actions.regrade_factor``
× their interval, counted up to the last day the log records.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from crm_batch.rules import column, key_account, last_contact
from crm_batch.rules_config import Rules
from crm_batch.vocabulary import LOST_STAGE, OWNER_STAGES, PROBABLE_DEAL


def contact_cadence(
    customers: pd.DataFrame, contacts: pd.DataFrame, profiles: pd.DataFrame, today: dt.date, rules: Rules
) -> pd.DataFrame:
    """最近联系, 距今天数, the grade's interval, 下次应联系 and the reason, per customer."""
    cfg = rules["cadence"]
    index = customers.index
    now = pd.Timestamp(today)
    last = last_contact(customers, contacts, now)
    days_since = (now - last).dt.days

    grade = profiles["grade"].astype("string")
    interval = pd.to_numeric(grade.map(cfg["interval_days"]), errors="coerce").fillna(0)
    interval = interval.where(interval > 0, cfg["revisit_days"]).clip(upper=cfg["revisit_days"])
    # A buyer or a lost customer is past the intent grades: the quarterly revisit is their cadence.
    stage = column(profiles, "stage").astype("string")
    settled = stage.isin([*OWNER_STAGES, LOST_STAGE]).fillna(False).astype(bool)
    bought = column(profiles, "status").astype("string").eq(PROBABLE_DEAL).fillna(False).astype(bool)
    interval = interval.mask(settled | bought, cfg["revisit_days"])
    key = key_account(customers, profiles)
    interval = interval.mask(key, np.minimum(interval, cfg["key_account_days"])).astype("int64")

    next_due = (last + pd.to_timedelta(interval, unit="D")).fillna(now)
    rule = (grade + " 级每 " + interval.astype(str) + " 天至少联系一次").fillna(
        "未分级客户每 " + interval.astype(str) + " 天至少联系一次")
    rule = rule.mask(settled, stage + "客户每 " + interval.astype(str) + " 天至少回访一次（定期回访）")
    rule = rule.mask(bought & ~settled, "疑似成交客户每 " + interval.astype(str) + " 天至少回访一次（定期回访）")
    who = profiles.get("referral", pd.Series(index=index)).astype("string").fillna("大客户")
    rule = rule.mask(key, who + "每 " + interval.astype(str) + " 天至少回访一次")
    seen = ("最近联系 " + last.dt.strftime("%Y-%m-%d") + "（" + days_since.astype("Int64").astype("string")
            + " 天前）→ 应于 " + next_due.dt.strftime("%Y-%m-%d") + " 联系")
    reason = rule + "；" + seen.fillna("没有任何跟进记录 → 本周应联系")
    return pd.DataFrame(
        {"last_contact": last, "days_since": days_since.astype("Int64"), "interval_days": interval,
         "next_due": next_due, "cadence_rule": rule, "cadence_reason": reason},
        index=index,
    )


def recorded_until(contacts: pd.DataFrame, today: dt.date, lag_days: int = 3) -> pd.Timestamp:
    """The last day the follow-up log records anything, up to today, and at most ``lag_days`` before it.

    A log exported on Friday and run on Monday says nothing about the weekend: a top grade's
    one-day window is judged up to the log's last day, not up to today. A log that stopped weeks
    ago is no excuse, though: nobody is given more than ``lag_days`` (``cadence.recording_lag_days``).
    """
    now = pd.Timestamp(today).normalize()
    if not len(contacts) or "contact_at" not in contacts:
        return now
    at = pd.to_datetime(contacts["contact_at"], errors="coerce")
    last = at[at < now + pd.Timedelta(days=1)].max()
    return now if pd.isna(last) else min(now, max(last.normalize(), now - pd.Timedelta(days=lag_days)))


def stale_top_grade(
    customers: pd.DataFrame, profiles: pd.DataFrame, until: pd.Timestamp, rules: Rules
) -> tuple[pd.Series, pd.Series]:
    """等级待复核: top-grade prospects not reached for more than regrade_factor × their interval.

    Returns (stale, days): per customer, whether the grade needs review, and the days without a
    contact counted up to ``until`` (the log's last day). A buyer, a 战败, a 疑似成交 and a key
    account are not reviewed this way (their cadence is not the grade's), nor is a customer
    never contacted (their first call is simply due).
    """
    factor = rules["actions"]["regrade_factor"]
    grade = profiles["grade"].astype("string")
    stage = column(profiles, "stage").astype("string")
    status = column(profiles, "status").astype("string")
    prospect = ~stage.isin([*OWNER_STAGES, LOST_STAGE]).fillna(False).astype(bool) & status.isna()
    top = grade.isin(rules["actions"]["top_grades"]).fillna(False).astype(bool) & prospect
    top &= ~key_account(customers, profiles)
    days = (until - profiles["last_contact"]).dt.days.astype("Float64")
    window = profiles["interval_days"].astype("float64") * factor
    # Never contacted: the first call is simply due (cadence), there is no contact to have gone stale.
    stale = top & (days > window).fillna(False).astype(bool)
    return stale.astype(bool), days.astype("Int64")
