"""Which files under the input paths are registers: light, so the command line can look before pandas loads."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

REGISTER_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv")
# Lock files Excel and WPS leave beside an open workbook.
LOCK_PREFIXES = ("~$", ".~")


def display_name(path: Path, roots: Iterable[Path]) -> str:
    """How the report names a file: its path under the input folder (十一月/客户登记表.xlsx), else its name."""
    for root in roots:
        if root.is_dir():
            try:
                return path.relative_to(root).as_posix()
            except ValueError:
                continue
    return path.name


def discover(paths: Iterable[Path]) -> list[Path]:
    """Expand folders (and their subfolders) into the register files they hold; lock files skipped."""
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
