"""联系频率 (SPEC §4): last contact and next due date, hand-computed."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from crm_batch.rules.cadence import contact_cadence
from crm_batch.rules_config import load_rules

TODAY = dt.date(2026, 11, 23)


def cadence(grade, contact_dates, referral=None, preset=None):
    customers = pd.DataFrame({"customer_id": ["K1"]})
    profiles = pd.DataFrame({"grade": [grade], "referral": [referral]})
    contacts = pd.DataFrame({"customer_id": ["K1"] * len(contact_dates),
                             "contact_at": pd.to_datetime(contact_dates)})
    return contact_cadence(customers, contacts, profiles, TODAY, load_rules(preset)).iloc[0]


@pytest.mark.parametrize(
    ("grade", "last", "interval", "due"),
    [
        ("A", "2026-11-20", 1, "2026-11-21"),
        ("B", "2026-11-20", 3, "2026-11-23"),
        ("C", "2026-11-01", 15, "2026-11-16"),
        ("D", "2026-10-01", 90, "2026-12-30"),  # marketing nodes only, but the 3-month revisit holds
    ],
    ids=["A-daily", "B-twice-a-week", "C-twice-a-month", "D-quarterly"],
)
def test_next_due_by_grade(grade, last, interval, due):
    row = cadence(grade, ["2026-09-01", last])
    assert (row.interval_days, row.next_due) == (interval, pd.Timestamp(due))
    assert row.last_contact == pd.Timestamp(last)


def test_days_since_last_contact_and_reason():
    row = cadence("C", ["2026-10-09 15:30"])
    assert row.days_since == 45
    assert row.cadence_reason == "C 级每 15 天至少联系一次；最近联系 2026-10-09（45 天前）→ 应于 2026-10-24 联系"


def test_key_accounts_are_revisited_twice_a_week():
    row = cadence("C", ["2026-11-10"], referral="老母鸡")
    assert row.interval_days == 3 and row.cadence_reason.startswith("老母鸡每 3 天")


def test_never_contacted_is_due_now():
    row = cadence("B", [])
    assert pd.isna(row.last_contact) and row.next_due == pd.Timestamp(TODAY)
    assert "没有任何跟进记录" in row.cadence_reason


def test_contacts_dated_in_the_future_are_not_the_last_contact():
    row = cadence("A", ["2026-11-20", "2027-01-05"])
    assert row.last_contact == pd.Timestamp("2026-11-20")


def test_auto_dealer_intervals():
    assert cadence("H", ["2026-11-20"], preset="auto_dealer").interval_days == 1
    assert cadence("B", ["2026-11-20"], preset="auto_dealer").interval_days == 14
