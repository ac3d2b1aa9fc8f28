"""The only module that imports xlsxwriter: tables in, one styled workbook out.

Every sheet is a ``Table`` (columns with a kind and a header) written by one
generic writer: bold frozen header, autofilter, widths that fit Chinese text,
real Excel dates and numbers, landscape fit-to-width printing with the
header row repeated. A table's rows are built as sheet XML a column at a time
(pyarrow) and streamed in when xlsxwriter saves; xlsxwriter does the rest
(formats, conditional fills, the blocks below a table, links, charts). Text
is always written as text, so a name such as ``=HYPERLINK(...)`` stays a
name. The file is written under a temporary name and renamed, and its parts
are staged beside it, so a crash never leaves half a report or stray data.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import io
import os
import shutil
import struct
import time
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import xlsxwriter
import xlsxwriter.exceptions
import xlsxwriter.workbook
from xlsxwriter.utility import xl_col_to_name

from crm_batch.errors import OutputNotWritable
from crm_batch.text import WHITESPACE

MIN_WIDTH, MAX_WIDTH = 6, 60
WIDTH_SAMPLE_ROWS = 2000


@dataclass(frozen=True)
class Column:
    """One column of a table: the header shown, the frame column, and how to format it."""

    header: str
    key: str
    # text | center | wrap (several lines) | link (to a sheet) | date | datetime | int | number | money | percent
    kind: str = "text"
    width: float | None = None
    colours: Mapping[str, str] | None = None  # cell value → fill colour (grades, risk levels)


@dataclass(frozen=True)
class Chart:
    """A native Excel chart of a block: its first column as categories, the others as series."""

    title: str
    kind: str = "column"  # column | bar | line | pie
    y_title: str = ""


@dataclass(frozen=True)
class Block:
    """A small titled table written below the sheet's main table, optionally drawn as a chart beside it."""

    title: str
    columns: list[Column]
    frame: pd.DataFrame
    chart: Chart | None = None


@dataclass(frozen=True)
class Table:
    """A sheet: a frame and the columns to show, in order."""

    sheet: str
    columns: list[Column]
    frame: pd.DataFrame
    note: str = ""  # one line shown when the table is empty
    total_row: bool = False  # the last row sums the others: shown bold
    autofilter: bool = True
    blocks: list[Block] = field(default_factory=list)


NUMERIC = ("int", "number", "money", "percent")
NUMBER_FORMATS = {
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
    "int": "0",
    "number": "0.0",
    "money": "¥#,##0",
    "percent": "0.0%",
}


class _Formats:
    """Formats are created once per workbook and reused by name."""

    def __init__(self, book: xlsxwriter.Workbook) -> None:
        base = {"font_name": "微软雅黑", "font_size": 10, "valign": "vcenter"}
        self.header = book.add_format({**base, "bold": True, "bg_color": "#1F4E78", "font_color": "#FFFFFF",
                                       "border": 1, "text_wrap": True, "align": "center"})
        self.text = book.add_format({**base, "text_wrap": False})
        self.wrap = book.add_format({**base, "text_wrap": True, "valign": "top"})
        self.center = book.add_format({**base, "align": "center"})
        self.kinds = {kind: book.add_format({**base, "num_format": fmt}) for kind, fmt in NUMBER_FORMATS.items()}
        self.note = book.add_format({**base, "italic": True, "font_color": "#7F7F7F"})
        self.title = book.add_format({**base, "bold": True, "font_size": 12, "font_color": "#1F4E78"})
        self.link = book.add_format({**base, "font_color": "#0563C1", "underline": 1})
        self.bold = book.add_format({"bold": True, "top": 1})
        self._fills: dict[str, xlsxwriter.format.Format] = {}
        self._book = book

    def fill(self, colour: str) -> xlsxwriter.format.Format:
        """A conditional-format fill, one per colour."""
        if colour not in self._fills:
            self._fills[colour] = self._book.add_format({"bg_color": colour})
        return self._fills[colour]

    def for_kind(self, kind: str) -> xlsxwriter.format.Format:
        if kind == "wrap":
            return self.wrap
        if kind == "center":
            return self.center
        return self.kinds.get(kind, self.text)


def display_width(values: pd.Series) -> np.ndarray:
    """Screen width of text: a CJK character is as wide as two Latin ones (a missing value is 0)."""
    # Arrow's kernels directly, with literal characters so the class runs in RE2: ~100 columns a report,
    # and pandas' own .str methods cost more per call than the counting itself.
    text = pa.array(values.astype("string").array, type=pa.large_string()).fill_null("")
    wide = pc.count_substring_regex(text, "[⺀-鿿＀-￯]")
    return pc.add(pc.utf8_length(text), wide).to_numpy(zero_copy_only=False).astype("int64")


def _column_width(column: Column, values: pd.Series) -> float:
    if column.width:
        return column.width
    header = float(display_width(pd.Series([column.header]))[0])
    if column.kind == "date":
        body = 11.0  # yyyy-mm-dd, with room for fonts wider than Calibri
    elif column.kind == "datetime":
        body = 16.0
    elif len(values):
        body = float(np.quantile(display_width(values.head(WIDTH_SAMPLE_ROWS)), 0.95))
    else:
        body = 0.0
    return max(MIN_WIDTH, min(MAX_WIDTH, max(header, body) + 2))


def _cells(values: pd.Series, kind: str) -> list[object]:
    """Python values xlsxwriter writes natively; missing values become blanks."""
    if kind in ("date", "datetime"):
        converted = pd.to_datetime(values, errors="coerce")
        return [None if pd.isna(v) else v.to_pydatetime() for v in converted]
    if kind in NUMERIC:
        numeric = pd.to_numeric(values, errors="coerce").astype("float64")
        return [None if v != v else v for v in numeric.tolist()]
    text = values.astype("string")
    keep = (text.notna() & (text != "")).to_numpy(dtype=bool)
    return text.astype(object).where(keep, None).tolist()


def _write_rows(sheet: xlsxwriter.worksheet.Worksheet, formats: _Formats, columns: list[Column],
                frame: pd.DataFrame, top: int) -> None:
    """A block: a header row at ``top`` and the frame's rows under it, each cell written by its column's kind."""
    for col, column in enumerate(columns):
        values = frame[column.key] if column.key in frame else pd.Series([None] * len(frame), dtype="object")
        sheet.write_string(top, col, column.header, formats.header)
        fmt = formats.for_kind(column.kind)
        cells = _cells(values, column.kind)
        if column.kind == "link":
            for row, value in enumerate(cells, start=top + 1):
                if value is not None:
                    sheet.write_url(row, col, f"internal:'{value}'!A1", formats.link, string=value)
            continue
        # One writer per column, chosen once: the hot loop of a 100,000-row report.
        write = (sheet.write_datetime if column.kind in ("date", "datetime")
                 else sheet.write_number if column.kind in NUMERIC else sheet.write_string)
        for row, value in enumerate(cells, start=top + 1):
            if value is not None:
                write(row, col, value, fmt)
        for value, colour in (column.colours or {}).items():
            sheet.conditional_format(top + 1, col, top + max(len(frame), 1), col, {
                "type": "cell", "criteria": "==", "value": f'"{value}"', "format": formats.fill(colour)})


# ---------------------------------------------------------------- the main table as sheet XML

# Cells xlsxwriter would write one Python call at a time (a 100,000-row sheet is a million
# calls, then as many again to serialise them) are built here a column at a time with
# pyarrow, as the <row> elements of the sheet's XML, and streamed into the sheet when the
# workbook is saved. Formats, widths, filters, conditional formats, blocks and charts stay
# xlsxwriter's. Text goes in as inline strings: never a formula, whatever it starts with.

# Characters XML 1.0 forbids; invisible in Excel anyway (xlsxwriter escapes them as _xHHHH_).
_XML_ILLEGAL = "[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]"
_EXCEL_ESCAPE = "(_x[0-9a-fA-F]{4}_)"
_XML_SPECIAL = f"{_XML_ILLEGAL[:-1]}&<>]|{_EXCEL_ESCAPE}"  # a cell with any of these needs _xml_escaped
# Whitespace at either end of a text (what Python's \s matches, as xlsxwriter tests it).
_XML_PADDED = f"^{WHITESPACE}|{WHITESPACE}$"
EXCEL_MAX_TEXT = 32_767  # characters in one cell
EXCEL_MAX_ROWS = 1_048_576
HEADER_HEIGHT = 30
XML_THREADS = 2  # sheets whose rows are built at once (pyarrow works outside the GIL)
# zlib level 3 instead of the default 6: 2.5x faster to write, the file ~19% larger (10k customers:
# 0.42 -> 0.17 s, 2.8 -> 3.3 MB); the same for Excel, and still small enough to send.
ZIP_LEVEL = 3
ZIP32_LIMIT = 0xFFFF_FFFF  # bytes a plain zip can count; a larger workbook is zipped with ZIP64 by zipfile
ZIP_IN_FLIGHT = 64 * 1024 * 1024  # bytes of parts read but not yet deflated (a 100k report's parts: ~300 MB)
LINE_HEIGHT, MAX_ROW_HEIGHT = 14, 409
_EXCEL_EPOCH = pd.Timestamp("1899-12-31")
_NS_PER_DAY = 86_400 * 10**9


def _join(*parts: object) -> pa.Array:
    """Element-wise concatenation; a missing part makes the result missing (an omitted cell)."""
    return pc.binary_join_element_wise(*(_large(p) for p in parts), _large(""))


def _large(part: object) -> object:
    """Literal text as a large_string scalar (a column of long drafts may pass 2 GB as string)."""
    return pa.scalar(part, pa.large_string()) if isinstance(part, str) else part


def _xml_text(values: pd.Series) -> pa.Array:
    """Cell text, escaped for XML; empty cells missing. Only the few cells that need it are rewritten."""
    text = pa.array(values.astype("string"), type=pa.large_string())
    if isinstance(text, pa.ChunkedArray):  # a column assembled by concat
        text = text.combine_chunks()
    todo = pc.or_(pc.fill_null(pc.match_substring_regex(text, _XML_SPECIAL), False),
                  pc.fill_null(pc.greater(pc.utf8_length(text), EXCEL_MAX_TEXT), False))
    if pc.any(todo).as_py():
        text = pc.replace_with_mask(text, todo, _xml_escaped(pc.filter(text, todo)))
    return pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.large_string()), text)


def _xml_escaped(text: pa.Array) -> pa.Array:
    text = pc.replace_substring_regex(text, _XML_ILLEGAL, "")
    # Longer than a cell holds (a quoted note with a prefix): cut, and the cut shows.
    cut = pc.fill_null(pc.greater(pc.utf8_length(text), EXCEL_MAX_TEXT), False)
    text = pc.if_else(cut, _join(pc.utf8_slice_codeunits(text, 0, EXCEL_MAX_TEXT - 1), "…"), text)
    # Excel reads _x000D_ in a cell as an escaped character; text that says it literally is escaped itself.
    text = pc.replace_substring_regex(text, _EXCEL_ESCAPE, "_x005F\\1")
    for raw, escaped in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
        text = pc.replace_substring(text, raw, escaped)
    return text


def _xml_number(values: pd.Series, kind: str) -> pa.Array:
    """A number or an Excel date serial as the text of a <v>; blanks and non-numbers missing."""
    if kind in ("date", "datetime"):
        stamps = pd.to_datetime(values, errors="coerce")
        serial = (stamps - _EXCEL_EPOCH).to_numpy(dtype="timedelta64[ns]").astype(np.int64) / _NS_PER_DAY
        serial = np.where(stamps.isna().to_numpy(), np.nan, serial)
        serial = serial + (serial > 59)  # Excel's phantom 1900-02-29, as xlsxwriter counts it
    else:
        serial = pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    serial = np.where(np.isfinite(serial), serial, np.nan)
    return pc.cast(pa.array(serial, from_pandas=True), pa.large_string())


def _xml_cells(values: pd.Series, column: int, kind: str, style: int, rows: pa.Array) -> pa.Array:
    ref = f'<c r="{xl_col_to_name(column)}'
    if kind in NUMERIC or kind in ("date", "datetime"):
        return _join(ref, rows, f'" s="{style}"><v>', _xml_number(values, kind), "</v></c>")
    text = _xml_text(values)
    # xml:space="preserve" only on texts with whitespace at an end, where xlsxwriter puts it too: on every
    # cell it would be a sixth of the sheet's bytes, to build and to deflate.
    padded = pc.fill_null(pc.match_substring_regex(text, _XML_PADDED), False)
    opening = pc.if_else(padded, _large('<t xml:space="preserve">'), _large("<t>"))
    return _join(ref, rows, f'" s="{style}" t="inlineStr"><is>', opening, text, "</t></is></c>")


def _row_heights(table: Table) -> pa.Array:
    """The height attribute of each body row: rows with several lines in a wrap column are taller."""
    wrapped = [c.key for c in table.columns if c.kind == "wrap" and c.key in table.frame]
    lines = np.ones(len(table.frame), dtype=np.int64)
    for key in wrapped:
        count = table.frame[key].astype("string").str.count("\n").fillna(0).to_numpy(dtype=np.int64) + 1
        lines = np.maximum(lines, count)
    heights = pc.cast(pa.array(np.minimum(MAX_ROW_HEIGHT, LINE_HEIGHT * lines)), pa.large_string())
    return pc.if_else(pa.array(lines > 1), _join(' ht="', heights, '" customHeight="1"'), _large(""))


def _main_table_xml(table: Table, header_style: int, styles: list[int]) -> list[bytes | memoryview]:
    """The header row and every body row of the table, as UTF-8 <row> elements.

    Runs in a worker thread (pyarrow releases the GIL), so it is given the styles' indices,
    not xlsxwriter's Format objects. The body comes straight out of the arrow buffer.
    """
    header = [f'<row r="1" ht="{HEADER_HEIGHT}" customHeight="1">']
    for col, column in enumerate(table.columns):
        text = column.header.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        header.append(f'<c r="{xl_col_to_name(col)}1" s="{header_style}" t="inlineStr"><is>'
                      f'<t xml:space="preserve">{text}</t></is></c>')
    header.append("</row>")
    parts: list[bytes | memoryview] = ["".join(header).encode("utf-8")]
    frame = table.frame
    if frame.empty:
        return parts
    rows = pc.cast(pa.array(np.arange(2, len(frame) + 2)), pa.large_string())
    cells = [_xml_cells(frame[column.key], col, column.kind, style, rows)
             for col, (column, style) in enumerate(zip(table.columns, styles, strict=True)) if column.key in frame]
    rows_xml = pc.binary_join_element_wise(_join('<row r="', rows, '"', _row_heights(table), ">"), *cells,
                                           _large("</row>"), _large(""), null_handling="replace",
                                           null_replacement="")
    parts.extend(_utf8(rows_xml))
    return parts


def _utf8(text: pa.Array | pa.ChunkedArray) -> list[memoryview]:
    """The UTF-8 of a large_string array without nulls, concatenated: its data buffers, not copied."""
    views = []
    for chunk in text.chunks if isinstance(text, pa.ChunkedArray) else [text]:
        if len(chunk):
            offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int64, count=len(chunk) + 1,
                                    offset=chunk.offset * 8)
            views.append(memoryview(chunk.buffers()[2])[offsets[0]:offsets[-1]])
    return views


def _stream_main_table(sheet: xlsxwriter.worksheet.Worksheet, formats: _Formats, table: Table,
                       builder: ThreadPoolExecutor) -> None:
    """Make the sheet write the main table's rows from _main_table_xml, then its own (the blocks below).

    The XML is built at once in ``builder``'s threads while xlsxwriter goes on with the other sheets.
    """
    if any(c.kind == "link" for c in table.columns):
        raise ValueError(f"{table.sheet}: links to sheets belong in a block, not in the main table")
    own_rows = sorted(r for r, cells in sheet.table.items() if cells)
    last_row = max([len(table.frame), *own_rows])
    last_col = max([len(table.columns) - 1, *(c for r in own_rows for c in sheet.table[r])])
    original = sheet._write_rows
    styles = [formats.for_kind(c.kind)._get_xf_index() for c in table.columns]
    pending = [builder.submit(_main_table_xml, table, formats.header._get_xf_index(), styles)]

    def write_sheet_data() -> None:
        sheet._xml_start_tag("sheetData")
        sheet.fh.flush()  # the text layer's tag first, then the rows' bytes
        for part in pending.pop().result():  # popped: the sheet's XML is freed once written
            sheet.fh.buffer.write(part)
        if own_rows:  # xlsxwriter's own cells: the blocks and notes below the table
            sheet.dim_rowmin = own_rows[0]
            original()
            sheet.dim_rowmin = 0
        sheet._xml_end_tag("sheetData")

    sheet.dim_rowmin, sheet.dim_rowmax, sheet.dim_colmin, sheet.dim_colmax = 0, last_row, 0, last_col
    sheet._write_sheet_data = write_sheet_data


def _write_table(book: xlsxwriter.Workbook, formats: _Formats, table: Table, builder: ThreadPoolExecutor) -> None:
    sheet = book.add_worksheet(table.sheet)
    over = len(table.frame) - (EXCEL_MAX_ROWS - 1)
    if over > 0:
        # Past Excel's last row the file would not open: the rows that fit, and a last row saying so.
        table = replace(table, frame=table.frame.iloc[: EXCEL_MAX_ROWS - 2])
        sheet.write_string(EXCEL_MAX_ROWS - 1, 0, f"以下还有 {over + 1:,} 行超出 Excel 的行数上限"
                           f"（{EXCEL_MAX_ROWS:,} 行），没有写入；请分开运行（例如按门店或月份拆分登记表）",
                           formats.note)
    frame = table.frame
    for col, column in enumerate(table.columns):
        values = frame[column.key] if column.key in frame else pd.Series(dtype="object")
        sheet.set_column(col, col, _column_width(column, values), formats.for_kind(column.kind))
        for value, colour in (column.colours or {}).items():
            sheet.conditional_format(1, col, max(len(frame), 1), col, {
                "type": "cell", "criteria": "==", "value": f'"{value}"', "format": formats.fill(colour)})
    last_col = max(len(table.columns) - 1, 0)
    if frame.empty and table.note:
        sheet.write_string(1, 0, table.note, formats.note)
    if table.total_row and len(frame) > 1:
        sheet.conditional_format(len(frame), 0, len(frame), last_col, {"type": "no_errors", "format": formats.bold})
    _write_blocks(book, sheet, formats, table)
    _stream_main_table(sheet, formats, table, builder)
    sheet.freeze_panes(1, 0)
    if table.autofilter:
        sheet.autofilter(0, 0, max(len(frame), 1), last_col)
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(0)
    sheet.set_header(f"&L&\"微软雅黑,Bold\"{table.sheet}")
    sheet.set_footer("&C第 &P 页，共 &N 页")


CHART_ROWS = 16  # rows a chart covers at its default size


def _write_blocks(book: xlsxwriter.Workbook, sheet: xlsxwriter.worksheet.Worksheet, formats: _Formats,
                  table: Table) -> None:
    """The blocks below the main table; their charts stacked to the right of the main table."""
    top = len(table.frame) + 2
    chart_row = 0
    chart_col = len(table.columns) + 1
    for block in table.blocks:
        sheet.write_string(top, 0, block.title, formats.title)
        _write_rows(sheet, formats, block.columns, block.frame, top + 1)
        first, last = top + 2, top + 1 + len(block.frame)
        if block.chart is not None and len(block.frame):
            chart = book.add_chart({"type": block.chart.kind})
            for col in range(1, len(block.columns)):
                series = {"name": [sheet.name, top + 1, col], "categories": [sheet.name, first, 0, last, 0],
                          "values": [sheet.name, first, col, last, col]}
                if block.chart.kind == "pie":
                    series["data_labels"] = {"percentage": True, "category": True}
                chart.add_series(series)
            chart.set_title({"name": block.chart.title, "name_font": {"name": "微软雅黑", "size": 11}})
            if block.chart.kind != "pie":
                kind = block.columns[1].kind
                axis = {"name": block.chart.y_title, "major_gridlines": {"visible": True},
                        "num_format": {"percent": "0%", "money": "¥#,##0"}.get(kind, "General")}
                if kind == "percent":
                    axis.update(min=0, max=1)
                # A bar chart's values run along x; a column or line chart's along y.
                (chart.set_x_axis if block.chart.kind == "bar" else chart.set_y_axis)(axis)
                # Every category labelled (every agent's name), not every other one.
                (chart.set_y_axis if block.chart.kind == "bar" else chart.set_x_axis)({"interval_unit": 1})
                chart.set_legend({"position": "bottom"} if len(block.columns) > 2 else {"none": True})
            # A bar per agent: taller with more agents, so every name fits beside its bar.
            tall = max(1.0, len(block.frame) / 6) if block.chart.kind == "bar" else 1.0
            sheet.insert_chart(chart_row, chart_col, chart, {"x_scale": 1.0, "y_scale": tall})
            chart_row += int(CHART_ROWS * tall) + 1
        top = last + 2


def _move_into_place(tmp: Path, path: Path) -> Path:
    """Rename the finished file to its name; beside it, numbered, when the old one is open in Excel (Windows)."""
    try:
        os.replace(tmp, path)
        return path
    except PermissionError:
        if not path.exists():
            raise
    for n in range(2, 100):
        beside = path.with_name(f"{path.stem}（{n}）{path.suffix}")
        if not beside.exists():
            os.replace(tmp, beside)
            return beside
    raise PermissionError(13, "同名文件都被占用", str(path))


@contextlib.contextmanager
def _zipped_in_threads(builder: ThreadPoolExecutor) -> Iterator[None]:
    """xlsxwriter zips its parts one after the other at zlib level 6, with no option for either: for
    one save its ZipFile is ours, which deflates each part in ``builder``'s threads (zlib works
    outside the GIL) while xlsxwriter goes on, at ``ZIP_LEVEL``."""
    original = xlsxwriter.workbook.ZipFile
    xlsxwriter.workbook.ZipFile = functools.partial(_ThreadedZip, builder=builder)
    try:
        yield
    finally:
        xlsxwriter.workbook.ZipFile = original


def _deflated(data: bytes) -> tuple[bytes, int, int]:
    """A part as zip stores it: its raw deflate stream, CRC-32 and size."""
    packer = zlib.compressobj(ZIP_LEVEL, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush(), zlib.crc32(data), len(data)


class _ThreadedZip:
    """The part of zipfile.ZipFile that xlsxwriter uses (write, writestr, close), deflating in threads.

    The archive is the plainest zip: deflated entries, sizes in the local headers, no ZIP64. A
    workbook too large for that (past 4 GB) is handed to zipfile, which uses ZIP64 where needed.
    Parts read but not yet deflated stay under ``ZIP_IN_FLIGHT`` bytes (or one part, when a part is
    larger); only the deflated ones are kept until the end.
    """

    def __init__(self, file: io.BytesIO, mode: str = "w", compression: int = zipfile.ZIP_DEFLATED,
                 allowZip64: bool = True, *, builder: ThreadPoolExecutor) -> None:  # noqa: N803 - zipfile's name
        self.file, self.compression, self._builder = file, compression, builder
        self._entries: list[tuple[str, tuple[int, ...], Future]] = []
        self._in_flight: list[tuple[Future, int]] = []

    def write(self, filename: str, arcname: str) -> None:
        self._add(arcname, time.localtime(os.stat(filename).st_mtime)[:6], Path(filename).read_bytes())

    def writestr(self, info: zipfile.ZipInfo, data: bytes) -> None:
        self._add(info.filename, info.date_time, data)

    def _add(self, name: str, stamp: tuple[int, ...], data: bytes) -> None:
        while self._in_flight and sum(size for _, size in self._in_flight) + len(data) > ZIP_IN_FLIGHT:
            self._in_flight.pop(0)[0].result()
        future = self._builder.submit(_deflated, data)
        self._entries.append((name, stamp, future))
        self._in_flight.append((future, len(data)))

    def close(self) -> None:
        entries = [(name, stamp, *future.result()) for name, stamp, future in self._entries]
        if sum(size + len(packed) for _, _, packed, _, size in entries) >= ZIP32_LIMIT or len(entries) >= 0xFFFF:
            with zipfile.ZipFile(self.file, "w", zipfile.ZIP_DEFLATED, compresslevel=ZIP_LEVEL) as zf:
                for name, stamp, packed, _, _ in entries:
                    zf.writestr(zipfile.ZipInfo(name, stamp), zlib.decompress(packed, -15), zipfile.ZIP_DEFLATED,
                                ZIP_LEVEL)
            return
        directory = []
        for name, stamp, packed, crc, size in entries:
            encoded = name.encode("utf-8")
            day = (stamp[0] - 1980) << 9 | stamp[1] << 5 | stamp[2]
            clock = stamp[3] << 11 | stamp[4] << 5 | stamp[5] // 2
            fields = (20, 0, zipfile.ZIP_DEFLATED, clock, day, crc, len(packed), size, len(encoded), 0)
            directory.append(struct.pack("<4s2B5H3L5H2L", b"PK\x01\x02", 20, 3, *fields, 0, 0, 0,
                                         0o600 << 16, self.file.tell()) + encoded)
            self.file.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", *fields) + encoded)
            self.file.write(packed)
        start = self.file.tell()
        self.file.write(b"".join(directory))
        size = self.file.tell() - start
        self.file.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries), size, start, 0))


class _KeptOpen(io.BytesIO):
    """The workbook's zip in memory; xlsxwriter closes its target, the bytes are still needed."""

    def close(self) -> None:
        pass


def _remove(*paths: Path) -> None:
    """Remove temporary files and folders, quietly: cleaning up must not hide the real error."""
    for p in paths:
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                p.unlink()


def write_workbook(path: Path, tables: list[Table]) -> Path:
    """Write the tables as sheets of one workbook, atomically; return the path written.

    When the previous report of the same name is open (Excel locks it on Windows), the new one is
    written beside it as ``name（2）.xlsx``; the caller compares the returned path to say so.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputNotWritable(str(path.parent), exc.strerror or str(exc)) from None
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp.xlsx")
    # xlsxwriter stages every part of the workbook as a file, with names and phones in it: in a
    # folder of ours beside the report, removed whatever happens, never in the system temp folder.
    parts = path.with_name(f".{path.stem}.{os.getpid()}.parts")
    try:
        parts.mkdir(exist_ok=True)
        # The zip is assembled in memory (a few MB compressed), so a failure leaves no open file behind.
        packed = _KeptOpen()
        # ZIP64 only when a part passes 2 GB (long notes in a million-row sheet), never otherwise.
        book = xlsxwriter.Workbook(packed, {"strings_to_formulas": False, "strings_to_urls": False,
                                            "strings_to_numbers": False, "tmpdir": str(parts), "use_zip64": True})
        formats = _Formats(book)
        with ThreadPoolExecutor(XML_THREADS) as builder:
            for table in tables:
                _write_table(book, formats, table, builder)
            with _zipped_in_threads(builder):
                book.close()
        with open(tmp, "wb") as out:
            out.write(packed.getbuffer())
        path = _move_into_place(tmp, path)
    except (OSError, xlsxwriter.exceptions.XlsxFileError) as exc:
        gc.collect()  # a part xlsxwriter left open when it failed is closed, so Windows lets it go
        _remove(tmp, parts)
        reason = getattr(exc, "strerror", None) or str(exc)
        raise OutputNotWritable(str(path), reason) from None
    except BaseException:
        gc.collect()
        _remove(tmp, parts)
        raise
    _remove(parts)
    return path
