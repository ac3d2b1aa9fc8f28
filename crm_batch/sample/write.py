"""The files (文件): each register drawn as cells, then written with xlsxwriter or csv."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import xlsxwriter

from crm_batch.fields import FIELDS
from crm_batch.sample.cells import _contact_cells, _register_cells, _register_rows, _Sample, _unlinkable
from crm_batch.sample.draws import _at_least_one, _days
from crm_batch.sample.render import _render_dates, _render_grades, _render_phones, _render_words
from crm_batch.sample.vocab import _CARD_HEADERS, _CARD_SUB_HEADERS, _GENDER_P, _GENDER_WORDS, CARD_GROUPS

REGISTER_FILE = "客户登记表.xlsx"
CARD_FILE = "意向客户管理卡.xlsx"
LOG_FILE = "跟进日志.csv"
LOG_ENCODING = "gb18030"
# Above this many rows a workbook is streamed row by row (xlsxwriter constant_memory).
CONSTANT_MEMORY_ROWS = 20_000


class _Book:
    """One xlsxwriter workbook with the few formats a register uses."""

    def __init__(self, path: Path, rows: int, today: dt.date) -> None:
        self.book = xlsxwriter.Workbook(str(path), {
            "constant_memory": rows > CONSTANT_MEMORY_ROWS,
            "strings_to_formulas": False,  # a name like =HYPERLINK(...) stays text
            "strings_to_urls": False,
            "default_date_format": "yyyy/m/d",
        })
        self.book.set_properties({"created": dt.datetime.combine(today, dt.time())})
        self.title = self.book.add_format({"bold": True, "font_size": 14, "align": "center"})
        self.header = self.book.add_format({"bold": True, "text_wrap": True, "border": 1,
                                            "align": "center", "valign": "vcenter",
                                            "bg_color": "#DDEBF7"})
        self.datetime = self.book.add_format({"num_format": "yyyy/m/d h:mm"})

    def sheet(self, name: str, widths: Sequence[float]):
        sheet = self.book.add_worksheet(name)
        sheet.add_write_handler(dt.datetime, self._write_datetime)
        for col, width in enumerate(widths):
            sheet.set_column(col, col, width)
        return sheet

    def _write_datetime(self, sheet, row, col, value, cell_format=None):
        return sheet.write_datetime(row, col, value, cell_format or self.datetime)

    def header_row(self, sheet, row: int, headers: Sequence[str]) -> None:
        sheet.write_row(row, 0, headers, self.header)
        if any("\n" in h for h in headers):
            sheet.set_row(row, 32)

    def close(self) -> None:
        self.book.close()


def _write_rows(sheet, first_row: int, columns: Sequence[np.ndarray],
                shifted: dict[int, str] | None = None, at_col: int = 0) -> int:
    """Write column arrays as rows; a row in ``shifted`` gets that garbled cell at ``at_col``."""
    shifted = shifted or {}
    row = first_row
    for i, values in enumerate(zip(*(col.tolist() for col in columns), strict=True)):
        if i in shifted:
            values = (*values[:at_col], shifted[i], *values[at_col:])
        sheet.write_row(row, 0, values)
        row += 1
    return row


def _widths(headers: Sequence[str]) -> list[float]:
    return [min(24, max(8, 2.2 * max(len(h) for h in header.split("\n")))) for header in headers]


_CONTACT_FIELDS = ("customer_id", "name", "phone", "agent", "contact_at", "method", "content",
                   "next_contact_at", "verification")
_EVENT_FIELDS = ("event_name", "event_date", "event_type", "event_target")
_CARD_SUB_FIELDS = ("contact_at", "grade", "content", "next_contact_at")
_LOG_FIELDS = ("name", "phone", "agent", "grade", "contact_at", "method", "content", "next_contact_at")


def _headers(s: _Sample, keys: Sequence[str], messy_headers: Sequence[str], *,
             wrap: bool = True) -> Sequence[str]:
    """A sheet's header texts: the other office's spellings, the preset's messy ones, or the labels."""
    if s.office:
        return s.office.spell(keys, wrap=wrap)
    return messy_headers if s.messy else tuple(FIELDS[key].label for key in keys)


def _write_register(path: Path, s: _Sample) -> None:
    """客户登记表.xlsx: customers, contacts, events and a sheet that fits no role."""
    preset, messy, today = s.preset, s.messy, s.today
    t = _register_rows(s)
    cells, shifted = _register_cells(s, t)
    columns = [(key, header) for key, header in preset.customer_columns if messy or key in FIELDS]
    headers = _headers(s, [key for key, _ in columns], [header for _, header in columns])

    rng = s.rng("contacts-sheet")
    rows = np.flatnonzero(s.part[s.contacts["who"]] == 0)
    contact = _contact_cells(s, rows, rng)
    at = s.contacts["at"][rows]
    if messy:
        extra, extra_at = _unlinkable(s, rng)
        contact = {key: np.concatenate([contact[key], extra[key]]) for key in extra}
        at = np.concatenate([at, extra_at])
    contact["phone"] = _render_phones(contact["phone"], rng, messy, s.book, force=True)
    order = np.argsort(at, kind="stable")
    contact_keys = ("customer_id", "name", "phone", "agent", "at", "method", "content", "next",
                    "verification")
    contact_headers = _headers(s, _CONTACT_FIELDS, preset.contact_headers)

    book = _Book(path, len(t["seq"]) + len(order), today)
    sheet = book.sheet(preset.sheet_names[0], _widths(headers))
    row = 0
    if messy:
        title = preset.titles[0].format(year=today.year, month=today.month)
        sheet.merge_range(0, 0, 0, len(headers) - 1, title, book.title)
        layout = s.rng("layout")
        if layout.random() < 0.5:
            sheet.write_string(1, 0, "（填表要求：客户姓名、联系电话必填；"
                                     f"意向等级每周五前由{preset.agent_word}更新）")
        row = 2
        sheet.freeze_panes(row + 1, 3)
    book.header_row(sheet, row, headers)
    name_col = [key for key, _ in columns].index("name")
    row = _write_rows(sheet, row + 1, [cells[key] for key, _ in columns], shifted, name_col)
    if messy:
        row += 1 + int(layout.integers(0, 2))
        sheet.write_string(row, 0, f"制表人：{preset.manager}    审核：")
        sheet.write_string(row + 1, 0, "备注：本表每周五下班前更新，电话请勿外传。")

    sheet = book.sheet(preset.sheet_names[1], [*_widths(contact_headers[:4]), 16, 10, 40, 14, 10])
    row = 0
    if messy:
        sheet.merge_range(0, 0, 0, len(contact_headers) - 1, preset.titles[1], book.title)
        row = 1
    book.header_row(sheet, row, contact_headers)
    _write_rows(sheet, row + 1, [contact[key][order] for key in contact_keys])

    _write_events(book, s)
    if messy:
        sheet = book.sheet("说明", (60,))
        for i, line in enumerate(preset.instructions):
            sheet.write_string(i, 0, line)
    book.close()


def _write_events(book: _Book, s: _Sample) -> None:
    """3–6 company events around today, one in this ISO week and one in the last."""
    rng, preset = s.rng("events"), s.preset
    n = int(rng.integers(3, 7))
    chosen = rng.choice(len(preset.events), n, replace=False)
    events = np.asarray(preset.events, dtype=object)[chosen]
    week_start = np.datetime64(s.today - dt.timedelta(days=s.today.weekday()), "D")
    dates = np.datetime64(s.today, "D") + _days(rng.integers(-40, 30, n))
    dates[0] = week_start + np.timedelta64(int(rng.integers(0, 7)), "D")
    dates[1] = week_start - np.timedelta64(int(rng.integers(1, 8)), "D")
    order = np.argsort(dates)
    headers = _headers(s, _EVENT_FIELDS, preset.event_headers)
    sheet = book.sheet(preset.sheet_names[2], (26, 12, 18, 22))
    book.header_row(sheet, 0, headers)
    written = dates[order].astype(object)
    if s.messy:  # one typed in by hand, never one of the two the weeks rely on
        typed = int(np.flatnonzero(order == 2)[0])
        day = written[typed]
        written[typed] = f"{day.year}年{day.month}月{day.day}日"
    _write_rows(sheet, 1, [events[order, 0], written, events[order, 1], events[order, 2]])


def _write_card(path: Path, s: _Sample) -> None:
    """意向客户管理卡.xlsx: one row per customer, follow-ups in repeated column groups."""
    preset, messy, c, k = s.preset, s.messy, s.customers, s.contacts
    rng = s.rng("card")
    people = np.flatnonzero(s.part == 1)
    people = people[np.argsort(c["registered_at"][people], kind="stable")]
    n = len(people)
    rows = np.flatnonzero(s.part[k["who"]] == 1)
    contact = _contact_cells(s, rows, rng, dates_only=True)
    slot = np.full(len(s.part), -1, dtype=np.int64)
    slot[people] = np.arange(n)
    groups = np.full((n, CARD_GROUPS, 4), None, dtype=object)
    for j, key in enumerate(("at", "grade", "content", "next")):
        groups[slot[k["who"][rows]], k["rank"][rows], j] = contact[key]
    lead = {
        "customer_id": [f"{preset.card_prefix}{i:05d}" for i in range(1, n + 1)],
        "name": c["name"][people],
        "gender": _render_words(c["gender"][people], _GENDER_WORDS, _GENDER_P, rng, messy,
                                force=True),
        "phone": _render_phones(c["phone"][people], rng, messy, s.book, force=True),
        "agent": s.agents[c["agent"][people]],
        "registered_at": _render_dates(c["registered_at"][people], rng, messy, force=True),
        "source": c["source"][people],
        "grade": _render_grades(c["grade"][people], preset, rng, messy),
    }
    columns = [np.asarray(v, dtype=object) for v in lead.values()]
    columns += [groups[:, g, j] for g in range(CARD_GROUPS) for j in range(4)]
    width = len(columns)

    book = _Book(path, 0, s.today)  # a card is small: never streamed, so merges are simple
    sheet = book.sheet("意向客户管理卡", [10, 10, 6, 14, 10, 12, 12, 10, *[12, 10, 30, 12] * 4])
    lead_headers = _headers(s, list(lead), _CARD_HEADERS)
    if messy:
        sub_headers = s.office.spell(_CARD_SUB_FIELDS) if s.office else _CARD_SUB_HEADERS
        sheet.merge_range(0, 0, 0, width - 1, preset.titles[2], book.title)
        for col, text in enumerate(lead_headers):
            sheet.merge_range(1, col, 2, col, text, book.header)
        for g, text in enumerate(preset.card_groups):
            first = len(lead) + 4 * g
            sheet.merge_range(1, first, 1, first + 3, text, book.header)
            sheet.write_row(2, first, sub_headers, book.header)
        sheet.freeze_panes(3, 2)
        data_row = 3
    else:
        subs = s.office.spell(_CARD_SUB_FIELDS) if s.office else ("跟进日期", "意向等级", "跟进内容",
                                                                 "下次跟进时间")
        flat = [f"第{g + 1}次{sub}" for g in range(CARD_GROUPS) for sub in subs]
        book.header_row(sheet, 0, [*lead_headers, *flat])
        data_row = 1
    _write_rows(sheet, data_row, columns)
    book.close()


def _write_log(path: Path, s: _Sample) -> None:
    """跟进日志.csv (GB18030): one row per contact, the only record of these customers."""
    preset, messy, k = s.preset, s.messy, s.contacts
    rng = s.rng("log")
    rows = np.flatnonzero(s.part[k["who"]] == 2)
    rows = rows[np.argsort(k["at"][rows], kind="stable")]
    cells = _contact_cells(s, rows, rng)
    if messy and len(rows):
        glued = rng.choice(len(rows), size=_at_least_one(len(rows), 0.01), replace=False)
        cells["name"][glued] = [f"{name.strip()}{phone}" for name, phone in
                                zip(cells["name"][glued], cells["phone"][glued], strict=True)]
        cells["phone"][glued] = 0
    cells["phone"] = _render_phones(cells["phone"], rng, messy, s.book, force=True)
    keys = ("name", "phone", "agent", "grade", "at", "method", "content", "next")
    headers = _headers(s, _LOG_FIELDS, preset.log_headers, wrap=False)
    with open(path, "w", encoding=LOG_ENCODING, newline="") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(headers)
        writer.writerows(zip(*([_csv_text(v) for v in cells[key].tolist()] for key in keys),
                             strict=True))


def _csv_text(value: object) -> object:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return "" if value is None else value
