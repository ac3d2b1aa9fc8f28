"""The crash report (错误报告): what the user sends back when the tool hits a bug.

An unexpected exception is a bug, not something the user can fix (those are crm_batch.errors).
cli.py prints one Chinese sentence, ``crash_message(write_crash_report(...))``, and exits 3; the
report holds what a maintainer needs: the traceback, the version, the arguments, Python and the
platform, and the names of the input files. It never adds register contents: no cell values, no
locals. (An exception's own message may quote a value; it is kept, as it is the bug's evidence.)

Nothing here raises (but an interruption, Ctrl+C, goes through): a report that cannot be written
anywhere still gives a message.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import platform
import sys
import tempfile
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

REPORT_NAME = "错误报告_{stamp}.txt"
ENCODING = "utf-8-sig"  # the BOM makes Windows Notepad show the Chinese, however old


def write_crash_report(out_dir: Path, exc: BaseException, argv: Sequence[str],
                       inputs: Sequence[Path] = ()) -> Path | None:
    """Write 错误报告_<YYYYmmdd-HHMMSS>.txt and return its path, or None if no folder would take it.

    Tried in turn: ``out_dir`` (created if needed), the current folder, the system temp folder. An
    existing report is never overwritten (a second one in the same second is ``…_2.txt``).
    """
    try:
        text = format_crash_report(exc, argv, inputs)
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    except Exception:  # a report about a crash must not crash: keep what can be kept
        text, stamp = _last_resort(exc), "unknown"
    for folder in (lambda: out_dir, Path.cwd, lambda: Path(tempfile.gettempdir())):
        path = _write_into(folder, stamp, text)
        if path is not None:
            return path
    return None


def crash_message(path: Path | None) -> str:
    """The one Chinese sentence cli.py prints for a bug: where the report is, and whom to send it to."""
    if path is None:
        return ("程序出现意外错误，没有完成；错误报告也没能保存（输出文件夹、当前文件夹和系统临时文件夹都无法写入）。"
                "请把这个窗口里的全部文字截图，发给维护本工具的同事。")
    return f"程序出现意外错误，没有完成。错误报告已保存到 {path}，请把这个文件发给维护本工具的同事。"


def format_crash_report(exc: BaseException, argv: Sequence[str], inputs: Sequence[Path] = ()) -> str:
    """The report's text: facts about the run and the traceback, nothing read from a register.

    cli.py can print it to stderr when write_crash_report returned None."""
    lines = [
        "crm_batch 错误报告 (crash report)",
        f"时间 (time): {dt.datetime.now().isoformat(timespec='seconds')}",
        f"版本 (crm_batch version): {_version()}",
        f"Python: {sys.version.split()[0]} ({platform.python_implementation()}, {sys.executable})",
        f"系统 (platform): {platform.platform()}",
        f"命令行参数 (arguments): {list(map(str, argv))!r}",
        "输入文件 (input files, names only):",
        *(f"  {Path(p).name}" for p in inputs),
        "",
        "".join(traceback.format_exception(exc)).rstrip("\n"),
        "",
    ]
    return "\n".join(lines)


def _write_into(folder: Callable[[], Path], stamp: str, text: str) -> Path | None:
    """The report written into ``folder()`` under a name not yet taken; None if that fails."""
    path = None
    try:
        where = folder().absolute()  # the message shows where the report is, whatever the cwd
        where.mkdir(parents=True, exist_ok=True)
        for n in range(1, 100):
            path = where / REPORT_NAME.format(stamp=stamp if n == 1 else f"{stamp}_{n}")
            try:
                out = open(path, "x", encoding=ENCODING, errors="backslashreplace")
            except FileExistsError:
                path = None
                continue
            with out:
                out.write(text)
            return path
    except Exception:  # not writable here (a file in the way, no permission, disk full): next folder
        if path is not None:
            with contextlib.suppress(Exception):
                path.unlink()  # no half report left behind
    return None


def _version() -> str:
    try:
        from crm_batch import __version__

        return __version__
    except Exception:
        pass
    try:
        from importlib.metadata import version

        return version("crm-batch")
    except Exception:
        return "unknown"


def _last_resort(exc: BaseException) -> str:
    """When even formatting failed: the exception's type and the bare traceback lines."""
    try:
        return f"crm_batch 错误报告\n{type(exc).__name__}\n" + "".join(traceback.format_tb(exc.__traceback__))
    except Exception:
        return "crm_batch 错误报告：无法整理出错信息。\n"
