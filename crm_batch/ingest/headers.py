"""Find the header row (表头) of a sheet and map its columns to canonical fields.

Real sheets put a title row, blank rows or merged group labels above the
header, write notes into header cells (``客户姓名(必填)``, ``性别\\n(先生/女士)``,
``意向等级：H（一周内）、A…``) and keep look-alike columns (``负责人联系电话`` is
a staff phone). Matching is exact after cleaning, so a look-alike never
slips in by substring; anything not matched is reported as ignored.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import pandas as pd

from crm_batch.fields import CARD_GROUP_FIELDS, FIELDS
from crm_batch.rules_config import Rules

_NOTE = re.compile(r"[(\[【<《{].*?[)\]】>》}]")
_OPEN_NOTE = re.compile(r"[(\[【<《{].*$")
_LEGEND = re.compile(r"[:：].*$")
_DECOR = re.compile(r"[\s*★☆※▲●■◆#]+")
_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
# What a bare sub-column of a card group means ("初次 | 日期" is the contact's date).
_CARD_FIELD_FOR = {"registered_at": "contact_at", "contact_at": "contact_at"}


def clean_header(text: object) -> str:
    """The comparable form of a header: NFKC, no spaces/line breaks, no notes or legends."""
    if text is None or (isinstance(text, float) and pd.isna(text)) or text is pd.NA:
        return ""
    cleaned = unicodedata.normalize("NFKC", str(text))
    cleaned = _DECOR.sub("", cleaned)
    cleaned = _LEGEND.sub("", cleaned)
    cleaned = _NOTE.sub("", cleaned)
    cleaned = _OPEN_NOTE.sub("", cleaned)
    return cleaned.upper()


def _cn_number(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    if text == "十":
        return 10
    if len(text) == 1:
        return _CN_DIGITS.get(text)
    if len(text) == 2 and text[0] == "十":
        return 10 + _CN_DIGITS.get(text[1], 0)
    if len(text) == 2 and text[1] == "十":
        return _CN_DIGITS.get(text[0], 0) * 10
    return None


def _ordinal_number(word: str) -> int | None:
    """初次/首次 → 1, 二次 → 2, 十次 → 10."""
    stem = word.removesuffix("次")
    return 1 if stem in ("初", "首", "头") else _cn_number(stem)


@dataclass(frozen=True)
class Match:
    """What one header cell means: a field (maybe within a card group), or why it is ignored."""

    field: str | None
    group: int | None = None
    note: str = ""


class HeaderMatcher:
    """Maps header text to fields using the rules' synonym tables."""

    def __init__(self, rules: Rules) -> None:
        self.lookup: dict[str, str] = {}
        # A team's own spellings win over the preset's (联系人 may mean the agent in their sheets).
        for field, words in rules["headers_extra"].items():
            for word in words:
                self.lookup.setdefault(clean_header(word), field)
        for field, words in rules["headers"].items():
            for word in [FIELDS[field].label, *words]:
                self.lookup.setdefault(clean_header(word), field)
        self.ignore = {
            clean_header(word): reason
            for reason, words in rules["headers_ignore"].items()
            for word in words
        }
        ingest = rules.ingest
        self.prefixes = [clean_header(p) for p in ingest["header_prefixes"]]
        self.staff_words = [clean_header(w) for w in ingest["staff_words"]]
        self.phone_words = [clean_header(w) for w in ingest["phone_words"]]
        ordinals = "|".join(re.escape(clean_header(o)) for o in ingest["card_ordinals"])
        self.ordinal_index = {clean_header(o): _ordinal_number(clean_header(o)) for o in ingest["card_ordinals"]}
        self._ordinal = re.compile(
            rf"^(?:第([0-9一二两三四五六七八九十]+)次|({ordinals}))(?:跟进|回访|接待|洽谈|访问|联系)?(.*)$"
        )

    def group_of(self, text: str) -> tuple[int, str] | None:
        """``初次日期`` → (1, ``日期``); ``第3次`` → (3, ``""``); else None."""
        found = self._ordinal.match(text)
        if not found:
            return None
        number = _cn_number(found.group(1)) if found.group(1) else self.ordinal_index[found.group(2)]
        return (number, found.group(3)) if number else None

    def match(self, header: object) -> Match:
        found = self._match(clean_header(header))
        if found.field is None and isinstance(header, str) and "\n" in header.strip():
            # 意向等级\nA:一周内…: the legend sits on the lines below the name.
            first_line = self._match(clean_header(header.strip().split("\n", 1)[0]))
            if first_line.field:
                return first_line
        return found

    def _match(self, text: str) -> Match:
        if not text:
            return Match(None, note="空表头")
        if text in self.ignore:
            return Match(None, note=self.ignore[text])
        plain = self._plain(text)
        if plain:
            return Match(plain)
        grouped = self.group_of(text)
        if grouped:
            number, rest = grouped
            # Inside a group a bare 日期/时间 is the contact's own date.
            field = "contact_at" if rest in ("", "日期", "时间") else self._plain(rest)
            field = _CARD_FIELD_FOR.get(field, field)
            if field in CARD_GROUP_FIELDS:
                return Match(field, number)
            return Match(None, number, note="跟进卡里的列，未认出其含义")
        if any(w in text for w in self.staff_words) and any(w in text for w in self.phone_words):
            return Match(None, note="员工电话，不是客户电话")
        return Match(None, note="未识别的列")

    def _plain(self, text: str) -> str | None:
        if text in self.lookup:
            return self.lookup[text]
        for prefix in self.prefixes:
            rest = text.removeprefix(prefix)
            if rest != text and rest in self.lookup:
                return self.lookup[rest]
        return None


@dataclass(frozen=True)
class HeaderLayout:
    """Where the table starts and what each column (positional index) means."""

    header_rows: tuple[int, ...]  # 0-based grid rows that make up the header
    data_start: int  # first 0-based grid row of data
    labels: dict[int, str]  # column → header text as written (group and sub joined by " | ")
    matches: dict[int, Match]

    @property
    def fields(self) -> set[str]:
        return {m.field for m in self.matches.values() if m.field and m.group is None}

    @property
    def has_groups(self) -> bool:
        return any(m.group is not None and m.field for m in self.matches.values())


def _row_texts(cells: pd.DataFrame, row: int) -> dict[int, str]:
    values = cells.iloc[row]
    return {int(c): str(v) for c, v in values.items() if not pd.isna(v) and str(v).strip()}


def find_header(cells: pd.DataFrame, matcher: HeaderMatcher, scan_rows: int, min_fields: int) -> HeaderLayout | None:
    """The row among the first ``scan_rows`` that names the most distinct fields."""
    best_row, best_count = -1, 0
    for row in range(min(scan_rows, len(cells))):
        texts = _row_texts(cells, row)
        found = {(m.field, m.group) for m in map(matcher.match, texts.values()) if m.field}
        if len(found) > best_count:
            best_row, best_count = row, len(found)
    if best_count < min_fields:
        return None
    row_texts = _row_texts(cells, best_row)
    above = _row_texts(cells, best_row - 1) if best_row > 0 else {}
    below = _row_texts(cells, best_row + 1) if best_row + 1 < len(cells) else {}
    if _is_group_row(row_texts, matcher):
        return _two_row_layout(matcher, best_row, group_row=row_texts, sub_row=below, data_start=best_row + 2)
    if _is_group_row(above, matcher):
        return _two_row_layout(matcher, best_row - 1, group_row=above, sub_row=row_texts, data_start=best_row + 1)
    labels = dict(row_texts)
    below_header = cells.iloc[best_row + 1:]
    for col, text in above.items():
        # A header cell merged down over two rows shows its text in the upper row only; a note
        # above the table (经纪人：张三) is not a header when nothing is written under it.
        if col not in labels and matcher.match(text).field and below_header[col].notna().any():
            labels[col] = text
    header_rows = (best_row - 1, best_row) if any(c not in row_texts for c in labels) else (best_row,)
    return HeaderLayout(header_rows, best_row + 1, labels, {c: matcher.match(t) for c, t in labels.items()})


def _is_group_row(texts: dict[int, str], matcher: HeaderMatcher) -> bool:
    groups = [t for t in texts.values() if (g := matcher.group_of(clean_header(t))) and not g[1]]
    return len(groups) >= 2


def _two_row_layout(
    matcher: HeaderMatcher, top: int, *, group_row: dict[int, str], sub_row: dict[int, str], data_start: int
) -> HeaderLayout:
    """Merged group labels (初次/二次…) over sub-columns (日期/级别判定/洽谈内容…)."""
    labels: dict[int, str] = {}
    matches: dict[int, Match] = {}
    current_group: str | None = None
    for col in sorted(set(group_row) | set(sub_row)):
        top_text = group_row.get(col)
        if top_text is not None:
            is_group = matcher.group_of(clean_header(top_text))
            current_group = top_text if is_group and not is_group[1] else None
        sub_text = sub_row.get(col)
        if current_group is not None and sub_text is not None:
            labels[col] = f"{current_group} | {sub_text}"
            matches[col] = matcher.match(clean_header(current_group) + clean_header(sub_text))
        elif sub_text is not None:
            labels[col] = sub_text
            matches[col] = matcher.match(sub_text)
        elif top_text is not None:
            labels[col] = top_text
            matches[col] = matcher.match(top_text)
    return HeaderLayout((top, top + 1), data_start, labels, matches)
