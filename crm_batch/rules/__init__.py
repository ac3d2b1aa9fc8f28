"""Business rules: functions from DataFrames to DataFrames, with the reason (判定依据) attached.

A rule module never reads a file or writes a workbook.
"""

from __future__ import annotations

import pandas as pd


def column(frame: pd.DataFrame, key: str) -> pd.Series:
    """A field's column, or all-missing when this register has no such column."""
    if key in frame:
        return frame[key]
    return pd.Series(pd.NA, index=frame.index, dtype="object")


def date_column(frame: pd.DataFrame, key: str) -> pd.Series:
    """A date field as datetime64 (NaT where blank or absent), whatever dtype an all-blank column arrived in."""
    return pd.to_datetime(column(frame, key), errors="coerce")
