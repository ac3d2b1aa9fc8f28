"""数据清洗: turn the text of register cells into clean values plus problem slugs.

Every parser takes the text the reader produced (one string per cell, NA when
the cell is empty), cleans it with :func:`clean_text`, and returns a DataFrame
on the same index with the normalised value and a ``slug`` naming what was
wrong or guessed. A bad value never raises: it becomes NA plus a slug that the
caller turns into a 数据问题 row. An empty cell is not a problem here; the
completeness rules judge missing fields.

Regex work runs on pyarrow-backed ``ArrowDtype`` strings because pandas 3.1
sends ``str.extract`` on the default ``str`` dtype through a Python ``re`` loop,
whereas ``ArrowDtype`` uses pyarrow's RE2 kernels (several times faster on a
500,000-row register). The patterns therefore stay in the subset RE2 and
Python ``re`` share: ``[0-9]`` rather than ``\\d``, no look-around, and
non-ASCII characters written literally.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
from pandas.api.extensions import ExtensionArray

from crm_batch.text import ARROW_TEXT as _ARROW
from crm_batch.text import TEXT, clean_text
from crm_batch.text import as_mask as _mask
from crm_batch.vocabulary import EXCEL_EPOCH

DATE_INVALID = "date-invalid"
DATE_OUT_OF_RANGE = "date-out-of-range"
DATE_YEAR_INFERRED = "date-year-inferred"
DATE_LUNAR = "date-lunar"
PHONE_INVALID = "phone-invalid"
PHONE_MISSING = "phone-missing"
PHONE_MULTIPLE = "phone-multiple"
PHONE_NO_AREA_CODE = "phone-no-area-code"
VALUE_UNKNOWN = "value-unknown"
GRADE_UNKNOWN = "grade-unknown"
NUMBER_INVALID = "number-invalid"
NUMBER_OUT_OF_RANGE = "number-out-of-range"

def _arrow(s: pd.Series) -> pd.Series:
    """The same text as ArrowDtype, positionally indexed, for the RE2 kernels."""
    return s.astype(_ARROW).reset_index(drop=True)


def _numbers(s: pd.Series) -> np.ndarray:
    """Numeric strings as floats; empty or absent regex groups become NaN."""
    # pyarrow's cast is far faster than pd.to_numeric; it only needs the empty
    # strings an unmatched optional group leaves behind turned into nulls.
    s = s.mask(_mask(s.str.len() == 0))
    return s.astype(pd.ArrowDtype(pa.float64())).to_numpy(dtype=float, na_value=np.nan)


def _frame(index: pd.Index, **columns: pd.Series | np.ndarray) -> pd.DataFrame:
    """Assemble a result on the caller's index; text columns in the str dtype."""
    out = {}
    for name, col in columns.items():
        if isinstance(col, pd.Series):
            col = (col.astype(TEXT) if col.dtype == _ARROW else col).array
        out[name] = col
    return pd.DataFrame(out, index=index)


def _scatter(values: pd.Series, positions: np.ndarray, n: int) -> pd.Series:
    """A column of n rows holding values at the given positions, NA elsewhere."""
    return values.set_axis(positions).reindex(np.arange(n))


def _pick(rules: list[tuple[np.ndarray, str | None]], default: str | None) -> ExtensionArray:
    """Per row, the slug of the first rule whose mask holds (None: no slug)."""
    labels = [label for _, label in rules] + [default]
    names = sorted({label for label in labels if label is not None})
    code_of = np.array([names.index(label) if label is not None else -1 for label in labels])
    which = np.select([mask for mask, _ in rules], np.arange(len(rules)), default=len(rules))
    return pd.array(names, dtype=TEXT).take(code_of[which], allow_fill=True)


# --- parse_dates ------------------------------------------------------------

# Lunar dates (生日 "农历八月十五", "闰四月初八") belong to the calendar module;
# a Chinese-numeral day after 月 or a lunar month name marks them too.
_LUNAR = "农历|阴历|闰|[正腊冬]月|月 ?[初廿卅一二三四五六七八九十]|初[一二三四五六七八九十]"
_TIME = (
    r"(?:[ T]?(?P<hour>[0-9]{1,2})[:时点](?P<minute>[0-9]{1,2})分?"
    r"(?:[:分](?P<second>[0-9]{1,2})(?:\.[0-9]{1,9})?秒?)?)?"
)
# 2026-11-03, 2026/11/3, 2026.11.3, 2026年11月3日 14:30, 26/11/3 (two-digit year).
_YMD = (
    r"^(?P<year>[0-9]{4}|[0-9]{2}) ?[-/.年] ?(?P<month>[0-9]{1,2}) ?[-/.月] ?"
    r"(?P<day>[0-9]{1,2}) ?[日号]?" + _TIME + "$"
)
# 20261103; a CSV may carry it as a float (20261103.0).
_COMPACT = r"^(?P<year>[0-9]{4})(?P<month>[0-9]{2})(?P<day>[0-9]{2})(?:\.0+)?$"
# 11月3日, 11-3, 11/3: no year ("." is left out: 11.3 is a decimal number).
_MONTH_DAY = r"^(?P<month>[0-9]{1,2}) ?[-/月] ?(?P<day>[0-9]{1,2}) ?[日号]?" + _TIME + "$"
_SERIAL = r"^(?P<serial>[0-9]{1,7}(?:\.[0-9]+)?)$"

# Excel's day 0 is 1899-12-30 once its phantom 1900-02-29 is passed, which is
# true of every serial this module accepts.
_EXCEL_EPOCH = np.datetime64(EXCEL_EPOCH, "s")
# A bare number is only a date in this band (1954-10-03 .. 2119-01-10); below
# it is more likely a count, an amount or a room number than a date.
_SERIAL_MIN, _SERIAL_MAX = 20000, 80000
# A year-less date may lie this far ahead of the reference (a planned visit
# next month); further ahead, it was meant for last year.
_YEAR_LESS_LOOKAHEAD = np.timedelta64(31, "D")
# Two-digit years up to this many years past the reference are 20xx, older
# ones 19xx (a birthday written 75/3/8 is 1975).
_TWO_DIGIT_YEAR_AHEAD = 20
# datetime64[ns] covers 1677-09-21 .. 2262-04-11; whole years inside that span.
_NS_YEARS = (1678, 2261)


def _extract(a: pd.Series, rows: np.ndarray, pattern: str) -> tuple[np.ndarray, pd.DataFrame]:
    """Run one regex over the selected rows: (matched mask, groups of the matched rows)."""
    groups = a[rows].str.extract(pattern)
    # The first group of every pattern here is mandatory, so it tells a match.
    hit = groups.iloc[:, 0].notna().to_numpy()
    matched = np.zeros(len(a), dtype=bool)
    matched[np.flatnonzero(rows)[hit]] = True
    return matched, groups[hit]


def _civil(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Calendar dates from whole-number arrays; NaT where the day does not exist."""
    ok = (month >= 1) & (month <= 12) & (day >= 1)
    # Out-of-range parts are swapped for harmless ones so the arithmetic cannot
    # overflow; those rows are NaT in the result anyway.
    y = np.where(ok, year, 2000).astype(np.int64)
    m = np.where(ok, month, 1).astype(np.int64)
    first = ((y - 1970) * 12 + (m - 1)).astype("datetime64[M]")
    days_in_month = ((first + 1).astype("datetime64[D]") - first.astype("datetime64[D]")).astype(
        np.int64
    )
    ok &= day <= days_in_month
    d = np.where(ok, day, 1).astype(np.int64)
    dates = first.astype("datetime64[D]") + (d - 1).astype("timedelta64[D]")
    return np.where(ok, dates, np.datetime64("NaT", "D"))


def parse_dates(
    s: pd.Series,
    *,
    reference: dt.date,
    min_year: int = 1900,
    max_year: int = 2100,
) -> pd.DataFrame:
    """日期: dates in every spelling registers use → columns value (datetime64[ns]), slug."""
    text = clean_text(s)
    a = _arrow(text)
    n = len(a)
    present = text.notna().to_numpy()

    year = np.full(n, np.nan)
    month = np.full(n, np.nan)
    day = np.full(n, np.nan)
    clock = np.zeros((3, n))  # hour, minute, second
    inferred = np.zeros(n, dtype=bool)

    # Lunar text is Chinese, so ASCII cells (most dates) skip that scan.
    lunar = present & ~_mask(a.str.isascii())
    lunar[lunar] = _mask(a[lunar].str.contains(_LUNAR, regex=True))
    todo = present & ~lunar

    def take(matched: np.ndarray, groups: pd.DataFrame) -> None:
        nonlocal todo
        for name, target in (("year", year), ("month", month), ("day", day)):
            if name in groups:
                target[matched] = _numbers(groups[name])
        for i, name in enumerate(("hour", "minute", "second")):
            if name in groups:
                clock[i, matched] = np.nan_to_num(_numbers(groups[name]))
        todo &= ~matched

    ymd, groups = _extract(a, todo, _YMD)
    take(ymd, groups)
    # 26/11/3 has a two-digit year; 0001-01-01 has a four-digit one that is out of range.
    two_digit = np.zeros(n, dtype=bool)
    two_digit[ymd] = _mask(groups["year"].str.len() == 2)
    century = np.where(2000 + year <= reference.year + _TWO_DIGIT_YEAR_AHEAD, 2000, 1900)
    year = np.where(two_digit, century + year, year)
    inferred |= two_digit

    compact, groups = _extract(a, todo, _COMPACT)
    take(compact, groups)

    year_less, groups = _extract(a, todo, _MONTH_DAY)
    take(year_less, groups)
    inferred |= year_less

    serial_rows, groups = _extract(a, todo, _SERIAL)
    serial = np.full(n, np.nan)
    serial[serial_rows] = _numbers(groups["serial"])
    todo &= ~serial_rows
    is_serial = serial_rows & (serial >= _SERIAL_MIN) & (serial <= _SERIAL_MAX)

    # Year-less dates: this year unless that lands more than a month after the
    # reference, then last year. 2月29日 may exist only in one of the two.
    ref = np.datetime64(reference, "D")
    this_year = _civil(np.full(n, reference.year), month, day)
    use_this = ~np.isnat(this_year) & (this_year <= ref + _YEAR_LESS_LOOKAHEAD)
    year = np.where(year_less, np.where(use_this, reference.year, reference.year - 1), year)

    # Written parts first, so 0000-00-00 reads as invalid rather than as a year.
    parts_ok = (
        (month >= 1)
        & (month <= 12)
        & (day >= 1)
        & (day <= 31)
        & (clock[0] < 24)
        & (clock[1] < 60)
        & (clock[2] < 60)
    )
    dates = _civil(year, month, day)
    stamp = (
        dates.astype("datetime64[s]")
        + clock[0].astype(np.int64) * np.timedelta64(3600, "s")
        + clock[1].astype(np.int64) * np.timedelta64(60, "s")
        + clock[2].astype(np.int64) * np.timedelta64(1, "s")
    )
    # Serial fractions are times of day; round to the second Excel displays.
    serial_seconds = np.round(np.where(is_serial, serial, 0) * 86400).astype(np.int64)
    stamp = np.where(is_serial, _EXCEL_EPOCH + serial_seconds.astype("timedelta64[s]"), stamp)
    year = np.where(is_serial, stamp.astype("datetime64[Y]").astype(np.int64) + 1970, year)

    low, high = max(min_year, _NS_YEARS[0]), min(max_year, _NS_YEARS[1])
    in_range = (year >= low) & (year <= high)
    parsed = (ymd | compact | year_less) & parts_ok
    out_of_range = (parsed | is_serial) & ~in_range
    good = ((parsed & ~np.isnat(stamp)) | is_serial) & in_range

    value = np.where(good, stamp, np.datetime64("NaT", "s")).astype("datetime64[ns]")
    slug = _pick(
        [
            (~present, None),
            (lunar, DATE_LUNAR),
            (out_of_range, DATE_OUT_OF_RANGE),
            (good & inferred, DATE_YEAR_INFERRED),
            (good, None),
        ],
        default=DATE_INVALID,
    )
    return _frame(s.index, value=value, slug=slug)


# --- parse_phones -----------------------------------------------------------

_MOBILE = "1[3-9][0-9]{9}"
_LANDLINE = "0[0-9]{2,3}[0-9]{7,8}"
# A local number without area code; a leading 1 is a truncated mobile, a
# leading 0 an area code without the number.
_LOCAL = "[2-9][0-9]{6,7}"
# Characters that may sit inside one written number: 138-1234-5678,
# (021) 8888 6666, +86 138..., 138.1234.5678. Anything else (/, 、, 或, letters,
# 本人, ****) separates numbers or is annotation.
_NOT_IN_NUMBER = r"[^0-9 ()+.\-]+"
# 1.3812345678E+10: Excel already rounded the number; its digits are not the
# customer's, so it must not be read as one.
_SCIENTIFIC = r"[0-9](?:\.[0-9]+)?[eE][+-]?[0-9]+"
# Kinds of written number.
_NOT_A_PHONE, _FULL_NUMBER, _LOCAL_NUMBER = 0, 1, 2


def _split_units(chunks: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Split "/"-separated chunks: (index label of each unit's chunk, units numbered 0..n-1)."""
    units = chunks.str.split("/").explode().str.strip()
    units = units[_mask(units.str.contains("[0-9]", regex=True))]
    return units.index.to_numpy(), units.reset_index(drop=True)


def _classify(units: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Written numbers → (their digits, kind): a full number, a local one, or not a phone."""
    digits = units
    written = ~_mask(units.str.fullmatch("[0-9]+"))
    if written.any():
        sub = units[written]
        fixed = sub.str.replace("[^0-9]+", "", regex=True)
        # 13812345678.0 is a float cell read as text; the .0 is not a digit.
        floats = _mask(sub.str.fullmatch(r"[0-9]{7,}\.0+"))
        fixed[floats] = sub[floats].str.replace(r"\.0+$", "", regex=True)
        digits = digits.copy()
        digits[written] = fixed
    # +86 / 0086 / 86 before a mobile is the country code.
    code = _mask(digits.str.startswith("86") | digits.str.startswith("0086"))
    if code.any():
        digits = digits.copy()
        digits[code] = digits[code].str.replace("^(?:0086|86)(" + _MOBILE + ")$", r"\1", regex=True)
    full = _mask(digits.str.fullmatch(_MOBILE + "|" + _LANDLINE))
    local = _mask(digits.str.fullmatch(_LOCAL))
    return digits, np.select([full, local], [_FULL_NUMBER, _LOCAL_NUMBER], _NOT_A_PHONE)


def _units(a: pd.Series, has_digit: np.ndarray) -> tuple[np.ndarray, pd.Series, np.ndarray]:
    """Every written number of every cell, in cell order: (row, digits, kind)."""
    # Most cells hold one bare number and are a unit as they stand; the others
    # are cut at everything that cannot sit inside a number.
    bare = has_digit & _mask(a.str.fullmatch(r"[0-9]+(?:\.0+)?"))
    mixed = has_digit & ~bare
    chunks = a[mixed].str.replace(_SCIENTIFIC, "/", regex=True)
    chunk_rows, units = _split_units(chunks.str.replace(_NOT_IN_NUMBER, "/", regex=True))
    rows = np.concatenate([np.flatnonzero(bare), chunk_rows])
    order = np.argsort(rows, kind="stable")
    rows = rows[order]
    units = pd.concat([a[bare], units], ignore_index=True).iloc[order].reset_index(drop=True)
    digits, kind = _classify(units)

    # A unit that is no number as a whole may be several written with spaces
    # or glued together: "138 1234 5678 139 8765 4321", "1381234567813987654321".
    # Those are split again and their pieces take the unit's place.
    retry = kind == _NOT_A_PHONE
    glued = retry & _mask(digits.str.fullmatch("(?:" + _MOBILE + "){2,3}"))
    retry &= glued | _mask(units.str.contains(" ", regex=False))
    if not retry.any():
        return rows, digits, kind
    pieces = units[retry].str.replace(" ", "/", regex=False)
    pieces[glued[retry]] = digits[glued].str.replace("(" + _MOBILE + ")", r"\1/", regex=True)
    piece_units, pieces = _split_units(pieces)
    piece_digits, piece_kind = _classify(pieces)
    kept = np.flatnonzero(~retry)
    order = np.argsort(np.concatenate([kept, piece_units]), kind="stable")
    rows = np.concatenate([rows[kept], rows[piece_units]])[order]
    digits = pd.concat([digits[kept], piece_digits], ignore_index=True).iloc[order]
    kind = np.concatenate([kind[kept], piece_kind])[order]
    return rows, digits.reset_index(drop=True), kind


def parse_phones(s: pd.Series) -> pd.DataFrame:
    """联系电话: the customer's phone numbers → columns value, alt (others, "/"), slug."""
    text = clean_text(s)
    a = _arrow(text)
    n = len(a)
    present = text.notna().to_numpy()
    has_digit = _mask(a.str.contains("[0-9]", regex=True))
    scientific = np.zeros(n, dtype=bool)
    scientific[has_digit] = _mask(a[has_digit].str.contains(_SCIENTIFIC, regex=True))
    unit_rows, digits, kind = _units(a, has_digit)

    valid = kind != _NOT_A_PHONE
    valid_rows = unit_rows[valid]
    valid_digits = digits[valid].reset_index(drop=True)
    # Units come in cell order, so a row's first valid unit is its value.
    first = np.diff(valid_rows, prepend=-1) != 0
    value = _scatter(valid_digits[first], valid_rows[first], n)
    first_kind = np.full(n, _NOT_A_PHONE)
    first_kind[valid_rows[first]] = kind[valid][first]

    # The rest, joined per row: a groupby sum concatenates text in one pass.
    rest = ("/" + valid_digits[~first].astype(TEXT)).groupby(valid_rows[~first]).sum()
    alt = rest.astype(TEXT).str.slice(1).reindex(np.arange(n))

    count = np.bincount(valid_rows, minlength=n)
    leftover = scientific | (np.bincount(unit_rows[~valid], minlength=n) > 0)
    slug = _pick(
        [
            (~present, None),
            (~has_digit, PHONE_MISSING),
            (count == 0, PHONE_INVALID),
            ((count > 1) | leftover, PHONE_MULTIPLE),
            (first_kind == _LOCAL_NUMBER, PHONE_NO_AREA_CODE),
        ],
        default=None,
    )
    return _frame(s.index, value=value, alt=alt, slug=slug)


# --- split_name_phone -------------------------------------------------------

# Punctuation around a name once the phone is cut out: 张三：, 张三(, 张三-.
_NAME_PUNCT = " :;,.!?'\"()[]{}<>-_/\\|~*#、。，：；！？“”‘’《》【】〔〕…—·"
_PHONE_PART = r"[+(]?[0-9][0-9 ()+./,;、\-]*[0-9]"
_NAME_FIRST = r"^(?P<name>[^0-9]+?)(?P<phone>" + _PHONE_PART + r")(?P<tail>[^0-9]*)$"
_PHONE_FIRST = r"^(?P<phone>" + _PHONE_PART + r")(?P<name>[^0-9]+)$"


def split_name_phone(s: pd.Series) -> pd.DataFrame:
    """客户姓名: split a phone glued to the name (张三13812345678) → columns name, phone."""
    text = clean_text(s)
    a = _arrow(text)
    n = len(a)
    present = text.notna().to_numpy()
    rows = present & _mask(a.str.contains("[0-9]{7}|[0-9][ -][0-9]", regex=True))

    positions, names, phones = [], [], []
    for pattern in (_NAME_FIRST, _PHONE_FIRST):
        matched, groups = _extract(a, rows, pattern)
        name = groups["name"].str.strip(_NAME_PUNCT)
        ok = _mask(name.str.len() > 0)
        if "tail" in groups:
            # 张三13812345678。 is a glued pair; 张三13812345678本人 is a note.
            ok &= _mask(groups["tail"].str.strip(_NAME_PUNCT).str.len() == 0)
        positions.append(np.flatnonzero(matched)[ok])
        names.append(name[ok])
        phones.append(groups["phone"][ok])
        rows[positions[-1]] = False
    # A name cell holding only a phone: the phone is kept, the name is missing.
    alone = rows & _mask(a.str.fullmatch(_PHONE_PART))
    positions.append(np.flatnonzero(alone))
    names.append(pd.Series([None] * int(alone.sum()), dtype=_ARROW))
    phones.append(a[alone])

    where = np.concatenate(positions)
    parsed = parse_phones(pd.concat(phones, ignore_index=True))
    # Split only when the phone part is wholly phone numbers: digits left over
    # (张三13812345678 801) mean the cell is not simply a name and a phone.
    found = (
        parsed["value"].notna() & ((parsed["slug"] != PHONE_MULTIPLE) | parsed["alt"].notna())
    ).to_numpy()
    numbers = parsed["value"].where(parsed["alt"].isna(), parsed["value"] + "/" + parsed["alt"])
    split = np.zeros(n, dtype=bool)
    split[where[found]] = True
    name = a.where(~split, _scatter(pd.concat(names, ignore_index=True)[found], where[found], n))
    # Whatever did not split into a name and a valid phone stays as written.
    phone = _scatter(numbers[found].astype(_ARROW), where[found], n)
    return _frame(s.index, name=name, phone=phone)


# --- parse_vocab ------------------------------------------------------------


def _contains_word(key: pd.Series, word: str) -> pd.Series:
    """Whether each cell contains the spelling; a Latin one only as a whole word."""
    if word.isascii() and word.isalnum():
        # "NO" must not match inside "UNKNOWN", nor "MALE" inside "FEMALE".
        return key.str.contains("(?:^|[^A-Z0-9])" + word + "(?:[^A-Z0-9]|$)", regex=True)
    return key.str.contains(word, regex=False)


def parse_vocab(
    s: pd.Series, vocab: dict[str, list[str]], *, contains: bool = True
) -> pd.DataFrame:
    """词表映射 (性别/是否/跟进方式/客户类型): free text → columns value (canonical), slug."""
    text = clean_text(s)
    key = _arrow(text).str.upper()
    present = text.notna().to_numpy()

    # Spellings go through the same cleaning as cells, so "Ｍ" in a rules file
    # matches "M" in a register. On a spelling shared by two canonicals, the
    # first canonical in the rules file wins.
    canon = [c for c, spellings in vocab.items() for _ in range(1 + len(spellings))]
    words = [w for c, spellings in vocab.items() for w in (c, *spellings)]
    cleaned = clean_text(pd.Series(words, dtype=object)).str.upper()
    lookup: dict[str, str] = {}
    order: list[tuple[str, str]] = []
    for word, c in zip(cleaned, canon, strict=True):
        if isinstance(word, str) and word not in lookup:
            lookup[word] = c
            order.append((word, c))

    value = key.astype(TEXT).map(lookup).astype(TEXT)
    if contains:
        # Longest spelling first (主动拜访 before 拜访); single characters only
        # match whole cells, so "1" never matches inside "10".
        substrings = sorted(((w, c) for w, c in order if len(w) >= 2), key=lambda wc: -len(wc[0]))
        rows = np.flatnonzero(present & value.isna().to_numpy())
        if substrings and len(rows):
            sub = key.iloc[rows]
            hits = [_mask(_contains_word(sub, w)) for w, _ in substrings]
            which = np.select(hits, np.arange(len(substrings)), default=-1)
            found = pd.array([c for _, c in substrings], dtype=TEXT).take(which, allow_fill=True)
            value.iloc[rows] = found
    unknown = present & value.isna().to_numpy()
    return _frame(s.index, value=value, slug=_pick([(unknown, VALUE_UNKNOWN)], default=None))


# --- parse_grades -----------------------------------------------------------


def parse_grades(s: pd.Series, levels: list[str]) -> pd.DataFrame:
    """意向等级: A, a, A类, A类(购买), H（一周内） → columns value (the level), slug."""
    text = clean_text(s)
    key = _arrow(text).str.upper()
    present = text.notna().to_numpy()
    # Only a single leading letter is a grade; what follows is a note. "AB" or
    # "VIP" name no grade.
    leading = _mask(key.str.match("[A-Z](?:[^A-Z]|$)"))
    letters = {level.strip().upper(): level for level in levels}
    value = key.str.slice(0, 1).astype(TEXT).map(letters).astype(TEXT).where(leading)
    unknown = present & value.isna().to_numpy()
    return _frame(s.index, value=value, slug=_pick([(unknown, GRADE_UNKNOWN)], default=None))


# --- parse_numbers ----------------------------------------------------------

# A number with an optional unit after it: 35, 35岁, 3次, 1,200, 3.0. A unit
# that scales the number (3万, 50%) would make the digits lie, so it is refused.
_NUMBER = (
    r"^(?P<number>[+-]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]*)?|[+-]?\.[0-9]+)"
    r" ?(?P<unit>[^0-9 .万千百亿kKwW%‰][^0-9]*)?$"
)
# Integers beyond 2**53 lose digits as float64.
_EXACT_INTEGER = 2.0**53


def parse_numbers(
    s: pd.Series,
    *,
    integer: bool = True,
    min_value: float | None = None,
    max_value: float | None = None,
) -> pd.DataFrame:
    """数值 (年龄/来访次数/意向得分): 35, 35岁, 3次 → columns value (Int64 or Float64), slug."""
    text = clean_text(s)
    a = _arrow(text)
    n = len(a)
    present = text.notna().to_numpy()

    matched, groups = _extract(a, present, _NUMBER)
    number = np.full(n, np.nan)
    number[matched] = _numbers(groups["number"].str.replace(",", "", regex=False))
    parsed = matched & ~np.isnan(number)
    if integer:
        # 3.0 is three visits; 3.5 visits is not a count.
        parsed &= np.floor(np.nan_to_num(number)) == number
    too_big = ~np.isfinite(number) | (integer & (np.abs(number) > _EXACT_INTEGER))
    outside = np.zeros(n, dtype=bool)
    if min_value is not None:
        outside |= number < min_value
    if max_value is not None:
        outside |= number > max_value
    out_of_range = parsed & (too_big | outside)
    good = parsed & ~out_of_range

    dtype = "Int64" if integer else "Float64"
    value = pd.array(np.where(good, number, np.nan), dtype="Float64")
    value = pd.array(value, dtype=dtype) if integer else value
    slug = _pick(
        [(~present, None), (out_of_range, NUMBER_OUT_OF_RANGE), (~good, NUMBER_INVALID)],
        default=None,
    )
    return _frame(s.index, value=value, slug=slug)
