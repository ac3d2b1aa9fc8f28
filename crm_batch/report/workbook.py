"""The only module that imports xlsxwriter: tables in, one styled workbook out.

Every sheet is a ``Table`` (columns with a kind and a header) written by one
generic writer: bold frozen header, autofilter, widths that fit Chinese text,
real Excel dates and numbers, landscape fit-to-width printing with the
header row repeated. Every cell's value comes from one encoding
(``cell_values``). A main table's rows are built as sheet XML a column at a
time (pyarrow) and written by one Worksheet subclass (``TableSheet``, the only
code that touches xlsxwriter's internals); xlsxwriter does the rest (formats,
conditional fills, the blocks below a table, links, charts). Text is always
written as text, so a name such as ``=HYPERLINK(...)`` stays a name. The file
is written under a temporary name and renamed, and its parts are staged beside
it, so a crash never leaves half a report or stray data.
"""

from __future__ import annotations

import contextlib
import gc
import io
import os
import shutil
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import xlsxwriter
import xlsxwriter.exceptions
import xlsxwriter.format
import xlsxwriter.worksheet
from xlsxwriter.utility import xl_col_to_name

from crm_batch.errors import OutputNotWritable
from crm_batch.filenames import numbered_path, staging_names
from crm_batch.text import WHITESPACE
from crm_batch.vocabulary import EXCEL_EPOCH

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
    choices: tuple[str, ...] = ()  # a drop-down list on the column's rows (主管确认): blank, or one of these


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
        self.wrap = book.add_format({**base, "text_wrap": True})  # centred like the rest of its row
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


# ---------------------------------------------------------------- cell values: one encoding for every cell

DATE_KINDS = ("date", "datetime")
EXCEL_MAX_TEXT = 32_767  # characters in one cell
EXCEL_MAX_ROWS = 1_048_576
HEADER_HEIGHT = 30
LINE_HEIGHT, MAX_ROW_HEIGHT = 14, 409
# Characters XML 1.0 forbids (invisible in Excel anyway), and the carriage return, which XML reads as a
# line break: a cell holding any of them is cleaned. Literal characters, so the class runs in RE2.
_XML_ILLEGAL = "[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]"
_NEEDS_CLEANING = "[\x00-\x08\x0b-\x1f\ufffe\uffff]"
_EPOCH = pd.Timestamp(EXCEL_EPOCH)
_NS_PER_DAY = 86_400 * 10**9


def cell_values(values: pd.Series, kind: str) -> pa.Array:
    """What each cell of a column holds, as Excel stores it; null for a blank cell.

    Numbers and dates are float64: a date is its serial, the days since Excel's day 0 (the fraction
    its time of day). Text is large_string without the characters XML forbids, with line breaks as
    \n, and cut with "…" past the 32,767 characters a cell holds. Both writers take their cells
    from here, so a value reads back the same whichever of them wrote it.
    """
    if kind in DATE_KINDS or kind in NUMERIC:
        return pa.array(_serials(values, kind), from_pandas=True)
    text = pa.array(values.astype("string"), type=pa.large_string())
    if isinstance(text, pa.ChunkedArray):  # a column assembled by concat
        text = text.combine_chunks()
    todo = pc.or_(pc.fill_null(pc.match_substring_regex(text, _NEEDS_CLEANING), False),
                  pc.fill_null(pc.greater(pc.utf8_length(text), EXCEL_MAX_TEXT), False))
    if pc.any(todo).as_py():  # a handful of cells: only they are rewritten
        text = pc.replace_with_mask(text, todo, _cleaned(pc.filter(text, todo)))
    return pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.large_string()), text)


def _cleaned(text: pa.Array) -> pa.Array:
    text = pc.replace_substring(pc.replace_substring(text, "\r\n", "\n"), "\r", "\n")
    text = pc.replace_substring_regex(text, _XML_ILLEGAL, "")
    # Longer than a cell holds (a quoted note with a prefix): cut, and the cut shows.
    cut = pc.fill_null(pc.greater(pc.utf8_length(text), EXCEL_MAX_TEXT), False)
    return pc.if_else(cut, _join(pc.utf8_slice_codeunits(text, 0, EXCEL_MAX_TEXT - 1), "…"), text)


def _serials(values: pd.Series, kind: str) -> np.ndarray:
    """Numbers as float64, dates as Excel serials; NaN for blanks, non-numbers and infinities."""
    if kind in DATE_KINDS:
        stamps = pd.to_datetime(values, errors="coerce")
        days = (stamps - _EPOCH).to_numpy(dtype="timedelta64[ns]").astype(np.int64) / _NS_PER_DAY
        days = np.where(stamps.isna().to_numpy(), np.nan, days)
        serial = days - (days < 61)  # before 1900-03-01 Excel counts a 1900-02-29 that never was
    else:
        serial = pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    return _sixteen_digits(np.where(np.isfinite(serial), serial, np.nan))


def _sixteen_digits(values: np.ndarray) -> np.ndarray:
    """Numbers to 16 significant digits, as xlsxwriter writes them ("%.16G"): 0.1 + 0.2 is stored as 0.3.

    Only a fraction or a number past 10^16 can need it; each such distinct value is rounded once.
    """
    odd = np.isfinite(values) & ((values != np.round(values)) | (np.abs(values) >= 1e16))
    if not odd.any():
        return values
    distinct, where = np.unique(values[odd], return_inverse=True)
    rounded = values.copy()
    rounded[odd] = np.array([float(f"{v:.16G}") for v in distinct])[where]
    return rounded


def _values_of(frame: pd.DataFrame, column: Column) -> pd.Series:
    return frame[column.key] if column.key in frame else pd.Series([None] * len(frame), dtype="object")


def _line_counts(columns: list[Column], frame: pd.DataFrame) -> np.ndarray:
    """Lines in each row's tallest cell of a wrap column, as Excel wraps it: every written line takes
    as many lines as its width needs in the column, and a row of them is made that tall. The text
    itself is left as it is (a copied cell with line breaks of ours would paste in quotes)."""
    lines = np.ones(len(frame), dtype=np.float64)
    for column in [c for c in columns if c.kind == "wrap" and c.key in frame]:
        text = pa.array(frame[column.key].astype("string").array, type=pa.large_string()).fill_null("")
        parts = pc.split_pattern(text, "\n")
        if column.width:
            room = max(column.width - 2, 4)
            widths = display_width(pd.Series(pc.list_flatten(parts).to_pandas(), dtype="string"))
            folded = np.maximum(1, -(-widths // room))
            # Each cell's lines: its parts' folded counts, summed along the list offsets.
            ends = np.cumsum(np.r_[0, folded])[pc.list_value_length(parts).to_numpy(zero_copy_only=False).cumsum()]
            starts = np.r_[0, ends[:-1]]
            count = ends - starts
            # Chinese lines stand taller than the row height counts them (LibreOffice and WPS more so than
            # Excel): a wrapped cell gets a third more room, from two lines on.
            count = np.where(count > 1, count * 4 / 3, count)
        else:
            count = pc.list_value_length(parts).to_numpy(zero_copy_only=False)
        lines = np.maximum(lines, count)
    return lines


def _row_height(lines: np.ndarray) -> np.ndarray:
    """Points, on the pixel grid Excel draws rows on (¾ point a pixel), as xlsxwriter's set_row stores them."""
    points = np.minimum(MAX_ROW_HEIGHT, LINE_HEIGHT * lines)
    return (points * 4 / 3 + 0.5).astype(np.int64) * 0.75


def _colour(sheet: xlsxwriter.worksheet.Worksheet, formats: _Formats, column: Column, col: int,
            first_row: int, last_row: int) -> None:
    """Conditional fills of a column: a cell equal to a value (a grade, a risk level) gets its colour."""
    for value, colour in (column.colours or {}).items():
        sheet.conditional_format(first_row, col, max(last_row, first_row), col, {
            "type": "cell", "criteria": "==", "value": f'"{value}"', "format": formats.fill(colour)})


# ---------------------------------------------------------------- the plain path: xlsxwriter's own calls


def _write_cells(sheet: xlsxwriter.worksheet.Worksheet, formats: _Formats, columns: list[Column],
                 frame: pd.DataFrame, top: int) -> None:
    """A header row at ``top`` and the frame's rows under it, written cell by cell with xlsxwriter's
    public calls: the blocks below a table, and every table when the fast path is off."""
    for col, column in enumerate(columns):
        sheet.write_string(top, col, column.header, formats.header)
        fmt = formats.for_kind(column.kind)
        values = cell_values(_values_of(frame, column), column.kind).to_pylist()
        if column.kind == "link":
            for row, value in enumerate(values, start=top + 1):
                if value is not None:
                    sheet.write_url(row, col, f"internal:'{value}'!A1", formats.link, string=value)
            continue
        # One writer per column, chosen once: the hot loop when a whole report goes this way.
        write = sheet.write_number if column.kind in DATE_KINDS or column.kind in NUMERIC else sheet.write_string
        for row, value in enumerate(values, start=top + 1):
            if value is not None:
                write(row, col, value, fmt)
        _colour(sheet, formats, column, col, top + 1, top + len(frame))
    lines = _line_counts(columns, frame)
    for row in np.flatnonzero(lines > 1):
        sheet.set_row(top + 1 + int(row), float(_row_height(lines[row:row + 1])[0]))


# ---------------------------------------------------------------- the fast path: the main table as sheet XML

# Built a column at a time with pyarrow, as the <row> elements of the sheet's XML: the same cells
# xlsxwriter would write from a million Python calls (and as many again to serialise them).
XML_THREADS = 2  # sheets whose rows are built at once (pyarrow works outside the GIL)
# Excel reads _x000D_ in a cell as an escaped character: text that says it literally is escaped itself.
_EXCEL_ESCAPE = "(_x[0-9a-fA-F]{4}_)"
_XML_SPECIAL = f"[&<>]|{_EXCEL_ESCAPE}"
# Whitespace at either end of a text (what Python's \s matches, as xlsxwriter tests it).
_XML_PADDED = f"^{WHITESPACE}|{WHITESPACE}$"
FAST_PATH = xlsxwriter.__version__.split(".")[0] == "3"  # TableSheet was checked against these versions


def _join(*parts: object) -> pa.Array:
    """Element-wise concatenation; a missing part makes the result missing (an omitted cell)."""
    return pc.binary_join_element_wise(*(_large(p) for p in parts), _large(""))


def _large(part: object) -> object:
    """Literal text as a large_string scalar (a column of long drafts may pass 2 GB as string)."""
    return pa.scalar(part, pa.large_string()) if isinstance(part, str) else part


def _xml_escaped(text: pa.Array) -> pa.Array:
    """Clean cell text (see cell_values) as XML element text, as xlsxwriter escapes it."""
    todo = pc.fill_null(pc.match_substring_regex(text, _XML_SPECIAL), False)
    if not pc.any(todo).as_py():
        return text
    special = pc.replace_substring_regex(pc.filter(text, todo), _EXCEL_ESCAPE, "_x005F\\1")
    for raw, escaped in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
        special = pc.replace_substring(special, raw, escaped)
    return pc.replace_with_mask(text, todo, special)


def _xml_cells(values: pd.Series, column: int, kind: str, style: int, rows: pa.Array) -> pa.Array:
    ref = f'<c r="{xl_col_to_name(column)}'
    cells = cell_values(values, kind)
    if kind in NUMERIC or kind in DATE_KINDS:
        return _join(ref, rows, f'" s="{style}"><v>', pc.cast(cells, pa.large_string()), "</v></c>")
    text = _xml_escaped(cells)
    # xml:space="preserve" only on texts with whitespace at an end, where xlsxwriter puts it too: on every
    # cell it would be a sixth of the sheet's bytes, to build and to deflate.
    padded = pc.fill_null(pc.match_substring_regex(text, _XML_PADDED), False)
    opening = pc.if_else(padded, _large('<t xml:space="preserve">'), _large("<t>"))
    return _join(ref, rows, f'" s="{style}" t="inlineStr"><is>', opening, text, "</t></is></c>")


def _row_heights(table: Table) -> pa.Array:
    """The height attribute of each body row: rows with several lines in a wrap column are taller."""
    lines = _line_counts(table.columns, table.frame)
    heights = pc.cast(pa.array(_row_height(lines)), pa.large_string())  # 28 points is ht="27.75"
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


class TableSheet(xlsxwriter.worksheet.Worksheet):
    """A worksheet whose main table (header and rows) is written from prepared sheet XML.

    The only code in crm_batch that touches xlsxwriter's internals, for one reason: speed. Written
    with the public calls, a 100,000-row report takes ~30 s in xlsxwriter; from _main_table_xml, ~3 s.
    It overrides one method, ``Worksheet._write_sheet_data``, which writes the <sheetData> element:
    there it writes the table's XML through the sheet's file handle, then lets xlsxwriter write the
    cells it holds itself (``_write_rows``: the blocks and notes below the table). ``attach`` sets the
    sheet's dimension (``dim_*``) to cover the table, as writing its cells would have, and takes the
    style index of each column's format (``Format._get_xf_index``, as xlsxwriter's cell writer does).

    Checked against xlsxwriter 3.2.0 and 3.3.1: ``_assemble_xml_file`` writes the dimension and then
    calls ``_write_sheet_data``; ``_write_rows`` writes the cells of ``self.table`` from ``dim_rowmin``
    to ``dim_rowmax``; ``self.fh`` is a text file (or StringIO in memory mode). ``FAST_PATH`` is on
    for xlsxwriter 3 only; with another version every table goes through ``_write_cells``, and the
    tests compare the two paths cell by cell.
    """

    _table_xml: Future[list[bytes | memoryview]] | None = None
    _table_rows = 0

    def attach(self, table: Table, header: xlsxwriter.format.Format, formats: list[xlsxwriter.format.Format],
               builder: ThreadPoolExecutor) -> None:
        """The sheet's first rows are ``table``: its header in ``header``'s format, then its rows, each
        column in its format. The XML is built at once in ``builder``'s threads, while xlsxwriter goes
        on; xlsxwriter writes whatever else the sheet holds."""
        # A format's style index, as xlsxwriter's own cell writer asks for it (it numbers formats in use).
        styles = [f._get_xf_index() for f in formats]
        self._table_xml = builder.submit(_main_table_xml, table, header._get_xf_index(), styles)
        self._table_rows = rows = len(table.frame)
        self.dim_rowmin = 0
        self.dim_rowmax = max(rows, self.dim_rowmax if self.dim_rowmax is not None else 0)
        self.dim_colmin = 0
        self.dim_colmax = max(len(table.columns) - 1, self.dim_colmax if self.dim_colmax is not None else 0)

    def _write_sheet_data(self) -> None:
        if self._table_xml is None:
            super()._write_sheet_data()
            return
        own = sorted(row for row, cells in self.table.items() if cells)
        inside = [row for row in own if row <= self._table_rows]
        if inside:  # a cell written there would be lost under the table's row of the same number
            raise ValueError(f"sheet {self.name}: row {inside[0] + 1} belongs to the main table and was also "
                             "written cell by cell")
        self._xml_start_tag("sheetData")
        self.fh.flush()  # the text layer's tag first, then the rows' bytes
        raw = getattr(self.fh, "buffer", None)  # StringIO in xlsxwriter's in-memory mode has none
        parts, self._table_xml = self._table_xml.result(), None  # freed once written
        for part in parts:
            if raw is not None:
                raw.write(part)
            else:
                self.fh.write(bytes(part).decode("utf-8"))
        if own:  # xlsxwriter's own cells, below the table
            self.dim_rowmin = own[0]
            self._write_rows()
            self.dim_rowmin = 0
        self._xml_end_tag("sheetData")


# ---------------------------------------------------------------- sheets and the workbook


def _write_table(book: xlsxwriter.Workbook, formats: _Formats, table: Table,
                 builder: ThreadPoolExecutor | None) -> None:
    """One sheet: the main table (fast or plain path), the blocks below it, and the sheet's settings."""
    sheet = book.add_worksheet(table.sheet, worksheet_class=TableSheet)
    over = len(table.frame) - (EXCEL_MAX_ROWS - 1)
    if over > 0:
        # Past Excel's last row the file would not open: the rows that fit, and a last row saying so.
        table = replace(table, frame=table.frame.iloc[: EXCEL_MAX_ROWS - 2])
        sheet.write_string(EXCEL_MAX_ROWS - 1, 0, f"以下还有 {over + 1:,} 行超出 Excel 的行数上限"
                           f"（{EXCEL_MAX_ROWS:,} 行），没有写入；请分开运行（例如按门店或月份拆分登记表）",
                           formats.note)
    frame = table.frame
    if any(c.kind == "link" for c in table.columns):
        raise ValueError(f"{table.sheet}: links to sheets belong in a block, not in the main table")
    for col, column in enumerate(table.columns):
        sheet.set_column(col, col, _column_width(column, _values_of(frame, column)), formats.for_kind(column.kind))
    last_col = max(len(table.columns) - 1, 0)
    if frame.empty and table.note:
        sheet.write_string(1, 0, table.note, formats.note)
    if table.total_row and len(frame) > 1:
        sheet.conditional_format(len(frame), 0, len(frame), last_col, {"type": "no_errors", "format": formats.bold})
    _drop_downs(sheet, table)
    _write_blocks(book, sheet, formats, table)
    if builder is None:
        _write_cells(sheet, formats, table.columns, frame, 0)
        sheet.set_row(0, HEADER_HEIGHT)
    else:
        for col, column in enumerate(table.columns):
            _colour(sheet, formats, column, col, 1, len(frame))
        sheet.attach(table, formats.header, [formats.for_kind(c.kind) for c in table.columns], builder)
    sheet.freeze_panes(1, 0)
    if table.autofilter:
        sheet.autofilter(0, 0, max(len(frame), 1), last_col)
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(0)
    sheet.set_header(f"&L&\"微软雅黑,Bold\"{table.sheet}")
    sheet.set_footer("&C第 &P 页，共 &N 页")


def _drop_downs(sheet: xlsxwriter.worksheet.Worksheet, table: Table) -> None:
    """A drop-down list on the rows of each column with choices; a blank cell stays allowed."""
    for col, column in enumerate(table.columns):
        if column.choices and len(table.frame):
            sheet.data_validation(1, col, len(table.frame), col, {
                "validate": "list", "source": list(column.choices), "ignore_blank": True,
                "error_title": column.header, "error_message": "请从下拉列表里选：" + " / ".join(column.choices)})


CHART_ROWS = 16  # rows a chart covers at its default size


def _write_blocks(book: xlsxwriter.Workbook, sheet: xlsxwriter.worksheet.Worksheet, formats: _Formats,
                  table: Table) -> None:
    """The blocks below the main table; their charts stacked to the right of the main table."""
    top = len(table.frame) + 2
    chart_row = 0
    chart_col = len(table.columns) + 1
    for block in table.blocks:
        sheet.write_string(top, 0, block.title, formats.title)
        _write_cells(sheet, formats, block.columns, block.frame, top + 1)
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
        beside = numbered_path(path, n)
        if not beside.exists():
            os.replace(tmp, beside)
            return beside
    raise PermissionError(13, "同名文件都被占用", str(path))


class _KeptOpen(io.BytesIO):
    """The workbook's zip in memory. When a save fails, xlsxwriter closes its target and leaves its
    ZipFile to be finished by the garbage collector, which then writes into it: it stays open."""

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


def write_workbook(path: Path, tables: list[Table], *, fast: bool = FAST_PATH) -> Path:
    """Write the tables as sheets of one workbook, atomically; return the path written.

    ``fast``: main tables written from sheet XML (TableSheet); otherwise with xlsxwriter's public
    calls, the same cells, slower. When the previous report of the same name is open (Excel locks
    it on Windows), the new one is written beside it as ``name（2）.xlsx``; the caller compares the
    returned path to say so.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputNotWritable(str(path.parent), exc.strerror or str(exc)) from None
    # xlsxwriter stages every part of the workbook as a file, with names and phones in it: in a
    # folder of ours beside the report, removed whatever happens, never in the system temp folder.
    tmp, parts = staging_names(path, os.getpid())
    try:
        parts.mkdir(exist_ok=True)
        # The zip is assembled in memory (a few MB compressed), so a failure leaves no open file behind.
        packed = _KeptOpen()
        # ZIP64 only when a part passes 2 GB (long notes in a million-row sheet), never otherwise.
        book = xlsxwriter.Workbook(packed, {"strings_to_formulas": False, "strings_to_urls": False,
                                            "strings_to_numbers": False, "tmpdir": str(parts), "use_zip64": True})
        formats = _Formats(book)
        with ThreadPoolExecutor(XML_THREADS) if fast else contextlib.nullcontext() as builder:
            for table in tables:
                _write_table(book, formats, table, builder)
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
