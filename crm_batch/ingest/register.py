"""Assemble the registers (登记表) into three tables: customers, contacts, events.

Three steps, each a plain function: list what there is to read in the files
(``sheet_sources``), read each source on its own (``sheet.read_source``, in the
caller's executor), then assemble the sheets, in file and sheet order, into one
Register (``assemble``): the customers matched across sheets and the contacts
linked to them (``identity.match_customers``). The result does not depend on
where each sheet was read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from crm_batch.errors import NoRegisterSheet, RegisterUnreadable
from crm_batch.fields import Role
from crm_batch.findings import Findings
from crm_batch.ingest.files import SheetSource, discover, display_name, sheet_sources
from crm_batch.ingest.identity import match_customers, stack_rows
from crm_batch.ingest.sheet import Sheet, read_source
from crm_batch.parallel import INLINE, outcome, submit
from crm_batch.rules_config import Rules

Progress = Callable[[str], None]


@dataclass
class Register:
    """Everything read from the inputs, normalised, with the problems found on the way."""

    customers: pd.DataFrame
    contacts: pd.DataFrame
    events: pd.DataFrame
    mapping: pd.DataFrame
    findings: Findings
    files: list[str] = field(default_factory=list)
    rows_read: int = 0
    # What the registers lack to say who, whose and when: one sentence each, with how to name it.
    missing: list[str] = field(default_factory=list)


@dataclass
class RegisterFile:
    """One input file: its name in the report, and its sheets as read (empty when unreadable)."""

    path: Path
    label: str
    sheets: list[Sheet] = field(default_factory=list)
    problem: str | None = None  # why the file could not be read


def read_registers(
    paths: list[Path], rules: Rules, reference: dt.date, progress: Progress | None = None,
    executor: Executor = INLINE,
) -> Register:
    """Read every register file under ``paths`` into one Register.

    Each sheet is read on its own, in ``executor``: the largest first, so that parallel
    workers finish together. Raise RegisterUnreadable or NoRegisterSheet when no file
    holds a register; a bad file among good ones is a finding.
    """
    files: list[RegisterFile] = []
    waiting: list[tuple[SheetSource, RegisterFile, int]] = []
    for path in discover(paths):
        register_file = RegisterFile(path, display_name(path, paths))  # 十一月/客户登记表.xlsx stays apart
        files.append(register_file)
        if progress:
            progress(f"读取 {register_file.label} …")
        try:
            sources = sheet_sources(path, max_unpacked_mb=rules.ingest["max_unpacked_mb"], label=register_file.label)
        except RegisterUnreadable as exc:
            register_file.problem = exc.reason
            continue
        waiting.extend((source, register_file, at) for at, source in enumerate(sources))
    futures = _read_all([w[0] for w in waiting], rules, reference, executor)
    for (source, register_file, _at), future in zip(waiting, futures, strict=True):
        if register_file.problem is not None:
            continue
        try:
            register_file.sheets.append(outcome(future, read_source, source, rules, reference))
        except RegisterUnreadable as exc:  # one sheet that cannot be loaded: the archive is damaged
            register_file.problem, register_file.sheets = exc.reason, []
    return assemble(files, progress)


def _read_all(sources: list[SheetSource], rules: Rules, reference: dt.date, executor: Executor) -> list[Future[Sheet]]:
    """Each source read, as a future in the sources' order.

    The executor takes the largest source left whenever it has none in hand, and this process
    reads the smallest left meanwhile, until they meet: with a worker process both cores read,
    and the two finish about together. With the inline executor every source is read here.
    """
    order = sorted(range(len(sources)), key=lambda i: sources[i].size)  # smallest … largest
    futures: dict[int, Future[Sheet]] = {}
    handed: Future[Sheet] | None = None
    while order:
        if handed is None or handed.done():
            at = order.pop()
            handed = futures[at] = submit(executor, read_source, sources[at], rules, reference)
        if order:
            at = order.pop(0)
            futures[at] = INLINE.submit(read_source, sources[at], rules, reference)
    return [futures[i] for i in range(len(sources))]


def assemble(files: list[RegisterFile], progress: Progress | None = None) -> Register:
    """The files' sheets as one Register; raise when none of them holds customers or contacts."""
    findings = Findings()
    sheets: list[Sheet] = []
    read_files: list[str] = []
    first_error: Exception | None = None
    for register_file in files:
        if register_file.problem is not None:
            first_error = first_error or RegisterUnreadable(str(register_file.path), register_file.problem)
            findings.add("file-unreadable", file=register_file.label, detail=register_file.problem)
            continue
        for sheet in register_file.sheets:
            findings.extend(sheet.findings)
        if not any(s.role in (Role.CUSTOMERS, Role.CONTACTS) for s in register_file.sheets):
            first_error = first_error or NoRegisterSheet(str(register_file.path))
            findings.add("file-no-register", file=register_file.label)
            continue
        read_files.append(register_file.label)
        sheets.extend(s for s in register_file.sheets if s.role is not None)
    if not read_files:
        raise first_error or NoRegisterSheet("、".join(str(f.path) for f in files))
    if progress:
        progress("整理客户与跟进记录 …")
    missing = missing_essentials(sheets, findings)
    customers, contacts = match_customers(
        [s.frame for s in sheets if s.role is Role.CUSTOMERS],
        [s.frame for s in sheets if s.role is Role.CONTACTS] + [s.contacts for s in sheets if s.contacts is not None],
        findings,
    )
    events = stack_rows([s.frame for s in sheets if s.role is Role.EVENTS], ["event_name", "event_date"])
    every_sheet = [s for f in files for s in f.sheets]
    mappings = [m for s in every_sheet for m in s.mapping]
    mapping = pd.concat(mappings, ignore_index=True) if mappings else pd.DataFrame()
    return Register(customers, contacts, events, mapping, findings, read_files, sum(s.rows for s in every_sheet),
                    missing)


def _has(sheet: Sheet, key: str) -> bool:
    if key in sheet.fields or (key == "contact_at" and "registered_at" in sheet.fields):  # a log's bare 日期
        return True
    return sheet.frame is not None and key in sheet.frame and sheet.frame[key].notna().any()  # phones in names


def missing_essentials(sheets: list[Sheet], findings: Findings) -> list[str]:
    """The essentials no register holds — who the customer is (phone or 客户编号), whose (经纪人), and
    when a logged contact happened (跟进时间) — each a sentence that says how to name the column.

    Without them the rules would still run, and fine and plan on nothing: the run says so loudly.
    """
    registers = [s for s in sheets if s.role in (Role.CUSTOMERS, Role.CONTACTS)]
    gaps: list[tuple[str, str, str, str]] = []  # (file, sheet, what, field key for the example)
    if not any(_has(s, "phone") or _has(s, "customer_id") for s in registers):
        gaps.append(("", "", "客户的“联系电话”或“客户编号”（无法确认客户是谁）", "phone"))
    if not any(_has(s, "agent") for s in registers):
        gaps.append(("", "", "“经纪人”（不知道客户归谁跟进，行动和罚款无法分到人）", "agent"))
    for s in registers:
        if s.role is Role.CONTACTS and not _has(s, "contact_at"):
            gaps.append((s.file, s.sheet, f"跟进记录「{s.sheet}」的“跟进时间”（无法知道何时联系过客户）", "contact_at"))
    said = []
    for file, sheet, what, key in gaps:
        fix = f'在 rules.toml 里写明你们的表头：[headers_extra] {key} = ["（这一列的表头）"]'
        said.append(f"没有找到{what}。{fix}")
        findings.add("essential-missing", file=file or "（全部登记表）", sheet=sheet, detail=what)
    return said
