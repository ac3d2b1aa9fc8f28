"""约定回访: the next contact each customer's agent wrote down (下次跟进时间), and whether it was kept.

Only a customer's latest plan counts: a later contact that names another day
replaces it. A plan is **missed** (未按计划回访) when its day is before the
reference day and nothing was recorded with the customer after the contact that
set it, and the log goes on past that day: a log exported on Friday cannot tell
whether Saturday's appointment was kept (see ``provable_until``). Seed 003 names
"未按照计划执行回访" as the typical failure of a follow-up card. Missed plans are
never forgotten: the week's plan calls them first (rules/actions.py) and 流失预警
flags them (rules/churn.py).
"""

from __future__ import annotations

import pandas as pd

from crm_batch.rules import column, date_column


def latest_plans(customers: pd.DataFrame, contacts: pd.DataFrame, today: pd.Timestamp) -> pd.DataFrame:
    """Per customer (aligned to ``customers``): the latest 下次跟进时间 and the contact that set it.

    Columns: ``planned_for`` (the agreed day), ``set_at`` (when it was agreed), ``set_by`` (the
    method of that contact), ``said`` (its note), and ``kept``: whether anything was recorded
    with the customer after that contact, up to ``today``'s day.
    """
    empty = pd.DataFrame({
        "planned_for": pd.Series(pd.NaT, index=customers.index, dtype="datetime64[ns]"),
        "set_at": pd.Series(pd.NaT, index=customers.index, dtype="datetime64[ns]"),
        "set_by": pd.Series(pd.NA, index=customers.index, dtype="string"),
        "said": pd.Series(pd.NA, index=customers.index, dtype="string"),
        "kept": pd.Series(False, index=customers.index),
    })
    if not len(contacts) or "next_contact_at" not in contacts or "contact_at" not in contacts:
        return empty
    until = today.normalize() + pd.Timedelta(days=1)
    log = pd.DataFrame({
        "customer_id": contacts["customer_id"].to_numpy(),
        "at": date_column(contacts, "contact_at").to_numpy(),
        "next": date_column(contacts, "next_contact_at").dt.normalize().to_numpy(),
        "method": column(contacts, "method").astype("string").to_numpy(),
        "said": column(contacts, "content").astype("string").str.strip().to_numpy(),
    })
    log = log[log["at"].notna() & (log["at"] < until)]
    plans = log[log["next"].notna()].sort_values("at", kind="stable").drop_duplicates("customer_id", keep="last")
    plans = plans.set_index("customer_id")
    latest = log.groupby("customer_id")["at"].max()
    ids = customers["customer_id"].to_numpy()
    found = plans.reindex(ids)
    last_seen = latest.reindex(ids).to_numpy()
    set_at = pd.to_datetime(found["at"].to_numpy())
    return pd.DataFrame({
        "planned_for": pd.to_datetime(found["next"].to_numpy()),
        "set_at": set_at,
        "set_by": found["method"].astype("string").to_numpy(),
        "said": found["said"].astype("string").to_numpy(),
        "kept": pd.notna(set_at) & (pd.to_datetime(last_seen) > set_at),
    }, index=customers.index).astype({"set_by": "string", "said": "string"})


def provable_until(contacts: pd.DataFrame, today: pd.Timestamp) -> pd.Timestamp:
    """The day from which an agreed follow-up cannot be called missed: ``today``, or the log's last
    recorded day when the log ends before it (an export from last Friday, read on Monday)."""
    until = today.normalize()
    if not len(contacts) or "contact_at" not in contacts:
        return until
    at = date_column(contacts, "contact_at")
    last = at[at < until + pd.Timedelta(days=1)].max()
    return min(until, last.normalize()) if pd.notna(last) else until


def missed_appointments(customers: pd.DataFrame, contacts: pd.DataFrame, today: pd.Timestamp,
                        plans: pd.DataFrame | None = None) -> pd.DataFrame:
    """未按计划回访: the customers whose agreed day is before ``today`` and before the log's last day
    (``provable_until``) with nothing recorded since.

    Returns the rows of ``latest_plans`` (given, or worked out) for those customers, with
    ``missed_days``: how many days before ``today`` the agreed day was.
    """
    plans = latest_plans(customers, contacts, today) if plans is None else plans.loc[customers.index]
    until = provable_until(contacts, today)
    missed = plans[plans["planned_for"].notna() & (plans["planned_for"] < until) & ~plans["kept"]]
    return missed.assign(missed_days=(today.normalize() - missed["planned_for"]).dt.days.astype("int64"))
