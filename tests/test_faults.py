"""Faults around a run (issue 8): disk full, Ctrl-C, history trouble, Windows file locking.

Each fault must end in a clear Chinese message, the documented exit code (README: 0 done,
2 could not run), and no half-written report or temporary file in the output folder.

Covered elsewhere and not repeated here:
- output folder not writable:
  tests/test_cli.py::test_an_unwritable_output_folder_is_a_clear_error
- report already open in Excel (written beside it with a suffix, and said):
  tests/test_cli.py::test_a_report_open_in_excel_is_left_alone_and_the_new_one_written_beside_it
- history corrupt / locked, unit level: tests/test_history.py (end to end: below)
- the same week run twice gives the same workbook:
  tests/test_workbook.py::test_running_the_same_week_twice_gives_the_same_workbook
"""

from __future__ import annotations

import errno
import os
import sqlite3
import sys
import tempfile
import zipfile
from pathlib import Path

import openpyxl
import pytest

from crm_batch.cli import main

WEEK = "2026-11-23"
REPORT = "客户维护周报_2026-W48.xlsx"
HISTORY = "客户维护历史.sqlite"


def run_cli(register: Path, out: Path, base: Path, *extra: str) -> int:
    return main([str(register), "--out", str(out), "--week", WEEK, *extra], base_dir=base)


def leftovers(out: Path) -> list[str]:
    """Files in the output folder that are neither a finished report nor the history."""
    if not out.exists():
        return []
    return sorted(p.name for p in out.rglob("*") if p.is_file() and (
        p.name.startswith(".") or ".tmp" in p.name or p.suffix not in (".xlsx", ".sqlite")))


def hashes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir()}


@pytest.fixture
def private_tmp(tmp_path, monkeypatch) -> Path:
    """The system temporary folder, redirected so a test can see what a run leaves in it."""
    folder = tmp_path / "系统临时文件夹"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def _open_paths() -> set[str]:
    """Files this process holds open (Linux /proc)."""
    fds = Path("/proc/self/fd")
    paths = set()
    for fd in fds.iterdir():
        try:
            paths.add(os.path.realpath(os.readlink(fd)))
        except OSError:
            continue
    return paths


@pytest.fixture
def windows_locking(monkeypatch):
    """Windows semantics on Linux: a file this process still holds open cannot be deleted or renamed."""
    if not Path("/proc/self/fd").is_dir():
        pytest.skip("needs /proc to see which files are open")
    real_unlink, real_replace, real_rename = os.unlink, os.replace, os.rename

    def guard(path) -> None:  # noqa: ANN001 - str or PathLike
        if os.path.realpath(path) in _open_paths():
            raise PermissionError(13, "另一个程序正在使用此文件，进程无法访问。", str(path))

    def unlink(path, *args, **kwargs):  # noqa: ANN001, ANN202
        guard(path)
        return real_unlink(path, *args, **kwargs)

    def replace(src, dst, *args, **kwargs):  # noqa: ANN001, ANN202
        guard(src)
        return real_replace(src, dst, *args, **kwargs)

    def rename(src, dst, *args, **kwargs):  # noqa: ANN001, ANN202
        guard(src)
        return real_rename(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "unlink", unlink)
    monkeypatch.setattr(os, "remove", unlink)
    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(os, "rename", rename)


def fail_zip_write_after(monkeypatch, parts: int, error: BaseException) -> list[int]:
    """Make the workbook's zip writer fail after ``parts`` parts were written (xlsxwriter adds each
    XML part to its ZipFile with write, or writestr when it works in memory)."""
    written = [0]

    def counted(real):  # noqa: ANN001, ANN202
        def wrapper(self, *args, **kwargs):  # noqa: ANN001, ANN202
            if written[0] >= parts:
                raise error
            written[0] += 1
            return real(self, *args, **kwargs)
        return wrapper

    monkeypatch.setattr(zipfile.ZipFile, "write", counted(zipfile.ZipFile.write))
    monkeypatch.setattr(zipfile.ZipFile, "writestr", counted(zipfile.ZipFile.writestr))
    return written


# ---------------------------------------------------------------- disk full


def disk_full() -> OSError:
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_disk_full_while_writing_leaves_no_partial_report(office_register, tmp_path, monkeypatch, capsys):
    before = hashes(office_register.parent)
    out = tmp_path / "output"
    written = fail_zip_write_after(monkeypatch, 5, disk_full())
    assert run_cli(office_register, out, tmp_path) == 2
    assert written[0] == 5, "the failure came midway through the workbook"
    err = capsys.readouterr().err
    assert "无法写入报告" in err and REPORT in err and "Traceback" not in err
    assert "磁盘空间不足" in err, "the reason is said in Chinese"
    assert not (out / REPORT).exists()
    assert leftovers(out) == []
    assert not (out / HISTORY).exists(), "a week without a report is not recorded"
    assert hashes(office_register.parent) == before


@pytest.mark.parametrize(("error", "message"), [(disk_full(), "无法写入报告"), (KeyboardInterrupt(), "已中断")],
                         ids=["disk-full", "ctrl-c"])
def test_a_failed_write_on_windows_leaves_no_partial_report(office_register, tmp_path, monkeypatch, capsys,
                                                            windows_locking, error, message):
    # On Windows a file still open cannot be deleted: the half-written temporary file must be closed
    # before it is removed, or it stays in the output folder.
    out = tmp_path / "output"
    fail_zip_write_after(monkeypatch, 5, error)
    assert run_cli(office_register, out, tmp_path) == 2
    assert message in capsys.readouterr().err
    assert leftovers(out) == []


def test_a_failed_write_leaves_no_customer_data_in_the_temp_folder(office_register, tmp_path, monkeypatch,
                                                                   private_tmp):
    # SECURITY.md: the tool writes only to the output folder. The workbook's parts are staged as
    # temporary files; after a failure none of them (they hold names and phones) may stay behind.
    fail_zip_write_after(monkeypatch, 5, disk_full())
    assert run_cli(office_register, tmp_path / "output", tmp_path) == 2
    assert sorted(p.name for p in private_tmp.rglob("*")) == []


# ---------------------------------------------------------------- Ctrl-C


def test_ctrl_c_inside_the_rules_stops_without_output(office_register, tmp_path, monkeypatch, capsys):
    from crm_batch import pipeline

    def interrupted(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline, "churn_flags", interrupted)
    before = hashes(office_register.parent)
    out = tmp_path / "output"
    assert run_cli(office_register, out, tmp_path) == 2
    err = capsys.readouterr().err
    assert "已中断" in err and "Traceback" not in err
    assert not (out / REPORT).exists() and leftovers(out) == []
    assert hashes(office_register.parent) == before


def test_ctrl_c_while_writing_the_workbook_leaves_no_partial_file(office_register, tmp_path, monkeypatch, capsys):
    out = tmp_path / "output"
    written = fail_zip_write_after(monkeypatch, 3, KeyboardInterrupt())
    assert run_cli(office_register, out, tmp_path) == 2
    assert written[0] == 3
    err = capsys.readouterr().err
    assert "已中断" in err and "没有生成报告" in err and "Traceback" not in err
    assert not (out / REPORT).exists() and leftovers(out) == []
    assert not (out / HISTORY).exists()


def test_ctrl_c_after_the_report_is_written_says_so(office_register, tmp_path, monkeypatch, capsys):
    # Interrupted while the history is saved: the report is complete and must not be called missing;
    # the history keeps the previous state (one transaction).
    from crm_batch.history import History

    def interrupted(self, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        raise KeyboardInterrupt

    monkeypatch.setattr(History, "save", interrupted)
    out = tmp_path / "output"
    assert run_cli(office_register, out, tmp_path) == 2
    err = capsys.readouterr().err
    assert "已中断" in err and "没有生成报告" not in err and REPORT in err and "历史" in err
    openpyxl.load_workbook(out / REPORT)  # complete and readable
    assert leftovers(out) == []


@pytest.mark.slow
@pytest.mark.parametrize("processes", ["1", "2"], ids=["alone", "with-worker-processes"])
def test_ctrl_c_in_a_real_process_exits_cleanly(office_register, tmp_path, processes):
    # A real SIGINT to a real process (and its worker processes): the Chinese message, no traceback,
    # no report, and the process ends (a worker left running would keep it waiting).
    import signal
    import subprocess
    import time

    if sys.platform == "win32":
        pytest.skip("SIGINT is delivered differently on Windows")
    out = tmp_path / "output"
    root = Path(__file__).resolve().parents[1]
    # The child is held inside the pipeline until the signal arrives, so the test does not race.
    code = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from crm_batch import pipeline, cli\n"
        "real = pipeline.churn_flags\n"
        "def slow(*a, **k):\n"
        "    print('READY', flush=True)\n"
        "    time.sleep(30)\n"
        "    return real(*a, **k)\n"
        "pipeline.churn_flags = slow\n"
        "if __name__ == '__main__':\n"
        f"    sys.exit(cli.main([{str(office_register)!r}, '--out', {str(out)!r}, '--week', '{WEEK}',"
        f" '--processes', '{processes}'], base_dir=Path({str(tmp_path)!r})))\n"
    )
    child = subprocess.Popen([sys.executable, "-c", code], cwd=root, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, encoding="utf-8",
                             start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        for line in child.stdout:
            if "READY" in line or time.monotonic() > deadline:
                break
        os.killpg(child.pid, signal.SIGINT)  # as Ctrl-C in a terminal: every process of the job
        _, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 2
    assert "已中断" in err and "Traceback" not in err
    assert not (out / REPORT).exists() and leftovers(out) == []


# ---------------------------------------------------------------- history during a full run


def test_a_corrupt_history_is_set_aside_and_the_run_goes_on(office_register, tmp_path, capsys, private_tmp):
    out = tmp_path / "output"
    out.mkdir()
    junk = b"not a database: someone opened the history in Excel and saved it" * 50
    (out / HISTORY).write_bytes(junk)
    assert run_cli(office_register, out, tmp_path) == 0
    said = capsys.readouterr().out
    assert "历史记录文件已损坏" in said and "改名" in said
    kept = [p for p in out.iterdir() if "损坏" in p.name]
    assert len(kept) == 1 and kept[0].read_bytes() == junk, "the damaged file is kept, unchanged"
    with sqlite3.connect(out / HISTORY) as db:
        assert db.execute("SELECT week FROM runs").fetchall() == [("2026-W48",)]
    openpyxl.load_workbook(out / REPORT)
    assert leftovers(out) == []
    assert sorted(p.name for p in private_tmp.rglob("*")) == [], "a normal run leaves nothing in the temp folder"


@pytest.mark.slow
def test_a_locked_history_is_skipped_and_the_run_goes_on(office_register, tmp_path, capsys):
    import pandas as pd

    from crm_batch.history import History

    out = tmp_path / "output"
    out.mkdir()
    earlier = pd.DataFrame({"customer_id": ["K001"], "agent": ["李娜"], "grade": ["A"], "lifecycle": ["意向"],
                            "alerts": [None], "risk": [None]})
    assert History(out / HISTORY, print).save("2026-W47", earlier, pd.DataFrame(
        columns=["key", "agent", "customer_id", "rule", "amount", "offence"]))
    first = (out / HISTORY).read_bytes()
    blocker = sqlite3.connect(out / HISTORY)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        assert run_cli(office_register, out, tmp_path) == 0
    finally:
        blocker.rollback()
        blocker.close()
    said = capsys.readouterr().out
    assert "历史记录文件被其他程序占用" in said and "Traceback" not in said
    openpyxl.load_workbook(out / REPORT)
    assert (out / HISTORY).read_bytes() == first, "a locked history is left as it was"
    assert leftovers(out) == []
