"""Where the work runs (crm_batch.parallel): the same report in one process as with workers, and no harm when
a worker cannot start or dies."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import subprocess
import sys
from concurrent.futures import Future
from pathlib import Path

import openpyxl
import pytest

from crm_batch import parallel
from crm_batch.cli import main
from crm_batch.errors import RegisterUnreadable
from crm_batch.parallel import INLINE, executor_for, outcome, processes_for, submit
from crm_batch.sample import generate

WEEK = "2026-11-23"
REPORT = "客户维护周报_2026-W48.xlsx"
ROOT = Path(__file__).resolve().parents[1]


def where() -> str:
    """Which process ran the task."""
    return "worker" if multiprocessing.parent_process() is not None else "main"


def die_in_a_worker() -> str:
    """Kills a worker process (as the out-of-memory killer would); in the main process it just works."""
    if multiprocessing.parent_process() is not None:
        os._exit(1)
    return "main"


def unreadable() -> None:
    raise RegisterUnreadable("登记表.xlsx", "文件已损坏")


def cells(path: Path) -> dict[str, list[tuple]]:
    book = openpyxl.load_workbook(path, read_only=True)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in book.worksheets}


@pytest.fixture(scope="module")
def big_register(tmp_path_factory) -> Path:
    """Three files, five sheets: enough that both workers get sheets of their own."""
    folder = tmp_path_factory.mktemp("parallel-register")
    generate(folder, customers=600, seed=11, today=dt.date(2026, 11, 23))
    return folder


def test_inline_runs_a_task_at_once_and_keeps_its_error_for_the_result():
    calls = []
    future = INLINE.submit(lambda x: calls.append(x) or x * 2, 21)
    assert calls == [21] and future.done() and future.result() == 42
    failed = INLINE.submit(unreadable)
    with pytest.raises(RegisterUnreadable, match="文件已损坏"):
        failed.result()


@pytest.mark.parametrize(("size", "setting", "cores", "expected"), [
    (parallel.MIN_INPUT_BYTES, "auto", 2, 2),  # this process and one worker
    (parallel.MIN_INPUT_BYTES - 1, "auto", 2, 1),  # a small register: starting workers costs more
    (parallel.MAX_INPUT_BYTES + 1, "auto", 2, 1),  # a huge one: two processes would double the memory
    (10**7, "auto", 1, 1),  # one core
    (10, "2", 1, 2),  # asked for
    (10**7, "1", 8, 1),
], ids=["medium", "small", "huge", "one-core", "asked-two", "asked-one"])
def test_how_many_processes(monkeypatch, size, setting, cores, expected):
    monkeypatch.setattr(os, "cpu_count", lambda: cores)
    assert processes_for(size, setting) == expected


@pytest.mark.slow
def test_a_task_runs_in_a_worker_and_its_error_reaches_the_caller():
    with executor_for(2) as pool:
        assert pool is not INLINE
        assert pool.submit(where).result() == "worker"
        with pytest.raises(RegisterUnreadable, match="文件已损坏") as raised:
            pool.submit(unreadable).result()
    assert (raised.value.path, raised.value.reason) == ("登记表.xlsx", "文件已损坏")


@pytest.mark.slow
def test_when_a_worker_dies_its_task_is_done_here_and_so_are_later_ones():
    with executor_for(2) as pool:
        future = submit(pool, die_in_a_worker)
        assert outcome(future, die_in_a_worker) == "main"
        later = submit(pool, where)  # the pool is broken now
        assert outcome(later, where) == "main"


def test_without_processes_everything_runs_here(monkeypatch):
    monkeypatch.setattr(parallel, "process_pool", lambda workers: None)  # e.g. blocked by security software
    with executor_for(2) as executor:
        assert executor is INLINE


@pytest.mark.slow
def test_the_report_is_the_same_with_workers_as_without(big_register, tmp_path):
    reports = {}
    for processes in ("1", "2"):
        out = tmp_path / f"processes-{processes}"
        assert main([str(big_register), "--out", str(out), "--week", WEEK, "--processes", processes],
                    base_dir=ROOT) == 0
        reports[processes] = cells(out / REPORT)
    assert reports["2"] == reports["1"]
    assert len(reports["2"]["数据问题"]) > 1 and len(reports["2"]["罚款明细"]) > 1


@pytest.mark.slow
def test_the_workers_read_sheets_and_audit(big_register, monkeypatch):
    """With workers, the sheets and the audit really are submitted to the process pool."""
    from crm_batch import pipeline
    from crm_batch.calendar import PlanWeek
    from crm_batch.ingest import register
    from crm_batch.ingest.files import sheet_sources
    from crm_batch.rules_config import load_rules

    ran: list[str] = []

    def spy(executor, fn, *args):
        if executor is not INLINE:
            ran.append(fn.__name__)
        return submit(executor, fn, *args)

    monkeypatch.setattr(pipeline, "submit", spy)
    monkeypatch.setattr(register, "submit", spy)
    week = PlanWeek.containing(dt.date(2026, 11, 23))
    with executor_for(2) as pool:
        result = pipeline.run([big_register], week, load_rules("real_estate", None), executor=pool)
    sources = [s for path in sorted(big_register.iterdir()) for s in sheet_sources(path, max_unpacked_mb=100)]
    assert len(sources) == 6  # 4 sheets, a card, a log
    # The worker takes the largest sheets, this process the smallest; the worker audits last week.
    assert "audit_week" in ran and 1 <= ran.count("read_source") < len(sources)
    assert len(result.fines) > 0


def damaged_workbook(folder: Path) -> Path:
    """A workbook whose big sheet lists a part that is gone: listing it works, loading it (in a worker) fails."""
    import zipfile

    from tests.conftest import write_xlsx

    rows = [["客户姓名", "联系电话"], *[[f"客户{i}", f"138{i:08d}"] for i in range(300)]]
    whole = write_xlsx(folder / "whole.xlsx", {"小": rows[:2], "大": rows})
    damaged = folder / "坏了一张表.xlsx"
    with zipfile.ZipFile(whole) as src, zipfile.ZipFile(damaged, "w") as dst:
        for info in src.infolist():
            if info.filename != "xl/worksheets/sheet2.xml":
                dst.writestr(info, src.read(info))
    whole.unlink()
    return damaged


@pytest.mark.slow
@pytest.mark.parametrize("damage", ["not-a-zip", "a-sheet-gone"])
def test_a_failure_is_the_same_chinese_error_with_a_worker_as_inline(tmp_path, damage):
    # not-a-zip fails while listing (this process); a-sheet-gone while loading the big sheet (the worker's).
    if damage == "not-a-zip":
        bad = tmp_path / "坏文件.xlsx"
        bad.write_bytes(b"PK\x03\x04 this is not really a zip archive")
    else:
        bad = damaged_workbook(tmp_path)
    errors = {}
    for processes in ("1", "2"):
        done = subprocess.run([sys.executable, "-m", "crm_batch", str(bad), "--out", str(tmp_path / "o"),
                               "--processes", processes], capture_output=True, text=True, encoding="utf-8",
                              cwd=ROOT, timeout=120)
        assert done.returncode == 2
        errors[processes] = done.stderr
    assert errors["1"] == errors["2"] and "损坏" in errors["2"] and "Traceback" not in errors["2"]


@pytest.mark.slow
def test_a_script_without_a_main_guard_runs_once(big_register, tmp_path):
    # A spawned worker imports the caller's script; an unguarded one calling cli.main stays in one process.
    out = tmp_path / "output"
    script = tmp_path / "weekly.py"
    script.write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from crm_batch.cli import main\n"
        f"code = main([{str(big_register)!r}, '--out', {str(out)!r}, '--week', '{WEEK}'])\n"
        "print('EXIT', code)\n",
        encoding="utf-8",
    )
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, encoding="utf-8",
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("EXIT 0") == 1 and done.stdout.count("完成（用时") == 1
    assert (out / REPORT).exists()


def test_a_finished_future_from_a_pool_is_taken_as_it_is():
    future: Future[int] = Future()
    future.set_result(7)
    assert outcome(future, lambda: 0) == 7
