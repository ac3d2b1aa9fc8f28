"""The generator's profiles: another office's headers over the same cells, and a real office's log.

These tests check the generated files only; how the reader copes with them is
the reader's own tests' business.
"""

from __future__ import annotations

import collections
import csv
import datetime as dt
import re
import statistics
import tomllib
from pathlib import Path

import openpyxl
import pytest

from crm_batch.fields import FIELDS
from crm_batch.ingest.headers import clean_header
from crm_batch.sample import (
    _GARBLED,
    LOG_ENCODING,
    OFFICE_LOG_FILE,
    OFFICE_LOG_HEADERS,
    OTHER_OFFICE_HEADERS,
    OTHER_OFFICE_TRAPS,
    OfficeLogSize,
    generate,
    main,
)
from crm_batch.sample.office_log import DEAL_WORDS, INVALID_WORDS, OFFICE_LOG_METHODS, OUT_WORDS

TODAY = dt.date(2026, 11, 23)  # a Monday
CUSTOMERS = 60
PRESET_FILE = Path(__file__).parents[1] / "crm_batch" / "presets" / "real_estate.toml"
ESSENTIAL = ("customer_id", "name", "phone", "agent", "registered_at", "grade", "contact_at", "method",
             "content", "next_contact_at")
# Spellings that clean to ANOTHER field's synonym, kept because offices really write them.
LOOK_ALIKES = {"日期": "registered_at", "联系方式(电话/微信/到访)": "phone", "生日(农历)": "birthday"}
LUNAR_TEXT = re.compile(r"^闰?(正|二|三|四|五|六|七|八|九|十|十一|十二)月(初.|十|廿.|二十|三十|十.)$")


def _values(path: Path) -> dict[str, list[tuple]]:
    if path.suffix == ".csv":
        with open(path, encoding=LOG_ENCODING, newline="") as handle:
            return {"csv": [tuple(row) for row in csv.reader(handle)]}
    book = openpyxl.load_workbook(path)
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book}


def _header_rows(messy: bool) -> dict[str, tuple[int, ...]]:
    """Where the headers sit, per sheet (the card's messy header is two rows)."""
    if messy:
        return {"客户档案": (2,), "跟进记录": (1,), "营销活动": (0,), "说明": (), "意向客户管理卡": (1, 2),
                "csv": (0,)}
    return {"客户档案": (0,), "跟进记录": (0,), "营销活动": (0,), "意向客户管理卡": (0,), "csv": (0,)}


@pytest.fixture(scope="module")
def standard(tmp_path_factory) -> dict[bool, list[Path]]:
    return {messy: generate(tmp_path_factory.mktemp(f"standard_{messy}"), customers=CUSTOMERS,
                            today=TODAY, messy=messy) for messy in (True, False)}


@pytest.fixture(scope="module", params=[(m, s) for m in (True, False) for s in (1, 2, 3, 4)],
                ids=lambda p: f"{'messy' if p[0] else 'clean'}-header_seed{p[1]}")
def office(request, tmp_path_factory) -> tuple[bool, int, list[Path]]:
    messy, header_seed = request.param
    folder = tmp_path_factory.mktemp(f"office_{messy}_{header_seed}")
    return messy, header_seed, generate(folder, customers=CUSTOMERS, today=TODAY, messy=messy,
                                        profile="other_office", header_seed=header_seed)


_LUNAR_HEADERS = {s for s in OTHER_OFFICE_HEADERS["birthday"] if "农历" in s or "阴历" in s}


def _is_lunar_header(text: object) -> bool:
    return isinstance(text, str) and text.replace("\n", "") in _LUNAR_HEADERS


def _birthday_columns(header: tuple) -> tuple[int, int] | None:
    """(solar, lunar) columns when the office folds 生日类型 into a 农历生日 header."""
    lunar = [i for i, h in enumerate(header) if _is_lunar_header(h)]
    return (lunar[0] - 1, lunar[0]) if lunar else None


# ---------------------------------------------------------------- other_office: same cells


def test_other_office_writes_the_same_cells_under_other_headers(standard, office):
    messy, _, paths = office
    header_rows = _header_rows(messy)
    for ours, theirs in zip(standard[messy], paths, strict=True):
        assert ours.name == theirs.name
        before, after = _values(ours), _values(theirs)
        assert list(before) == list(after)
        for sheet, rows in before.items():
            assert len(rows) == len(after[sheet]), sheet
            skip = set(header_rows[sheet])
            folded = _birthday_columns(after[sheet][2 if messy else 0]) if sheet == "客户档案" else None
            for i, (a, b) in enumerate(zip(rows, after[sheet], strict=True)):
                if i in skip:
                    continue
                if folded:  # checked in test_lunar_birthday_header_folds_the_type_column
                    shift = 1 if any(v in _GARBLED for v in a) else 0  # a row shifted by a garbled cell
                    cols = {folded[0] + shift, folded[1] + shift}
                    a = tuple(v for j, v in enumerate(a) if j not in cols)
                    b = tuple(v for j, v in enumerate(b) if j not in cols)
                assert a == b, (ours.name, sheet, i)


def test_other_office_headers_differ_from_the_standard_ones(standard, office):
    messy, _, paths = office
    for ours, theirs in zip(standard[messy], paths, strict=True):
        before, after = _values(ours), _values(theirs)
        for sheet in before:
            for i in _header_rows(messy)[sheet]:
                pairs = [(a, b) for a, b in zip(before[sheet][i], after[sheet][i], strict=True) if a]
                same = {a for a, b in pairs if a == b}
                # Only look-alike columns (序号, 来访人数) and the card's 初次/二次… may keep their names.
                everyday = {s for spellings in OTHER_OFFICE_TRAPS.values() for s in spellings}
                assert same <= everyday | {"初次", "二次", "三次", "四次"}, (theirs.name, sheet, same)


def test_header_seed_draws_other_spellings_for_the_same_data(tmp_path):
    def header(seed: int | None) -> tuple:
        paths = generate(tmp_path / str(seed), customers=CUSTOMERS, today=TODAY, messy=False,
                         profile="other_office", header_seed=seed)
        return _values(paths[0])["跟进记录"][0]

    spellings = {header(seed) for seed in range(6)}
    assert len(spellings) >= 5
    assert header(None) == header(7)  # the default header seed is the seed


def test_lunar_birthday_header_folds_the_type_column(tmp_path, standard):
    std = _values(standard[False][0])["客户档案"]
    type_col, birthday_col = std[0].index("生日类型"), std[0].index("生日")
    lunar_rows = {i for i, r in enumerate(std) if r[type_col] == "农历"}
    solar_rows = {i for i, r in enumerate(std) if r[type_col] == "公历"}
    assert lunar_rows and solar_rows
    folded = None
    for seed in range(40):
        paths = generate(tmp_path / str(seed), customers=CUSTOMERS, today=TODAY, messy=False,
                         profile="other_office", header_seed=seed)
        rows = _values(paths[0])["客户档案"]
        folded = _birthday_columns(rows[0])
        if folded:
            break
    assert folded, "no header seed in 0..39 drew a lunar birthday header"
    solar, lunar = folded
    assert (solar, lunar) == (birthday_col, type_col)
    assert not any(h in OTHER_OFFICE_HEADERS["birthday_type"] for h in rows[0])
    for i in range(1, len(rows)):
        if i in lunar_rows:
            assert rows[i][solar] is None and LUNAR_TEXT.match(rows[i][lunar]), rows[i][lunar]
        else:
            assert rows[i][solar] == std[i][birthday_col] and rows[i][lunar] is None


@pytest.mark.parametrize("header_seed", [1, 2, 3, 4])
def test_other_office_keeps_the_look_alike_columns(tmp_path, header_seed):
    paths = generate(tmp_path, customers=CUSTOMERS, today=TODAY, profile="other_office",
                     header_seed=header_seed)
    header = _values(paths[0])["客户档案"][2]
    texts = {h.replace("\n", "") for h in header if h}
    for trap, spellings in OTHER_OFFICE_TRAPS.items():
        assert texts & set(spellings), trap


# ---------------------------------------------------------------- other_office: the vocabulary


def _rules() -> dict:
    return tomllib.loads(PRESET_FILE.read_text(encoding="utf-8"))


def _synonyms() -> dict[str, str]:
    """Every spelling the reader matches exactly, cleaned as it cleans them, → its field."""
    found: dict[str, str] = {}
    for field, words in _rules()["headers"].items():
        for word in [FIELDS[field].label, *words]:
            found.setdefault(clean_header(word), field)
    return found


def _exact_match(spelling: str) -> str | None:
    """The field the reader's synonym table gives a header, prefixes (客户…) stripped too."""
    synonyms, cleaned = _synonyms(), clean_header(spelling)
    prefixes = [clean_header(p) for p in _rules()["ingest"]["header_prefixes"]]
    for candidate in [cleaned, *(cleaned.removeprefix(p) for p in prefixes if cleaned.startswith(p))]:
        if candidate in synonyms:
            return synonyms[candidate]
    return None


def test_the_vocabulary_covers_every_field():
    assert set(OTHER_OFFICE_HEADERS) == set(FIELDS)
    short = {key: len(set(spellings)) for key, spellings in OTHER_OFFICE_HEADERS.items()
             if len(set(spellings)) < (6 if key in ESSENTIAL else 5)}
    assert short == {}
    assert set(OTHER_OFFICE_TRAPS) == {"seq", "staff_phone", "party_size"}


@pytest.mark.parametrize("field", ESSENTIAL)
def test_essential_spellings_are_not_in_the_synonym_table(field):
    hits = {s: _exact_match(s) for s in OTHER_OFFICE_HEADERS[field]}
    assert {s: f for s, f in hits.items() if f == field} == {}  # never found by exact match
    assert {s: f for s, f in hits.items() if f and LOOK_ALIKES.get(s) != f} == {}


def test_other_spellings_avoid_the_synonym_table_too():
    hits = {s: _exact_match(s) for key, spellings in OTHER_OFFICE_HEADERS.items() if key not in ESSENTIAL
            for s in spellings}
    assert {s: f for s, f in hits.items() if f and LOOK_ALIKES.get(s) != f} == {}


def test_no_two_fields_share_a_spelling():
    owner: dict[str, str] = {}
    clashes = []
    for key, spellings in {**OTHER_OFFICE_HEADERS, **OTHER_OFFICE_TRAPS}.items():
        for spelling in spellings:
            cleaned = clean_header(spelling)
            if owner.setdefault(cleaned, key) != key:
                clashes.append((spelling, key, owner[cleaned]))
    assert clashes == []


# ---------------------------------------------------------------- office_log


@pytest.fixture(scope="module")
def office_log(tmp_path_factory) -> list[tuple]:
    paths = generate(tmp_path_factory.mktemp("office_log"), profile="office_log", today=TODAY)
    assert [p.name for p in paths] == [OFFICE_LOG_FILE]
    sheets = _values(paths[0])
    assert len(sheets) == 1
    return next(iter(sheets.values()))


def _phone_key(cell: object) -> str:
    return re.search(r"1\d{10}", str(cell)).group()


def _day(cell: object) -> dt.date:
    if isinstance(cell, dt.datetime):
        return cell.date()
    year, month, day = map(int, str(cell).split()[0].split("/"))
    return dt.date(year, month, day)


def _by_customer(rows: list[tuple]) -> dict[str, list[tuple]]:
    found = collections.defaultdict(list)
    for row in rows:
        found[_phone_key(row[2])].append(row)
    return found


def _last_rows(rows: list[tuple]) -> dict[str, tuple]:
    return {key: max(group, key=lambda r: r[0]) for key, group in _by_customer(rows).items()}


def test_office_log_is_one_sheet_with_ordinary_headers(office_log):
    assert office_log[0] == OFFICE_LOG_HEADERS
    assert [r[0] for r in office_log[1:]] == list(range(1, len(office_log)))


def test_office_log_sizes_are_near_the_defaults(office_log):
    rows, size = office_log[1:], OfficeLogSize()
    assert len(rows) == size.rows == 8000
    assert len(_by_customer(rows)) == size.customers == 3200
    assert 15 <= len({r[3] for r in rows}) == size.agents <= 20
    days = sorted({_day(r[5]) for r in rows})
    assert days[-1] == TODAY and (days[-1] - days[0]).days == size.days - 1


def test_no_sms_only_the_office_methods(office_log):
    methods = collections.Counter(r[6] for r in office_log[1:])
    assert set(methods) == set(OFFICE_LOG_METHODS)
    assert "短信" not in methods and not any("短信" in str(r[7]) for r in office_log[1:])


@pytest.mark.parametrize("festival", [dt.date(2026, 9, 25), dt.date(2026, 10, 1), dt.date(2026, 10, 18)],
                         ids=["中秋", "国庆", "重阳"])
def test_festivals_show_no_rise_in_contacts(office_log, festival):
    daily = collections.Counter(_day(r[5]) for r in office_log[1:])
    alike = [n for d, n in daily.items() if (d.weekday() >= 5) == (festival.weekday() >= 5)]
    assert daily[festival] <= 1.25 * statistics.median(alike)


def test_grades_are_written_the_office_way(office_log):
    grades = collections.Counter(r[4] for r in office_log[1:])
    assert set(grades) == {"A类(购买)", "B类(意向)", "C类(观望)", "D类(无效)", "A", "B"}
    assert grades["A"] + grades["B"] < 0.1 * sum(grades.values())


def test_one_agent_hands_customers_over_to_another(office_log):
    moves = collections.Counter()
    for group in _by_customer(office_log[1:]).values():
        agents = [r[3] for r in sorted(group, key=lambda r: r[0])]
        moves.update({(a, b) for a, b in zip(agents, agents[1:], strict=False) if a != b})
    (leaver, receiver), handed = moves.most_common(1)[0]
    assert handed >= 20 and len(moves) == 1
    last_of_leaver = max(_day(r[5]) for r in office_log[1:] if r[3] == leaver)
    assert last_of_leaver < TODAY - dt.timedelta(days=20)  # then the leaver is gone


def test_two_phones_in_one_cell_repeat_on_every_row(office_log):
    two = {key: group for key, group in _by_customer(office_log[1:]).items()
           if re.fullmatch(r"1\d{10}[/ ]1\d{10}", str(group[0][2]))}
    assert 0.02 * 3200 <= len(two) <= 0.05 * 3200
    assert any("/" in g[0][2] for g in two.values()) and any(" " in g[0][2] for g in two.values())
    assert all(len({r[2] for r in group}) == 1 for group in two.values())
    assert any(len(group) > 1 for group in two.values())


@pytest.mark.parametrize(("words", "grades", "least"), [
    (INVALID_WORDS, {"D类(无效)"}, 0.03),
    (OUT_WORDS, {"C类(观望)", "D类(无效)"}, 0.05),
    (DEAL_WORDS, {"A类(购买)"}, 0.02),
], ids=["invalid", "out", "deal"])
def test_last_notes_use_the_office_words_with_a_matching_grade(office_log, words, grades, least):
    starts = tuple(w.split(" ")[0] for w in words)
    closing = [r for r in _last_rows(office_log[1:]).values() if str(r[7]).startswith(starts)]
    assert len(closing) >= least * 3200
    assert {r[4] for r in closing} <= grades
    assert {r[7].split(" ")[0] for r in closing} == set(starts)
    assert all(r[8] is None for r in closing)  # nothing planned after 空号/不买了/已认购


def test_deal_notes_name_a_unit(office_log):
    notes = [r[7] for r in office_log[1:] if str(r[7]).startswith(("已认购", "已签约"))]
    assert notes and all(re.fullmatch(r"已(认购|签约) \d{1,2}-\d{3,4}", n) for n in notes)


def test_missed_appointments_are_about_30_percent_of_customers(office_log):
    last = _last_rows(office_log[1:])
    missed = [r for r in last.values() if r[8] is not None and _day(r[8]) < TODAY]
    assert 0.27 <= len(missed) / len(last) <= 0.33
    assert not any(r[4] == "D类(无效)" for r in missed)  # a written-off lead has no appointment
    planned = sum(r[8] is not None for r in office_log[1:])
    assert planned >= 0.3 * (len(office_log) - 1)


def test_earlier_appointments_were_kept_by_a_later_contact(office_log):
    for group in _by_customer(office_log[1:]).values():
        group = sorted(group, key=lambda r: r[0])
        for row, following in zip(group, group[1:], strict=False):
            if row[8] is not None:
                assert _day(row[8]) <= _day(following[5])


def test_names_are_mostly_full_names_with_the_usual_exceptions(office_log):
    names = [r[1] for r in _last_rows(office_log[1:]).values()]
    full = [n for n in names if isinstance(n, str) and re.fullmatch(r"[\u4e00-\u9fff]{2,4}", n)
            and n[-1] not in "哥姐" and not n.endswith(("先生", "女士")) and n != "未知"]
    assert len(full) >= 0.8 * len(names)
    assert names.count("未知") >= 10
    assert sum(isinstance(n, str) and len(n) == 2 and n[1] in "哥姐" for n in names) >= 10
    assert {"哥", "姐"} & set(names)
    assert any(isinstance(n, str) and re.search(r"\(.+\)$", n) for n in names)  # 张伟(朋友介绍)
    assert any(isinstance(n, str) and re.fullmatch(r".先生 看了两次", n) for n in names)
    assert sum(isinstance(n, int) for n in names) >= 10  # only the phone's last digits


def test_a_few_agents_hold_3_to_4_times_the_median(office_log):
    owners = collections.Counter(r[3] for r in _last_rows(office_log[1:]).values())
    median = statistics.median(owners.values())
    busy = [n for n in owners.values() if n >= 3 * median]
    assert 2 <= len(busy) <= 4 and max(busy) <= 4.5 * median


def test_some_a_customers_were_not_contacted_for_a_month(office_log):
    a_last = [_day(r[5]) for r in _last_rows(office_log[1:]).values() if r[4] in ("A类(购买)", "A")]
    stale = [d for d in a_last if (TODAY - d).days > 31]
    assert 0.15 <= len(stale) / len(a_last) <= 0.5


def test_dates_are_mostly_cells_some_typed_text(office_log):
    when = [r[5] for r in office_log[1:]]
    typed = [w for w in when if isinstance(w, str)]
    assert 0.02 * len(when) <= len(typed) <= 0.1 * len(when)
    assert all(re.fullmatch(r"\d{4}/\d{1,2}/\d{1,2} \d{1,2}:\d{2}", t) for t in typed)
    cells = [w for w in when if isinstance(w, dt.datetime)]
    assert cells == sorted(cells)


def test_a_log_end_before_today_ends_the_data_inside_the_week(tmp_path):
    today, end = dt.date(2026, 11, 26), dt.date(2026, 11, 24)
    paths = generate(tmp_path, profile="office_log", today=today, log_end=end, customers=300, agents=6,
                     rows=900, days=30)
    rows = next(iter(_values(paths[0]).values()))[1:]
    days = {_day(r[5]) for r in rows}
    assert len(rows) == 900 and len(_by_customer(rows)) == 300 and len({r[3] for r in rows}) == 6
    assert max(days) == end and min(days) == end - dt.timedelta(days=29)


def test_office_log_is_the_same_for_the_same_seed(tmp_path):
    options = {"profile": "office_log", "today": TODAY, "customers": 200, "rows": 500, "agents": 5}
    first = generate(tmp_path / "a", **options)[0]
    second = generate(tmp_path / "b", **options)[0]
    third = generate(tmp_path / "c", seed=8, **options)[0]
    assert _values(first) == _values(second) != _values(third)


# ---------------------------------------------------------------- options and CLI


@pytest.mark.parametrize(("options", "message"), [
    ({"profile": "bakery"}, "示例类型"),
    ({"header_seed": 3}, "header_seed"),
    ({"rows": 100}, "office_log"),
    ({"profile": "office_log", "preset": "auto_dealer"}, "real_estate"),
    ({"profile": "office_log", "messy": False}, "messy=False"),
    ({"profile": "office_log", "contacts_per_customer": 3}, "rows"),
    ({"profile": "office_log", "customers": 500, "rows": 400}, "每位客户至少一行"),
    ({"profile": "office_log", "agents": 2}, "3 位"),
    ({"profile": "office_log", "log_end": TODAY + dt.timedelta(days=1)}, "不能晚于今天"),
], ids=["unknown-profile", "header-seed-standard", "rows-standard", "log-auto-dealer", "log-clean",
        "log-contacts", "log-too-few-rows", "log-two-agents", "log-end-future"])
def test_bad_profile_options_are_refused(tmp_path, options, message):
    with pytest.raises(ValueError, match=message):
        generate(tmp_path, today=TODAY, **options)
    assert not any(tmp_path.iterdir())


def test_cli_writes_an_office_log(tmp_path, capsys):
    code = main(["--out", str(tmp_path), "--profile", "office_log", "--customers", "100", "--rows", "250",
                 "--agents", "5", "--days", "20", "--today", "2026-11-26", "--log-end", "2026-11-24"])
    assert code == 0
    assert capsys.readouterr().out.splitlines() == [
        "已生成 1 个示例登记表（房地产，100 个客户，售楼处跟进日志，250 行）：", f"  {tmp_path / OFFICE_LOG_FILE}"]


def test_cli_writes_other_office_headers(tmp_path, capsys):
    code = main(["--out", str(tmp_path), "--profile", "other_office", "--header-seed", "3", "--customers", "30",
                 "--today", "2026-11-26", "--clean"])
    assert code == 0
    assert capsys.readouterr().out.splitlines()[0] == (
        "已生成 3 个示例登记表（房地产，30 个客户，另一家售楼处的表头，规范数据）：")


@pytest.mark.parametrize(("argv", "message"), [
    (["--rows", "100"], "--rows 只能和 --profile office_log 一起用"),
    (["--header-seed", "2"], "--header-seed 只能和 --profile other_office 一起用"),
    (["--profile", "office_log", "--clean"], "不能用 --clean"),
], ids=["rows-standard", "header-seed-standard", "log-clean"])
def test_cli_rejects_options_of_another_profile(argv, message, capsys):
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2
    assert message in capsys.readouterr().err


def test_cli_reports_a_refused_log_end_in_one_line(tmp_path, capsys):
    code = main(["--out", str(tmp_path), "--profile", "office_log", "--today", "2026-11-26",
                 "--log-end", "2026-12-01"])
    assert code == 2
    assert capsys.readouterr().err == "错误：log_end（2026-12-01）不能晚于今天（2026-11-26）\n"
