"""The helper process (crm_batch.helper): the same report with it as without it, and no harm when it fails."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from crm_batch import helper as helper_module
from crm_batch.cli import main
from crm_batch.helper import NO_HELPER, Helper, Task
from crm_batch.sample import generate

WEEK = "2026-11-23"
REPORT = "客户维护周报_2026-W48.xlsx"
ROOT = Path(__file__).resolve().parents[1]


def where() -> str:
    """Which process ran the task."""
    return "helper" if multiprocessing.parent_process() is not None else "main"


def die_in_helper() -> str:
    """Kills the helper process (as the out-of-memory killer would); in the main process it just works."""
    if multiprocessing.parent_process() is not None:
        os._exit(1)
    return "main"


def loaded(module: str) -> bool:
    return module in sys.modules


def fail() -> None:
    raise ValueError("坏数据")


def cells(path: Path) -> dict[str, list[tuple]]:
    book = openpyxl.load_workbook(path, read_only=True)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in book.worksheets}


@pytest.fixture(scope="module")
def big_register(tmp_path_factory) -> Path:
    """Three files, five sheets: enough that the helper gets sheets of its own."""
    folder = tmp_path_factory.mktemp("helper-register")
    generate(folder, customers=600, seed=11, today=__import__("datetime").date(2026, 11, 23))
    return folder


def test_without_a_helper_a_task_runs_here_when_its_result_is_asked_for():
    calls = []
    task = Task(lambda x: calls.append(x) or x * 2, (21,), None)
    assert calls == [] and not task.busy
    assert task.result() == 42 and task.result() == 42
    assert calls == [21]


def test_a_task_runs_in_the_helper_process():
    with Helper(start=True) as helper:
        assert helper.active and helper.idle
        task = helper.submit(where)
        assert task.result() == "helper"
        assert helper.idle


def test_an_error_in_the_helper_reaches_the_caller():
    with Helper(start=True) as helper, pytest.raises(ValueError, match="坏数据"):
        helper.submit(fail).result()


def test_when_the_helper_dies_the_task_is_done_here():
    with Helper(start=True) as helper:
        assert helper.submit(die_in_helper).result() == "main"
        # Later tasks run here too: the job goes on without the helper.
        assert helper.submit(where).result() == "main"
        assert not helper.active


def test_switched_off_by_the_environment_or_a_single_core(monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    monkeypatch.setenv(helper_module.ENV, "0")
    assert not helper_module.wanted(10**9)
    monkeypatch.setenv(helper_module.ENV, "1")
    assert helper_module.wanted(10)
    monkeypatch.delenv(helper_module.ENV)
    assert helper_module.wanted(helper_module.MIN_INPUT_BYTES)
    assert not helper_module.wanted(helper_module.MIN_INPUT_BYTES - 1)
    assert not helper_module.wanted(helper_module.MAX_INPUT_BYTES + 1)  # memory: one process for huge ones
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    assert not helper_module.wanted(10**9)


def test_the_report_is_the_same_with_the_helper_as_without(big_register, tmp_path, monkeypatch):
    reports = {}
    for setting in ("0", "1"):
        monkeypatch.setenv(helper_module.ENV, setting)
        out = tmp_path / f"helper-{setting}"
        assert main([str(big_register), "--out", str(out), "--week", WEEK], base_dir=ROOT) == 0
        reports[setting] = cells(out / REPORT)
    assert reports["1"] == reports["0"]
    assert len(reports["1"]["数据问题"]) > 1 and len(reports["1"]["罚款明细"]) > 1


def test_a_module_preloaded_in_the_helper_is_there_for_the_next_task():
    module = "crm_batch.report.workbook"  # not one the helper loads when it starts
    with Helper(start=True) as helper:
        assert helper.submit(loaded, module).result() is False
        helper.preload(module)
        assert helper.submit(loaded, module).result() is True
    NO_HELPER.preload(module)  # without a helper: nothing to do, and no error


def test_the_helper_reads_sheets_and_audits(big_register, monkeypatch):
    """With the helper on, some sheets and the audit really are done in the other process."""
    from crm_batch import pipeline
    from crm_batch.calendar import PlanWeek
    from crm_batch.rules_config import load_rules

    ran: list[str] = []
    real_submit = Helper.submit

    def spy(self, function, *args):
        if self.active:
            ran.append(function.__name__)
        return real_submit(self, function, *args)

    monkeypatch.setattr(Helper, "submit", spy)
    week = PlanWeek.containing(__import__("datetime").date(2026, 11, 23))
    with Helper(start=True) as helper:
        pipeline.run([big_register], week, load_rules("real_estate", None), helper=helper)
    assert "audit_week" in ran and "_read_source" in ran


def test_a_script_without_a_main_guard_runs_once(big_register, tmp_path):
    # A spawned process imports the parent's __main__; an unguarded script must not run the job again there.
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
                          env={**os.environ, helper_module.ENV: "1"}, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("EXIT 0") == 1 and done.stdout.count("完成（用时") == 1
    assert (out / REPORT).exists()
