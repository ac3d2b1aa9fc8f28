"""Business rules: functions from DataFrames to DataFrames, with the reason (判定依据) attached.

A rule module never reads a file or writes a workbook.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def column(frame: pd.DataFrame, key: str) -> pd.Series:
    """A field's column, or all-missing when this register has no such column."""
    if key in frame:
        return frame[key]
    return pd.Series(pd.NA, index=frame.index, dtype="object")


def date_column(frame: pd.DataFrame, key: str) -> pd.Series:
    """A date field as datetime64 (NaT where blank or absent), whatever dtype an all-blank column arrived in."""
    return pd.to_datetime(column(frame, key), errors="coerce")


def last_contact(
    customers: pd.DataFrame, contacts: pd.DataFrame, until: pd.Timestamp, methods: list[str] | None = None
) -> pd.Series:
    """Per customer (aligned to ``customers``): the day of their latest contact up to ``until``'s day.

    ``methods`` keeps only contacts of those methods (visits, calls…). Contacts dated
    after ``until`` (a typo, or a plan written as a contact) are never the last contact.
    """
    if len(contacts) and "contact_at" in contacts:
        at = pd.to_datetime(contacts["contact_at"], errors="coerce")
        keep = at.notna() & (at < until.normalize() + pd.Timedelta(days=1))
        if methods is not None:
            keep &= contacts["method"].isin(methods).fillna(False) if "method" in contacts else False
        by_id = at[keep].groupby(contacts.loc[keep, "customer_id"]).max()
    else:
        by_id = pd.Series(dtype="datetime64[ns]")
    # reindex, not map: map() with an empty datetime Series fails in pandas 3.
    found = by_id.reindex(customers["customer_id"].to_numpy()).to_numpy()
    return pd.Series(pd.to_datetime(found), index=customers.index).dt.normalize()


def key_account(customers: pd.DataFrame, profiles: pd.DataFrame) -> pd.Series:
    """大客户: a referral tier (老母鸡/小母鸡) or marked 大客户=是 in the register."""
    tier = profiles["referral"].notna() if "referral" in profiles else pd.Series(False, index=customers.index)
    marked = column(customers, "key_account").astype("string").eq("是").fillna(False)
    return (tier | marked).astype(bool)


def top_customer(customers: pd.DataFrame, profiles: pd.DataFrame, grades: list[str]) -> pd.Series:
    """A top-grade customer (A, or H/A for cars) or a key account: the ones treated closest."""
    top = profiles["grade"].astype("string").isin(grades).fillna(False).astype(bool)
    return top | key_account(customers, profiles)


def rows_by_id(customers: pd.DataFrame, ids: pd.Series) -> np.ndarray:
    """The customers' row labels for these 客户编号 (NaN where an id is not a customer), vectorised."""
    position = pd.Series(customers.index, index=customers["customer_id"].to_numpy())
    position = position[~position.index.duplicated()]
    return position.reindex(pd.Series(ids).to_numpy()).to_numpy()


def mark_patterns(marks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of a boolean matrix (customers × flags or fields), and which of them each row is.

    Customers share a few patterns (the same fields left blank, the same flags fired), so a rule
    that turns a pattern into text does it once per pattern: ``texts[which]`` then gives every row's.
    """
    if marks.shape[1] == 0:
        return np.zeros((1, 0), dtype=bool), np.zeros(len(marks), dtype=np.intp)
    packed, which = np.unique(np.packbits(marks, axis=1), axis=0, return_inverse=True)
    return np.unpackbits(packed, axis=1)[:, :marks.shape[1]].astype(bool), which.ravel()
