"""历史记录: an SQLite file beside the outputs, one snapshot per plan week (SPEC §7).

It holds each week's grades and flags per customer and the fines listed, with
their stable keys and status (罚款, or 待核实 where the register could not prove
the miss). That gives last week's grades (grade drops), the agent's earlier
offences (repeat fines double) and, above all, no fine charged twice: a fine
whose key was listed in another week is not listed again, and re-running a
week replaces that week's snapshot instead of adding to it.

It also keeps the manager's decisions (主管确认: 确认 / 免罚 / 待核实, and 备注)
by 罚款编号, across weeks and re-runs (a re-run never erases them), and which
report workbooks were already read for decisions (path, size, time), so an
unchanged report is not read again.

Deleting the file loses only history. A file that is not a readable database is
set aside (renamed, never deleted) and a new one started, with a warning; a file
locked by another program is left alone and the run goes on without history.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

FILE_NAME = "客户维护历史.sqlite"
SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (week TEXT PRIMARY KEY, run_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS grades (
    week TEXT NOT NULL, customer_id TEXT NOT NULL, agent TEXT, grade TEXT, lifecycle TEXT, alerts TEXT, risk TEXT,
    PRIMARY KEY (week, customer_id));
CREATE TABLE IF NOT EXISTS fines (
    week TEXT NOT NULL, key TEXT NOT NULL, agent TEXT, customer_id TEXT, rule TEXT, amount REAL, offence INTEGER,
    PRIMARY KEY (week, key));
CREATE TABLE IF NOT EXISTS decisions (
    code TEXT PRIMARY KEY, key TEXT, decision TEXT, note TEXT, source TEXT, decided_ns INTEGER);
CREATE TABLE IF NOT EXISTS decision_files (path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER);
"""
# Added after the first release: a file written before has fines without a status (they were all charged)
# and without their 罚款编号 (computed from the key when missing).
ADDED_COLUMNS = {"fines": {"status": "TEXT", "code": "TEXT"}}
FINE_FIELDS = ["week", "key", "agent", "customer_id", "rule", "amount", "offence", "status", "code"]
INSERT_FINE = f"INSERT OR REPLACE INTO fines ({', '.join(FINE_FIELDS)}) VALUES ({', '.join('?' * len(FINE_FIELDS))})"
DECISION_FIELDS = ["code", "key", "decision", "note", "source", "decided_ns"]


@dataclass
class Prior:
    """What earlier weeks left behind, as the rules need it."""

    week: str | None = None  # the latest snapshot before the plan week
    grades: pd.Series = field(default_factory=lambda: pd.Series(dtype="string"))  # customer_id → grade
    fines: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["week", "key", "agent", "rule", "amount", "status", "code"]))
    weeks: list[str] = field(default_factory=list)  # every week on record, oldest first
    # The fines an earlier run of this very week listed: key, code (a decision may name one that is gone).
    rerun: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["key", "code"]))
    decisions: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=DECISION_FIELDS))
    files: dict[str, tuple[int, int]] = field(default_factory=dict)  # report path → (size, mtime_ns) already read


class History:
    """The history file of one output folder."""

    def __init__(self, path: Path, warn: Callable[[str], None]) -> None:
        self.path = path
        self.warn = warn
        self.usable = True

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, timeout=2)
        _create(connection)
        return connection

    def _open(self) -> sqlite3.Connection | None:
        """A connection to a sound file; a corrupt one is set aside and replaced, a locked one skipped."""
        if not self.usable:
            return None
        connection = None
        try:
            connection = sqlite3.connect(self.path, timeout=2)
            _create(connection)
            connection.execute("SELECT COUNT(*) FROM runs").fetchone()
            return connection
        except sqlite3.DatabaseError as exc:
            if connection is not None:
                connection.close()  # closed before the file is renamed: Windows cannot rename an open file
            if isinstance(exc, sqlite3.OperationalError) and ("locked" in str(exc) or "busy" in str(exc)):
                self.warn(f"历史记录文件被其他程序占用（{self.path.name}），本次不读写历史：重复罚款和等级变化无法核对。")
                self.usable = False
                return None
            return self._replace(exc)

    def _replace(self, exc: Exception) -> sqlite3.Connection | None:
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        aside = self.path.with_name(f"{self.path.stem}.损坏-{stamp}{self.path.suffix}")
        try:
            self.path.replace(aside)
            connection = self._connect()
        except (OSError, sqlite3.Error) as again:
            self.warn(f"历史记录文件无法使用（{again}），本次不读写历史。")
            self.usable = False
            return None
        self.warn(f"历史记录文件已损坏（{exc}），已改名为 {aside.name} 保留，并重新开始记录。")
        return connection

    def prior(self, week: str) -> Prior:
        """Earlier weeks' grades and every fine charged in a week other than this one."""
        if not self.path.exists():
            return Prior()  # no history yet: nothing to read, and nothing created before the report is written
        connection = self._open()
        if connection is None:
            return Prior()
        with contextlib.closing(connection):
            weeks = [w for (w,) in connection.execute("SELECT week FROM runs ORDER BY week")]
            before = [w for w in weeks if w < week]
            grades = pd.Series(dtype="string")
            if before:
                rows = connection.execute("SELECT customer_id, grade FROM grades WHERE week = ?", (before[-1],))
                frame = pd.DataFrame(rows.fetchall(), columns=["customer_id", "grade"])
                grades = pd.Series(frame["grade"].to_numpy(), index=frame["customer_id"].to_numpy(), dtype="string")
            fines = pd.read_sql_query("SELECT week, key, agent, rule, amount, status, code FROM fines WHERE week <> ?",
                                      connection, params=(week,))
            rerun = pd.read_sql_query("SELECT key, code FROM fines WHERE week = ?", connection, params=(week,))
            decisions = pd.read_sql_query(f"SELECT {', '.join(DECISION_FIELDS)} FROM decisions", connection)  # noqa: S608
            files = {path: (size, mtime) for path, size, mtime in connection.execute(
                "SELECT path, size, mtime_ns FROM decision_files")}
        return Prior(before[-1] if before else None, grades, fines, weeks, rerun, decisions, files)

    def save(self, week: str, snapshot: pd.DataFrame, fines: pd.DataFrame, *,
             decisions: pd.DataFrame | None = None, files: dict[str, tuple[int, int]] | None = None) -> bool:
        """Replace the week's snapshot in one transaction; False when history is unusable.

        ``decisions`` (by 罚款编号) and ``files`` (reports read for decisions) are kept across weeks:
        added or updated, never removed by a re-run.
        """
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self.warn(f"历史记录无法保存（{exc.strerror or exc}）。")
            return False
        connection = self._open()
        if connection is None:
            return False
        with contextlib.closing(connection):
            try:
                with connection:  # one transaction: all of the week or none of it
                    for table in ("runs", "grades", "fines"):
                        connection.execute(f"DELETE FROM {table} WHERE week = ?", (week,))  # noqa: S608 - fixed names
                    connection.execute("INSERT INTO runs VALUES (?, ?)", (week, dt.datetime.now().isoformat()))
                    grades = snapshot[snapshot["customer_id"].notna()].assign(week=week)
                    connection.executemany("INSERT OR REPLACE INTO grades VALUES (?, ?, ?, ?, ?, ?, ?)", _records(
                        grades, ["week", "customer_id", "agent", "grade", "lifecycle", "alerts", "risk"]))
                    connection.executemany(INSERT_FINE, _records(fines.assign(week=week), FINE_FIELDS))
                    if decisions is not None and len(decisions):
                        connection.executemany("INSERT OR REPLACE INTO decisions VALUES (?, ?, ?, ?, ?, ?)",
                                               _records(decisions, DECISION_FIELDS))
                    connection.executemany("INSERT OR REPLACE INTO decision_files VALUES (?, ?, ?)",
                                           [(path, *stat) for path, stat in (files or {}).items()])
            except sqlite3.Error as exc:
                self.warn(f"历史记录没有保存（{exc}）。")
                return False
        return True


def _records(frame: pd.DataFrame, columns: list[str]) -> list[tuple]:
    """Rows as plain Python values (None for missing), for sqlite3."""
    plain = frame.reindex(columns=columns).astype(object)
    return list(plain.where(plain.notna(), None).itertuples(index=False, name=None))


def _create(connection: sqlite3.Connection) -> None:
    """The tables, and the columns added since a file was first written."""
    connection.executescript(SCHEMA)
    for table, columns in ADDED_COLUMNS.items():
        have = {row[1] for row in connection.execute(f"PRAGMA table_info({table})")}
        for name, kind in columns.items():
            if name not in have:
                connection.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")
