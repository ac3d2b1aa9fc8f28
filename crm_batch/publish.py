"""publish(): what a run leaves behind — the report, the week's history, the agents' workbooks.

The report is written first; once it exists, the rest can only add to it. An
agent's workbook that cannot be written is one line of the outcome, never the
end of the others; Ctrl-C after the report keeps the report and says what was
left undone. No printing here: cli.py tells the manager.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from crm_batch import pipeline
from crm_batch.crash import write_crash_report
from crm_batch.errors import OutputNotWritable
from crm_batch.filenames import STAGING_RESERVE, unique_names
from crm_batch.history import History
from crm_batch.pipeline import WeeklyResult
from crm_batch.report.sheets import agent_workbooks, weekly_tables
from crm_batch.report.workbook import write_workbook

REPORT_NAME = "客户维护周报_{week}.xlsx"
AGENT_FOLDER = "经纪人"


@dataclass
class Published:
    """Where the run's files went, and what could not be done."""

    report: Path
    wanted: Path  # the report's own name: differs when the last one was open in Excel
    history_saved: bool = False
    agent_folder: Path | None = None
    agent_books: dict[str, Path] = field(default_factory=dict)
    agent_failures: dict[str, str] = field(default_factory=dict)  # agent → why their workbook is missing
    interrupted: str | None = None  # what Ctrl-C left undone after the report was written


def publish(result: WeeklyResult, out_dir: Path, *, history: History | None, per_agent: bool) -> Published:
    """Write the report, then save the week into ``history`` and, when asked, each agent's workbook."""
    wanted = out_dir / REPORT_NAME.format(week=result.week.label)
    published = Published(write_workbook(wanted, weekly_tables(result)), wanted)
    undone = "历史记录没有保存（本周的等级和罚款下次无法核对，重新运行即可）"
    try:
        if history is not None:
            # The report just written carries every decision in force: no need to read it back unless edited.
            files = {**result.decisions.files, **_stat_of(published.report)}
            published.history_saved = history.save(result.week.label, *pipeline.snapshot(result),
                                                   decisions=result.decisions.table, files=files)
        if per_agent:
            undone = "经纪人工作簿没有全部生成（重新运行即可）"
            _agent_books(result, out_dir / AGENT_FOLDER, published)
    except KeyboardInterrupt:
        published.interrupted = undone
    return published


def _stat_of(path: Path) -> dict[str, tuple[int, int]]:
    """A file's (size, modification time) by its full path, as decisions.read_decisions compares them."""
    try:
        info = path.stat()
    except OSError:
        return {}
    return {str(path.resolve()): (info.st_size, info.st_mtime_ns)}


def _agent_books(result: WeeklyResult, folder: Path, published: Published) -> None:
    books = agent_workbooks(result)
    published.agent_folder = folder
    # Any text from the agent column makes a valid, bounded file name; 张 三 and 张_三 do not overwrite each other.
    names = unique_names(books, suffix=".xlsx", reserve=STAGING_RESERVE)
    for agent, tables in books.items():
        try:
            published.agent_books[agent] = write_workbook(folder / names[agent], tables)
        except OutputNotWritable as exc:
            published.agent_failures[agent] = str(exc)
        except Exception as exc:  # noqa: BLE001 - a bug in one agent's book: the others are still written
            report = write_crash_report(folder.parent, exc, sys.argv[1:], [Path(f) for f in result.register.files])
            said = f"程序出错（{type(exc).__name__}）"
            published.agent_failures[agent] = f"{said}，错误报告在 {report}，请发给维护本工具的同事" if report else said
