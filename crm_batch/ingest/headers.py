"""Find the header row (表头) of a sheet and map its columns to canonical fields.

Real sheets put a title row, blank rows or merged group labels above the
header, write notes into header cells (``客户姓名(必填)``, ``性别\\n(先生/女士)``,
``意向等级：H（一周内）、A…``) and keep look-alike columns (``负责人联系电话`` is
a staff phone). A header is matched in tiers, and each match says how it was
made (识别方式), so a manager can see and correct every guess:

1. the team's own spellings (``[headers_extra]``, 团队设置), then the preset's
   synonyms (``[headers]``, 同义词), exact after cleaning;
2. keyword rules (``[header_keywords]``, 关键词): a header containing a field's
   word and none of its exclusions — 客户手机 is a phone, 顾问手机 is not;
3. the column's content (按内容, crm_batch/ingest/profile.py) confirms a match
   or decides a column no header rule knows.

Anything not matched is reported as ignored, with the reason.
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


# 识别方式: how a column was matched, strongest first.
TEAM, SYNONYM, KEYWORD, CONTENT = "团队设置", "同义词", "关键词", "按内容"
STRENGTH = {TEAM: 400, SYNONYM: 300, KEYWORD: 100, CONTENT: 50}
# Longer than this (or written as a sentence), a cell is text, not a header to read keywords in.
MAX_KEYWORD_HEADER = 16
_SENTENCE = re.compile(r"[，。；！？,;!?]")


@dataclass(frozen=True)
class Match:
    """What one header cell means: a field (maybe within a card group), or why it is ignored.

    ``how`` is the tier that matched (团队设置 / 同义词 / 关键词 / 按内容); ``strength`` ranks
    two columns claiming one field: the higher tier, then the longer keyword, wins.
    """

    field: str | None
    group: int | None = None
    note: str = ""
    how: str = ""
    strength: int = 0
    guessable: bool = False  # no header rule knows it (or its content said otherwise): its content may decide


class HeaderMatcher:
    """Maps header text to fields using the rules' synonym tables."""

    def __init__(self, rules: Rules) -> None:
        # A team's own spellings win over the preset's (联系人 may mean the agent in their sheets).
        self.team: dict[str, str] = {}
        for field, words in rules["headers_extra"].items():
            for word in words:
                self.team.setdefault(clean_header(word), field)
        self.lookup: dict[str, str] = {}
        for field, words in rules["headers"].items():
            for word in [FIELDS[field].label, *words]:
                self.lookup.setdefault(clean_header(word), field)
        # Keyword rules: per field, alternatives (each a tuple of parts that must all appear) and exclusions.
        self.keywords = [
            (field, [tuple(clean_header(p) for p in word.split("+")) for word in rule["words"]],
             [clean_header(w) for w in rule["except"]])
            for field, rule in rules["header_keywords"].items()
        ]
        # Most cells a header search reads are data (names, phones, dates) holding no keyword at all.
        parts = sorted({p for _, alternatives, _ in self.keywords for parts in alternatives for p in parts if p},
                       key=len, reverse=True)
        self._any_keyword = re.compile("|".join(map(re.escape, parts))) if parts else None
        self._seen: dict[tuple[str, bool], Match] = {}
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
        """``初次日期`` → (1, ``日期``); ``第3次`` → (3, ``""``); ``初次跟进日`` → (1, ``日``); else None."""
        found = self._ordinal.match(text)
        if not found:
            return None
        number = _cn_number(found.group(1)) if found.group(1) else self.ordinal_index[found.group(2)]
        return (number, found.group(3)) if number else None

    def _in_group(self, text: str, rest: str) -> Match:
        """What a card group's sub-column means: ``rest`` as read, else with the verb the ordinal
        swallowed (二次回访方式 → 回访方式); a bare 日期/时间/日 is the contact's own date."""
        if rest in ("", "日期", "时间", "日"):
            return Match("contact_at", how=SYNONYM, strength=STRENGTH[SYNONYM])
        found = self._match(rest)
        if found.field is None:
            ordinal = self._ordinal.match(text)
            after = text[ordinal.end(2) if ordinal.group(2) else ordinal.end(1) + 1:]  # after 初次 / 第3次
            if after != rest:
                found = self._match(after)
        return found

    def match(self, header: object, *, groups: bool = True) -> Match:
        """What a header cell means. ``groups=False``: 首次/二次… are words, not a card's groups."""
        key = (str(header), groups)
        if key not in self._seen:
            self._seen[key] = self._match_header(header, groups)
        return self._seen[key]

    def _match_header(self, header: object, groups: bool) -> Match:
        found = self._match(clean_header(header), groups)
        # (A header the rules set aside as a whole, 顾问\n手机, stays aside: its first line is not its name.)
        if found.field is None and found.guessable and isinstance(header, str) and "\n" in header.strip():
            # 意向等级\nA:一周内…: the legend sits on the lines below the name.
            first_line = self._match(clean_header(header.strip().split("\n", 1)[0]), groups)
            if first_line.field:
                return first_line
        if found.field is None and found.guessable and isinstance(header, str) and _NOTE.search(header):
            # 类别(答谢/营销): the note says what the column holds; its words count as keywords.
            noted = self._by_keyword(_DECOR.sub("", unicodedata.normalize("NFKC", header)).upper())
            if noted.field:
                return noted
        return found

    def _match(self, text: str, groups: bool = True) -> Match:
        if not text:
            return Match(None, note="空表头")
        team = self._exact(text, self.team)
        if team:
            return Match(team, how=TEAM, strength=STRENGTH[TEAM])
        if text in self.ignore:
            return Match(None, note=self.ignore[text])
        plain = self._exact(text, self.lookup)
        if plain:
            return Match(plain, how=SYNONYM, strength=STRENGTH[SYNONYM])
        grouped = self.group_of(text) if groups else None
        if grouped:
            number, rest = grouped
            found = self._in_group(text, rest)
            field = _CARD_FIELD_FOR.get(found.field, found.field)
            if field in CARD_GROUP_FIELDS:
                return Match(field, number, how=found.how, strength=found.strength)
            whole = self._by_keyword(text)  # 首次到访日期 is a date of its own, not a card's first group
            if whole.field:
                return whole
            return Match(None, number, note="跟进卡里的列，未认出其含义")
        if any(w in text for w in self.staff_words) and any(w in text for w in self.phone_words):
            return Match(None, note="员工电话，不是客户电话")
        return self._by_keyword(text)

    def _exact(self, text: str, table: dict[str, str]) -> str | None:
        if text in table:
            return table[text]
        for prefix in self.prefixes:
            rest = text.removeprefix(prefix)
            if rest != text and rest in table:
                return table[rest]
        return None

    def _by_keyword(self, text: str) -> Match:
        """Tier 2: the field whose keyword the header holds (none of its exclusions); the longest wins."""
        if len(text) > MAX_KEYWORD_HEADER or _SENTENCE.search(text) or not (
                self._any_keyword and self._any_keyword.search(text)):
            return Match(None, note="未识别的列", guessable=True)
        scores: dict[str, int] = {}
        excluded: list[tuple[str, str]] = []  # (field, the word that ruled it out)
        for field, alternatives, exclusions in self.keywords:
            # Every keyword the header holds adds its length: 来源渠道 says "source" twice.
            score = sum(sum(map(len, parts)) for parts in alternatives if all(p in text for p in parts))
            if not score:
                continue
            hit = next((word for word in exclusions if word and word in text), None)
            if hit:
                excluded.append((field, hit))
            else:
                scores[field] = score
        if not scores:
            if excluded:  # 经办人电话: looks like a phone, but a staff member's
                field, word = excluded[0]
                return Match(None, note=f"含“{word}”，不是客户的{FIELDS[field].label}")
            return Match(None, note="未识别的列", guessable=True)
        best = max(scores.values())
        fields = [f for f, score in scores.items() if score == best]
        if len(fields) > 1:
            names = "”或“".join(FIELDS[f].label for f in fields)
            return Match(None, note=f"可能是“{names}”，无法确定；请在规则文件 [headers_extra] 里写明",
                         guessable=True)
        return Match(fields[0], how=KEYWORD, strength=STRENGTH[KEYWORD] + best)


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


def calendar_in_header(header: str) -> str:
    """农历 or 公历 when a birthday header names its calendar (生日(农历), 阳历生日), else ""."""
    if re.search("农历|阴历|旧历", header):
        return "农历"
    if re.search("公历|阳历|新历", header):
        return "公历"
    return ""


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
    from_above = False
    for col, text in above.items():
        # A header cell merged down over two rows shows its text in the upper row only; a note
        # above the table (经纪人：张三) is not a header when nothing is written under it.
        if col not in labels and matcher.match(text).field and below_header[col].notna().any():
            labels[col], from_above = text, True
    matches = {c: matcher.match(t) for c, t in labels.items()}
    if len({m.group for m in matches.values() if m.group is not None}) == 1:
        # One "group" is no card: 首次到访日期 is a column of its own.
        matches = {c: matcher.match(labels[c], groups=False) if m.group is not None else m for c, m in matches.items()}
    # 最近跟进 over 日期 | 内容: a label names what the bare sub-columns under it are about. The label is in
    # the row above the header, or in the header row itself (merged across) with the sub-columns below it.
    above_subs = _combined(_sub_columns(above, row_texts, matcher), row_texts, matcher)
    below_subs = _combined(_merged_sub_columns(row_texts, below), below, matcher)
    data_start = best_row + 1
    if below and set(below_subs) == set(below) and _names_new_fields(below_subs, matches):
        # The row below is header: each of its cells is named under its label, known to a field or not.
        data_start = best_row + 2
        for col, (label, match) in below_subs.items():
            labels[col], matches[col] = label, match
    else:
        for col, (label, match) in above_subs.items():
            if match.field:
                labels[col], matches[col], from_above = label, match, True
    top = best_row - 1 if from_above else best_row
    return HeaderLayout(tuple(range(top, data_start)), data_start, labels, matches)


def _names_new_fields(subs: dict[int, tuple[str, Match]], matches: dict[int, Match]) -> bool:
    """Whether sub-columns read as header name fields, each once, that the rest of the header lacks. A
    row of values under a label does not (跟进 over 电话 | 未接 beside a 联系电话 column; 性别 over 男 | 女;
    意向等级 over A | B | C)."""
    named = [m.field for _, m in subs.values() if m.field]
    elsewhere = {m.field for c, m in matches.items() if m.field and c not in subs}
    return bool(named) and len(set(named)) == len(named) and not set(named) & elsewhere


def _combined(subs: dict[int, str], sub_row: dict[int, str], matcher: HeaderMatcher) -> dict[int, tuple[str, Match]]:
    """Each sub-column's label (最近跟进 | 日期) and what the label and the sub-column say together."""
    return {col: (f"{group} | {sub_row[col]}", matcher.match(f"{group}{sub_row[col]}", groups=False))
            for col, group in subs.items()}


# A label over sub-columns is short and no title (2026年11月客户登记表); a sub-column it qualifies is a
# bare word (日期, 内容, 方式, 电话) — a sub-column that says what it is (下次跟进时间) ends the label's reach.
_GROUP_LABEL_CHARS, _BARE_SUB_CHARS = 8, 2


def _sub_columns(above: dict[int, str], header: dict[int, str], matcher: HeaderMatcher) -> dict[int, str]:
    """Header columns under a label in the row above (a two-row header that is no card): column → label."""
    labelled: dict[int, str] = {}
    starts = sorted(above)
    for at, start in enumerate(starts):
        label = clean_header(above[start])
        # A note (置业顾问：李四) is no label, nor is a title (…登记表), nor a field's own name.
        if (not label or len(label) > _GROUP_LABEL_CHARS or re.search(r"[0-9]|表$|[:：]", above[start])
                or start not in header or matcher.match(above[start]).field):
            continue
        end = starts[at + 1] if at + 1 < len(starts) else max(header) + 1
        for col in range(start, end):
            if col not in header or len(clean_header(header[col])) > _BARE_SUB_CHARS:
                break
            labelled[col] = above[start]
    return labelled


def _merged_sub_columns(label_row: dict[int, str], sub_row: dict[int, str]) -> dict[int, str]:
    """Bare sub-columns under a label merged across them in the header row (最近跟进 over 日期 | 内容):
    column → label. A label counts only when it spans two columns or more (the cells right of it are
    empty in its row), which a value written under a header never does."""
    labelled: dict[int, str] = {}
    last = max([*label_row, *sub_row], default=-1)
    for start, text in sorted(label_row.items()):
        label = clean_header(text)
        if not label or len(label) > _GROUP_LABEL_CHARS or re.search(r"[0-9]|表$|[:：]", text):
            continue
        end = start + 1
        while end <= last and end not in label_row and end in sub_row:
            end += 1
        cols = range(start, end)
        if len(cols) >= 2 and all(c in sub_row and len(clean_header(sub_row[c])) <= _BARE_SUB_CHARS for c in cols):
            labelled.update(dict.fromkeys(cols, text))
    return labelled


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
        elif sub_text is not None:  # a column of its own beside the groups: 首次接触日期 is no group
            labels[col] = sub_text
            matches[col] = matcher.match(sub_text, groups=False)
        elif top_text is not None:
            labels[col] = top_text
            matches[col] = matcher.match(top_text, groups=False)
    return HeaderLayout((top, top + 1), data_start, labels, matches)
