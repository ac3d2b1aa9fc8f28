"""Match customers across sheets: one identity per person, one owner, every contact linked.

Rows sharing a 客户编号 or a phone (else a name under one agent) are one customer;
the earliest registration's agent owns them (客户信息归属) and other agents' rows
are reported. A follow-up log defines the customers no register holds. Each
contact is linked by 客户编号, else phone, else an unambiguous name + agent;
what links to nobody is a finding, never dropped silently.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from crm_batch.fields import label
from crm_batch.findings import Findings
from crm_batch.ingest.sheet import LOCATION

CONTACT_COLUMNS = ["customer_id", "name", "phone", "agent", "contact_at", "method", "content",
                   "next_contact_at", "grade", "verification"]


def stack_rows(frames: list[pd.DataFrame | None], required: list[str]) -> pd.DataFrame:
    """The sheets' rows as one frame, with the required columns (and the location) always there."""
    frames = [f for f in frames if f is not None and len(f)]
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    for col in [*required, *LOCATION]:
        if col not in out:
            out[col] = pd.Series(pd.NA, index=out.index, dtype="object")
    return out


def _stable_id(prefix: str, keys: pd.Series) -> pd.Series:
    """A short id that stays the same for the same key in every run (客户编号 when the register has none)."""
    hashed = pd.util.hash_pandas_object(keys.astype("string"), index=False).to_numpy()
    digits = pd.Series(hashed % np.uint64(10**12), index=keys.index).astype("string").str.zfill(12)
    return prefix + digits


def _name_agent(frame: pd.DataFrame) -> pd.Series:
    return frame["name"].astype("string") + "|" + frame["agent"].astype("string").fillna("")


def _known_phone(frame: pd.DataFrame) -> pd.Series:
    """A row's phone, or the one phone the same name + agent carries on other rows."""
    name_agent = _name_agent(frame)
    carriers = frame["phone"].notna() & frame["name"].notna()
    phones = frame["phone"][carriers].groupby(name_agent[carriers]).agg(["first", "nunique"])
    # Namesakes under one agent are common in a big register: only an unambiguous phone is borrowed.
    phone_of = phones.loc[phones["nunique"] == 1, "first"]
    return frame["phone"].astype("string").fillna(name_agent.map(phone_of).astype("string"))


def _identity(frame: pd.DataFrame, phone: pd.Series | None = None) -> pd.Series:
    """Phone, else name + agent: how rows without a 客户编号 are recognised as one customer."""
    phone = _known_phone(frame) if phone is None else phone
    return ("T:" + phone).fillna("N:" + _name_agent(frame))


def match_customers(customer_rows: list[pd.DataFrame], contact_rows: list[pd.DataFrame],
                    findings: Findings) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The customers (one row each, with a 客户编号) and the contacts linked to them.

    ``customer_rows`` are the rows of every customer sheet, ``contact_rows`` those of every
    contact log and card. Customers come from the registers, and from the logs for people no
    register holds; each contact gets its customer's id or becomes a finding.
    """
    customers = stack_rows(customer_rows, ["customer_id", "name", "phone", "agent", "registered_at"])
    # A log with no date column at all is said once (essential-missing), not once per row.
    dateless = {(f["_file"].iloc[0], f["_sheet"].iloc[0]) for f in contact_rows
                if f is not None and len(f) and "contact_at" not in f}
    contacts = stack_rows(contact_rows, CONTACT_COLUMNS)
    for frame in (customers, contacts):
        for col in ("customer_id", "name", "phone", "agent"):
            frame[col] = frame[col].astype("string")
    for col in ("contact_at", "next_contact_at"):
        contacts[col] = pd.to_datetime(contacts[col], errors="coerce")
    customers = _drop_anonymous(customers, findings)
    contacts = _drop_anonymous(contacts, findings)

    customers, aliases = _settle_customers(customers, findings)
    # A file with a contact log but no customer sheet defines the customers no register holds;
    # those never compete for ownership with a register's own registration.
    files_with_register = set(customers["_file"].dropna())
    linked = _contact_links(contacts, customers, aliases)
    from_log = ~contacts["_file"].isin(files_with_register)
    derived, derived_aliases = _settle_customers(_derive_customers(contacts[from_log & linked.isna()], findings),
                                                 findings)
    if len(derived):
        customers = pd.concat([customers, derived], ignore_index=True)
        aliases = pd.concat([aliases, derived_aliases])
        # Linked again against everyone: a namesake the log adds makes a name-only link ambiguous.
        linked = _contact_links(contacts, customers, aliases)
    customers["registered_at"] = pd.to_datetime(customers["registered_at"], errors="coerce")
    contacts = _link_contacts(contacts, linked, findings, dateless)
    return customers, contacts


def _drop_anonymous(frame: pd.DataFrame, findings: Findings) -> pd.DataFrame:
    anonymous = frame[["customer_id", "name", "phone"]].isna().all(axis=1)
    for (file, sheet), rows in frame[anonymous].groupby(["_file", "_sheet"], sort=False):
        findings.add_rows("row-no-identity", file=file, sheet=sheet, rows=rows["_row"], field="",
                          raw=pd.Series("", index=rows.index, dtype="string"))
    return frame[~anonymous].reset_index(drop=True)


def _derive_customers(log: pd.DataFrame, findings: Findings) -> pd.DataFrame:
    """A follow-up log defines one customer per identity: latest grade and agent, first contact as
    registration. A customer whose later rows are under another agent was handed over: said once."""
    if log.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in ["customer_id", "name", "phone", "agent",
                                                                     "registered_at", *LOCATION]})
    # Rows sharing a 客户编号 or a phone are one customer (a log may hold nothing but the 客户编号, or write
    # it on a customer's first row only); so are rows with neither that share name + agent, with the rows
    # of that name + agent that carry its only 客户编号. Two numbers under one name are two namesakes.
    phone = _known_phone(log)
    name_agent = _name_agent(log)
    numbers = log["customer_id"].astype("string").groupby(name_agent).nunique()
    alone = phone.isna() & name_agent.map(numbers).fillna(0).le(1)
    key = _components([log["customer_id"].astype("string"), phone, ("N:" + name_agent).where(alone)])
    log = log.assign(_key=key).sort_values(["contact_at", "_row"], na_position="first")
    _report_hand_overs(log, findings)
    latest = log.groupby("_key", sort=False).last()
    first = log.groupby("_key", sort=False).first()
    derived = pd.DataFrame({
        "customer_id": latest["customer_id"],
        "name": latest["name"],
        "phone": latest["phone"],
        "agent": latest["agent"],
        "grade": latest["grade"] if "grade" in latest else pd.NA,
        "grade_written": latest["grade_written"] if "grade_written" in latest else pd.NA,
        "registered_at": first["contact_at"],
        "_file": first["_file"],
        "_sheet": first["_sheet"],
        "_row": first["_row"],
        "_role": "derived",
    })
    return derived.reset_index(drop=True)


def _report_hand_overs(log: pd.DataFrame, findings: Findings) -> None:
    """客户已由 A 转给 B（第 N 行起）: once per customer whose first agent is not the last.

    ``log`` is sorted in time; the current owner is the last agent, as the derived customer's. A
    colleague covering a day between (甲, 乙, 甲) hands nothing over.
    """
    agent = log["agent"].astype("string")
    key = log["_key"]
    named = agent.notna()
    first = agent[named].groupby(key[named], sort=False).transform("first").reindex(log.index)
    current = agent[named].groupby(key[named], sort=False).transform("last").reindex(log.index)
    handed = named & (first != current).fillna(False)
    if not handed.any():
        return
    # From the first row of the current owner's last run: after the last row under anyone else.
    position = pd.Series(np.arange(len(log)), index=log.index)
    other = handed & (agent != current)
    since = position[other].groupby(key[other]).max()
    taken = log[handed & (agent == current) & (position > key.map(since))].drop_duplicates("_key")
    detail = ("客户已由 " + first[taken.index] + " 转给 " + agent[taken.index]
              + "（第 " + taken["_row"].astype("string") + " 行起）")
    _report_by_location(findings, "customer-handed-over", taken, detail, field="", raw=_who(taken))


def _who(rows: pd.DataFrame) -> pd.Series:
    """A row's customer as the manager finds them in the sheet: 客户编号, name and phone, as written."""
    parts = [rows[c].astype("string").fillna("") for c in ("customer_id", "name", "phone") if c in rows]
    who = parts[0].str.cat(parts[1:], sep=" ") if parts else pd.Series("", index=rows.index, dtype="string")
    return who.str.replace(r"\s+", " ", regex=True).str.strip()


def _components(keys: list[pd.Series]) -> pd.Series:
    """Rows that share any key, directly or through other rows, get one label (NA shares nothing).

    Min-label propagation over group-bys: a handful of vectorised passes, however large the register.
    """
    label_of = pd.Series(np.arange(len(keys[0])), index=keys[0].index)
    while True:
        before = label_of
        for key in keys:
            has = key.notna()
            label_of = label_of.where(~has, label_of[has].groupby(key[has]).transform("min"))
        if label_of.equals(before):
            return label_of


def _settle_customers(customers: pd.DataFrame, findings: Findings) -> tuple[pd.DataFrame, pd.Series]:
    """Merge duplicates and settle ownership (客户信息归属).

    Rows sharing a 客户编号 or a phone are one customer; the earliest registration's agent owns it
    and other agents' rows are reported. Returns the customers and a map from every 客户编号 seen
    to the id kept, so contacts citing a merged id still find their customer.
    """
    if customers.empty:
        customers["customer_id"] = pd.Series(dtype="string")
        return customers, pd.Series(dtype="string")
    customers = customers.sort_values(["registered_at", "_file", "_row"], na_position="last", kind="stable")
    customers = customers.reset_index(drop=True)
    phone = _known_phone(customers)
    nameless = "N:" + _name_agent(customers).where(phone.isna() & customers["customer_id"].isna())
    key = _components([customers["customer_id"], phone, nameless]).rename("_key")

    groups = customers.groupby(key, sort=False)
    owner = groups["agent"].transform("first")
    conflict = customers["agent"].notna() & owner.notna() & (customers["agent"] != owner)
    if conflict.any():
        first_file = groups["_file"].transform("first").astype("string")
        first_row = groups["_row"].transform("first").astype("string")
        first_date = groups["registered_at"].transform("first")
        when = ("，" + first_date.dt.strftime("%Y-%m-%d")).fillna("") if first_date.dtype.kind == "M" else ""
        detail = "最早登记：" + owner.astype("string") + "，" + first_file + " 第 " + first_row + " 行" + when
        _report_by_location(findings, "ownership-conflict", customers[conflict], detail[conflict],
                            field=label("agent"), raw=customers.loc[conflict, "agent"])
    kept, kept_key = customers[~conflict], key[~conflict]
    duplicate = kept_key.duplicated(keep="first")
    if duplicate.any():
        groups = kept.groupby(kept_key, sort=False)
        first = {c: groups[c].transform("first").astype("string") for c in LOCATION}
        row = "第 " + first["_row"] + " 行"
        # Across files (十一月/客户登记表.xlsx and 十二月/…), the first registration names its file and sheet.
        here = (first["_file"] == kept["_file"].astype("string")) & (first["_sheet"] == kept["_sheet"].astype("string"))
        place = row.where(here.fillna(False), first["_file"] + "「" + first["_sheet"] + "」" + row)
        _report_by_location(findings, "customer-duplicate", kept[duplicate], place[duplicate],
                            field="", raw=kept.loc[duplicate, "name"])
    # first() takes each column's first non-empty value: later rows fill the gaps.
    merged = kept.groupby(kept_key, sort=False).first()
    identity = _identity(kept, phone[~conflict]).groupby(kept_key, sort=False).first()
    merged["customer_id"] = merged["customer_id"].fillna(_stable_id("K", identity))
    final_id = key.map(merged["customer_id"])
    seen = customers["customer_id"].notna() & final_id.notna()
    aliases = pd.Series(final_id[seen].to_numpy(), index=customers["customer_id"][seen].to_numpy(), dtype="string")
    aliases = aliases[~aliases.index.duplicated()]
    return merged.reset_index(drop=True), aliases


def _report_by_location(findings: Findings, slug: str, rows: pd.DataFrame, detail: pd.Series, *,
                        field: str, raw: pd.Series) -> None:
    for (file, sheet), group in rows.groupby(["_file", "_sheet"], sort=False):
        findings.add_rows(slug, file=file, sheet=sheet, rows=group["_row"], field=field,
                          raw=raw[group.index], detail=detail[group.index])


def _contact_links(contacts: pd.DataFrame, customers: pd.DataFrame, aliases: pd.Series) -> pd.Series:
    """Each contact's customer: by 客户编号 (or an id merged into it), else phone, else an
    unambiguous name + agent when one side has no phone."""
    if contacts.empty or customers.empty:
        return pd.Series(pd.NA, index=contacts.index, dtype="string")
    people = customers[["customer_id", "name", "phone", "agent"]]
    ids = people["customer_id"].astype("string")
    known_ids = pd.concat([pd.Series(ids.to_numpy(), index=ids.to_numpy(), dtype="string"), aliases])
    by_id = _lookup(contacts["customer_id"], known_ids[~known_ids.index.duplicated()])
    phones = people.dropna(subset=["phone"]).drop_duplicates("phone").set_index("phone")["customer_id"]
    by_phone = _lookup(contacts["phone"], phones)
    name_agent = people.dropna(subset=["name"]).assign(
        _k=lambda f: f["name"] + "|" + f["agent"].fillna("")
    ).drop_duplicates("_k", keep=False).set_index("_k")["customer_id"]
    contact_key = contacts["name"] + "|" + contacts["agent"].fillna("")
    # Two different phones mean two people: name + agent links only when one side has no phone.
    by_name = _lookup(contact_key, name_agent)
    customer_phone = _lookup(by_name, people.drop_duplicates("customer_id").set_index("customer_id")["phone"])
    by_name = by_name.where(contacts["phone"].isna() | customer_phone.isna())
    return by_id.fillna(by_phone).fillna(by_name).astype("string")


def _lookup(keys: pd.Series, table: pd.Series) -> pd.Series:
    """``table[key]`` for each text key, missing where the key is missing or not in ``table`` (whose
    index holds distinct texts); ``keys.map(table)`` by Arrow's hash lookup, many times faster."""
    where = pc.index_in(pa.array(keys.astype("string").array), value_set=pa.array(table.index.astype("string").array),
                        skip_nulls=True)
    found = pa.array(table.astype("string").array).take(where)
    return pd.Series(found.to_pandas(types_mapper=lambda _type: pd.StringDtype("pyarrow")).array, index=keys.index)


def _link_contacts(contacts: pd.DataFrame, linked: pd.Series, findings: Findings,
                   dateless: set[tuple[str, str]]) -> pd.DataFrame:
    """Give every contact its customer's id; the ones that link to nobody are findings, and so are the
    ones without a date in a log that has dates (``dateless``: the sheets with no date column)."""
    if contacts.empty:
        return contacts
    unlinked = linked.isna()
    if unlinked.any():
        who = _who(contacts[unlinked])
        _report_by_location(findings, "contact-unlinked", contacts[unlinked], who, field="", raw=who)
    contacts = contacts[~unlinked].copy()
    contacts["customer_id"] = linked[~unlinked]
    if "contact_at" in contacts:
        sheet = pd.Series(list(zip(contacts["_file"], contacts["_sheet"], strict=True)), index=contacts.index)
        undated = contacts["contact_at"].isna() & ~sheet.isin(dateless)
        if undated.any():
            _report_by_location(findings, "contact-no-date", contacts[undated],
                                pd.Series("", index=contacts.index[undated]), field=label("contact_at"),
                                raw=pd.Series("", index=contacts.index[undated]))
    return contacts.reset_index(drop=True)
