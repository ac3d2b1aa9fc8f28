"""The sample generator writes realistic, messy, reproducible registers."""

from __future__ import annotations

import csv
import datetime as dt
import re
import tomllib
import unicodedata
from pathlib import Path

import openpyxl
import pytest

from crm_batch import sample
from crm_batch.sample import CARD_FILE, LOG_ENCODING, LOG_FILE, REGISTER_FILE, generate, main

TODAY = dt.date(2026, 11, 26)  # a Thursday: the plan week is 2026-11-23 … 11-29
WEEK_START = dt.date(2026, 11, 23)
CUSTOMERS = 60
PRESETS = ["real_estate", "auto_dealer"]
PRESET_DIR = Path(sample.__file__).parents[1] / "presets"


def _generate(folder: Path, preset: str, **options) -> list[Path]:
    return generate(folder, customers=CUSTOMERS, preset=preset, today=TODAY, **options)


@pytest.fixture(scope="module", params=PRESETS)
def messy(request, tmp_path_factory) -> tuple[str, list[Path]]:
    folder = tmp_path_factory.mktemp(f"messy_{request.param}")
    return request.param, _generate(folder, request.param)


@pytest.fixture(scope="module", params=PRESETS)
def clean(request, tmp_path_factory) -> tuple[str, list[Path]]:
    folder = tmp_path_factory.mktemp(f"clean_{request.param}")
    return request.param, _generate(folder, request.param, messy=False)


def _values(path: Path) -> dict[str, list[tuple]]:
    book = openpyxl.load_workbook(path)
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book}


def _header_index(rows: list[tuple], wanted: str) -> int:
    return next(i for i, row in enumerate(rows) if wanted in row)


def _column(rows: list[tuple], header: str) -> list:
    at = _header_index(rows, header)
    col = rows[at].index(header)
    return [row[col] for row in rows[at + 1:] if len(row) > col]


def _log_rows(path: Path) -> list[list[str]]:
    with open(path, encoding=LOG_ENCODING, newline="") as handle:
        return list(csv.reader(handle))


# ---------------------------------------------------------------- files and sheets


def test_writes_the_three_registers(messy):
    _, paths = messy
    assert [p.name for p in paths] == [REGISTER_FILE, CARD_FILE, LOG_FILE]
    assert all(p.exists() and p.stat().st_size > 0 for p in paths)


def test_register_workbook_has_customers_contacts_events_and_a_stray_sheet(messy):
    preset, paths = messy
    names = list(_values(paths[0]))
    assert names == [*sample.PRESETS[preset].sheet_names, "说明"]


def test_log_is_gb18030_not_utf8(messy):
    raw = messy[1][2].read_bytes()
    text = raw.decode("gb18030")
    assert any(ord(ch) > 127 for ch in text)
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")


def test_customer_sheet_has_noisy_header_under_a_title(messy):
    preset, paths = messy
    rows = _values(paths[0])[sample.PRESETS[preset].sheet_names[0]]
    header = _header_index(rows, "客户姓名(必填)")
    assert header == 2
    assert rows[0][0] == "2026年11月客户来访登记表" or "2026年11月" in rows[0][0]
    data = [r for r in rows[header + 1:] if r[0] is not None and isinstance(r[0], int)]
    assert len(data) >= 0.6 * CUSTOMERS
    assert any(str(r[0]).startswith("制表人") for r in rows[header + 1:] if r[0])


def test_card_has_merged_group_labels_over_sub_columns(messy):
    preset, paths = messy
    sheet = openpyxl.load_workbook(paths[1]).active
    groups = sorted((r for r in sheet.merged_cells.ranges
                     if r.min_row == r.max_row == 2 and r.size["columns"] == 4),
                    key=lambda r: r.min_col)
    labels = [sheet.cell(2, r.min_col).value for r in groups]
    assert labels == list(sample.PRESETS[preset].card_groups)
    assert [sheet.cell(3, groups[0].min_col + i).value for i in range(4)] == [
        "日期", "级别判定", "洽谈内容", "下次访问时间"]
    rows = sheet.max_row - 3
    assert 5 <= rows <= CUSTOMERS // 5


def _phone_key(value: object) -> str | None:
    """The first mobile number in a cell, however it is written."""
    text = re.sub(r"[\s-]", "", unicodedata.normalize("NFKC", str(value or "")))
    found = re.search(r"1\d{10}", text)
    return found.group() if found else None


def test_each_file_holds_its_own_customers(messy):
    preset, paths = messy
    p = sample.PRESETS[preset]
    register = _column(_values(paths[0])[p.sheet_names[0]], _header(preset, "phone"))
    card = [row[3] for row in openpyxl.load_workbook(paths[1]).active.iter_rows(
        min_row=4, values_only=True)]
    log = [row[1] for row in _log_rows(paths[2])[1:]]
    phones = [{_phone_key(v) for v in values} - {None} for values in (register, card, log)]
    assert len(phones[1]) >= 5 and len(phones[2]) >= 5
    assert not phones[0] & phones[1] and not phones[0] & phones[2] and not phones[1] & phones[2]


# ---------------------------------------------------------------- headers


def _clean_header(text: str) -> str:
    """Drop spaces, line breaks, notes in brackets and a legend after a colon."""
    text = re.sub(r"\s+", "", text)
    text = re.sub(r"[:：].*$", "", text)
    return re.sub(r"[(（].*?[)）]", "", text)


def _known_spellings() -> set[str]:
    rules = tomllib.loads((PRESET_DIR / "real_estate.toml").read_text(encoding="utf-8"))
    words = {w for ws in rules["headers"].values() for w in ws}
    words |= {w for ws in rules["headers_ignore"].values() for w in ws}
    return {_clean_header(w) for w in words}


@pytest.mark.parametrize("preset", PRESETS)
def test_every_header_is_a_spelling_from_the_rules(preset):
    known = _known_spellings()
    p = sample.PRESETS[preset]
    headers = [h for _, h in p.customer_columns]
    headers += [*p.contact_headers, *p.event_headers, *p.log_headers, *sample._CARD_HEADERS,
                *sample._CARD_SUB_HEADERS]
    unknown = [h for h in headers if _clean_header(h) not in known]
    assert unknown == []


@pytest.mark.parametrize("preset", PRESETS)
def test_headers_vary_between_files(preset):
    p = sample.PRESETS[preset]
    name_spellings = {_header(preset, "name"), p.contact_headers[1], sample._CARD_HEADERS[1],
                      p.log_headers[0]}
    agent_spellings = {_header(preset, "agent"), p.contact_headers[3], sample._CARD_HEADERS[4],
                       p.log_headers[2]}
    assert len(name_spellings) >= 3 and len(agent_spellings) >= 3


def test_customer_header_carries_the_traps(messy):
    preset, paths = messy
    rows = _values(paths[0])[sample.PRESETS[preset].sheet_names[0]]
    header = [h for h in rows[2] if h]
    assert "序号" in header
    assert any("电话" in h and h != _header(preset, "phone")
               for h in header)  # a staff phone
    assert any(h in ("来访人数", "随行人数") for h in header)
    assert any("\n" in h for h in header)


# ---------------------------------------------------------------- determinism


def test_same_seed_gives_the_same_cells(tmp_path):
    first = _generate(tmp_path / "a", "real_estate", seed=11)
    second = _generate(tmp_path / "b", "real_estate", seed=11)
    for a, b in zip(first[:2], second[:2], strict=True):
        assert _values(a) == _values(b)
    assert first[2].read_bytes() == second[2].read_bytes()


def test_committed_sample_data_is_what_the_generator_writes(tmp_path):
    """Golden files: sample_data/make_samples.py's arguments rewrite the same cells."""
    golden = Path(__file__).parents[1] / "sample_data"
    paths = generate(tmp_path, customers=200, seed=7, today=dt.date(2026, 11, 23))
    for path in paths[:2]:
        assert _values(path) == _values(golden / path.name), path.name
    assert paths[2].read_bytes() == (golden / LOG_FILE).read_bytes()


def test_another_seed_gives_other_cells(tmp_path):
    first = _generate(tmp_path / "a", "real_estate", seed=1)
    second = _generate(tmp_path / "b", "real_estate", seed=2)
    assert _values(first[0]) != _values(second[0])


def test_streamed_workbook_matches_the_ordinary_one(tmp_path, monkeypatch):
    ordinary = _generate(tmp_path / "a", "auto_dealer")
    monkeypatch.setattr(sample.write, "CONSTANT_MEMORY_ROWS", 0)  # where _Book reads it
    streamed = _generate(tmp_path / "b", "auto_dealer")
    assert _values(streamed[0]) == _values(ordinary[0])


# ---------------------------------------------------------------- messiness


def _header(preset: str, key: str) -> str:
    return dict(sample.PRESETS[preset].customer_columns)[key]


def _customer_rows(preset: str, paths: list[Path]) -> tuple[tuple, list[tuple]]:
    rows = _values(paths[0])[sample.PRESETS[preset].sheet_names[0]]
    return rows[2], [r for r in rows[3:] if isinstance(r[0], int)]


def test_some_rows_are_shifted_right_by_a_garbled_cell(messy):
    preset, paths = messy
    header, rows = _customer_rows(preset, paths)
    name = header.index("客户姓名(必填)")
    shifted = [r for r in rows if r[name] in sample._GARBLED]
    assert 2 <= len(shifted) <= 3
    # Every later value sits one column off: the name is under the gender header.
    assert all(isinstance(r[name + 1], str) and len(r[name + 1]) >= 2 for r in shifted)


def test_phones_come_in_many_written_forms(messy):
    preset, paths = messy
    header, rows = _customer_rows(preset, paths)
    phones = [r[header.index(_header(preset, "phone"))] for r in rows]
    texts = [p for p in phones if isinstance(p, str)]
    assert any(isinstance(p, (int, float)) and p > 10**10 for p in phones)  # a number cell
    assert any(re.search("[０-９]", p) for p in texts)
    assert any(p.startswith("+86") for p in texts)
    assert any(p.endswith("\t") for p in texts)
    assert any("/" in p for p in texts)
    assert any(p == "无" or len(p) == 7 for p in texts)
    names = [r[header.index("客户姓名(必填)")] for r in rows]
    assert any(isinstance(n, str) and re.search(r"\d{11}$", n) for n in names)


def test_a_formula_like_name_stays_text(messy):
    preset, paths = messy
    sheet = openpyxl.load_workbook(paths[0])[sample.PRESETS[preset].sheet_names[0]]
    cells = [c for row in sheet.iter_rows(min_row=4, max_col=4) for c in row
             if isinstance(c.value, str) and c.value.startswith("=HYPERLINK")]
    assert cells and all(c.data_type == "s" for c in cells)


def test_dates_are_written_in_every_common_form(messy):
    preset, paths = messy
    header, rows = _customer_rows(preset, paths)
    dates = [r[header.index("进店或来\n电时间")] for r in rows]
    texts = [d for d in dates if isinstance(d, str)]
    assert any(isinstance(d, dt.datetime) for d in dates)
    assert any(isinstance(d, int) for d in dates)  # a serial that lost its date format
    for pattern in (r"^\d{4}/\d{1,2}/\d{1,2}$", r"^\d{4}年\d{1,2}月\d{1,2}日$",
                    r"^\d{1,2}月\d{1,2}日$", r"^\d{8}$", r"^\d{4}-\d{2}-\d{2}$"):
        assert any(re.match(pattern, t) for t in texts), pattern


def test_genders_marks_and_grades_come_in_variants(messy):
    preset, paths = messy
    header, rows = _customer_rows(preset, paths)
    col = {h.split("：")[0].split("\n")[0]: i for i, h in enumerate(header) if h}
    genders = {r[col["性别"]] for r in rows}
    assert {"男", "女"} & genders and {"先生", "女士"} & genders and {"M", "F"} & genders
    assert {1, 2} & genders
    marks = {r[col[h]] for r in rows for h in ("认同产品", "认同价格")}
    assert "是" in marks and marks & {"√", "✓", "Y", 1, "有"}
    assert marks & {"否", "×", "无", "N", 0}
    grade_col = next(i for i, h in enumerate(header)
                     if h and h.startswith(("意向等级", "意向级别")))
    grades = {r[grade_col] for r in rows if r[grade_col]}
    assert any(g.endswith("类") for g in grades)
    assert any(re.match(r"^.类\(.+\)$", g) for g in grades)
    assert any(g.islower() for g in grades)


def test_the_same_customer_is_registered_twice_and_a_phone_under_two_agents(messy):
    preset, paths = messy
    header, rows = _customer_rows(preset, paths)
    phone_col = header.index(_header(preset, "phone"))
    agent_col = header.index(_header(preset, "agent"))
    by_phone: dict[str, set] = {}
    counts: dict[str, int] = {}
    for r in rows:
        key = _phone_key(r[phone_col])
        if key and r[header.index("客户姓名(必填)")] not in sample._GARBLED:
            by_phone.setdefault(key, set()).add(r[agent_col].strip())
            counts[key] = counts.get(key, 0) + 1
    repeated = [k for k, n in counts.items() if n > 1]
    assert any(len(by_phone[k]) == 1 for k in repeated)  # same agent twice
    assert any(len(by_phone[k]) == 2 for k in repeated)  # ownership conflict


def test_contacts_are_sorted_and_include_unlinkable_and_fake_ones(messy):
    preset, paths = messy
    p = sample.PRESETS[preset]
    rows = _values(paths[0])[p.sheet_names[1]]
    assert rows[1] == p.contact_headers
    body = rows[2:]
    ids = {unicodedata.normalize("NFKC", r[1]) for r in _values(paths[0])[p.sheet_names[0]][3:]
           if isinstance(r[0], int)}
    assert any(r[0] and r[0] not in ids for r in body)  # a 客户编号 nobody registered
    assert any(r[8] == "虚假跟进" for r in body)
    assert any(r[8] == "虚假战败" for r in body)
    when = [r[4] for r in body if isinstance(r[4], dt.datetime)]
    assert when == sorted(when)
    assert all(TODAY - dt.timedelta(days=sample.CONTACT_WINDOW_DAYS) <= w.date() <= TODAY
               for w in when)
    week = {WEEK_START + dt.timedelta(days=i) for i in range(7)}
    assert any(isinstance(r[7], dt.datetime) and r[7].date() in week for r in body)
    short = [r[6] for r in body if r[6] in sample._SHORT_CONTENTS]
    assert short
    pasted = [r[6] for r in body if r[6] in p.copy_paste]
    assert len(pasted) >= 2


def test_some_contacts_fall_on_holidays_with_a_greeting(messy):
    preset, paths = messy
    body = _values(paths[0])[sample.PRESETS[preset].sheet_names[1]][2:]
    assert any(isinstance(r[6], str) and "祝福" in r[6] for r in body)


def test_events_fall_this_week_and_last(messy):
    preset, paths = messy
    rows = _values(paths[0])[sample.PRESETS[preset].sheet_names[2]]
    assert rows[0] == sample.PRESETS[preset].event_headers
    assert 3 <= len(rows) - 1 <= 6
    dates = [r[1].date() for r in rows[1:] if isinstance(r[1], dt.datetime)]
    assert any(WEEK_START <= d <= WEEK_START + dt.timedelta(days=6) for d in dates)
    assert any(WEEK_START - dt.timedelta(days=7) <= d < WEEK_START for d in dates)


def test_birthdays_include_lunar_text_and_this_week(messy):
    preset, paths = messy
    header, rows = _customer_rows(preset, paths)
    birthday = header.index(_header(preset, "birthday"))
    values = [r[birthday] for r in rows if r[header.index("客户姓名(必填)")] not in sample._GARBLED]
    texts = [v for v in values if isinstance(v, str)]
    assert any("农历" in t or "闰" in t for t in texts)
    week = {(d.month, d.day) for d in (WEEK_START + dt.timedelta(days=i) for i in range(14))}
    assert any(isinstance(v, dt.datetime) and (v.month, v.day) in week for v in values)


# ---------------------------------------------------------------- clean mode


def test_clean_registers_use_canonical_single_row_headers(clean):
    preset, paths = clean
    values = _values(paths[0])
    p = sample.PRESETS[preset]
    assert list(values) == list(p.sheet_names)
    header = values[p.sheet_names[0]][0]
    labels = {f.label for f in sample.FIELDS.values()}
    assert set(header) <= labels
    assert values[p.sheet_names[1]][0][:3] == ("客户编号", "客户姓名", "联系电话")
    card = list(openpyxl.load_workbook(paths[1]).active.iter_rows(values_only=True))
    assert card[0][:2] == ("客户编号", "客户姓名") and "第1次跟进日期" in card[0]
    assert _log_rows(paths[2])[0][:2] == ["客户姓名", "联系电话"]


def test_clean_values_are_tidy(clean):
    preset, paths = clean
    rows = _values(paths[0])[sample.PRESETS[preset].sheet_names[0]]
    header, body = rows[0], rows[1:]
    phones = [r[header.index("联系电话")] for r in body]
    assert all(isinstance(p, str) and re.fullmatch(r"1\d{10}", p) for p in phones)
    assert all(isinstance(r[header.index("登记日期")], dt.datetime) for r in body)
    assert {r[header.index("性别")] for r in body} <= {"男", "女", None}
    assert {r[header.index("认同产品")] for r in body} <= {"是", "否", "部分", None}
    levels = set(sample.PRESETS[preset].grades)
    assert {r[header.index("意向等级")] for r in body} <= levels | {None}
    assert len({r[header.index("联系电话")] for r in body}) == len(body)  # no duplicates


# ---------------------------------------------------------------- sizes and CLI


@pytest.mark.parametrize("customers", [1, 7, 30])
def test_small_sizes_still_write_every_file(tmp_path, customers):
    paths = generate(tmp_path, customers=customers, today=TODAY)
    assert all(p.exists() for p in paths)


def test_contacts_scale_with_contacts_per_customer(tmp_path):
    few = generate(tmp_path / "few", customers=200, contacts_per_customer=1, today=TODAY)
    many = generate(tmp_path / "many", customers=200, contacts_per_customer=8, today=TODAY)
    count = [len(_values(p[0])["跟进记录"]) for p in (few, many)]
    assert count[1] > 4 * count[0]


def test_bad_arguments_are_refused(tmp_path):
    with pytest.raises(ValueError, match="客户数"):
        generate(tmp_path, customers=0)
    with pytest.raises(ValueError, match="预设"):
        generate(tmp_path, preset="bakery")


def test_cli_writes_and_lists_the_files(tmp_path, capsys):
    out = tmp_path / "样例"
    code = main(["--out", str(out), "--customers", "30", "--preset", "auto_dealer",
                 "--today", "2026-11-26", "--clean"])
    assert code == 0
    printed = capsys.readouterr().out
    assert printed.splitlines()[0] == "已生成 3 个示例登记表（汽车4S店，30 个客户，规范数据）："
    assert all(str(out / name) in printed for name in (REGISTER_FILE, CARD_FILE, LOG_FILE))


@pytest.mark.parametrize(("argv", "message"), [
    (["--today", "26/11/2026"], "YYYY-MM-DD"),
    (["--customers", "0"], "正整数"),
    (["--contacts-per-customer", "-1"], "不小于 0"),
], ids=["bad-date", "no-customers", "negative-contacts"])
def test_cli_rejects_bad_options_in_chinese(argv, message, capsys):
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2
    assert message in capsys.readouterr().err
