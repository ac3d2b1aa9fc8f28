"""Which files under the input paths are registers: light, so the command line can look before pandas loads.

A report this tool wrote (客户维护周报), copied into ``input/`` so the manager's
decisions are read back, is never a register: it is known by its sheets
(总览 and 罚款明细) and 罚款明细's header, whatever the file is called.
"""

from __future__ import annotations

import html
import re
import zipfile
from collections.abc import Iterable
from pathlib import Path

REGISTER_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv")
# Lock files Excel and WPS leave beside an open workbook.
LOCK_PREFIXES = ("~$", ".~")
# What every version of the report has: these sheets, and these headers in 罚款明细.
REPORT_SHEETS = ("总览", "罚款明细")
REPORT_FINE_HEADERS = ("经纪人", "客户编号", "规则", "金额")
_SHEET_NAME = re.compile(r"<(?:\w+:)?sheet\b[^>]*?\bname=\"([^\"]*)\"")


def display_name(path: Path, roots: Iterable[Path]) -> str:
    """How the report names a file: its path under the input folder (十一月/客户登记表.xlsx), else its name."""
    for root in roots:
        if root.is_dir():
            try:
                return path.relative_to(root).as_posix()
            except ValueError:
                continue
    return path.name


def _files(paths: Iterable[Path]) -> list[Path]:
    """Folders (and their subfolders) expanded into the spreadsheet files they hold; lock files skipped."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                p
                for p in sorted(path.rglob("*"))
                if p.is_file()
                and p.suffix.lower() in REGISTER_SUFFIXES
                and not p.name.startswith(LOCK_PREFIXES)
            )
        else:
            found.append(path)
    return found


def discover(paths: Iterable[Path]) -> list[Path]:
    """Expand folders (and their subfolders) into the register files they hold; lock files and the tool's
    own reports skipped."""
    return [p for p in _files(paths) if not is_report(p)]


def find_reports(paths: Iterable[Path]) -> list[Path]:
    """The tool's own reports under the paths: where the manager's decisions (主管确认) are read from."""
    return [p for p in _files(paths) if is_report(p)]


def is_report(path: Path) -> bool:
    """Whether a file is a 客户维护周报 this tool wrote: sheets 总览 and 罚款明细, and 罚款明细's header.

    Only the workbook's sheet list is read for any other file, so registers cost nothing to check.
    """
    if path.suffix.lower() not in (".xlsx", ".xlsm") or not path.is_file():
        return False
    try:
        with zipfile.ZipFile(path) as archive:
            listing = archive.read("xl/workbook.xml").decode("utf-8", "replace")
    except (OSError, KeyError, zipfile.BadZipFile, RuntimeError):
        return False  # not a workbook we can open: the reader says what is wrong with it
    names = {html.unescape(n) for n in _SHEET_NAME.findall(listing)}
    if not all(sheet in names for sheet in REPORT_SHEETS):
        return False
    return all(header in _header(path, REPORT_SHEETS[1]) for header in REPORT_FINE_HEADERS)


def _header(path: Path, sheet: str) -> list[str]:
    """The first row of one sheet (fastexcel, loaded only for a workbook that looks like a report)."""
    import fastexcel

    try:
        loaded = fastexcel.read_excel(path).load_sheet_by_name(sheet, n_rows=0)
    except Exception:  # noqa: BLE001 - a damaged file is not a report; the reader reports the damage
        return []
    return [str(c.name).strip() for c in loaded.available_columns()]
