"""历法: holidays, solar terms, lunar birthdays.

Expected dates are published ones (the State Council holiday notices, almanacs
and news reports of 春节, 中秋, 端午, 除夕, 腊八 and the solar terms), not values
read back from lunar-python, which the module itself uses.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm_batch.almanac import (
    BIRTHDAY_INVALID,
    SOLAR_TERMS,
    birthday_dates,
    check_holiday,
    holiday_dates,
    lunar_day_name,
    lunar_label,
    occasions,
    parse_birthdays,
)
from crm_batch.rules_config import load_rules
from crm_batch.text import clean_text
from tests.test_normalise import PROPERTY, registers

D = dt.date
REFERENCE_YEAR = 2026


@pytest.fixture(scope="module")
def default_holidays() -> dict[str, str]:
    return dict(load_rules()["calendar"]["holidays"])


def cells(*values: object) -> pd.Series:
    """Birthday cells as the reader hands them over, labelled like register rows."""
    return pd.Series(list(values), dtype="str", index=[f"r{i}" for i in range(len(values))])


def parse_one(text: object, kind: str | None = None) -> dict[str, object]:
    kinds = None if kind is None else pd.Series([kind], dtype="str")
    frame = parse_birthdays(pd.Series([text], dtype=object), kinds, reference_year=REFERENCE_YEAR)
    return {k: (None if pd.isna(v) else v) for k, v in frame.iloc[0].items()}


def dates_of(values: list[str], start: dt.date, end: dt.date) -> list[tuple[str, dt.date, object]]:
    """(row, date, age) of every birthday in the window; age None when unknown."""
    found = birthday_dates(parse_birthdays(cells(*values), reference_year=REFERENCE_YEAR), start, end)
    return [
        (row, day.date(), None if pd.isna(age) else age)
        for row, day, age in zip(found["row"], found["date"], found["age"], strict=True)
    ]


# --- holidays ------------------------------------------------------------------

PUBLISHED = [
    (2026, "中秋", "农历08-15", D(2026, 9, 25)),
    (2026, "春节", "农历01-01", D(2026, 2, 17)),
    (2027, "春节", "农历01-01", D(2027, 2, 6)),
    (2025, "端午", "农历05-05", D(2025, 5, 31)),
    (2026, "端午", "农历05-05", D(2026, 6, 19)),
    (2026, "元宵", "农历01-15", D(2026, 3, 3)),
    (2026, "七夕", "农历07-07", D(2026, 8, 19)),
    (2026, "重阳", "农历09-09", D(2026, 10, 18)),
    (2026, "清明", "节气", D(2026, 4, 5)),
    (2026, "冬至", "节气", D(2026, 12, 22)),
    (2024, "冬至", "节气", D(2024, 12, 21)),
    (2026, "寒露", "节气", D(2026, 10, 8)),
    (2026, "元旦", "01-01", D(2026, 1, 1)),
    (2026, "母亲节", "5月第2个周日", D(2026, 5, 10)),
    (2026, "父亲节", "6月第三个星期天", D(2026, 6, 21)),
    (2026, "感恩节", "11月第4个周四", D(2026, 11, 26)),
    (2026, "阵亡将士纪念日", "5月最后一个周一", D(2026, 5, 25)),
    # 腊月 of the lunar year before: the eve of this year's 春节; 2026 has no 腊月三十.
    (2026, "除夕", "农历12-30", D(2026, 2, 16)),
    (2024, "除夕", "农历12-30", D(2024, 2, 9)),
    (2026, "腊八", "农历12-08", D(2026, 1, 26)),
    (2026, "小年", "农历12-23", D(2026, 2, 10)),
]


@pytest.mark.parametrize(("year", "name", "spec", "expected"), PUBLISHED, ids=[f"{y}-{n}" for y, n, _, _ in PUBLISHED])
def test_holiday_date_matches_published(year: int, name: str, spec: str, expected: dt.date) -> None:
    assert holiday_dates(year, {name: spec}) == {name: expected}


def test_lunar_holiday_missing_from_a_gregorian_year_is_left_out() -> None:
    # 2023 春节 was 01-22: 腊八 fell on 2022-12-30 and next on 2024-01-18.
    assert holiday_dates(2023, {"腊八": "农历12-08", "元旦": "01-01"}) == {"元旦": D(2023, 1, 1)}


def test_solar_feb_29_holiday_falls_on_feb_28_in_common_years() -> None:
    assert holiday_dates(2027, {"闰日": "02-29"}) == {"闰日": D(2027, 2, 28)}
    assert holiday_dates(2028, {"闰日": "02-29"}) == {"闰日": D(2028, 2, 29)}


def test_default_holidays_are_valid_and_resolve_2000_to_2100(default_holidays: dict[str, str]) -> None:
    assert {name: check_holiday(name, spec) for name, spec in default_holidays.items()} == dict.fromkeys(
        default_holidays
    )
    for year in range(2000, 2101):
        dates = holiday_dates(year, default_holidays)
        assert dates.keys() == default_holidays.keys()
        assert all(day.year == year for day in dates.values())
        assert D(year, 1, 21) <= dates["春节"] <= D(year, 2, 20)
        assert D(year, 9, 7) <= dates["中秋"] <= D(year, 10, 8)
        assert D(year, 4, 4) <= dates["清明"] <= D(year, 4, 6)
        assert D(year, 12, 21) <= dates["冬至"] <= D(year, 12, 23)


VALID_SPECS = [
    ("元旦", "01-01"),
    ("元旦", "1-1"),
    ("中秋", "农历08-15"),
    ("除夕", "农历12-30"),
    ("清明", "节气"),
    ("母亲节", "5月第2个周日"),
    ("母亲节", "５月第二个星期天"),
    ("感恩节", "11月第4个周四"),
    ("某日", "10月最后一个礼拜五"),
    ("闰日", "02-29"),
]


@pytest.mark.parametrize(("name", "spec"), VALID_SPECS, ids=[s for _, s in VALID_SPECS])
def test_check_holiday_accepts(name: str, spec: str) -> None:
    assert check_holiday(name, spec) is None


INVALID_SPECS = [
    ("清明节", "节气", "不是二十四节气之一"),
    ("某日", "02-30", "不存在"),
    ("某日", "13-01", "不存在"),
    ("某日", "农历13-01", "不存在"),
    ("某日", "农历08-31", "不存在"),
    ("某日", "5月第5个周日", "无法识别"),
    ("某日", "八月十五", "无法识别"),
    ("某日", "", "无法识别"),
]


@pytest.mark.parametrize(("name", "spec", "reason"), INVALID_SPECS, ids=[s or "empty" for _, s, _ in INVALID_SPECS])
def test_check_holiday_explains_in_chinese(name: str, spec: str, reason: str) -> None:
    message = check_holiday(name, spec)
    assert message is not None and reason in message and name in message


def test_holiday_dates_rejects_an_invalid_spec() -> None:
    with pytest.raises(ValueError, match="无法识别"):
        holiday_dates(2026, {"某日": "abc"})


def test_solar_terms_each_year_are_the_24_in_order() -> None:
    for year in (2000, 2024, 2026, 2100):
        names = occasions(D(year, 1, 1), D(year, 12, 31), {}, solar_terms=True)["name"].tolist()
        assert names == list(SOLAR_TERMS)


# --- occasions -----------------------------------------------------------------


def test_occasions_in_a_week_spanning_new_year(default_holidays: dict[str, str]) -> None:
    week = occasions(D(2026, 12, 28), D(2027, 1, 3), default_holidays, solar_terms=True)
    assert week.to_dict("list") == {"date": [pd.Timestamp("2027-01-01")], "name": ["元旦"], "kind": ["节日"]}
    assert str(week["date"].dtype) == "datetime64[ns]"


def test_occasions_across_new_year_sorted_by_date_then_name(default_holidays: dict[str, str]) -> None:
    found = occasions(D(2026, 12, 21), D(2027, 1, 10), default_holidays | {"圣诞": "12-22"}, solar_terms=True)
    assert list(zip(found["date"].dt.date, found["name"], found["kind"], strict=True)) == [
        (D(2026, 12, 22), "冬至", "节日"),
        (D(2026, 12, 22), "圣诞", "节日"),
        (D(2027, 1, 1), "元旦", "节日"),
        (D(2027, 1, 5), "小寒", "节气"),
    ]


def test_holiday_that_is_a_solar_term_is_listed_once_as_holiday(default_holidays: dict[str, str]) -> None:
    found = occasions(D(2026, 4, 1), D(2026, 4, 10), default_holidays, solar_terms=True)
    assert found.to_dict("list") == {"date": [pd.Timestamp("2026-04-05")], "name": ["清明"], "kind": ["节日"]}


def test_occasions_without_solar_terms(default_holidays: dict[str, str]) -> None:
    assert occasions(D(2026, 10, 5), D(2026, 10, 11), default_holidays, solar_terms=False).empty
    found = occasions(D(2026, 10, 5), D(2026, 10, 11), default_holidays, solar_terms=True)
    assert found[["name", "kind"]].values.tolist() == [["寒露", "节气"]]


def test_lunar_holiday_in_january_window() -> None:
    found = occasions(D(2026, 1, 19), D(2026, 1, 31), {"腊八": "农历12-08"}, solar_terms=False)
    assert found["date"].tolist() == [pd.Timestamp("2026-01-26")]


# --- lunar_label ---------------------------------------------------------------

LABELS = [
    ((8, 15, False), "农历八月十五"),
    ((4, 8, True), "农历闰四月初八"),
    ((12, 23, False), "农历腊月廿三"),
    ((1, 1, False), "农历正月初一"),
    ((11, 30, False), "农历冬月三十"),
    ((10, 20, False), "农历十月二十"),
    ((3, 10, False), "农历三月初十"),
    ((2, 19, False), "农历二月十九"),
]


@pytest.mark.parametrize(("args", "label"), LABELS, ids=[label for _, label in LABELS])
def test_lunar_label(args: tuple[int, int, bool], label: str) -> None:
    assert lunar_label(*args) == label


# --- parse_birthdays -----------------------------------------------------------

# text → (year, month, day, lunar, leap)
PARSED = [
    ("1975-03-08", (1975, 3, 8, False, False)),
    ("1975/3/8", (1975, 3, 8, False, False)),
    ("1975年3月8日", (1975, 3, 8, False, False)),
    ("１９７５年３月８日", (1975, 3, 8, False, False)),
    ("19750308", (1975, 3, 8, False, False)),
    ("1975-03-08 00:00:00", (1975, 3, 8, False, False)),
    ("75/3/8", (1975, 3, 8, False, False)),
    ("3月8日", (None, 3, 8, False, False)),
    ("3-8", (None, 3, 8, False, False)),
    ("03.08", (None, 3, 8, False, False)),
    ("三月八日", (None, 3, 8, False, False)),
    ("2月29日", (None, 2, 29, False, False)),
    ("27461", (1975, 3, 8, False, False)),
    ("27461.0", (1975, 3, 8, False, False)),
    ("农历八月十五", (None, 8, 15, True, False)),
    ("阴历八月十五", (None, 8, 15, True, False)),
    ("1975年闰四月初八", (1975, 4, 8, True, True)),
    ("农历1975年四月初八", (1975, 4, 8, True, False)),
    ("八月十五(农历)", (None, 8, 15, True, False)),
    ("八月十五（农历）", (None, 8, 15, True, False)),
    ("农历08-15", (None, 8, 15, True, False)),
    ("腊月廿三", (None, 12, 23, True, False)),
    ("正月初一", (None, 1, 1, True, False)),
    ("冬月三十", (None, 11, 30, True, False)),
    ("十月十二", (None, 10, 12, True, False)),
    ("8月廿三", (None, 8, 23, True, False)),
    ("农历2月30日", (None, 2, 30, True, False)),
]


@pytest.mark.parametrize(("text", "expected"), PARSED, ids=[t for t, _ in PARSED])
def test_parse_birthday(text: str, expected: tuple[object, ...]) -> None:
    year, month, day, lunar, leap = expected
    assert parse_one(text) == {"year": year, "month": month, "day": day, "lunar": lunar, "leap": leap, "slug": None}


INVALID = [
    "2月30日",
    "1975-02-29",
    "农历十三月初一",
    "农历8月31日",
    "abc",
    "闰",
    "1975",
    "2030-01-01",
    "公历正月初一",
    "闰4月8日(公历)",
    "🎂",
    "\u202e3\u202d月",
    "x" * 32767,
    "年" * 32767,
]


@pytest.mark.parametrize("text", INVALID, ids=[t[:12] for t in INVALID])
def test_unusable_birthday_gets_slug(text: str) -> None:
    assert parse_one(text) == {
        "year": None,
        "month": None,
        "day": None,
        "lunar": False,
        "leap": False,
        "slug": BIRTHDAY_INVALID,
    }


def test_blank_birthday_is_no_problem() -> None:
    frame = parse_birthdays(cells(None, "", " ", "\u200b"), reference_year=REFERENCE_YEAR)
    assert frame["slug"].isna().all() and frame["month"].isna().all()


def test_typed_cells_are_read_as_text() -> None:
    values = pd.Series([27461, dt.datetime(1975, 3, 8), None], dtype=object)
    frame = parse_birthdays(values, reference_year=REFERENCE_YEAR)
    assert frame["month"].tolist() == [3, 3, pd.NA]
    assert frame["slug"].isna().all()


KINDS = [
    ("1975-03-08", "农历", (1975, 3, 8, True)),
    ("1975-03-08", "阴历", (1975, 3, 8, True)),
    ("1975-03-08", "旧历", (1975, 3, 8, True)),
    ("27461", "农历", (1975, 3, 8, True)),
    ("1975-03-08", "公历", (1975, 3, 8, False)),
    ("1975-03-08", "阳历", (1975, 3, 8, False)),
    ("十月十二", "新历", (None, 10, 12, False)),
    ("正月初一", "公历", (None, 1, 1, True)),
    ("阳历3月8日", "农历", (None, 3, 8, False)),
    ("1975-03-08", "不知道", (1975, 3, 8, False)),
]


@pytest.mark.parametrize(("text", "kind", "expected"), KINDS, ids=[f"{t}-{k}" for t, k, _ in KINDS])
def test_birthday_kind_column(text: str, kind: str, expected: tuple[object, ...]) -> None:
    year, month, day, lunar = expected
    parsed = parse_one(text, kind)
    assert (parsed["year"], parsed["month"], parsed["day"], parsed["lunar"]) == (year, month, day, lunar)


def test_lunar_day_30_of_a_30_day_kind_is_valid_but_31_is_not() -> None:
    assert parse_one("1975-02-30", "农历")["slug"] is None
    assert parse_one("1975-02-31", "农历")["slug"] == BIRTHDAY_INVALID


def test_parse_keeps_index_and_dtypes() -> None:
    frame = parse_birthdays(cells("1975-03-08", "农历八月十五", "abc", None), reference_year=REFERENCE_YEAR)
    assert frame.index.tolist() == ["r0", "r1", "r2", "r3"]
    assert frame.dtypes.astype(str).to_dict() == {
        "year": "Int64",
        "month": "Int64",
        "day": "Int64",
        "lunar": "bool",
        "leap": "bool",
        "slug": "str",
    }
    assert frame["slug"].tolist()[2] == BIRTHDAY_INVALID


def test_repeated_birthdays_parse_alike() -> None:
    texts = ["1975-03-08", "农历八月十五", None, "abc"] * 3
    kinds = ["公历", "", None, "农历"] * 3
    frame = parse_birthdays(cells(*texts), pd.Series(kinds, dtype="str"), reference_year=REFERENCE_YEAR)
    first = frame.iloc[:4].reset_index(drop=True)
    for repeat in (1, 2):
        pd.testing.assert_frame_equal(frame.iloc[4 * repeat : 4 * repeat + 4].reset_index(drop=True), first)


# --- birthday_dates ------------------------------------------------------------


def test_solar_birthday_with_age() -> None:
    assert dates_of(["1975-03-08", "3月8日", "3月9日"], D(2026, 3, 2), D(2026, 3, 8)) == [
        ("r0", D(2026, 3, 8), 51),
        ("r1", D(2026, 3, 8), None),
    ]


def test_solar_feb_29_falls_on_feb_28_in_common_years() -> None:
    assert dates_of(["1976-02-29"], D(2027, 2, 1), D(2027, 3, 31)) == [("r0", D(2027, 2, 28), 51)]
    assert dates_of(["1976-02-29"], D(2028, 2, 1), D(2028, 3, 31)) == [("r0", D(2028, 2, 29), 52)]


def test_leap_month_birthday_in_a_year_with_that_leap_month() -> None:
    # 2023 has 闰二月 (闰二月初一 = 2023-03-22): the leap birthday is in it, the
    # ordinary one a month earlier (二月初一 = 2023-02-20).
    assert dates_of(["1980年闰二月十五", "二月十五"], D(2023, 3, 1), D(2023, 4, 30)) == [
        ("r1", D(2023, 3, 6), None),
        ("r0", D(2023, 4, 5), 43),
    ]


def test_leap_month_birthday_in_a_year_without_it_uses_the_ordinary_month() -> None:
    # 2024 has no 闰二月; 二月初一 = 2024-03-10.
    assert dates_of(["1980年闰二月十五", "二月十五"], D(2024, 3, 1), D(2024, 4, 30)) == [
        ("r0", D(2024, 3, 24), 44),
        ("r1", D(2024, 3, 24), None),
    ]


def test_leap_sixth_month_2025() -> None:
    # 2025: 六月初一 = 06-25, 闰六月初一 = 07-25.
    assert dates_of(["闰六月初一", "六月初一"], D(2025, 6, 1), D(2025, 8, 31)) == [
        ("r1", D(2025, 6, 25), None),
        ("r0", D(2025, 7, 25), None),
    ]


def test_lunar_day_30_in_a_29_day_month_is_the_29th() -> None:
    # 腊月 of lunar 2025 has 29 days (no 年三十 in 2026); that of lunar 2023 has 30.
    assert dates_of(["腊月三十"], D(2026, 2, 1), D(2026, 2, 28)) == [("r0", D(2026, 2, 16), None)]
    assert dates_of(["腊月三十"], D(2024, 2, 1), D(2024, 2, 29)) == [("r0", D(2024, 2, 9), None)]


def test_window_across_new_year_with_winter_lunar_birthdays() -> None:
    # Lunar 2025: 冬月初一 = 2025-12-20 (30 days), 腊月初一 = 2026-01-19, 腊八 = 2026-01-26.
    values = ["1975年腊月初八", "冬月三十", "12-31", "1990-01-01", "冬月初一", "1975-02-29"]
    assert dates_of(values, D(2025, 12, 15), D(2026, 2, 28)) == [
        ("r4", D(2025, 12, 20), None),
        ("r2", D(2025, 12, 31), None),
        ("r3", D(2026, 1, 1), 36),
        ("r1", D(2026, 1, 18), None),
        ("r0", D(2026, 1, 26), 50),
    ]


def test_lunar_age_counts_lunar_years() -> None:
    # Born 腊月初八 of lunar 1975; on 2026-01-26 (still lunar 2025) the age turned is 50, not 51.
    found = dates_of(["1975年腊月初八"], D(2026, 1, 1), D(2026, 12, 31))
    assert found == [("r0", D(2026, 1, 26), 50)]


def test_day_of_birth_is_not_a_birthday() -> None:
    assert dates_of(["2026-01-05", "2025-01-05"], D(2026, 1, 1), D(2026, 1, 31)) == [("r1", D(2026, 1, 5), 1)]


def test_window_longer_than_a_year_lists_each_occurrence() -> None:
    assert [day for _, day, _ in dates_of(["农历八月十五"], D(2025, 1, 1), D(2026, 12, 31))] == [
        D(2025, 10, 6),
        D(2026, 9, 25),
    ]


def test_birthday_dates_skips_blank_and_invalid_rows_and_keeps_labels() -> None:
    parsed = parse_birthdays(cells(None, "abc", "正月初一", "2-17"), reference_year=REFERENCE_YEAR)
    found = birthday_dates(parsed, D(2026, 2, 16), D(2026, 2, 22))
    assert found["row"].tolist() == ["r2", "r3"]
    assert found["date"].tolist() == [pd.Timestamp("2026-02-17")] * 2
    assert found["lunar"].tolist() == [True, False]
    assert found.dtypes.astype(str).to_dict() == {
        "row": "str",
        "date": "datetime64[ns]",
        "lunar": "bool",
        "age": "Int64",
    }


def test_birthday_dates_of_nothing_is_empty() -> None:
    parsed = parse_birthdays(cells(), reference_year=REFERENCE_YEAR)
    found = birthday_dates(parsed, D(2026, 1, 1), D(2026, 1, 31))
    assert found.empty and found.columns.tolist() == ["row", "date", "lunar", "age"]


def test_lunar_day_names():
    assert [lunar_day_name(d) for d in (1, 10, 11, 20, 21, 30)] == [
        "初一", "初十", "十一", "二十", "廿一", "三十"]


# ---------------------------------------------------------------- properties (never raise; a value or a problem)

BIRTHDAY_WORDS = st.sampled_from(["农历", "阴历", "闰", "正月", "腊月", "冬月", "初一", "十五", "廿三", "三十", "年",
                                  "月", "日", "1975", "2月29日", "13", "00", "-", "/", ".", " "])
BIRTHDAY_TEXT = st.lists(BIRTHDAY_WORDS, max_size=6).map("".join)


@PROPERTY
@given(registers(), st.lists(st.sampled_from(["公历", "农历", "阴历", "", None]), max_size=25))
def test_property_parse_birthdays_never_raises(text, kinds):
    kind = pd.Series((kinds + [None] * len(text))[: len(text)], index=text.index, dtype="object")
    parsed = parse_birthdays(text, kind, reference_year=REFERENCE_YEAR)
    assert parsed.index.equals(text.index)
    usable = parsed["month"].notna() & parsed["day"].notna()
    blank = clean_text(text).isna().to_numpy()  # blank as the reader sees it (zero-width spaces, full-width blanks…)
    assert (usable.to_numpy() | parsed["slug"].notna().to_numpy() | blank).all()
    assert parsed["month"].dropna().between(1, 12).all() and parsed["day"].dropna().between(1, 31).all()


@PROPERTY
@given(st.lists(BIRTHDAY_TEXT, max_size=30), st.dates(D(1990, 1, 1), D(2099, 11, 1)), st.integers(0, 62))
def test_property_birthday_dates_fall_inside_the_window(texts, start, length):
    parsed = parse_birthdays(pd.Series(texts, dtype="str"), reference_year=start.year)
    end = start + dt.timedelta(days=length)
    found = birthday_dates(parsed, start, end)
    assert found["date"].between(pd.Timestamp(start), pd.Timestamp(end)).all()
    assert set(found["row"]) <= set(parsed.index[parsed["month"].notna()])
