"""Find register files and read every sheet as a grid of text (原表), untouched.

Files are recognised by their content, not their extension: an ``.xlsx`` that
is really a CSV is read as a CSV, and an ``.xls`` that is really an HTML table
(what many CRM and OA systems export) is read as that table. Every cell arrives
as text (fastexcel with ``dtypes="string"``), so a phone typed as a number keeps
all its digits and the normalisers see exactly what the register shows,
Excel's error values (``#N/A``) included. Row ``i`` of a grid is Excel row
``i + 1``; columns keep their positions, but columns with nothing in them are
left out (a stray mark in column XFD must not make 16,384 columns to scan).

A file is first listed as sheet sources (``sheet_sources``: each sheet of a
workbook, or the whole of a CSV or HTML table, with the bytes it unpacks to),
then each source is loaded on its own (``load_sheet``), by whichever process
reads it.
"""

from __future__ import annotations

import array
import csv
import io
import re
import struct
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import TypeVar

import pandas as pd

from crm_batch.errors import RegisterUnreadable
from crm_batch.ingest.inputs import REGISTER_SUFFIXES, discover, display_name  # noqa: F401 - re-exported

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# How Excel shows the error values fastexcel reports as cell errors.
EXCEL_ERRORS = {
    "NA": "#N/A", "Ref": "#REF!", "Div0": "#DIV/0!", "Value": "#VALUE!", "Name": "#NAME?", "Null": "#NULL!",
    "Num": "#NUM!", "GettingData": "#GETTING_DATA",
}
ENCRYPTED_STREAMS = {"EncryptionInfo", "EncryptedPackage"}
PASSWORD_REASON = "工作簿设置了打开密码，请在 Excel 里取消密码后另存再放入"
# A byte of CSV is about five bytes of sheet XML (<c r="B7" t="inlineStr"><is><t>…</t></is></c>):
# sizes in the same unit, so the largest piece of work is handed out first.
CSV_BYTE_WEIGHT = 5

T = TypeVar("T")


@dataclass(frozen=True)
class RawSheet:
    """One sheet as read: text cells, positional columns, row i = Excel row i + 1."""

    file: str
    sheet: str
    cells: pd.DataFrame
    first_column: int = 0  # absolute index of cells' column 0 (for column letters)
    # Formula cells the file keeps no result for (export scripts write them so): (row, column label) →
    # the formula, which the cell shows as its text.
    formulas: tuple[tuple[int, int, str], ...] = ()


@dataclass(frozen=True)
class SheetSource:
    """A part of a register file that is read on its own: one sheet of a workbook, or a whole
    CSV or HTML file (one table). ``size`` is how many bytes it unpacks to, the work it takes."""

    path: Path
    label: str
    sheet: str | None  # a workbook's sheet; None: the file is one table
    size: int


def sheet_sources(path: Path, *, max_unpacked_mb: int, label: str | None = None) -> list[SheetSource]:
    """What there is to read in a register file, without reading it; raise RegisterUnreadable when it
    cannot be one (missing, empty, a damaged or oversized archive, a password).

    ``label`` names the file in findings (default its name); files of the same name in two
    subfolders need their folder in it (十一月/客户登记表.xlsx) to be told apart.
    """
    name = label or path.name
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
        file_size = path.stat().st_size
    except FileNotFoundError:
        raise RegisterUnreadable(str(path), "文件不存在") from None
    except OSError as exc:
        raise RegisterUnreadable(str(path), f"无法打开（{exc.strerror or exc}）") from None
    if not head:
        raise RegisterUnreadable(str(path), "文件是空的（0 字节）")
    if head.startswith(ZIP_MAGIC):
        part_sizes = _check_zip(path, max_unpacked_mb)
    elif head.startswith(OLE_MAGIC):
        if _is_encrypted_ole(path):
            raise RegisterUnreadable(str(path), PASSWORD_REASON)
        part_sizes = {}
    else:
        return [SheetSource(path, name, None, file_size * CSV_BYTE_WEIGHT)]
    names = _excel_call(path, lambda: _fastexcel().read_excel(str(path)).sheet_names)
    default = file_size // max(len(names), 1)
    return [SheetSource(path, name, sheet, part_sizes.get(sheet, default)) for sheet in names]


def load_sheet(source: SheetSource, *, csv_encodings: list[str]) -> RawSheet:
    """Read one source into a text grid; raise RegisterUnreadable when it cannot be read."""
    path, name = source.path, source.label
    if source.sheet is not None:
        return _excel_call(path, lambda: _read_excel_sheet(path, name, source.sheet))
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise RegisterUnreadable(str(path), f"无法打开（{exc.strerror or exc}）") from None
    if _looks_like_html(raw):
        return _read_html(path, name, raw, csv_encodings)
    if _looks_like_xml_spreadsheet(raw):
        raise RegisterUnreadable(str(path), "这是 Excel 2003 XML 表格，请在 Excel 里打开后另存为 .xlsx 再放入")
    return _read_csv(path, name, raw, csv_encodings)


def _check_zip(path: Path, max_unpacked_mb: int) -> dict[str, int]:
    """Refuse a truncated archive or one that would unpack to gigabytes, before unpacking.
    Returns how many bytes each sheet's part unpacks to, by sheet name (empty when unknown)."""
    try:
        with zipfile.ZipFile(path) as zf:
            unpacked = sum(info.file_size for info in zf.infolist())
            sizes = _sheet_part_sizes(zf) if unpacked <= max_unpacked_mb * 1024 * 1024 else {}
    except (zipfile.BadZipFile, EOFError, ValueError):
        raise RegisterUnreadable(str(path), "文件已损坏（不是完整的 Excel 文件），请重新保存或重新拷贝") from None
    if unpacked > max_unpacked_mb * 1024 * 1024:
        raise RegisterUnreadable(
            str(path),
            f"解压后超过 {max_unpacked_mb} MB（约 {unpacked // (1024 * 1024)} MB），疑似压缩炸弹，已拒绝读取",
        )
    return sizes


_XLSX_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_XLSX_REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def _sheet_part_sizes(zf: zipfile.ZipFile) -> dict[str, int]:
    """Sheet name → unpacked bytes of its part. Only an estimate of the work."""
    infos = {info.filename: info for info in zf.infolist()}
    return {name: infos[part].file_size for name, part in _sheet_parts(zf).items()}


def _sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → its part in the archive, from xl/workbook.xml and its relationships; anything
    unexpected gives an empty answer."""
    from xml.etree import ElementTree

    try:
        infos = {info.filename: info for info in zf.infolist()}
        book, rels = infos.get("xl/workbook.xml"), infos.get("xl/_rels/workbook.xml.rels")
        if book is None or rels is None or max(book.file_size, rels.file_size) > 4 * 1024 * 1024:
            return {}
        targets = {rel.get("Id"): rel.get("Target", "") for rel in ElementTree.fromstring(zf.read(rels))}
        parts = {}
        for sheet in ElementTree.fromstring(zf.read(book)).iter(f"{_XLSX_MAIN}sheet"):
            target = targets.get(sheet.get(_XLSX_REL_ID), "")
            part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            if part in infos:
                parts[sheet.get("name", "")] = part
        return parts
    except MemoryError:
        raise
    except Exception:  # noqa: BLE001 - damaged deflate data, an unknown method, encryption…: fastexcel says which
        return {}


def _is_encrypted_ole(path: Path) -> bool:
    """A password-protected .xlsx is an OLE (compound file) container with an EncryptionInfo stream."""
    names = _ole_entry_names(path)
    if names is not None:
        return bool(names & ENCRYPTED_STREAMS)
    # Not a well-formed compound file: look for the names' UTF-16LE bytes near the start.
    with path.open("rb") as fh:
        blob = fh.read(4 * 1024 * 1024)
    return any(n.encode("utf-16-le") in blob for n in ENCRYPTED_STREAMS)


_LAST_SECTOR = 0xFFFFFFFA  # ids from here up mean "end of chain", "free", "FAT sector"…


def _ole_entry_names(path: Path) -> set[str] | None:
    """The names in a compound file's directory, read by following its FAT; None when malformed.

    The directory can sit anywhere, after megabytes of ciphertext in a large encrypted
    workbook, so it is found through the header rather than by searching the bytes.
    """
    try:
        with path.open("rb") as fh:
            header = fh.read(512)
            size = 1 << struct.unpack_from("<H", header, 30)[0]
            if size not in (512, 4096):
                return None
            n_fat, first_dir = struct.unpack_from("<II", header, 44)
            first_difat, n_difat = struct.unpack_from("<II", header, 68)

            def sector(number: int) -> bytes:
                fh.seek((number + 1) * size)
                data = fh.read(size)
                if len(data) != size:
                    raise ValueError("sector beyond the end of the file")
                return data

            def ids(data: bytes) -> array.array:
                values = array.array("I", data)
                if sys.byteorder != "little":
                    values.byteswap()
                return values

            difat = list(ids(header[76:512]))
            next_difat, seen = first_difat, 0
            while next_difat < _LAST_SECTOR and seen <= n_difat:
                block = ids(sector(next_difat))
                difat.extend(block[:-1])
                next_difat, seen = block[-1], seen + 1
            fat = array.array("I")
            for number in [d for d in difat if d < _LAST_SECTOR][:n_fat]:
                fat.extend(ids(sector(number)))
            names: set[str] = set()
            current, visited = first_dir, set()
            while current < _LAST_SECTOR and current not in visited and current < len(fat):
                visited.add(current)
                data = sector(current)
                for offset in range(0, size, 128):
                    length = struct.unpack_from("<H", data, offset + 64)[0]
                    if 2 <= length <= 64:
                        names.add(data[offset:offset + length - 2].decode("utf-16-le", "replace"))
                current = fat[current]
            return names
    except (OSError, ValueError, struct.error):
        return None


def _fastexcel():  # noqa: ANN202 - the module
    import fastexcel  # imported here so `--help` stays instant

    return fastexcel


def _excel_call(path: Path, call: Callable[[], T]) -> T:
    """fastexcel raises many kinds of errors; all of them mean the file is not readable."""
    try:
        return call()
    except MemoryError:
        raise
    except Exception as exc:
        if re.search(r"password|encrypt", str(exc), re.IGNORECASE):
            raise RegisterUnreadable(str(path), PASSWORD_REASON) from None
        raise RegisterUnreadable(str(path), f"不是有效的 Excel 文件或已损坏（{type(exc).__name__}）") from None


def _read_excel_sheet(path: Path, name: str, sheet_name: str) -> RawSheet:
    reader = _fastexcel().read_excel(str(path))
    sheet = reader.load_sheet(sheet_name, header_row=None, dtypes="string", skip_rows=0)
    with_errors = getattr(sheet, "to_arrow_with_errors", None)  # fastexcel ≥ 0.12
    table, errors = with_errors() if with_errors else (sheet.to_arrow(), None)
    first = sheet.selected_columns[0].absolute_index if sheet.selected_columns else 0
    cells = _error_values_shown(table, errors)
    formulas = _formulas_without_results(path, sheet_name)
    if not formulas:
        return RawSheet(name, sheet_name, cells, first)
    # The formula's text stands in the cell, so a name is never silently blank.
    found = pd.DataFrame([(row, col - first, text) for (row, col), text in formulas.items() if col >= first],
                         columns=["row", "col", "text"])
    if found.empty:
        return RawSheet(name, sheet_name, cells, first)
    if found["row"].max() >= len(cells):
        cells = cells.reindex(range(int(found["row"].max()) + 1))
    placed = []
    for col, group in found.groupby("col"):  # a column at a time
        if col not in cells.columns:
            cells[col] = pd.Series(pd.NA, index=cells.index, dtype="string")
        empty = cells[col].isna().to_numpy()[group["row"].to_numpy()]
        group = group[empty]
        column = cells[col].astype("string").copy()
        column.iloc[group["row"].to_numpy()] = group["text"].to_numpy()
        cells[col] = column
        placed.append(group)
    cells = cells[sorted(cells.columns)]
    placed_all = pd.concat(placed, ignore_index=True)
    return RawSheet(name, sheet_name, cells, first, tuple(placed_all.itertuples(index=False, name=None)))


# A formula cell with no result: its <f> is followed by no <v>, or an empty one, before the cell closes.
# (An empty <v> in a cell of type "str" is a result: =IF(A2="","",…) shows "".)
_NO_RESULT = re.compile(rb"(?:</f>|<f\b[^>]*/>)\s*(?:<v\s*/>|<v>\s*</v>)?\s*</c>")
_FORMULA = re.compile(rb"<f(?:\s[^>]*)?(?:/>|>(.*?)</f>)", re.DOTALL)
_REF = re.compile(rb'\br="([A-Z]{1,3})([0-9]+)"')
_STRING_RESULT = re.compile(rb'\bt="str"')


def _formulas_without_results(path: Path, sheet_name: str) -> dict[tuple[int, int], str]:
    """(row, column) → ``=formula`` for each formula cell of the sheet with no result saved.

    fastexcel reads such a cell as empty. The sheet's XML is streamed and searched for a formula
    element first; only a sheet that has one is parsed. Anything unexpected gives an empty answer.
    """
    from xml.sax.saxutils import unescape

    try:
        with zipfile.ZipFile(path) as zf:
            part = _sheet_parts(zf).get(sheet_name)
            if part is None:
                return {}
            with zf.open(part) as fh:
                tail, found = b"", False
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    if _NO_RESULT.search(tail + chunk):
                        found = True
                        break
                    tail = chunk[-256:]
            if not found:
                return {}
            xml = zf.read(part)
    except MemoryError:
        raise
    except Exception:  # noqa: BLE001 - not a zip, damaged: fastexcel has read what there is
        return {}
    out = {}
    for found in _NO_RESULT.finditer(xml):
        start = xml.rfind(b"<c", 0, found.start())
        opened = xml.find(b">", start)
        attributes, cell = xml[start:opened], xml[start:found.end()]
        formula, ref = _FORMULA.search(cell), _REF.search(attributes)
        if formula is None or ref is None or (b"<v" in cell and _STRING_RESULT.search(attributes)):
            continue
        letters, number = ref.groups()
        text = unescape(formula.group(1).decode("utf-8", "replace")) if formula.group(1) else "（共享公式）"
        column = 0
        for letter in letters.decode():
            column = column * 26 + ord(letter) - 64
        out[(int(number) - 1, column - 1)] = "=" + text
    return out


def _error_values_shown(table, errors) -> pd.DataFrame:  # noqa: ANN001 - pyarrow table, fastexcel CellErrors
    """The sheet as text, with each error cell showing what Excel shows (#N/A), empty cells as NA and
    columns with nothing in them left out."""
    shown: dict[tuple[int, int], str] = {}
    for error in errors.errors if errors is not None else []:
        # Positions are (row, column) within the table; only Excel error values are put back.
        kind = re.search(r"'Error\((\w+)\)'", str(getattr(error, "detail", "")))
        if kind:
            shown[tuple(error.position)] = EXCEL_ERRORS.get(kind.group(1), f"#{kind.group(1).upper()}")
    import pyarrow as pa
    import pyarrow.compute as pc

    # A formula showing nothing (=IF(A2="","",…)) holds "": empty, as in a CSV. Filled down to
    # row 1,048,576 it must not make a million rows.
    columns = [pc.if_else(pc.equal(c, ""), None, c) if c.null_count < len(c) else c for c in table.columns]
    with_error = {col for _, col in shown}
    keep = [i for i, column in enumerate(columns) if column.null_count < len(column) or i in with_error]
    if keep:
        # One arrow table to pandas: per-column Series would take seconds on a 16,384-column sheet.
        text = pd.StringDtype("pyarrow")
        kept = pa.table([columns[i].cast(pa.large_string()) for i in keep], names=[str(i) for i in keep])
        cells = kept.to_pandas(types_mapper=lambda _type: text)
    else:
        cells = pd.DataFrame(index=range(table.num_rows))
    cells.columns = keep
    for (row, col), text in shown.items():
        cells.loc[row, col] = text
    return cells


def _without_empty_columns(cells: pd.DataFrame) -> pd.DataFrame:
    """Columns keep their position labels; the ones with no value at all are dropped."""
    return cells.loc[:, cells.notna().any(axis=0)]


def _decode(raw: bytes, encodings: list[str]) -> str | None:
    for encoding in encodings:
        try:
            return raw.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    return None


def _read_csv(path: Path, name: str, raw: bytes, encodings: list[str]) -> RawSheet:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ["utf-16", *encodings]  # Excel's "Unicode text" (tab-separated UTF-16)
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
    return RawSheet(name, path.stem, _without_empty_columns(cells), 0)


# ---------------------------------------------------------------- HTML tables saved as .xls

_HTML_START = re.compile(rb"^(?:\xef\xbb\xbf)?\s*<(?:!doctype\s+html|html|table|meta|head|body|\?xml[^>]*>\s*<html)",
                         re.IGNORECASE)
_CHARSET = re.compile(rb"""charset\s*=\s*["']?([A-Za-z0-9_\-]+)""", re.IGNORECASE)


def _looks_like_html(raw: bytes) -> bool:
    return bool(_HTML_START.match(raw[:1024])) and b"<table" in raw[:1_000_000].lower()


def _looks_like_xml_spreadsheet(raw: bytes) -> bool:
    head = raw[:4096]
    return head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<?xml") and b"office:spreadsheet" in head


class _TableParser(HTMLParser):
    """Rows of every <table>, stacked as Excel shows them when it opens the file: one row per <tr>,
    a cell spanning several columns followed by empty cells."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[str | None]] = []
        self._row: list[str | None] | None = None
        self._cell: list[str] | None = None
        self._span = 1
        self._skip = 0  # inside <style>/<script>

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script"):
            self._skip += 1
        elif tag == "tr":
            self._end_row()
            self._row = []
        elif tag in ("td", "th"):
            self._end_cell()
            if self._row is None:
                self._row = []
            span = dict(attrs).get("colspan") or "1"
            self._span = min(int(span), 16_384) if span.strip().isdigit() and int(span) > 0 else 1
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script"):
            self._skip = max(0, self._skip - 1)
        elif tag in ("td", "th"):
            self._end_cell()
        elif tag in ("tr", "table"):
            self._end_row()

    def handle_data(self, data: str) -> None:
        if self._cell is not None and not self._skip:
            self._cell.append(data)

    def _end_cell(self) -> None:
        if self._cell is None or self._row is None:
            return
        lines = ("".join(self._cell)).split("\n")
        text = "\n".join(" ".join(line.split()) for line in lines).strip()
        self._row.extend([text or None] + [None] * (self._span - 1))
        self._cell, self._span = None, 1

    def _end_row(self) -> None:
        self._end_cell()
        if self._row is not None:
            self.rows.append(self._row)
        self._row = None

    def close(self) -> None:
        super().close()
        self._end_row()


def _read_html(path: Path, name: str, raw: bytes, encodings: list[str]) -> RawSheet:
    declared = _CHARSET.search(raw[:4096])
    charset = declared.group(1).decode("ascii").lower() if declared else None
    if charset in ("gb2312", "gbk", "gb_2312-80", "x-gbk"):
        charset = "gb18030"  # exports say gb2312 and use characters beyond it
    text = _decode(raw, [charset, *encodings] if charset else encodings)
    if text is None:
        raise RegisterUnreadable(str(path), "是网页格式的表格，但无法识别其文字编码；请在 Excel 里打开后另存为 .xlsx")
    parser = _TableParser()
    parser.feed(text)
    parser.close()
    width = max((len(r) for r in parser.rows), default=0)
    if width == 0:
        raise RegisterUnreadable(str(path), "是网页格式的文件，但里面没有表格")
    cells = pd.DataFrame([r + [None] * (width - len(r)) for r in parser.rows], columns=range(width))
    return RawSheet(name, path.stem, _without_empty_columns(cells.astype("string")), 0)
