"""Safe file names (issue 19): every text a register cell can hold gives a name every OS accepts.

The checks below do not reuse crm_batch.filenames' own tests of a name: ``assert_valid`` is written
from the rules of Windows, macOS and Linux, so a mistake in the module is not repeated here.
"""

from __future__ import annotations

import tempfile
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_batch.filenames import (
    FALLBACK,
    MAX_NAME_BYTES,
    MAX_NAME_CHARS,
    STAGING_RESERVE,
    numbered_path,
    safe_file_name,
    staging_names,
    unique_names,
)
from tests.hostile import HOSTILE_NAMES, NOTE_120

# Windows' device names, from "Naming Files, Paths, and Namespaces" (learn.microsoft.com).
DEVICES = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
           *(f"{port}{n}" for port in ("COM", "LPT") for n in ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9",
                                                               "\u00b9", "\u00b2", "\u00b3"])}
FORBIDDEN = set('<>:"/\\|?*') | {chr(c) for c in range(32)} | {"\x7f"}
BIGGEST_PID = 4_294_967_295  # a Windows pid is a DWORD


def assert_valid(name: str, reserve: int = 0) -> None:
    """What Windows, macOS and Linux all accept, with ``reserve`` characters still to be added."""
    assert name and name not in (".", ".."), repr(name)
    assert len(name) + reserve <= MAX_NAME_CHARS, (len(name), name)
    for form in ("NFC", "NFD"):  # Linux and APFS count bytes as given, HFS+ decomposed
        size = len(unicodedata.normalize(form, name).encode("utf-8"))  # no lone surrogate: encodes
        assert size + 3 * reserve <= MAX_NAME_BYTES, (form, size, name)
    assert not FORBIDDEN & set(name), repr(name)
    assert not name.endswith((".", " ")) and name == name.strip(), repr(name)
    assert name.split(".")[0].rstrip(" .").upper() not in DEVICES, f"{name!r} is a Windows device"


# ---------------------------------------------------------------- the hostile names, one by one

# What each text of tests/hostile.py's HOSTILE_NAMES becomes as an agent's workbook.
EXPECTED = {
    "device_con": "CON_.xlsx",
    "device_con_lower_with_extension": "con_.txt.xlsx",
    "device_nul_mixed_case_xlsx": "Nul_.xlsx.xlsx",
    "device_com1": "COM1_.xlsx",
    "device_lpt9_with_extension": "lpt9_.log.xlsx",
    "device_space_before_dot": "con_.txt.xlsx",  # the space becomes "_", so no device is left
    "device_superscript_com": "COM\u00b9_.xlsx",
    "device_conin": "CONIN$_.xlsx",
    "dot": f"{FALLBACK}.xlsx",
    "dot_dot": f"{FALLBACK}.xlsx",
    "path_traversal": "x.xlsx",
    "slashes": "a_b_c.xlsx",
    "forbidden_punctuation": f"{FALLBACK}.xlsx",
    "control_characters": "李_娜.xlsx",
    "trailing_dots_and_spaces": "赵强.xlsx",
    "leading_dot_hidden": "bashrc.xlsx",
    "excel_lock_prefix": "$李娜.xlsx",
    # 240 bytes less ".xlsx" is 235: 78 characters of 3 bytes.
    "note_120_chinese": NOTE_120[:78] + ".xlsx",
    "note_120_chinese_same_start": NOTE_120[:78] + ".xlsx",
    "ascii_300": "a" * 95 + ".xlsx",
    "emoji_and_combining": "😀👨👩👧_Zoë_\u00e9.xlsx",  # joiners dropped, e + accent composed
    "combining_at_the_cut": "q\u0301" * 47 + ".xlsx",  # 95 code points would part the 48th q from its accent
    "empty": f"{FALLBACK}.xlsx",
    "whitespace_only": f"{FALLBACK}.xlsx",
    "formula": "=HYPERLINK(_http_evil.example_,_点我_).xlsx",
    "rtl_override": "gpj.exe.xlsx",
    "rtl_marks": "李娜.xlsx",
    "zero_width_space": "李娜.xlsx",
    "space_inside": "张_三.xlsx",
    "underscore_inside": "张_三.xlsx",
    "case_variant": "Con_.xlsx",
}


def test_every_hostile_name_has_an_expectation():
    assert sorted(EXPECTED) == sorted(HOSTILE_NAMES)


@pytest.mark.parametrize("key", HOSTILE_NAMES)
def test_a_hostile_name_becomes_a_safe_name(key):
    name = safe_file_name(HOSTILE_NAMES[key], suffix=".xlsx")
    assert name == EXPECTED[key]
    assert_valid(name)


@pytest.mark.parametrize("key", HOSTILE_NAMES)
def test_a_hostile_name_leaves_room_for_the_writers_staging_names(key):
    name = safe_file_name(HOSTILE_NAMES[key], suffix=".xlsx", reserve=STAGING_RESERVE)
    assert_valid(name, STAGING_RESERVE)
    tmp, parts = staging_names(Path("out") / name, BIGGEST_PID)
    assert (tmp.name, parts.name) == (f".{name[:-5]}.{BIGGEST_PID}.tmp.xlsx", f".{name[:-5]}.{BIGGEST_PID}.parts")


@pytest.mark.parametrize("key", HOSTILE_NAMES)
def test_the_os_accepts_each_name_and_its_staging_names(tmp_path, key):
    name = safe_file_name(HOSTILE_NAMES[key], suffix=".xlsx", reserve=STAGING_RESERVE)
    (tmp_path / name).write_bytes(b"PK")
    tmp, parts = staging_names(tmp_path / name, BIGGEST_PID)
    tmp.write_bytes(b"PK")
    parts.mkdir()
    (parts / "xl_worksheets_sheet1.xml").write_bytes(b"<x/>")  # what xlsxwriter stages inside
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([name, tmp.name, parts.name])


@pytest.mark.parametrize(("text", "expected"), [
    ("张三", "张三"),
    ("李娜", "李娜"),
    ("张 三", "张_三"),
    ("  王 \t 建国  ", "王_建国"),
    ("Zhang San", "Zhang_San"),
    ("李娜（二组）", "李娜（二组）"),
    ("=李娜", "=李娜"),
], ids=["two_characters", "li_na", "space", "spaces_and_tab", "pinyin", "full_width_brackets", "formula_sign"])
def test_ordinary_names_stay_readable(text, expected):
    assert safe_file_name(text) == expected


def test_the_fallback_is_cleaned_and_used_for_nothing_left():
    assert safe_file_name(" . ", fallback="无 名") == "无_名"
    assert safe_file_name(None) == FALLBACK


def test_reserve_counts_against_both_limits():
    plain = safe_file_name(NOTE_120, suffix=".xlsx")
    reserved = safe_file_name(NOTE_120, suffix=".xlsx", reserve=STAGING_RESERVE)
    assert reserved == NOTE_120[:(MAX_NAME_BYTES - 3 * STAGING_RESERVE - 5) // 3] + ".xlsx"
    assert len(reserved) < len(plain)
    assert len(safe_file_name("a" * 300, reserve=STAGING_RESERVE)) == MAX_NAME_CHARS - STAGING_RESERVE


@pytest.mark.parametrize(("suffix", "reserve"), [(".xl/sx", 0), (".xlsx.", 0), ("\x00", 0), ("\u202e", 0),
                                                 (".xlsx", MAX_NAME_CHARS)],
                         ids=["slash", "trailing_dot", "nul", "rtl_override", "no_room"])
def test_a_callers_mistake_is_a_value_error(suffix, reserve):
    with pytest.raises(ValueError):
        safe_file_name("张三", suffix=suffix, reserve=reserve)


# ---------------------------------------------------------------- collisions

@pytest.mark.parametrize(("texts", "expected"), [
    (["张 三", "张_三"], ["张_三", "张_三_2"]),
    (["张_三", "张 三"], ["张_三", "张_三_2"]),
    (["Con", "CON", "con"], ["Con_", "CON_2", "con_3"]),
    (["张 三", "张_三", "张_三_2"], ["张_三", "张_三_3", "张_三_2"]),  # a name that is free is kept
    (["Zoe\u0301", "ZO\u00c9"], ["Zo\u00e9", "ZO\u00c9_2"]),
    ([".", "", "..", "未填经纪人"], ["未填经纪人", "未填经纪人_2", "未填经纪人_3", "未填经纪人_4"]),
    (["李娜", "李娜"], ["李娜"]),  # one agent, one name
], ids=["space_and_underscore", "underscore_first", "device_case", "free_name_kept", "accent_forms",
        "all_fall_back", "same_text"])
def test_colliding_texts_get_distinct_names(texts, expected):
    assert list(unique_names(texts).values()) == expected


def test_two_long_notes_alike_for_100_characters_get_distinct_names_within_the_limits():
    notes = [NOTE_120, NOTE_120[:100] + "另一条", NOTE_120[:100] + "第三条"]
    names = unique_names(notes, suffix=".xlsx", reserve=STAGING_RESERVE)
    # 240 bytes less 16 reserved characters (48) and ".xlsx" (5) is 187: 62 characters; "_2" costs one.
    assert list(names.values()) == [f"{NOTE_120[:62]}.xlsx", f"{NOTE_120[:61]}_2.xlsx", f"{NOTE_120[:61]}_3.xlsx"]
    for name in names.values():
        assert_valid(name, STAGING_RESERVE)


def test_many_collisions_number_on(tmp_path):
    texts = ["张 三", "张\t三", "张\u3000三", "张_三", "张__三", "张 _ 三", "张\n三", "张\r\n三", "张\u00a0三",
             "张\u2028三", "张\x00三", "张/三"]
    names = unique_names(texts, suffix=".xlsx")
    # A run of spaces or forbidden characters is one "_"; an "_" typed in the text stays.
    assert sorted(names.values()) == sorted(["张_三.xlsx", "张__三.xlsx", "张___三.xlsx"]
                                            + [f"张_三_{n}.xlsx" for n in range(2, 11)])
    for name in names.values():
        (tmp_path / name).write_bytes(b"")
    assert len(list(tmp_path.iterdir())) == len(texts), "no agent's workbook overwrites another's"


# ---------------------------------------------------------------- the writer's names

def test_staging_names_of_a_short_name():
    tmp, parts = staging_names(Path("output") / "客户维护周报_2026-W48.xlsx", 12345)
    assert tmp == Path("output") / ".客户维护周报_2026-W48.12345.tmp.xlsx"
    assert parts == Path("output") / ".客户维护周报_2026-W48.12345.parts"


def test_staging_names_of_an_overlong_name_are_cut_and_told_apart(tmp_path):
    # A name not made by safe_file_name (the writer cannot know): still within the limits.
    first, second = tmp_path / ("王" * 84 + "甲.xlsx"), tmp_path / ("王" * 84 + "乙.xlsx")
    staged = [staging_names(p, BIGGEST_PID) for p in (first, second)]
    for tmp, parts in staged:
        assert_valid(tmp.name)
        assert_valid(parts.name)
        assert tmp.name.startswith(".王王王") and tmp.name.endswith(f".{BIGGEST_PID}.tmp.xlsx")
        tmp.write_bytes(b"")
        parts.mkdir()
    assert staged[0] != staged[1]
    assert staging_names(first, BIGGEST_PID) == staged[0], "the same name stages the same way"


@pytest.mark.parametrize(("stem", "expected"), [
    ("客户维护周报_2026-W48", "客户维护周报_2026-W48（2）.xlsx"),
    ("王" * 90, "王" * 76 + "（2）.xlsx"),  # 240 bytes less "（2）.xlsx" (12 bytes) is 228: 76 characters
], ids=["report", "long_agent"])
def test_a_numbered_name_beside_an_open_workbook_fits(stem, expected):
    path = numbered_path(Path("output") / f"{stem}.xlsx", 2)
    assert path.name == expected
    assert_valid(path.name)


# ---------------------------------------------------------------- any text at all

# Pieces that break names, mixed with any character at all (lone surrogates and controls included).
PIECES = ["CON", "con", "Nul", "COM1", "LPT\u00b9", "CONOUT$", ".", "..", " ", "\t", "_", "~", "~$", "/", "\\", ":",
          "*", "?", '"', "<", ">", "|", "\x00", "\x1f", "\x7f", "\x85", "\u3000", "\u200b", "\u200d", "\u202e",
          "\ufeff", "\u0301", "\ufe0f", "e", "q", "张", "三", "王" * 50, "a" * 60, "😀", "\U0001d160", "\ud800",
          ".txt", ".xlsx", "\u00df", "SS", "\u212b", "\u00c5", "\u0130", "i\u0307"]
any_char = st.characters(exclude_categories=())
hostile_text = st.one_of(
    st.text(any_char, max_size=300),
    st.lists(st.one_of(st.sampled_from(PIECES), st.text(any_char, max_size=3)), max_size=40).map("".join),
)


@settings(max_examples=300, deadline=None)
@given(text=hostile_text, suffix=st.sampled_from(["", ".xlsx", ".txt", "_2.xlsx"]),
       reserve=st.sampled_from([0, 1, 4, STAGING_RESERVE, 40]))
def test_any_text_gives_a_valid_name(text, suffix, reserve):
    name = safe_file_name(text, suffix=suffix, reserve=reserve)
    assert_valid(name, reserve)
    assert name.endswith(suffix)


@settings(max_examples=200, deadline=None)
@given(texts=st.lists(hostile_text, max_size=12))
def test_any_texts_get_names_no_file_system_confuses(texts):
    names = unique_names(texts, suffix=".xlsx", reserve=STAGING_RESERVE)
    assert list(names) == list(dict.fromkeys(texts))
    folded = [unicodedata.normalize("NFD", unicodedata.normalize("NFD", n).casefold()) for n in names.values()]
    assert len(set(folded)) == len(folded), names
    for name in names.values():
        assert_valid(name, STAGING_RESERVE)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("names")


@settings(max_examples=100, deadline=None)
@given(texts=st.lists(hostile_text, min_size=1, max_size=6))
def test_the_os_accepts_any_names_and_their_staging_names(scratch, texts):
    folder = Path(tempfile.mkdtemp(dir=scratch))
    names = unique_names(texts, suffix=".xlsx", reserve=STAGING_RESERVE)
    for name in names.values():
        path = folder / name
        path.write_bytes(b"PK")
        tmp, parts = staging_names(path, BIGGEST_PID)
        tmp.write_bytes(b"PK")
        parts.mkdir()
    assert len(list(folder.iterdir())) == 3 * len(names)
