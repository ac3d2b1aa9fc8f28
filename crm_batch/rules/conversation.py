"""上次聊到哪儿: what each customer's last contacts were about, so a call script can start from there.

Per customer, from the follow-up log:

- ``last_at``: the day of the latest contact (up to today);
- ``topic`` and ``topic_at``: what the latest note that names a topic was about, as a
  phrase one can say to the customer (户型, 首付和贷款 …: ``[actions.topics]``), and when;
- ``situation``: 未接通 (the latest note says the call did not get through:
  ``unreached_words``), 久未联系 (no contact for ``churn.stale_days``), 来访后 (the
  latest contact was a visit), or nothing.

Notes repeat (the same few phrases across thousands of rows), so each distinct note is
matched once.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from crm_batch.rules import column
from crm_batch.rules_config import Rules
from crm_batch.text import mentions

UNREACHED, IDLE, AFTER_VISIT = "未接通", "久未联系", "来访后"
AGAIN = "再次联系"  # a second call in the same week (set by the plan, not by the log)
VISIT = "来访"  # the contact method that is a visit (vocab.methods)


def _topic_of(texts: pd.Series, topics: dict[str, list[str]], unreached: list[str]) -> pd.Series:
    """Each note's topic phrase (the first whose words it holds), once per distinct note."""
    codes, uniques = pd.factorize(texts, use_na_sentinel=True)
    found = []
    for note in uniques:  # distinct notes, not rows
        if any(word in note for word in unreached):
            found.append(None)
            continue
        found.append(next((phrase for phrase, words in topics.items() if any(w in note for w in words)), None))
    table = np.array([*found, None], dtype=object)
    return pd.Series(table[codes], index=texts.index, dtype="string")


def conversation(customers: pd.DataFrame, contacts: pd.DataFrame, today: dt.date, rules: Rules) -> pd.DataFrame:
    """Per customer (aligned to ``customers``): last_at, topic, topic_at and situation (see the module)."""
    index = customers.index
    out = pd.DataFrame({"last_at": pd.Series(pd.NaT, index=index, dtype="datetime64[ns]"),
                        "topic": pd.Series(pd.NA, index=index, dtype="string"),
                        "topic_at": pd.Series(pd.NaT, index=index, dtype="datetime64[ns]"),
                        "situation": pd.Series(pd.NA, index=index, dtype="string")})
    if not len(contacts) or "contact_at" not in contacts:
        return out
    cfg = rules["actions"]
    log = pd.DataFrame({"customer_id": contacts["customer_id"].to_numpy(),
                        "at": pd.to_datetime(contacts["contact_at"], errors="coerce").to_numpy(),
                        "method": column(contacts, "method").astype("string").to_numpy(),
                        "note": column(contacts, "content").astype("string").str.strip().to_numpy()})
    log = log[log["at"].notna() & (log["at"] < pd.Timestamp(today) + pd.Timedelta(days=1))]
    log = log.sort_values("at", kind="stable")
    log["topic"] = _topic_of(log["note"], cfg["topics"], cfg["unreached_words"]).to_numpy()
    log["unreached"] = mentions(log["note"], cfg["unreached_words"])
    ids = customers["customer_id"].to_numpy()
    last = log.drop_duplicates("customer_id", keep="last").set_index("customer_id").reindex(ids)
    said = log[log["topic"].notna()].drop_duplicates("customer_id", keep="last").set_index("customer_id").reindex(ids)
    last_at = pd.to_datetime(last["at"].to_numpy()).normalize()
    idle = (pd.Timestamp(today) - last_at).days
    situation = np.select(
        [last["unreached"].fillna(False).to_numpy(dtype=bool),
         np.asarray(idle >= rules["churn"]["stale_days"], dtype=bool) & pd.notna(last_at),
         last["method"].eq(VISIT).fillna(False).to_numpy(dtype=bool)],
        [UNREACHED, IDLE, AFTER_VISIT], "")
    out["last_at"] = last_at
    out["topic"] = pd.Series(said["topic"].to_numpy(), index=index, dtype="string")
    out["topic_at"] = pd.to_datetime(said["at"].to_numpy()).normalize()
    out["situation"] = pd.Series(situation, index=index, dtype="string").replace("", pd.NA)
    return out

