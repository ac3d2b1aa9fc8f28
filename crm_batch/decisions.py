"""主管确认: the manager's decisions on the fines, read back from the report workbooks they edited.

罚款明细 has a column 主管确认 (a drop-down: 确认 / 免罚 / 待核实, empty by default)
and a column 备注. The manager fills them in the report in ``output/``, or in a
copy put into ``input/``, in Excel or WPS. The next run reads them back,
matched by the visible 罚款编号 (never by row position: rows get re-sorted and
filtered), keeps them in the history, and writes them into every later report
of that week, so a re-run keeps every decision made.

Rules of the reading:

- Only cell values matter: a cell retyped with stray or full-width spaces reads
  the same; a value that is none of the three choices is reported, not guessed.
- A blank cell never erases a decision (the report may predate it); to change
  one, choose another value.
- The newest file wins: decisions carry their file's modification time, so an
  older copy never overrides a later edit. Two files read in one run that
  disagree on a fine are reported, and the newer one's decision is used.
- A report already read, and unchanged since (size and time), is not read
  again; the report this run writes is recorded as read.
- A decision whose 罚款编号 matches no fine, in this week or any week on record,
  is reported (总览), never applied to another row.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from crm_batch.ingest.inputs import is_report
from crm_batch.rules.penalties import DECISIONS, codes_of

FINE_SHEET = "罚款明细"
CODE, DECISION, NOTE = "罚款编号", "主管确认", "备注"
PROBLEM_COLUMNS = ["文件", "行号", "罚款编号", "主管确认", "问题"]
STORED_COLUMNS = ["code", "key", "decision", "note", "source", "decided_ns"]


@dataclass
class DecisionBook:
    """The decisions in force (stored ones updated by the reports read now) and what reading them found."""

    table: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=STORED_COLUMNS))
    read: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["file", "row", "code", "decision", "note", "decided_ns"]))  # rows with a decision or note, read now
    problems: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=PROBLEM_COLUMNS))
    files: dict[str, tuple[int, int]] = field(default_factory=dict)  # reports read now: path → (size, mtime_ns)

    def counts(self) -> dict[str, int]:
        """Decisions read in this run, by value."""
        found = self.read["decision"].value_counts()
        return {choice: int(found.get(choice, 0)) for choice in DECISIONS}


def _stat(path: Path) -> tuple[int, int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_size, info.st_mtime_ns


def _cleaned(values: pd.Series) -> pd.Series:
    """Cell text as typed in Excel or WPS: full-width folded, every space dropped; blank → missing."""
    text = values.astype("string").str.normalize("NFKC").str.replace(r"\s+", "", regex=True)
    return text.mask(text.eq(""))


def _read_sheet(path: Path) -> pd.DataFrame | str | None:
    """罚款明细's 罚款编号 / 主管确认 / 备注 as text with Excel row numbers; a Chinese problem; or None
    (a report written before these columns existed: nothing to read)."""
    import fastexcel

    try:
        sheet = fastexcel.read_excel(path).load_sheet_by_name(FINE_SHEET, dtypes="string")
    except Exception as exc:  # noqa: BLE001 - any damage to the file is a line in the report, not the end of the run
        return f"无法读取（{exc.__class__.__name__}）"
    frame = sheet.to_pandas()
    columns = [str(c).strip() for c in frame.columns]
    frame.columns = columns
    if DECISION not in columns and NOTE not in columns:
        return None
    if CODE not in columns:
        return f"罚款明细没有“{CODE}”列，主管确认无法对应到罚款"
    out = pd.DataFrame({
        "row": range(2, len(frame) + 2),  # Excel rows: the header is row 1
        "code": _cleaned(frame[CODE]).str.upper(),
        "raw": frame[DECISION].astype("string") if DECISION in frame else pd.Series(pd.NA, index=frame.index),
        "note": frame[NOTE].astype("string").str.strip() if NOTE in frame else pd.Series(pd.NA, index=frame.index),
    })
    out["decision"] = _cleaned(out["raw"])
    out["note"] = out["note"].mask(out["note"].eq(""))
    return out[out["decision"].notna() | out["note"].notna()]


def read_decisions(paths: Iterable[Path], seen: Mapping[str, tuple[int, int]] | None = None) -> DecisionBook:
    """Decisions in the reports among ``paths`` that changed since they were last read (``seen``).

    An unchanged file is not even opened: the output folder keeps a report a week, for years.
    """
    seen = seen or {}
    book = DecisionBook()
    parts, problems = [], []
    for path in sorted({Path(p).resolve() for p in paths}):
        stat = _stat(path)
        if stat is None or seen.get(str(path)) == tuple(stat):
            continue
        if not is_report(path):
            continue
        found = _read_sheet(path)
        if isinstance(found, str):
            problems.append(pd.DataFrame({"文件": [path.name], "行号": [pd.NA], "罚款编号": [pd.NA],
                                          "主管确认": [pd.NA], "问题": [found]}))
            continue
        book.files[str(path)] = stat
        if found is None or found.empty:
            continue
        bad = found["decision"].notna() & ~found["decision"].isin(DECISIONS)
        nameless = found["code"].isna()
        for mask, problem in ((bad, "写的不是 确认 / 免罚 / 待核实，没有采用"),
                              (nameless & ~bad, "这一行没有罚款编号，无法对应到罚款，没有采用")):
            if mask.any():
                problems.append(pd.DataFrame({"文件": path.name, "行号": found.loc[mask, "row"],
                                              "罚款编号": found.loc[mask, "code"],
                                              "主管确认": found.loc[mask, "raw"], "问题": problem}))
        usable = found[~nameless].assign(decision=found["decision"].mask(bad))
        parts.append(usable.assign(file=path.name, source=str(path), decided_ns=stat[1]))
    if parts:
        book.read = pd.concat(parts, ignore_index=True).sort_values("decided_ns", kind="stable")
        book.read = book.read[book.read["decision"].notna() | book.read["note"].notna()].reset_index(drop=True)
    if problems:
        book.problems = pd.concat(problems, ignore_index=True)[PROBLEM_COLUMNS]
    return book


def merge_decisions(stored: pd.DataFrame, book: DecisionBook) -> DecisionBook:
    """The decisions in force: the stored ones, each updated by the newest non-blank value read now.

    Two files read now that disagree on a fine are reported; the newer one's decision is used.
    """
    read = book.read
    decided = read[read["decision"].notna()]
    disagree = decided.groupby("code")["decision"].nunique()
    disagree = disagree[disagree > 1].index
    if len(disagree):
        last = decided[decided["code"].isin(disagree)].drop_duplicates("code", keep="last").set_index("code")
        rows = decided[decided["code"].isin(disagree)].drop_duplicates(["code", "decision"])
        said = rows.groupby("code").apply(
            lambda g: "、".join(f"{f}：{d}" for f, d in zip(g["file"], g["decision"], strict=True)),
            include_groups=False)
        problem = "几个文件里的决定不一致（" + said.reindex(last.index) + "），采用最新的"
        conflict = pd.DataFrame({"文件": last["file"].to_numpy(), "行号": last["row"].to_numpy(),
                                 "罚款编号": last.index.to_numpy(), "主管确认": last["decision"].to_numpy(),
                                 "问题": problem.to_numpy()})
        book.problems = pd.concat([book.problems, conflict], ignore_index=True)
    fresh = read.reindex(columns=STORED_COLUMNS).astype(object)
    everything = pd.concat([stored.reindex(columns=STORED_COLUMNS).astype(object), fresh], ignore_index=True)
    everything["decided_ns"] = pd.to_numeric(everything["decided_ns"], errors="coerce").fillna(0)
    # last() takes each column's last non-missing value: a blank never erases, the newest file wins.
    merged = everything.sort_values("decided_ns", kind="stable").groupby("code", sort=True).last().reset_index()
    merged["decided_ns"] = merged["decided_ns"].astype("int64")
    book.table = merged[STORED_COLUMNS]
    return book


def settle_decisions(book: DecisionBook, fines: pd.DataFrame, other_weeks: pd.DataFrame,
                     rerun: pd.DataFrame) -> DecisionBook:
    """Name each decision's fine (its key, for the history) and report decisions read now that match none.

    A code matches a fine of this run or of another week (``other_weeks``); one that only an earlier run
    of this week listed (``rerun``: the register has been corrected since) is said so.
    """
    read = book.read
    if not len(read):
        return book  # nothing new: the stored decisions already name their fines
    known = pd.DataFrame({"code": fines["code"], "key": fines["key"]})
    elsewhere = pd.DataFrame({"code": codes_of(other_weeks), "key": other_weeks["key"]}) if len(other_weeks) \
        else known.iloc[:0]
    earlier = pd.DataFrame({"code": codes_of(rerun), "key": rerun["key"]}) if len(rerun) else known.iloc[:0]
    names = pd.concat([known, elsewhere, earlier], ignore_index=True).drop_duplicates("code").set_index("code")
    book.table = book.table.assign(key=book.table["code"].map(names["key"]).fillna(book.table["key"]))
    this_run, before, other = set(known["code"]), set(earlier["code"]), set(elsewhere["code"])
    gone = read["code"].isin(before - this_run - other)
    unknown = ~read["code"].isin(this_run | other | before)
    for mask, problem in ((unknown, "找不到这个罚款编号（不是本工具写的，或被改过），没有采用"),
                          (gone, "这笔罚款本次没有再出现（登记表已改正或补登），决定已保存")):
        if mask.any():
            rows = read[mask]
            book.problems = pd.concat([book.problems, pd.DataFrame({
                "文件": rows["file"], "行号": rows["row"], "罚款编号": rows["code"],
                "主管确认": rows["decision"], "问题": problem})], ignore_index=True)
    # A code that names no fine is never stored: it would only wait to land on the wrong row.
    book.table = book.table[book.table["key"].notna() | ~book.table["code"].isin(read.loc[unknown, "code"])]
    return book
