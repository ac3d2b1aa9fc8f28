"""The generator's profiles: another office's headers over the same cells.

These tests check the generated files only; how the reader copes with them is
the reader's own tests' business.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import tomllib
from pathlib import Path

import openpyxl
import pytest

from crm_batch.fields import FIELDS
from crm_batch.ingest.headers import clean_header
from crm_batch.sample import (
    _GARBLED,
    LOG_ENCODING,
    OTHER_OFFICE_HEADERS,
    OTHER_OFFICE_TRAPS,
    generate,
)

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
             if len(set(spellings)) < (5 if key in ESSENTIAL else 3)}
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


# ---------------------------------------------------------------- options and CLI


@pytest.mark.parametrize(("options", "message"), [
    ({"profile": "bakery"}, "示例类型"),
    ({"header_seed": 3}, "header_seed"),
], ids=["unknown-profile", "header-seed-standard"])
def test_bad_profile_options_are_refused(tmp_path, options, message):
    with pytest.raises(ValueError, match=message):
        generate(tmp_path, today=TODAY, **options)
    assert not any(tmp_path.iterdir())
