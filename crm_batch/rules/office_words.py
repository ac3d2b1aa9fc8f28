"""登记表里的说法: what the office's own words say about a customer, beyond the grade letter.

Offices write a customer's state into the grade cell (``D类(无效)``) and into their
follow-up notes (空号, 不考虑了, 已经在别处买了, 已认购 4-1102). Three states
matter to the plan and the audit, each from a word list in the rules'
``[office_words]`` table, matched on the written grade and on the customer's
latest follow-up note:

- 无效线索 (``invalid``): not a real lead — no actions, no fines, listed once;
- 疑似成交 (``deal``): bought, but no 成交日期 was written — treated as a buyer;
- 建议战败 (``out``): the customer said no — no routine calls, proposed for 战败.

A word preceded by a negation (未认购, 还没排号, 不是空号) does not count. A deal
in the latest note wins over the other two; an invalid lead over an "out". Each
state carries its evidence: the note and its date, or the grade as written.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from crm_batch.rules import column
from crm_batch.rules_config import Rules
from crm_batch.vocabulary import INVALID_LEAD, PROBABLE_DEAL, PROPOSED_LOST

# Checked in this order; the first that matches decides.
STATES = (("deal", PROBABLE_DEAL), ("invalid", INVALID_LEAD), ("out", PROPOSED_LOST))


def _pattern(words: list[str], negations: list[str]) -> re.Pattern[str] | None:
    """Any of ``words``, unless a negation stands right before it."""
    if not words:
        return None
    guards = "".join(f"(?<!{re.escape(n)})" for n in sorted(negations, key=len, reverse=True))
    return re.compile(guards + "(?:" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + ")")


def _matches(text: pd.Series, pattern: re.Pattern[str] | None) -> pd.Series:
    """Whether each text holds the pattern, computed once per distinct text (notes repeat)."""
    if pattern is None or text.empty:
        return pd.Series(False, index=text.index)
    codes, uniques = pd.factorize(text, use_na_sentinel=True)
    found = np.array([bool(pattern.search(u)) for u in uniques] + [False], dtype=bool)
    return pd.Series(found[codes], index=text.index)


def latest_notes(customers: pd.DataFrame, contacts: pd.DataFrame) -> pd.DataFrame:
    """Per customer: the text, date and method of their latest follow-up note (a contact with content)."""
    empty = pd.DataFrame({"note": pd.Series(pd.NA, index=customers.index, dtype="string"),
                          "note_at": pd.Series(pd.NaT, index=customers.index, dtype="datetime64[ns]"),
                          "method": pd.Series(pd.NA, index=customers.index, dtype="string")})
    if not len(contacts) or "content" not in contacts:
        return empty
    said = contacts[["customer_id", "contact_at", "content"]].copy()
    said["method"] = column(contacts, "method").astype("string")
    said["content"] = said["content"].astype("string").str.strip()
    said = said[said["content"].notna() & (said["content"] != "")]
    said["contact_at"] = pd.to_datetime(said["contact_at"], errors="coerce")
    latest = said.sort_values("contact_at", na_position="first", kind="stable").drop_duplicates(
        "customer_id", keep="last").set_index("customer_id")
    ids = customers["customer_id"].to_numpy()
    return pd.DataFrame({"note": latest["content"].reindex(ids).to_numpy(),
                         "note_at": pd.to_datetime(latest["contact_at"].reindex(ids).to_numpy()),
                         "method": latest["method"].reindex(ids).to_numpy()},
                        index=customers.index).astype({"note": "string", "method": "string"})


def office_status(customers: pd.DataFrame, contacts: pd.DataFrame, rules: Rules,
                  notes: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per customer: ``status`` (无效线索 / 疑似成交 / 建议战败, or missing) and ``status_evidence``.

    ``notes``: the customers' latest_notes, when the caller has them.
    """
    cfg = rules["office_words"]
    notes = latest_notes(customers, contacts) if notes is None else notes
    grade_text = column(customers, "grade_written").astype("string")
    when = notes["note_at"].dt.strftime("%Y-%m-%d").fillna("日期不详")
    note_evidence = "最近跟进（" + when + "）：“" + notes["note"].str.slice(0, 60) + "”"
    grade_evidence = "登记等级写作“" + grade_text + "”"
    status = pd.Series(pd.NA, index=customers.index, dtype="string")
    evidence = pd.Series(pd.NA, index=customers.index, dtype="string")
    for key, label in STATES:
        pattern = _pattern(cfg[key], cfg["negations"])
        in_note = _matches(notes["note"], pattern)
        # The grade cell speaks of invalid leads (D类(无效)); a deal or a refusal is told in the notes.
        in_grade = _matches(grade_text, pattern) if key == "invalid" else pd.Series(False, index=customers.index)
        hit = (in_note | in_grade) & status.isna()
        status = status.mask(hit, label)
        evidence = evidence.mask(hit & in_grade, grade_evidence).mask(hit & in_note & ~in_grade, note_evidence)
    return pd.DataFrame({"status": status, "status_evidence": evidence}, index=customers.index)
