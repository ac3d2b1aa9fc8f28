"""Read one sheet of a register (登记表) into canonical columns, with every problem found on the way.

Find the header, decide the sheet's role by its fields, drop footers and repeated
headers, set aside rows shifted by a garbled cell, normalise every mapped column
by its kind, and record each problem as a finding. ``read_source`` does it for
one source (a workbook's sheet, or a CSV/HTML file) and depends on nothing
else: it runs in whichever process the caller's executor chooses.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from crm_batch.fields import CARD_GROUP_FIELDS, FIELDS, IDENTITY_FIELDS, ROLE_LABELS, Kind, Role, label
from crm_batch.findings import Findings
from crm_batch.ingest import normalise as norm
from crm_batch.ingest.files import EXCEL_ERRORS, RawSheet, SheetSource, load_sheet
from crm_batch.ingest.headers import HeaderLayout, HeaderMatcher, calendar_in_header, clean_header, find_header
from crm_batch.ingest.profile import refine
from crm_batch.rules_config import Rules
from crm_batch.text import WHITESPACE, clean_text, per_value, regex_text

# Fields a contact log carries; a sheet with many fields beyond these is a
# customer register that happens to have a follow-up column.
CONTACT_SHEET_FIELDS = frozenset(
    {*IDENTITY_FIELDS, "agent", "grade", "contact_at", "method", "content", "next_contact_at",
     "verification", "note", "stage", "registered_at"}
)
EVENT_SHEET_FIELDS = frozenset(
    {"event_name", "event_date", "event_type", "event_target", "name", "phone", "agent", "note", "registered_at"}
)
LOCATION = ["_file", "_sheet", "_row"]

T = TypeVar("T", pd.Series, pd.DataFrame)


@dataclass
class Sheet:
    """One sheet as read: its role and rows, and what was found on the way.

    ``role`` is None for a sheet that holds no register (a 说明 sheet): it is reported and
    skipped. ``frame`` has canonical columns plus LOCATION (file, sheet, Excel row).
    """

    file: str
    sheet: str
    role: Role | None = None
    frame: pd.DataFrame | None = None
    contacts: pd.DataFrame | None = None  # contacts carried by a customer sheet (card groups)
    rows: int = 0  # data rows read, before any was set aside
    fields: frozenset[str] = frozenset()  # the fields its header names (after the content's say)
    findings: Findings = field(default_factory=Findings)
    mapping: list[pd.DataFrame] = field(default_factory=list)  # 列映射 rows


def read_source(source: SheetSource, rules: Rules, reference: dt.date) -> Sheet:
    """Load one source from its file and read it; raise RegisterUnreadable when it cannot be loaded.

    ``reference`` is the day that completes dates written without a year (a title such as
    “2026年11月…” overrides it for its sheet).
    """
    raw = load_sheet(source, csv_encodings=rules.ingest["csv_encodings"])
    return read_sheet(raw, HeaderMatcher(rules), rules, reference)


def read_sheet(raw: RawSheet, matcher: HeaderMatcher, rules: Rules, reference: dt.date) -> Sheet:
    """One text grid as a Sheet (see the module's docstring)."""
    sheet = Sheet(raw.file, raw.sheet)
    findings = sheet.findings
    cells = raw.cells
    non_empty = cells.notna().any(axis=1)
    if not non_empty.any():
        return sheet
    ingest = rules.ingest
    layout = find_header(cells, matcher, ingest["header_scan_rows"], ingest["min_header_fields"])
    if layout is not None:
        # Tier 3: the columns' content confirms the header matches, or decides the columns no rule knows.
        data = cells.iloc[layout.data_start:][non_empty.iloc[layout.data_start:]]
        sheet_reference = pd.Timestamp(_title_reference(cells, layout, reference))
        layout, problems = refine(layout, data, rules, sheet_reference,
                                  lambda col: _column_letter(col + raw.first_column))
        for slug, col, detail in problems:
            findings.add(slug, file=raw.file, sheet=raw.sheet, row=layout.header_rows[-1] + 1,
                         field=" ".join(layout.labels[col].split()), detail=detail)
    role = _decide_role(layout) if layout else None
    if role is Role.CUSTOMERS and _reads_like_a_log(cells.iloc[layout.data_start:], layout,
                                                    ingest["log_repeat_share"]):
        role = Role.CONTACTS
    if layout is None or role is None:
        why = "没有认出表头" if layout is None else "表头里没有客户编号、姓名或电话，也不是活动表"
        findings.add("sheet-unrecognised", file=raw.file, sheet=raw.sheet, detail=why)
        if layout is not None:
            sheet.mapping.append(_mapping_frame(raw, layout, None))
        return sheet
    layout = _in_context(layout, role)
    sheet.role = role
    sheet.fields = frozenset(layout.fields)
    sheet.mapping.append(_mapping_frame(raw, layout, role))
    body = cells.iloc[layout.data_start:]
    unlabelled = [c for c in body.columns if c not in layout.labels and body[c].notna().any()]
    if unlabelled:
        sheet.mapping.append(_unlabelled_frame(raw, layout, role, unlabelled))
    _report_unread_columns(raw, layout, body, unlabelled, findings, ingest["unread_columns_listed"])
    body = body[non_empty.iloc[layout.data_start:]]
    sheet.rows = len(body)
    if sheet.rows == 0:
        # Still a register (a new team's empty template): reported, not fatal.
        findings.add("sheet-no-rows", file=raw.file, sheet=raw.sheet, row=layout.data_start)
        sheet.frame = pd.DataFrame({c: pd.Series(dtype="object") for c in LOCATION})
        return sheet
    excel_rows = pd.Series(body.index.to_numpy() + 1, index=body.index)
    loc = {"file": raw.file, "sheet": raw.sheet}
    if raw.formulas:
        formulas = pd.DataFrame(list(raw.formulas), columns=["row", "col", "text"])
        for col, cells_of in formulas[formulas["row"] >= layout.data_start].groupby("col"):
            header = " ".join(layout.labels.get(col, _column_letter(col + raw.first_column) + " 列").split())
            findings.add_rows("formula-no-result", **loc, rows=cells_of["row"] + 1, field=header,
                              raw=cells_of["text"].astype("string"))

    # Everything from the first 制表人/审核 line down is notes, not customers.
    first = _first_text(body)
    footer = _footer_rows(first, ingest["footer_markers"]).cummax()
    findings.add_rows("footer-row", **loc, rows=excel_rows[footer], field="", raw=first[footer])
    body, excel_rows, first = body[~footer], excel_rows[~footer], first[~footer]

    repeated = _repeated_header_rows(body, first, layout, ingest["title_markers"])
    findings.add_rows("header-repeated", **loc, rows=excel_rows[repeated], field="",
                      raw=_row_text(body, repeated))
    body, excel_rows = body[~repeated], excel_rows[~repeated]

    columns = _mapped_columns(raw, layout, findings, body, excel_rows)

    shifted, detail = _shifted_rows(body, layout, rules)
    findings.add_rows("row-shifted", **loc, rows=excel_rows[shifted], field="",
                      raw=_row_text(body, shifted), detail=detail[shifted])
    keep = ~shifted
    columns = {k: v[keep] for k, v in columns.items()}
    excel_rows = excel_rows[keep]

    frame = _normalise_columns(columns, rules, sheet_reference.date(), findings, loc, excel_rows)
    frame["_file"], frame["_sheet"], frame["_row"] = raw.file, raw.sheet, excel_rows
    frame["_role"] = role.value

    if role is Role.CUSTOMERS:
        group_cols = {k: v for k, v in frame.items() if isinstance(k, tuple)}
        frame = frame[[c for c in frame.columns if not isinstance(c, tuple)]]
        sheet.contacts = _carried_contacts(frame, group_cols)
    sheet.frame = frame
    return sheet


def _decide_role(layout: HeaderLayout) -> Role | None:
    fields = layout.fields
    if "event_name" in fields and fields <= EVENT_SHEET_FIELDS:
        return Role.EVENTS  # an organiser's 联系人/联系电话 does not make it a customer list
    has_identity = bool(fields & set(IDENTITY_FIELDS))
    if layout.has_groups and has_identity:
        return Role.CUSTOMERS
    dated = bool(fields & {"contact_at", "registered_at"})
    # A log: identity, how and what was said, little else; a log with no date column is still a log (and
    # is said to lack its dates), not a customer list.
    logged = dated or {"method", "content"} <= fields
    if has_identity and logged and fields & {"method", "content"} and len(fields - CONTACT_SHEET_FIELDS) <= 2:
        return Role.CONTACTS
    if has_identity:
        return Role.CUSTOMERS
    if "event_name" in fields:
        return Role.EVENTS
    return None


def _in_context(layout: HeaderLayout, role: Role) -> HeaderLayout:
    """A bare 日期/时间 (read as a registration date) is the contact's date in a follow-up log and the
    event's date in a list of events, when the sheet has no column of that name."""
    own = {Role.CONTACTS: "contact_at", Role.EVENTS: "event_date"}.get(role)
    if own is None or own in layout.fields:
        return layout
    matches = {col: replace(m, field=own) if m.field == "registered_at" and m.group is None else m
               for col, m in layout.matches.items()}
    return replace(layout, matches=matches)


def _reads_like_a_log(body: pd.DataFrame, layout: HeaderLayout, repeat_share: float) -> bool:
    """A sheet with follow-up columns where the same customers come back row after row is a
    follow-up log, however many profile columns it also carries."""
    fields = layout.fields
    if layout.has_groups or "contact_at" not in fields or not fields & {"method", "content"}:
        return False
    for key in ("phone", "name"):
        cols = [c for c, m in layout.matches.items() if m.field == key and m.group is None and c in body]
        if cols:
            values = body[cols[0]].dropna()
            return len(values) >= 4 and values.duplicated().mean() >= repeat_share
    return False


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _title_reference(cells: pd.DataFrame, layout: HeaderLayout, reference: dt.date) -> dt.date:
    """A title like “2026年11月客户来访登记表” dates the sheet; month-day dates take its year."""
    above = cells.iloc[: layout.header_rows[0]]
    text = " ".join(str(v) for v in above.to_numpy().ravel() if not pd.isna(v))
    found = re.search(r"(20\d{2}|19\d{2})\s*年\s*(?:(\d{1,2})\s*月)?", text)
    if not found:
        return reference
    year = int(found.group(1))
    month = int(found.group(2)) if found.group(2) and 1 <= int(found.group(2)) <= 12 else 12
    last_day = (dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1))
    return last_day


def _mapping_frame(sheet: RawSheet, layout: HeaderLayout, role: Role | None) -> pd.DataFrame:
    seen: dict[tuple[str, int | None], int] = {}
    rows = []
    for col in sorted(layout.labels):
        match = layout.matches[col]
        key = (match.field, match.group) if match.field else None
        if key and key in seen:
            note = f"与 {_column_letter(seen[key] + sheet.first_column)} 列重复，空白处互补"
        else:
            note = match.note
            if key:
                seen[key] = col
        target = label(match.field) if match.field else "（忽略）"
        if match.group is not None and match.field:
            target = f"第{match.group}次跟进·{target}"
        rows.append({
            "文件": sheet.file,
            "工作表": sheet.sheet,
            "用途": ROLE_LABELS[role] if role else "无法识别，已跳过",
            "表头行": layout.header_rows[-1] + 1,
            "列": _column_letter(col + sheet.first_column),
            "原表头": " ".join(layout.labels[col].split()),  # 进店或来\n电时间 on one line
            "对应字段": target,
            "识别方式": match.how if match.field else "",
            "说明": note,
        })
    return pd.DataFrame(rows)


def _report_unread_columns(raw: RawSheet, layout: HeaderLayout, body: pd.DataFrame, unlabelled: list[int],
                           findings: Findings, listed: int) -> None:
    """A column with data that is not read is a data problem, once per column (``listed`` of each kind a
    sheet, the rest counted in one): its header no rule knows (or could be two fields), or it has no
    header. The look-alikes a rule rules out on purpose (序号, 顾问手机, 来访人数) are only listed in
    列映射, with the reason."""
    row = layout.header_rows[-1] + 1
    unread = [(col, match) for col, match in sorted(layout.matches.items())
              if not match.field and match.guessable and col in body and body[col].notna().any()]
    for col, match in unread[:listed]:
        why = match.note.split("；")[0] if match.note and match.note != "未识别的列" else "表头没有认出"
        findings.add("column-unread", file=raw.file, sheet=raw.sheet, row=row,
                     field=" ".join(layout.labels[col].split()), detail=why)
    for col in unlabelled[:listed]:
        findings.add("column-unlabelled", file=raw.file, sheet=raw.sheet, row=row,
                     field=_column_letter(col + raw.first_column) + " 列")
    more = max(len(unread) - listed, 0) + max(len(unlabelled) - listed, 0)
    if more:  # a sheet thousands of columns wide: the rest are counted, and each is in 列映射
        findings.add("columns-unread-more", file=raw.file, sheet=raw.sheet, row=row, detail=f"{more:,}")


def _unlabelled_frame(sheet: RawSheet, layout: HeaderLayout, role: Role, columns: list[int]) -> pd.DataFrame:
    """Data under no header (often the right half of a merged header cell): listed, never read silently."""
    return pd.DataFrame({
        "文件": sheet.file,
        "工作表": sheet.sheet,
        "用途": ROLE_LABELS[role],
        "表头行": layout.header_rows[-1] + 1,
        "列": [_column_letter(c + sheet.first_column) for c in columns],
        "原表头": "",
        "对应字段": "（忽略）",
        "识别方式": "",
        "说明": "这一列有数据但没有表头（可能是合并单元格的右半边），未读取；请给它写上表头",
    })


def _packed(text: pd.Series) -> pd.Series:
    """Text without any whitespace, in RE2 text (see crm_batch.text.regex_text)."""
    return regex_text(text).str.replace(WHITESPACE, "", regex=True)


def _matches(text: pd.Series, pattern: str) -> pd.Series:
    """Where RE2 text matches a pattern; False for empty cells."""
    return text.str.contains(pattern, regex=True).fillna(False).astype(bool)


def _footer_rows(first: pd.Series, markers: list[str]) -> pd.Series:
    pattern = "^(?:" + "|".join(re.escape(m) for m in markers) + ")"
    return _matches(_packed(first), pattern)


def _repeated_header_rows(body: pd.DataFrame, first: pd.Series, layout: HeaderLayout,
                          title_markers: list[str]) -> pd.Series:
    """Header rows repeated inside the table (monthly blocks) and lone title rows."""
    labels = {col: clean_header(text.split(" | ")[-1]) for col, text in layout.labels.items() if col in body.columns}
    # Per row, how many cells hold their own column's header. Columns are compared in stacked
    # groups of about two million cells: one pass per group however many columns the sheet has
    # (16,384 headed columns are one group of a short sheet, not 16,384 passes).
    rows = len(body)
    hits = np.zeros(rows, dtype=np.int64)
    columns = list(labels)
    per_group = max(1, CELLS_PER_PASS // max(rows, 1))
    for start in range(0, len(columns), per_group):
        group = columns[start:start + per_group]
        cells = pa.array(_packed(pd.concat([body[c] for c in group], ignore_index=True)), type=pa.large_string())
        for i, col in enumerate(group):  # cheap scalar comparisons on slices of the one packed array
            same = pc.equal(cells.slice(i * rows, rows), pa.scalar(labels[col], pa.large_string()))
            hits += pc.fill_null(same, False).to_numpy(zero_copy_only=False)
    packed_first = _packed(first)
    lone = body.notna().sum(axis=1) == 1
    # A dated heading (2026年12月…) or one naming the kind of table.
    pattern = "|".join([*map(re.escape, title_markers), r"[0-9０-９]{4}年[0-9０-９]{1,2}月"])
    title = lone & _matches(packed_first, pattern)
    return pd.Series(hits >= 2, index=body.index) | title


CELLS_PER_PASS = 2_000_000


def _first_text(body: pd.DataFrame) -> pd.Series:
    """Each row's leftmost non-empty cell, filled column by column until every row has one."""
    first = pd.Series(pd.NA, index=body.index, dtype="string")
    missing = np.ones(len(body), dtype=bool)
    for col in body.columns:  # bfill(axis=1) is per-row in pandas
        if not missing.any():
            break
        take = missing & body[col].notna().to_numpy()
        if take.any():
            first[take] = body[col][take].astype("string")
            missing &= ~take
    return first


def _row_text(body: pd.DataFrame, rows: pd.Series) -> pd.Series:
    """The chosen rows' cells joined with | in their columns' order, outer empty cells trimmed."""
    if not rows.any():
        return pd.Series(dtype="string")
    cells = body[rows].astype("string").to_numpy(dtype=object, na_value="")
    joined = [_OUTER_SEPARATORS.sub("", " | ".join(row)) for row in cells]  # a handful of rows
    return pd.Series(joined, index=body.index[rows], dtype="string")


_OUTER_SEPARATORS = re.compile(r"^( \| )+|( \| )+$")


def _mapped_columns(
    sheet: RawSheet, layout: HeaderLayout, findings: Findings, body: pd.DataFrame, excel_rows: pd.Series
) -> dict[object, pd.Series]:
    """Raw text per field; a card group's field is keyed (field, group). Duplicates coalesce.

    A header that names its calendar (生日(农历), 阳历生日) says how its birthdays are written: a
    生日类型 is made from it where the register has none, so 公历生日 and 农历生日 side by side
    are one birthday each, of the right kind.
    """
    columns: dict[object, pd.Series] = {}
    first_col: dict[object, int] = {}
    calendar_of: dict[int, str] = {}
    for col in sorted(layout.matches):
        match = layout.matches[col]
        if not match.field or col not in body.columns:
            continue
        key: object = (match.field, match.group) if match.group is not None else match.field
        values = body[col].astype("string")
        if match.field == "birthday" and match.group is None:
            calendar_of[col] = calendar_in_header(layout.labels[col])
        if key in columns:
            both_calendars = key == "birthday" and calendar_of.get(col) and calendar_of.get(first_col[key]) and \
                calendar_of[col] != calendar_of[first_col[key]]
            if not both_calendars:
                letters = (f"{_column_letter(first_col[key] + sheet.first_column)} 列与 "
                           f"{_column_letter(col + sheet.first_column)} 列")
                findings.add("header-duplicate", file=sheet.file, sheet=sheet.sheet,
                             row=layout.header_rows[-1] + 1, field=label(match.field),
                             raw=layout.labels[col], detail=letters)
            columns[key] = columns[key].fillna(values)
        else:
            columns[key], first_col[key] = values, col
    said = [(col, kind) for col, kind in calendar_of.items() if kind]
    if said:
        from_header = pd.Series(pd.NA, index=body.index, dtype="string")
        for col, kind in said:
            from_header = from_header.fillna(pd.Series(kind, index=body.index, dtype="string").where(body[col].notna()))
        columns["birthday_type"] = columns["birthday_type"].fillna(from_header) if "birthday_type" in columns \
            else from_header
    return columns


# Kinds whose values have a recognisable shape, used to spot a row shifted by one column.
# RE2 patterns over cleaned text (single ASCII spaces, ASCII digits): see crm_batch.text.regex_text.
_SHAPES = {
    Kind.PHONE: r"^\+?[0-9 \-()（）.－]{7,20}$",
    Kind.DATE: r"^(?:[0-9]{4}[-/.年][0-9]{1,2}|[0-9]{1,2}月[0-9]{1,2}|[0-9]{8}$|[2-7][0-9]{4}(?:\.[0-9]+)?$)",
    Kind.INT: r"^[0-9]{1,3}(?:岁|次)?$",
}


def _fits(text: pd.Series, kind: Kind, rules: Rules) -> pd.Series:
    """Whether cleaned text has the shape of a value of this kind."""
    text = regex_text(text)
    if kind in _SHAPES:
        return _matches(text, _SHAPES[kind])
    vocab = {Kind.GENDER: "gender", Kind.MARK: "marks"}.get(kind)
    if vocab:
        words = {w.upper() for ws in rules.vocab[vocab].values() for w in ws} | set(rules.vocab[vocab])
        return text.str.upper().isin(words).fillna(False).astype(bool)
    if kind is Kind.GRADE:
        letters = "".join(rules.grade_levels)
        # A grade letter alone or before 类/级 or any non-word character (Python's \W, in RE2 terms).
        return _matches(text, rf"^[{letters}{letters.lower()}](?:类|级|$|[^\pL\pN_])")
    return pd.Series(False, index=text.index)


def _shifted_rows(body: pd.DataFrame, layout: HeaderLayout, rules: Rules) -> tuple[pd.Series, pd.Series]:
    """Rows whose typed values sit one column right or left of their headers."""
    typed = [
        (col, FIELDS[m.field].kind)
        for col, m in layout.matches.items()
        if m.field and m.group is None and FIELDS[m.field].kind in (*_SHAPES, Kind.GENDER, Kind.MARK, Kind.GRADE)
    ]
    none = pd.Series(False, index=body.index)
    if len(typed) < 2:
        return none, pd.Series("", index=body.index, dtype="string")
    typed = [(c, k) for c, k in typed if c in body.columns]
    cleaned = _stacked(clean_text, {c: body[c] for c, _ in typed})
    present = pd.DataFrame({c: body[c].notna() for c, _ in typed})
    here = pd.DataFrame({c: _fits(cleaned[c], k, rules) for c, k in typed})
    bad = (present & ~here).sum(axis=1)
    # Only a row with at least half its typed values out of shape can be shifted: its neighbours'
    # shapes are checked for those rows alone (a handful in a sound register).
    candidate = bad * 2 >= present.sum(axis=1)
    detail = pd.Series("", index=body.index, dtype="string")
    shifted = none.copy()
    if not candidate.any():
        return shifted, detail
    rows, here = body[candidate], here[candidate]
    neighbours = {c + step for c, _ in typed for step in (-1, 1)} & set(body.columns)
    cleaned = _stacked(clean_text, {c: rows[c] for c in sorted(neighbours)})
    for step, words in ((1, "右"), (-1, "左")):
        rescued = pd.Series(0, index=rows.index)
        for col, kind in typed:
            neighbour = col + step
            if neighbour in cleaned:
                rescued += (~here[col] & _fits(cleaned[neighbour], kind, rules)).astype(int)
        hit = (rescued >= 2).reindex(body.index, fill_value=False) & ~shifted
        detail = detail.mask(hit, f"电话、日期等值整体向{words}偏了一列")
        shifted |= hit
    return shifted, detail


def _normalise_columns(
    columns: dict[object, pd.Series],
    rules: Rules,
    reference: dt.date,
    findings: Findings,
    loc: dict[str, str],
    excel_rows: pd.Series,
) -> pd.DataFrame:
    out: dict[object, pd.Series] = {}
    index = excel_rows.index

    def report(result: pd.DataFrame, raw: pd.Series, name: str, detail: pd.Series | None = None) -> None:
        slugs = result["slug"]
        for slug in slugs.dropna().unique():
            hit = slugs == slug
            hit = hit.fillna(False).astype(bool)
            findings.add_rows(str(slug), **loc, rows=excel_rows[hit], field=name, raw=raw[hit],
                              detail=detail[hit] if detail is not None else _detail_for(str(slug), result, rules)[hit])

    # A formula's error (#N/A, #REF!) is no value at all: reported where it is, then left blank.
    errors = list(EXCEL_ERRORS.values())
    for key, raw in list(columns.items()):
        error = raw.isin(errors).fillna(False).astype(bool)
        if error.any():
            field_key = key[0] if isinstance(key, tuple) else key
            findings.add_rows("excel-error", **loc, rows=excel_rows[error], field=label(field_key), raw=raw[error])
            columns[key] = raw.mask(error)
    parsed = _parse_by_kind(columns, rules, reference)
    for key, raw in columns.items():
        field_key = key[0] if isinstance(key, tuple) else key
        kind = FIELDS[field_key].kind
        name = label(field_key)
        result = parsed[key]
        if kind in (Kind.TEXT, Kind.BIRTHDAY):
            # Birthdays are often lunar or yearless: the almanac reads the text and reports what it cannot.
            out[key] = result
        elif kind is Kind.NAME:
            out[key] = result["name"]
            out["_glued_phone"] = result["phone"]
        elif kind is Kind.PHONE:
            out[key], out["phone_alt"] = result["value"], result["alt"]
            report(result, raw, name)
        elif kind is Kind.GRADE:
            out[key] = result["value"]
            if not isinstance(key, tuple):
                out["grade_written"] = per_value(clean_text, raw)
            report(result, raw, name, pd.Series("、".join(rules.grade_levels), index=index))
        else:
            out[key] = result["value"]
            report(result, raw, name)
    frame = pd.DataFrame(out, index=index)
    if "_glued_phone" in frame:
        glued = frame.pop("_glued_phone")
        if "phone" not in frame:
            frame["phone"] = pd.Series(pd.NA, index=index, dtype="string")
        use = glued.notna()
        if use.any():
            findings.add_rows("name-phone-glued", **loc, rows=excel_rows[use], field=label("name"),
                              raw=columns["name"][use], detail=glued[use])
            frame["phone"] = frame["phone"].fillna(glued)
    return frame


def _parser(kind: Kind, rules: Rules, reference: dt.date) -> tuple[Callable[..., object], dict[str, object]]:
    """The normaliser of a kind of field, and its options."""
    ingest = rules.ingest
    if kind in (Kind.TEXT, Kind.BIRTHDAY):
        return clean_text, {}
    if kind is Kind.NAME:
        return norm.split_name_phone, {}
    if kind is Kind.PHONE:
        return norm.parse_phones, {}
    if kind is Kind.DATE:
        return norm.parse_dates, {"reference": reference, "min_year": ingest["min_year"],
                                  "max_year": ingest["max_year"]}
    if kind in (Kind.INT, Kind.NUMBER):
        return norm.parse_numbers, {"integer": kind is Kind.INT, "min_value": 0}
    if kind is Kind.GRADE:
        return norm.parse_grades, {"levels": rules.grade_levels}
    vocab = {Kind.GENDER: "gender", Kind.MARK: "marks", Kind.METHOD: "methods", Kind.STAGE: "stages"}[kind]
    return norm.parse_vocab, {"vocab": rules.vocab[vocab]}


def _parse_by_kind(columns: dict[object, pd.Series], rules: Rules, reference: dt.date) -> dict[object, object]:
    """Every column through its kind's normaliser, all columns of one kind in one call."""
    by_kind: dict[Kind, list[object]] = {}
    for key in columns:
        by_kind.setdefault(FIELDS[key[0] if isinstance(key, tuple) else key].kind, []).append(key)
    parsed: dict[object, object] = {}
    for kind, keys in by_kind.items():
        parse, options = _parser(kind, rules, reference)
        parsed.update(_stacked(parse, {k: columns[k] for k in keys}, **options))
    return parsed


def _stacked(parse: Callable[..., T], columns: Mapping[object, pd.Series], **options: object) -> dict[object, T]:
    """``parse`` of each column, computed in one call over the columns stacked (and per distinct value).

    A card sheet has a dozen date columns (one per follow-up) and dozens of text ones; a
    normaliser call costs ~20 ms however few its rows, so they are stacked and parsed together.
    """
    if not columns:
        return {}
    result = per_value(parse, pd.concat(list(columns.values()), ignore_index=True), **options)
    parsed: dict[object, T] = {}
    start = 0
    for key, column in columns.items():
        parsed[key] = result.iloc[start:start + len(column)].set_axis(column.index)
        start += len(column)
    return parsed


def _detail_for(slug: str, result: pd.DataFrame, rules: Rules) -> pd.Series:
    index = result.index
    if slug == "date-year-inferred":
        return result["value"].dt.strftime("%Y-%m-%d").astype("string")
    if slug == "date-out-of-range":
        return pd.Series(f"{rules.ingest['min_year']}–{rules.ingest['max_year']} 年", index=index)
    if slug == "phone-multiple":
        return result["alt"].astype("string")
    return pd.Series("", index=index, dtype="string")


def _carried_contacts(frame: pd.DataFrame, groups: dict[tuple, pd.Series]) -> pd.DataFrame | None:
    """Card groups (初次/二次…) and a register's own follow-up columns become contact rows."""
    ident = [c for c in ("customer_id", "name", "phone", "agent") if c in frame]
    pieces = []
    numbers = sorted({g for _, g in groups})
    for number in numbers:
        piece = frame[ident + LOCATION].copy()
        for name in CARD_GROUP_FIELDS:
            if (name, number) in groups:
                piece[name] = groups[(name, number)]
        pieces.append(piece)
    if "contact_at" in frame or "content" in frame:
        piece = frame[ident + LOCATION + [c for c in ("contact_at", "method", "content", "next_contact_at")
                                           if c in frame]].copy()
        pieces.append(piece)
    if not pieces:
        return None
    out = pd.concat(pieces, ignore_index=True)
    filled = out[[c for c in ("contact_at", "content", "grade") if c in out]].notna().any(axis=1)
    return out[filled]


