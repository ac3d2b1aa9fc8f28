"""Find register files and read every sheet as a grid of text (原表), untouched.

Files are recognised by their content, not their extension: an ``.xlsx`` that
is really a CSV is read as a CSV. Every cell arrives as text (fastexcel with
``dtypes="string"``), so a phone typed as a number keeps all its digits and
the normalisers see exactly what the register shows. Row ``i`` of a grid is
Excel row ``i + 1``.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from crm_batch.errors import RegisterUnreadable

REGISTER_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv")
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Lock files Excel and WPS leave beside an open workbook.
LOCK_PREFIXES = ("~$", ".~")


@dataclass(frozen=True)
class RawSheet:
    """One sheet as read: text cells, positional columns, row i = Excel row i + 1."""

    file: str
    sheet: str
    cells: pd.DataFrame
    first_column: int = 0  # absolute index of cells' column 0 (for column letters)


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


def read_sheets(path: Path, *, csv_encodings: list[str], max_unpacked_mb: int) -> list[RawSheet]:
    """Read every sheet of a register file; raise RegisterUnreadable when it is not one."""
    name = path.name
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
    except FileNotFoundError:
        raise RegisterUnreadable(str(path), "文件不存在") from None
    except OSError as exc:
        raise RegisterUnreadable(str(path), f"无法打开（{exc.strerror or exc}）") from None
    if not head:
        raise RegisterUnreadable(str(path), "文件是空的（0 字节）")
    if head.startswith(ZIP_MAGIC):
        _check_zip(path, max_unpacked_mb)
        return _read_excel(path, name)
    if head.startswith(OLE_MAGIC):
        if _is_encrypted_ole(path):
            raise RegisterUnreadable(str(path), "工作簿设置了打开密码，请在 Excel 里取消密码后另存再放入")
        return _read_excel(path, name)
    return [_read_csv(path, name, csv_encodings)]


def _check_zip(path: Path, max_unpacked_mb: int) -> None:
    """Refuse a truncated archive or one that would unpack to gigabytes, before unpacking."""
    try:
        with zipfile.ZipFile(path) as zf:
            unpacked = sum(info.file_size for info in zf.infolist())
    except (zipfile.BadZipFile, EOFError, ValueError):
        raise RegisterUnreadable(str(path), "文件已损坏（不是完整的 Excel 文件），请重新保存或重新拷贝") from None
    if unpacked > max_unpacked_mb * 1024 * 1024:
        raise RegisterUnreadable(
            str(path),
            f"解压后超过 {max_unpacked_mb} MB（约 {unpacked // (1024 * 1024)} MB），疑似压缩炸弹，已拒绝读取",
        )


def _is_encrypted_ole(path: Path) -> bool:
    # A password-protected .xlsx is an OLE container with an EncryptionInfo stream;
    # its directory entry names are UTF-16LE.
    with path.open("rb") as fh:
        blob = fh.read(4 * 1024 * 1024)
    return "EncryptionInfo".encode("utf-16-le") in blob or "EncryptedPackage".encode("utf-16-le") in blob


def _read_excel(path: Path, name: str) -> list[RawSheet]:
    import fastexcel  # imported here so `--help` stays instant

    try:
        reader = fastexcel.read_excel(str(path))
        sheets = []
        for sheet_name in reader.sheet_names:
            sheet = reader.load_sheet(sheet_name, header_row=None, dtypes="string", skip_rows=0)
            cells = sheet.to_pandas()
            first = sheet.selected_columns[0].absolute_index if sheet.selected_columns else 0
            cells.columns = range(cells.shape[1])
            sheets.append(RawSheet(name, sheet_name, cells.astype("string"), first))
        return sheets
    except MemoryError:
        raise
    except Exception as exc:  # fastexcel raises many kinds; all mean "not readable"
        raise RegisterUnreadable(str(path), f"不是有效的 Excel 文件或已损坏（{type(exc).__name__}）") from None


def _decode(raw: bytes, encodings: list[str]) -> str | None:
    for encoding in encodings:
        try:
            return raw.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    return None


def _read_csv(path: Path, name: str, encodings: list[str]) -> RawSheet:
    raw = path.read_bytes()
    text = _decode(raw, encodings)
    if text is None or "\x00" in text:
        raise RegisterUnreadable(str(path), "不是表格文件（既不是 Excel，也不是 UTF-8/GBK 编码的 CSV）")
    sample = text[:65536]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;，|")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    width = max((len(r) for r in rows), default=0)
    if width == 0:
        raise RegisterUnreadable(str(path), "文件里没有任何内容")
    cells = pd.DataFrame(rows, columns=range(width) if rows and len(rows[0]) == width else None)
    cells.columns = range(cells.shape[1])
    cells = cells.astype("string").replace("", pd.NA)
    return RawSheet(name, path.stem, cells, 0)
