"""历法 (almanac): holidays, the 24 solar terms (节气), lunar dates and birthdays.

Pure calendar knowledge on top of lunar-python: nothing is tabulated per year,
every date is computed, so any year lunar-python covers works. The conventions
a register or a rules file relies on:

- A lunar day 30 in a month that has only 29 days that year falls on the 29th,
  the month's last day (so 除夕 "农历12-30" is 腊月廿九 in 2026).
- Holidays never fall in a leap month (闰月): "农历05-05" is the ordinary fifth month.
- A leap-month birthday (闰四月初八) is kept in the leap month in years that have
  that leap month and in the ordinary month otherwise. The written year is not
  checked against the leap month: registers copy "1975年闰四月初八" although 1974
  had the 闰四月, and the celebration date is the same either way.
- A solar 02-29 falls on 02-28 in common years.
- A lunar birthday's year is the lunar year, and the age turned (周岁) is counted
  in lunar years, so a 腊月 birthday in January still counts for the old year.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa
from lunar_python import Lunar, LunarYear, Solar

from crm_batch.text import TEXT, clean_text
from crm_batch.vocabulary import EXCEL_EPOCH

BIRTHDAY_INVALID = "birthday-invalid"
HOLIDAY = "节日"
SOLAR_TERM = "节气"

# lunar-python lists the terms from 冬至; a Gregorian year runs from 小寒 to 冬至.
SOLAR_TERMS: tuple[str, ...] = Lunar.JIE_QI[1:] + Lunar.JIE_QI[:1]

_ARROW = pd.ArrowDtype(pa.large_string())

_DIGITS = "一二三四五六七八九"
_MONTH_NAMES = ("正", *_DIGITS[1:], "十", "冬", "腊")
_WEEKDAYS = {**{c: i for i, c in enumerate(_DIGITS[:6])}, "日": 6, "天": 6}
_NTH = {**{str(i): i for i in range(1, 5)}, **{c: i for i, c in enumerate(_DIGITS[:4], start=1)}}


# --- lunar months and solar terms --------------------------------------------


def _solar_date(julian_day: float) -> dt.date:
    solar = Solar.fromJulianDay(julian_day)
    return dt.date(solar.getYear(), solar.getMonth(), solar.getDay())


@lru_cache(maxsize=512)
def _lunar_months(lunar_year: int) -> tuple[tuple[int, bool, dt.date, int], ...]:
    """The months of one lunar year in order: (month, is leap, first solar day, day count)."""
    return tuple(
        (abs(m.getMonth()), m.isLeap(), _solar_date(m.getFirstJulianDay()), m.getDayCount())
        for m in LunarYear.fromYear(lunar_year).getMonthsInYear()
    )


def _lunar_to_solar(lunar_year: int, month: int, day: int, leap: bool = False) -> dt.date:
    """A lunar date's solar day; a missing leap month or day 30 falls back as documented above."""
    months = _lunar_months(lunar_year)
    has_leap = any(m == month and is_leap for m, is_leap, _, _ in months)
    for m, is_leap, first, count in months:
        if m == month and is_leap == (leap and has_leap):
            return first + dt.timedelta(days=min(day, count) - 1)
    raise ValueError(f"lunar month {month} out of range")


@lru_cache(maxsize=512)
def _solar_terms(year: int) -> tuple[tuple[str, dt.date], ...]:
    """The 24 solar terms of a Gregorian year, 小寒 … 冬至, with their dates."""
    # lunar-python computes the terms from the 大雪 before lunar year `year` to
    # the 惊蛰 after it; the names repeat every 24, starting at 大雪.
    days = LunarYear.fromYear(year).getJieQiJulianDays()
    terms = ((Lunar.JIE_QI[(i - 1) % 24], _solar_date(jd)) for i, jd in enumerate(days))
    return tuple((name, day) for name, day in terms if day.year == year)


# --- holidays ------------------------------------------------------------------

_SPEC_HELP = (
    "可写：01-01（公历月-日）、农历08-15（农历月-日，小月的三十按廿九）、"
    "节气（节日名须是二十四节气之一，如 清明、冬至）、5月第2个周日（某月第1–4个或最后一个星期几）"
)
_SOLAR_SPEC = re.compile(r"(?P<month>[0-9]{1,2})[-/月](?P<day>[0-9]{1,2})日?")
_LUNAR_SPEC = re.compile(r"(?:农历|阴历)(?P<month>[0-9]{1,2})[-/月](?P<day>[0-9]{1,2})日?")
_WEEKDAY_SPEC = re.compile(
    r"(?P<month>[0-9]{1,2})月(?:第(?P<nth>[1-4一二三四])个|(?P<last>最后一个))(?:周|星期|礼拜)(?P<weekday>[一二三四五六日天])"
)


@dataclass(frozen=True)
class _HolidayRule:
    """A parsed holiday spec: kind is solar, lunar, term or weekday."""

    kind: str
    month: int = 0
    day: int = 0  # weekday rules: the n-th occurrence, -1 for the last
    weekday: int = 0


def _parse_holiday(name: str, spec: object) -> _HolidayRule | str:
    """The rule a holiday spec describes, or the Chinese reason it is not one."""
    unreadable = f"节日“{name}”的日期“{spec}”无法识别。{_SPEC_HELP}"
    if not isinstance(spec, str):
        return unreadable
    text = unicodedata.normalize("NFKC", spec).replace(" ", "")
    if text == SOLAR_TERM:
        if name in SOLAR_TERMS:
            return _HolidayRule("term")
        return f"节日“{name}”的日期写作“节气”，但“{name}”不是二十四节气之一（如 清明、冬至）。"
    if found := _SOLAR_SPEC.fullmatch(text):
        month, day = int(found["month"]), int(found["day"])
        # Checked against a leap year: 02-29 is accepted and falls on 02-28 in common years.
        if 1 <= month <= 12 and 1 <= day <= calendar.monthrange(2000, month)[1]:
            return _HolidayRule("solar", month, day)
        return f"节日“{name}”的日期“{spec}”不存在：公历月份为1–12，日不超过当月天数。"
    if found := _LUNAR_SPEC.fullmatch(text):
        month, day = int(found["month"]), int(found["day"])
        if 1 <= month <= 12 and 1 <= day <= 30:
            return _HolidayRule("lunar", month, day)
        return f"节日“{name}”的日期“{spec}”不存在：农历月份为01–12，日为01–30。"
    if found := _WEEKDAY_SPEC.fullmatch(text):
        month = int(found["month"])
        if not 1 <= month <= 12:
            return f"节日“{name}”的日期“{spec}”不存在：月份为1–12。"
        nth = -1 if found["last"] else _NTH[found["nth"]]
        return _HolidayRule("weekday", month, nth, _WEEKDAYS[found["weekday"]])
    return unreadable


def _rule(name: str, spec: str) -> _HolidayRule:
    rule = _parse_holiday(name, spec)
    if isinstance(rule, str):
        raise ValueError(rule)
    return rule


def check_holiday(name: str, spec: str) -> str | None:
    """节日设置: None when the spec is valid for this holiday, else a Chinese explanation."""
    rule = _parse_holiday(name, spec)
    return rule if isinstance(rule, str) else None


def _nth_weekday(year: int, rule: _HolidayRule) -> dt.date:
    first_weekday, days = calendar.monthrange(year, rule.month)
    if rule.day > 0:
        day = 1 + (rule.weekday - first_weekday) % 7 + 7 * (rule.day - 1)
    else:
        day = days - (first_weekday + days - 1 - rule.weekday) % 7
    return dt.date(year, rule.month, day)


def _occurrences(name: str, rule: _HolidayRule, first_year: int, last_year: int) -> list[tuple[int, dt.date]]:
    """(year counted in, date) of a holiday for Gregorian years first_year..last_year.

    Lunar holidays are counted in lunar years, from the one before first_year
    (whose 冬月 and 腊月 reach into first_year); the caller filters by date.
    """
    years = range(first_year, last_year + 1)
    if rule.kind == "solar":
        leap_day = (rule.month, rule.day) == (2, 29)
        return [(y, dt.date(y, rule.month, 28 if leap_day and not calendar.isleap(y) else rule.day)) for y in years]
    if rule.kind == "lunar":
        return [(y, _lunar_to_solar(y, rule.month, rule.day)) for y in range(first_year - 1, last_year + 1)]
    if rule.kind == "term":
        return [(y, dict(_solar_terms(y))[name]) for y in years]
    return [(y, _nth_weekday(y, rule)) for y in years]


def holiday_dates(year: int, holidays: Mapping[str, str]) -> dict[str, dt.date]:
    """节日日期: each holiday's solar date in the Gregorian year.

    A lunar holiday is taken in the lunar year that starts in `year`; when that
    date falls in the next Gregorian year (a 冬月 or 腊月 date), the one of the
    lunar year before, which falls in `year`, is taken instead, so 除夕
    ("农历12-30") is the eve of this year's 春节. A late 冬月/腊月 date can miss
    a Gregorian year entirely (腊八 in a year after a leap year); such a holiday
    is left out of that year's dict. Raises ValueError on a spec that
    :func:`check_holiday` rejects.
    """
    dates: dict[str, dt.date] = {}
    for name, spec in holidays.items():
        occurrences = _occurrences(name, _rule(name, spec), year, year)
        found = [(counted, day) for counted, day in occurrences if day.year == year]
        if found:
            dates[name] = min(found, key=lambda cd: (cd[0] != year, cd[1]))[1]
    return dates


def occasions(start: dt.date, end: dt.date, holidays: Mapping[str, str], solar_terms: bool) -> pd.DataFrame:
    """节日与节气: every holiday and (if asked) solar term in [start, end] → date, name, kind.

    A holiday named after a solar term (清明 = "节气") is listed once, as a 节日.
    """
    rows: list[tuple[dt.date, str, str]] = []
    for name, spec in holidays.items():
        for _, day in _occurrences(name, _rule(name, spec), start.year, end.year):
            if start <= day <= end:
                rows.append((day, name, HOLIDAY))
    if solar_terms:
        for year in range(start.year, end.year + 1):
            terms = _solar_terms(year)
            rows.extend((day, term, SOLAR_TERM) for term, day in terms if start <= day <= end and term not in holidays)
    rows.sort(key=lambda row: (row[0], row[1]))
    return pd.DataFrame(
        {
            "date": pd.array([np.datetime64(day, "D") for day, _, _ in rows], dtype="datetime64[ns]"),
            "name": pd.array([name for _, name, _ in rows], dtype=TEXT),
            "kind": pd.array([kind for _, _, kind in rows], dtype=TEXT),
        }
    )


# --- lunar labels ----------------------------------------------------------------


def lunar_day_name(day: int) -> str:
    """初一 … 初十, 十一 … 十九, 二十, 廿一 … 廿九, 三十."""
    if day <= 10:
        return "初" + (_DIGITS + "十")[day - 1]
    if day < 20:
        return "十" + _DIGITS[day - 11]
    if day == 20:
        return "二十"
    if day < 30:
        return "廿" + _DIGITS[day - 21]
    return "三十"


def lunar_label(month: int, day: int, leap: bool = False) -> str:
    """农历日期的写法: (8, 15) → 农历八月十五, (4, 8, leap) → 农历闰四月初八, (12, 23) → 农历腊月廿三."""
    return f"农历{'闰' if leap else ''}{_MONTH_NAMES[month - 1]}月{lunar_day_name(day)}"


# --- parse_birthdays -------------------------------------------------------------

# Markers in the text; NFKC has already folded full-width brackets to ASCII.
_LUNAR_MARK = "农历|阴历|旧历|農曆|陰曆|舊曆"
_SOLAR_MARK = "公历|阳历|新历|国历|公曆|陽曆|新曆|國曆"
_NOISE = "(?:" + _LUNAR_MARK + "|" + _SOLAR_MARK + r")|[ ()\[\]【】〔〕:]"
# A datetime cell rendered as text: 1975-03-08 00:00:00.
_TIME_OF_DAY = r"[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?$"
_MONTH_WORD = "[正腊臘冬]|十[一二]?|[" + _DIGITS + "]"
_DAY_WORD = "初[" + _DIGITS + "十]|[二三]?十[" + _DIGITS + "]?|[廿卅][" + _DIGITS + "]?|[" + _DIGITS + "]"
# 1975-03-08, 1975/3/8, 1975年3月8日, 75.3.8, 3月8日, 03.08, 1975年闰四月初八, 腊月廿三, 8月十五.
_WRITTEN = (
    "^(?:(?P<year>[0-9]{4}|[0-9]{2})[-/.年])?(?P<leap>[闰閏])?"
    "(?P<month>[0-9]{1,2}|" + _MONTH_WORD + ")[-/.月](?P<day>[0-9]{1,2}|" + _DAY_WORD + ")[日号]?$"
)
_COMPACT = r"^(?P<year>[0-9]{4})(?P<month>[0-9]{2})(?P<day>[0-9]{2})(?:\.0+)?$"
# An Excel date cell read as its serial number; from 10000 (1927-05-18) so a
# year typed alone ("1975") is not taken for a day in 1905.
_SERIAL = r"^(?P<serial>[0-9]{5}(?:\.[0-9]+)?)$"
_EXCEL_EPOCH = np.datetime64(EXCEL_EPOCH, "D")
# A cell longer than any spelling of a date is not one; it skips the regexes.
_MAX_LENGTH = 40
_MIN_BIRTH_YEAR = 1900


def _number_words() -> tuple[dict[str, int], dict[str, int]]:
    """Chinese month and day words → numbers: 正→1, 冬→11, 初八→8, 廿三→23, 卅→30."""
    months = {name: i + 1 for i, name in enumerate(_MONTH_NAMES)} | {"一": 1, "十一": 11, "十二": 12, "臘": 12}
    days: dict[str, int] = {"十": 10, "初十": 10, "二十": 20, "廿": 20, "三十": 30, "卅": 30}
    for i, digit in enumerate(_DIGITS, start=1):
        days |= {digit: i, "初" + digit: i, "十" + digit: 10 + i}
        days |= {"二十" + digit: 20 + i, "廿" + digit: 20 + i, "三十" + digit: 30 + i, "卅" + digit: 30 + i}
    return months, days


_MONTH_WORDS, _DAY_WORDS = _number_words()


def _mask(b: pd.Series) -> np.ndarray:
    return b.to_numpy(dtype=bool, na_value=False)


def _numbers(words: pd.Series, table: dict[str, int]) -> np.ndarray:
    """Digits or Chinese words → floats; NaN where absent or unknown."""
    named = words.astype(object).map(table)
    digits = pd.to_numeric(words.astype(object).where(_mask(words.str.isdigit())), errors="coerce")
    return named.fillna(digits).to_numpy(dtype=float, na_value=np.nan)


def _extract(a: pd.Series, rows: np.ndarray, pattern: str) -> tuple[np.ndarray, pd.DataFrame]:
    """One regex over the selected rows: (matched mask, groups of the matched rows)."""
    groups = a[rows].str.extract(pattern)
    hit = groups.notna().any(axis=1).to_numpy()
    matched = np.zeros(len(a), dtype=bool)
    matched[np.flatnonzero(rows)[hit]] = True
    return matched, groups[hit]


def _kind_codes(kind: pd.Series | None, n: int) -> np.ndarray:
    """生日类型 per row: 1 solar (公历/阳历/新历), 2 lunar (农历/阴历/旧历), 0 unsaid or unclear."""
    if kind is None:
        return np.zeros(n, dtype=np.int8)
    a = clean_text(kind).astype(_ARROW)
    lunar = _mask(a.str.contains("[农阴旧農陰舊]", regex=True))
    solar = _mask(a.str.contains("[公阳新国陽國]", regex=True))
    return np.select([lunar & ~solar, solar & ~lunar], [2, 1], 0).astype(np.int8)


def _parse_unique(text: pd.Series, kind: np.ndarray, reference_year: int) -> pd.DataFrame:
    """Parse distinct (text, kind) pairs → year, month, day (floats), lunar, leap, ok."""
    a = text.astype(_ARROW).reset_index(drop=True)
    n = len(a)
    short = _mask(a.str.len() <= _MAX_LENGTH)
    lunar_mark = short & _mask(a.str.contains(_LUNAR_MARK, regex=True))
    solar_mark = short & _mask(a.str.contains(_SOLAR_MARK, regex=True))
    body = a.where(short).str.replace(_TIME_OF_DAY, "", regex=True).str.replace(_NOISE, "", regex=True)
    todo = _mask(body.str.len() > 0)

    year, month, day = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    leap, lunar_form, tens_form = np.zeros(n, bool), np.zeros(n, bool), np.zeros(n, bool)

    written, groups = _extract(body, todo, _WRITTEN)
    year[written] = pd.to_numeric(groups["year"].astype(object), errors="coerce").to_numpy(dtype=float)
    month[written] = _numbers(groups["month"], _MONTH_WORDS)
    day[written] = _numbers(groups["day"], _DAY_WORDS)
    leap[written] = _mask(groups["leap"].str.len() > 0)
    # Month names and 初/廿/卅 days exist only in the lunar calendar; a Chinese
    # numeral month with a 十 day (十月十二) is read as lunar unless told otherwise.
    lunar_form[written] = _mask(groups["month"].str.contains("[正腊臘冬]", regex=True)) | _mask(
        groups["day"].str.contains("[初廿卅]", regex=True)
    )
    tens_form[written] = ~_mask(groups["month"].str.isdigit()) & _mask(groups["day"].str.contains("十", regex=False))
    century = np.where(2000 + year <= reference_year, 2000, 1900)
    year = np.where(year < 100, century + year, year)
    todo &= ~written

    compact, groups = _extract(body, todo, _COMPACT)
    for target, group in ((year, "year"), (month, "month"), (day, "day")):
        target[compact] = pd.to_numeric(groups[group].astype(object)).to_numpy(dtype=float)
    todo &= ~compact

    serial_rows, groups = _extract(body, todo, _SERIAL)
    serial = np.floor(pd.to_numeric(groups["serial"].astype(object)).to_numpy(dtype=float))
    usable = serial < (np.datetime64(f"{reference_year + 1}-01-01", "D") - _EXCEL_EPOCH).astype(float)
    serial_rows[np.flatnonzero(serial_rows)[~usable]] = False
    stamp = pd.DatetimeIndex(_EXCEL_EPOCH + serial[usable].astype("timedelta64[D]"))
    year[serial_rows], month[serial_rows], day[serial_rows] = stamp.year, stamp.month, stamp.day

    strong = lunar_mark | leap | lunar_form
    lunar = strong | (~solar_mark & ((kind == 2) | (tens_form & (kind != 1))))
    found = written | compact | serial_rows
    year_known = ~np.isnan(year)
    month_index = np.clip(np.nan_to_num(month), 1, 12).astype(int) - 1
    solar_days = np.array([31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])[month_index]
    whole_year = np.where(year_known, year, 2000).astype(int)
    common = ~((whole_year % 4 == 0) & ((whole_year % 100 != 0) | (whole_year % 400 == 0)))
    solar_days = np.where((month == 2) & common, 28, solar_days)
    ok = (
        found
        & ~(solar_mark & strong)
        & (month >= 1)
        & (month <= 12)
        & (day >= 1)
        & (day <= np.where(lunar, 30, solar_days))
        & (~year_known | ((year >= _MIN_BIRTH_YEAR) & (year <= reference_year)))
    )
    return pd.DataFrame(
        {
            "year": np.where(ok, year, np.nan),
            "month": np.where(ok, month, np.nan),
            "day": np.where(ok, day, np.nan),
            "lunar": ok & lunar,
            "leap": ok & leap,
            "ok": ok,
        }
    )


def parse_birthdays(text: pd.Series, kind: pd.Series | None = None, *, reference_year: int) -> pd.DataFrame:
    """生日: solar or lunar birthdays → columns year, month, day (Int64), lunar, leap, slug.

    `kind` is the optional 生日类型 column (公历/阳历/新历 vs 农历/阴历/旧历), row for
    row beside `text`, that says how a plain date such as 1975-03-08 is meant; lunar words in the text
    (农历, 闰, 正月, 腊月, 初八, 廿三) decide for themselves, and a solar word
    (公历, 阳历) in the text overrides the column. `year` is NA when not written;
    for a lunar birthday it is the lunar year. Two-digit years are read as the
    latest year not after reference_year, which is also the latest birth year.
    A present but unusable cell gets slug birthday-invalid; nothing raises.
    """
    cleaned = clean_text(text)
    n = len(cleaned)
    pairs = pd.DataFrame({"text": cleaned.to_numpy(), "kind": _kind_codes(kind, n)})
    # Registers repeat few distinct birthdays; each distinct (text, kind) is parsed once.
    group = pairs.groupby(["text", "kind"], dropna=False, sort=False).ngroup().to_numpy()
    first = np.flatnonzero(~pd.Series(group).duplicated().to_numpy())
    unique = _parse_unique(cleaned.iloc[first], pairs["kind"].to_numpy()[first], reference_year)
    parsed = unique.iloc[np.argsort(group[first])].iloc[group].reset_index(drop=True)

    present = cleaned.notna().to_numpy()
    slug = pd.array(np.where(present & ~parsed["ok"].to_numpy(), BIRTHDAY_INVALID, None), dtype=TEXT)
    return pd.DataFrame(
        {
            "year": pd.array(parsed["year"].to_numpy(), dtype="Int64"),
            "month": pd.array(parsed["month"].to_numpy(), dtype="Int64"),
            "day": pd.array(parsed["day"].to_numpy(), dtype="Int64"),
            "lunar": parsed["lunar"].to_numpy(),
            "leap": parsed["leap"].to_numpy(),
            "slug": slug,
        },
        index=text.index,
    )


# --- birthday_dates ---------------------------------------------------------------


def _solar_birthdays(combos: pd.DataFrame, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Solar month-day combos → (combo, date, counted year) for every Gregorian year of the window."""
    years = np.arange(start.year, end.year + 1)
    combo = np.repeat(combos["combo"].to_numpy(), len(years))
    month = np.repeat(combos["month"].to_numpy(), len(years))
    day = np.repeat(combos["day"].to_numpy(), len(years))
    year = np.tile(years, len(combos))
    common = ~((year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0)))
    day = np.where((month == 2) & (day == 29) & common, 28, day)
    first = ((year - 1970) * 12 + month - 1).astype("datetime64[M]").astype("datetime64[D]")
    return pd.DataFrame({"combo": combo, "date": first + (day - 1).astype("timedelta64[D]"), "counted": year})


def _lunar_birthdays(combos: pd.DataFrame, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Lunar (month, day, leap) combos → (combo, date, lunar year) for the lunar years overlapping the window."""
    # A solar day of year Y lies in lunar year Y-1 (before 春节) or Y.
    years = range(start.year - 1, end.year + 1)
    months = pd.DataFrame(
        [(y, m, is_leap, first, count) for y in years for m, is_leap, first, count in _lunar_months(y)],
        columns=["counted", "month", "in_leap", "first", "count"],
    )
    leap_months = months.loc[months["in_leap"], ["counted", "month"]].assign(has_leap=True)
    wanted = combos.merge(pd.DataFrame({"counted": list(years)}), how="cross")
    wanted = wanted.merge(leap_months, on=["counted", "month"], how="left")
    # A leap-month birthday stays in the leap month only in years that have it.
    wanted["in_leap"] = wanted["leap"].to_numpy() & wanted["has_leap"].notna().to_numpy()
    wanted = wanted.merge(months, on=["counted", "month", "in_leap"])
    offset = np.minimum(wanted["day"].to_numpy(), wanted["count"].to_numpy()) - 1
    first = wanted["first"].to_numpy(dtype="datetime64[D]")
    return pd.DataFrame(
        {"combo": wanted["combo"], "date": first + offset.astype("timedelta64[D]"), "counted": wanted["counted"]}
    )


def birthday_dates(parsed: pd.DataFrame, start: dt.date, end: dt.date) -> pd.DataFrame:
    """生日日期: the solar days in [start, end] of each parsed birthday → row, date, lunar, age.

    `row` is the index label in `parsed`; `age` is the age turned (周岁, in lunar
    years for a lunar birthday), NA when the birth year is unknown. A date before
    or on the day of birth is no birthday and is left out. Each distinct
    (month, day, lunar, leap) is computed once, whatever the number of customers.
    """
    keys = ["month", "day", "lunar", "leap"]
    usable = (parsed["month"].notna() & parsed["day"].notna()).to_numpy()
    people = pd.DataFrame(
        {
            "position": np.flatnonzero(usable),
            "month": parsed["month"].to_numpy(dtype=float, na_value=np.nan)[usable].astype(np.int64),
            "day": parsed["day"].to_numpy(dtype=float, na_value=np.nan)[usable].astype(np.int64),
            "lunar": parsed["lunar"].to_numpy(dtype=bool)[usable],
            "leap": parsed["leap"].to_numpy(dtype=bool)[usable] & parsed["lunar"].to_numpy(dtype=bool)[usable],
            "year": pd.array(parsed["year"], dtype="Int64")[usable],
        }
    )
    people["combo"] = people.groupby(keys, sort=False).ngroup()
    combos = people.drop_duplicates("combo")[["combo", *keys]]
    found = pd.concat(
        [
            _solar_birthdays(combos[~combos["lunar"]], start, end),
            _lunar_birthdays(combos[combos["lunar"]], start, end),
        ],
        ignore_index=True,
    )
    found = found[(found["date"] >= np.datetime64(start)) & (found["date"] <= np.datetime64(end))]
    dates = people.merge(found, on="combo")
    age = pd.array(dates["counted"].to_numpy(), dtype="Int64") - dates["year"].array
    dates = dates.assign(age=age)[~(age <= 0).fillna(False).to_numpy(dtype=bool)]
    dates = dates.sort_values(["date", "position"], kind="stable")
    return pd.DataFrame(
        {
            "row": parsed.index[dates["position"].to_numpy()],
            "date": dates["date"].to_numpy().astype("datetime64[ns]"),
            "lunar": dates["lunar"].to_numpy(dtype=bool),
            "age": dates["age"].array,
        }
    )
