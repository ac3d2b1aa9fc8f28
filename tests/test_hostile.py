"""Hostile registers (issue 8): the real CLI on every item of tests/hostile.py.

For every item: no traceback, the documented exit code (README: 0 done with the problems in the
report, 2 could not run), a Chinese message or a 数据问题 row naming the file, the inputs
byte-identical afterwards, no stray or temporary file in the output folder, and no formula in
any cell written. Items a reader must refuse are also run beside a good register: the run must
still produce the report and list the refused file with the reason and what was done.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import pytest

from crm_batch.cli import main
from crm_batch.filenames import MAX_NAME_BYTES, MAX_NAME_CHARS
from tests.conftest import overview_of
from tests.hostile import (
    ERRORS,
    EXTREME_DATES,
    GOOD_NAME,
    GOOD_ROWS,
    HOSTILE,
    MAX_CELL,
    good_register,
)

# The whole corpus runs the real CLI in processes of its own: in CI and the full selftest, not --fast.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
WEEK = "2026-11-23"
REPORT = "客户维护周报_2026-W48.xlsx"
HISTORY = "客户维护历史.sqlite"

# Items no reader can use: refused with a reason naming what is wrong.
REFUSED = {
    "empty_csv": "0 字节",
    "zero_byte_xlsx": "0 字节",
    "random_bytes_xlsx": "不是表格文件",
    "truncated_zip": "损坏",
    "encrypted_workbook": "密码",
    "encrypted_large_workbook": "密码",
    "zip_bomb": "压缩炸弹",
    "xml_spreadsheet_as_xls": "另存为 .xlsx",
}
# Items that take a process of their own, with a time limit (see the test).
SEPARATE = {"wide_16384_headers"}
READ = [n for n in HOSTILE if n not in REFUSED and n not in SEPARATE]
EXTRA_ARGS = {"formula_like_names": ["--per-agent"]}


def digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def stray_files(out: Path) -> list[str]:
    """Anything in the output folder but finished workbooks and the history."""
    if not out.exists():
        return []
    return sorted(str(p.relative_to(out)) for p in out.rglob("*")
                  if p.is_file() and (p.name.startswith((".", "~")) or ".tmp" in p.name
                                      or (p.suffix != ".xlsx" and p.name != HISTORY)))


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str
    inbox: Path
    out: Path
    seconds: float
    changed_inputs: list[str]
    bad: Path | None = None
    _book: openpyxl.Workbook | None = field(default=None, repr=False)

    @property
    def book(self) -> openpyxl.Workbook:
        if self._book is None:
            self._book = openpyxl.load_workbook(self.out / REPORT)
        return self._book

    def rows(self, sheet: str) -> list[dict]:
        header, *body = self.book[sheet].iter_rows(values_only=True)
        return [dict(zip(header, r, strict=True)) for r in body if any(v is not None for v in r)]

    def problems(self, file: str | None = None) -> list[dict]:
        found = [p for p in self.rows("数据问题") if p["问题"]]
        return [p for p in found if file is None or p["文件"] == file]

    def overview(self) -> dict:
        return overview_of(self.book)

    def customers(self) -> list[str]:
        return [r["客户姓名"] for r in self.rows("客户分级")]


def run_cli(base: Path, inputs: list[Path], *extra: str) -> Outcome:
    """The CLI as `python run.py` calls it, in this process, with its output captured."""
    inbox = inputs[0] if inputs[0].is_dir() else inputs[0].parent
    before = digests(inbox)
    out = base / "output"
    stdout, stderr = io.StringIO(), io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = main([*map(str, inputs), "--out", str(out), "--week", WEEK, *extra], base_dir=base)
    seconds = time.perf_counter() - started
    after = digests(inbox)
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    return Outcome(code, stdout.getvalue(), stderr.getvalue(), inbox, out, seconds, changed)


class Runs:
    """One CLI run per item, made on first use and shared by that item's tests."""

    def __init__(self, factory: pytest.TempPathFactory) -> None:
        self.factory = factory
        self.done: dict[str, Outcome] = {}

    def __getitem__(self, name: str) -> Outcome:
        if name not in self.done:
            base = self.factory.mktemp(name)
            inbox = base / "input"
            inbox.mkdir()
            bad = HOSTILE[name](inbox)
            self.done[name] = run_cli(base, [inbox], *EXTRA_ARGS.get(name, []))
            self.done[name].bad = bad
        return self.done[name]


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> Runs:
    return Runs(tmp_path_factory)


def assert_sound(outcome: Outcome) -> None:
    """What every run owes, whatever it was given."""
    said = outcome.stdout + outcome.stderr
    assert "Traceback" not in said and "Error:" not in said
    assert outcome.code in (0, 1, 2)
    assert outcome.changed_inputs == [], "inputs are never modified"
    assert stray_files(outcome.out) == [], "no temporary or stray file is left in the output folder"


def assert_no_formulas(out: Path) -> None:
    for path in sorted(out.rglob("*.xlsx")):
        book = openpyxl.load_workbook(path)
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", f"{path.name}/{sheet.title}!{cell.coordinate} is a formula"


# ---------------------------------------------------------------- every item


@pytest.mark.parametrize("name", READ)
def test_a_hostile_register_is_read_or_reported_never_a_crash(runs, name):
    outcome = runs[name]
    assert_sound(outcome)
    assert outcome.code == 0, outcome.stderr
    assert (outcome.out / REPORT).exists()
    assert_no_formulas(outcome.out)
    bad = outcome.bad.name
    read_files = str(outcome.overview()["读取的文件"] or "")
    about = outcome.problems(bad)
    assert bad in read_files or about, "the file is read, or the 数据问题 sheet says why not"
    for problem in about:
        assert problem["问题"] and problem["处理"], problem
        if problem["行号"] is not None:
            assert problem["工作表"], problem


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_an_unusable_file_alone_stops_with_a_chinese_reason(tmp_path, name):
    inbox = tmp_path / "input"
    inbox.mkdir()
    bad = HOSTILE[name](inbox)
    outcome = run_cli(tmp_path, [inbox])
    assert_sound(outcome)
    assert outcome.code == 2
    assert f"无法读取登记表 {bad}" in outcome.stderr and REFUSED[name] in outcome.stderr
    assert not outcome.out.exists(), "nothing is written when nothing can be read"


@pytest.fixture(scope="module")
def refused_beside_a_good_register(tmp_path_factory) -> Outcome:
    """Every unusable file in one folder with a good register: one run, one report."""
    base = tmp_path_factory.mktemp("refused")
    inbox = base / "input"
    good_register(inbox)
    for name in REFUSED:
        HOSTILE[name](inbox)
    return run_cli(base, [inbox])


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_an_unusable_file_beside_a_good_one_is_listed_and_the_rest_reported(
        refused_beside_a_good_register, tmp_path, name):
    outcome = refused_beside_a_good_register
    assert_sound(outcome)
    assert outcome.code == 0
    bad = HOSTILE[name](tmp_path).name  # the same builder names the same file
    (row,) = outcome.problems(bad)
    assert REFUSED[name] in row["问题"] and row["问题"].startswith("文件无法读取")
    assert row["处理"] == "跳过该文件，其余文件照常处理"
    assert outcome.overview()["读取的文件"] == GOOD_NAME
    assert sorted(outcome.customers()) == sorted(r[1] for r in GOOD_ROWS)


# ---------------------------------------------------------------- item by item


def test_a_zip_bomb_is_refused_before_anything_is_unpacked(tmp_path, monkeypatch):
    import fastexcel

    def unpacked(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise AssertionError("the bomb reached the reader")

    monkeypatch.setattr(fastexcel, "read_excel", unpacked)
    inbox = tmp_path / "input"
    inbox.mkdir()
    bomb = HOSTILE["zip_bomb"](inbox)
    assert bomb.stat().st_size < 10 * 1024 * 1024, "a few MB that expand to gigabytes"
    outcome = run_cli(tmp_path, [inbox])
    assert outcome.code == 2 and "疑似压缩炸弹，已拒绝读取" in outcome.stderr
    assert "解压后超过 2048 MB" in outcome.stderr
    assert outcome.seconds < 5


def test_a_large_encrypted_workbook_is_recognised_by_its_directory(tmp_path):
    # The directory of a 5 MB encrypted workbook sits after the ciphertext, beyond any quick scan.
    bad = HOSTILE["encrypted_large_workbook"](tmp_path)
    assert bad.stat().st_size > 5 * 1024 * 1024
    outcome = run_cli(tmp_path, [bad])
    assert outcome.code == 2 and "工作簿设置了打开密码" in outcome.stderr


def test_a_csv_named_xlsx_is_read_as_a_csv(runs):
    assert sorted(runs["csv_named_xlsx"].customers()) == ["周敏", "孙丽"]


def test_an_xlsx_named_csv_is_read_as_a_workbook(runs):
    assert runs["xlsx_named_csv"].customers() == ["孙丽"]


def test_an_html_table_saved_as_xls_is_read_as_the_table(runs):
    outcome = runs["html_table_as_xls"]
    assert sorted(outcome.customers()) == sorted(["孙丽", "周敏", "吴&刚"])
    mapping = outcome.rows("列映射")
    assert {m["原表头"] for m in mapping} == {"客户姓名", "联系电话", "经纪人", "登记日期"}
    assert {m["表头行"] for m in mapping} == {2}, "the title row spanning the table is not the header"


def test_unicode_text_saved_as_xls_is_read(runs):
    assert sorted(runs["utf16_text_as_xls"].customers()) == ["周敏", "孙丽"]


def test_a_sheet_with_only_a_header_is_reported(runs):
    outcome = runs["header_only"]
    (row,) = outcome.problems("只有表头.xlsx")
    assert (row["工作表"], row["行号"], row["问题"]) == ("客户档案", 1, "工作表只有表头，没有数据行")
    assert outcome.overview()["客户数"] == "0"


def test_a_sheet_16384_columns_wide_reads_its_data_and_reports_the_stray_mark(runs):
    outcome = runs["wide_16384_columns"]
    assert sorted(outcome.customers()) == ["周敏", "孙丽"]
    row, stray_mark = sorted(outcome.problems("一万六千列.xlsx"), key=lambda p: p["行号"], reverse=True)
    assert (row["工作表"], row["行号"], row["处理"]) == ("客户档案", 4, "该行未采用")
    assert (stray_mark["字段"], stray_mark["问题"]) == ("XFD 列", "这一列有数据但没有表头（可能是合并单元格的右半边）")
    stray = [m for m in outcome.rows("列映射") if m["列"] == "XFD"]
    assert len(stray) == 1 and "没有表头" in stray[0]["说明"]
    assert outcome.seconds < 30, f"took {outcome.seconds:.1f} s"  # about 1.5 s here


def test_a_header_of_16384_columns_finishes_quickly(tmp_path):
    # Every one of the 16,384 columns has a header. A separate process, so a slow run is stopped
    # at the limit instead of holding the suite. A normal run of this size takes 2–3 s.
    inbox = tmp_path / "input"
    inbox.mkdir()
    HOSTILE["wide_16384_headers"](inbox)
    out = tmp_path / "output"
    limit = 20
    started = time.perf_counter()
    try:
        result = subprocess.run(
            [sys.executable, "-m", "crm_batch", str(inbox), "--out", str(out), "--week", WEEK],
            capture_output=True, text=True, encoding="utf-8", cwd=ROOT, timeout=limit)
    except subprocess.TimeoutExpired:
        pytest.fail(f"a sheet with 16,384 headed columns took longer than {limit} s")
    seconds = time.perf_counter() - started
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    book = openpyxl.load_workbook(out / REPORT, read_only=True)
    names = [r[1] for r in book["客户分级"].iter_rows(min_row=2, values_only=True)]
    assert names == ["孙丽"], f"{seconds:.1f} s"


def test_a_million_formatted_empty_rows_are_not_rows(runs):
    outcome = runs["million_formatted_rows"]
    overview = outcome.overview()
    assert (overview["读取的数据行"], overview["客户数"]) == ("2", "2")
    assert outcome.problems("百万空行.xlsx") == []
    assert outcome.seconds < 30, f"took {outcome.seconds:.1f} s"  # about 2 s here


def test_a_formula_showing_nothing_filled_down_a_million_rows_is_not_a_million_rows(runs):
    outcome = runs["million_blank_formulas"]
    overview = outcome.overview()
    assert (overview["读取的数据行"], overview["客户数"]) == ("1", "1")
    assert outcome.problems("百万空公式.xlsx") == []


def test_cells_of_32767_characters_are_kept_whole(runs):
    outcome = runs["long_cells"]
    names = outcome.customers()
    assert ("王" * (MAX_CELL - 1)) + "X" in names, "the longest name Excel allows is kept whole"


def test_text_longer_than_a_cell_is_cut_visibly(runs):
    # A follow-up note of 32,767 characters quoted in 本周行动's 原因 cannot fit in one cell with
    # its prefix: the cut must show (…), not silently drop the end.
    outcome = runs["long_cells"]
    inputs = {"王" * (MAX_CELL - 1) + "X", "备" * MAX_CELL}
    for sheet in outcome.book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                text = cell.value
                if isinstance(text, str) and len(text) >= MAX_CELL and text not in inputs:
                    assert text.endswith("…"), f"{sheet.title}!{cell.coordinate} was cut silently"


def test_excel_error_values_are_reported_where_they_are(runs):
    outcome = runs["formulas_and_errors"]
    found = {(p["行号"], p["字段"]): p["原值"] for p in outcome.problems("公式与错误值.xlsx")}
    # Row 2 holds nothing but error values; row 3 is a customer whose phone and grade are errors.
    expected = {(2, "客户姓名"): "#N/A", (2, "联系电话"): "#REF!", (2, "经纪人"): "#DIV/0!",
                (2, "登记日期"): "#VALUE!", (2, "意向等级"): "#NAME?",
                (3, "联系电话"): "#N/A", (3, "意向等级"): "#DIV/0!"}
    assert {k: found.get(k) for k in expected} == expected


def test_excel_error_values_never_become_names(runs):
    outcome = runs["formulas_and_errors"]
    names = outcome.customers()
    assert not [n for n in names if n in ERRORS], names
    assert "孙丽" in names and "周敏" in names, "formulas' cached values are read"
    assert "=1+1" in names, "text that looks like a formula stays text"


def test_a_header_merged_over_two_columns_lists_the_unheaded_half(runs):
    outcome = runs["merged_header"]
    assert sorted(outcome.customers()) == ["周敏", "孙丽"]
    (half,) = [m for m in outcome.rows("列映射") if m["列"] == "C"]
    assert half["对应字段"] == "（忽略）" and "没有表头" in half["说明"]


def test_duplicate_headers_are_a_problem_and_fill_each_other(runs):
    outcome = runs["duplicate_headers"]
    (row,) = outcome.problems("重复表头.xlsx")
    assert (row["工作表"], row["行号"], row["字段"]) == ("客户档案", 1, "联系电话")
    assert "（B 列与 E 列）" in row["问题"] and row["处理"] == "以第一列为准，其空白处用另一列补上"
    phones = {r["客户姓名"]: r["电话"] for r in outcome.rows("本周行动")}
    assert phones["周敏"] == "13700003333", "the second column fills the first one's blanks"


def test_two_columns_for_one_field_are_a_problem(runs):
    outcome = runs["two_columns_one_field"]
    (row,) = outcome.problems("电话和手机.xlsx")
    assert (row["行号"], row["字段"], row["原值"]) == (1, "联系电话", "手机")
    assert "两列都对应“联系电话”（B 列与 C 列）" == row["问题"]


def test_dates_outside_1900_to_2100_are_problems_not_crashes(runs):
    outcome = runs["dates_1900_2100"]
    assert len(outcome.customers()) == len(EXTREME_DATES), "every row is still a customer"
    problems = {}
    for p in outcome.problems("极端日期.xlsx"):
        if p["字段"] == "登记日期":
            problems[p["行号"]] = p
    rows = {name: n for n, (name, _, _) in enumerate(EXTREME_DATES, start=2)}
    # The preset's window is 1900–2100 inclusive: its edges are dates, one day beyond is a problem.
    for name in ("周敏", "吴刚", "郑洁"):
        assert rows[name] not in problems, problems.get(rows[name])
    for name in ("冯涛", "陈晨", "褚明", "卫东", "蒋华", "沈阳", "韩梅"):
        assert rows[name] in problems, f"{name}: {EXTREME_DATES[rows[name] - 2][2]!r} is not reported"
        assert problems[rows[name]]["处理"] == "该日期留空", (name, problems[rows[name]])


def test_files_of_the_same_name_in_two_folders_are_told_apart(runs):
    # Monthly subfolders each holding 客户登记表.xlsx: a problem must say which of the two it is in.
    outcome = runs["same_name_in_two_folders"]
    problems = outcome.problems()
    assert len(problems) == 2
    assert problems[0]["文件"] != problems[1]["文件"], [p["文件"] for p in problems]
    assert "十一月" in outcome.overview()["读取的文件"]


def test_names_beginning_with_formula_signs_stay_text(runs):
    outcome = runs["formula_like_names"]
    written = ['=HYPERLINK("http://evil.example","点我")', "+SUM(1,2)", "-2+3", "@SUM(A1)", "=cmd|' /C calc'!A0"]
    assert sorted(outcome.customers()) == sorted(written)
    # assert_no_formulas in the generic test covers every workbook, agents' included.
    agent_books = sorted(p.name for p in (outcome.out / "经纪人").glob("*.xlsx"))
    assert agent_books == sorted(["赵强.xlsx", "李娜.xlsx", "=李娜.xlsx"])
    for path in (outcome.out / "经纪人").glob("*.xlsx"):
        for row in openpyxl.load_workbook(path)["客户名单"].iter_rows(min_row=2):
            assert all(c.data_type in ("s", "n", "d") or c.value is None for c in row)


def test_every_hostile_agent_name_gets_a_workbook_of_its_own(tmp_path):
    inbox = tmp_path / "input"
    inbox.mkdir()
    HOSTILE["hostile_agent_names"](inbox)
    outcome = run_cli(tmp_path, [inbox], "--per-agent")
    assert_sound(outcome)
    assert outcome.code in (0, 1), outcome.stderr
    rows = outcome.rows("客户分级")
    agents = {r["经纪人"] for r in rows if r["经纪人"]}
    books = sorted((outcome.out / "经纪人").glob("*.xlsx"))
    assert len(books) == len(agents), "one workbook per agent, none overwritten by another"
    for path in books:
        assert len(path.name) <= MAX_NAME_CHARS and len(path.name.encode()) <= MAX_NAME_BYTES, path.name
    listed = sum(1 for p in books for r in openpyxl.load_workbook(p)["客户名单"].iter_rows(min_row=2) if r[0].value)
    assert listed == sum(1 for r in rows if r["经纪人"]), "every customer with an agent is in their agent's book"


# ---------------------------------------------------------------- every input row accounted for

# Findings that set a whole row aside (the row is not used as it stands) or merge it into another.
SET_ASIDE = {"footer-row", "header-repeated", "row-shifted", "row-no-identity", "contact-unlinked"}
MERGED = {"customer-duplicate", "ownership-conflict"}
# Readable hostile items mixed into the generated register (cheap to read back with openpyxl).
MIXED_IN = ["formulas_and_errors", "merged_header", "duplicate_headers", "two_columns_one_field",
            "dates_1900_2100", "formula_like_names", "csv_named_xlsx", "xlsx_named_csv", "header_only",
            "wide_16384_columns", "long_cells"]


def rows_as_read_independently(path: Path) -> dict[str, list[int]]:
    """Sheet → the Excel numbers of its non-empty rows, read with openpyxl or csv, not with the tool."""
    if path.read_bytes()[:4] != b"PK\x03\x04":
        raw = path.read_bytes()
        for encoding in ("utf-8-sig", "gb18030"):
            with contextlib.suppress(UnicodeDecodeError):
                text = raw.decode(encoding)
                break
        import csv

        rows = csv.reader(io.StringIO(text))
        return {path.stem: [n for n, r in enumerate(rows, start=1) if any(c != "" for c in r)]}
    book = openpyxl.load_workbook(io.BytesIO(path.read_bytes()), read_only=True, data_only=True)
    return {ws.title: [n for n, r in enumerate(ws.iter_rows(values_only=True), start=1)
                       if any(v is not None and v != "" for v in r)] for ws in book.worksheets}


@pytest.fixture(scope="module")
def accounted(tmp_path_factory):
    """A generated messy register plus hostile items, run through the CLI; the register the report
    was written from is kept by wrapping pipeline.run (its counts are checked against 总览)."""
    import datetime as dt

    from crm_batch import pipeline
    from crm_batch.sample import generate

    preset = "real_estate"  # tests/test_cli.py runs both presets end to end
    base = tmp_path_factory.mktemp("accounted")
    inbox = base / "input"
    generate(inbox, customers=120, preset=preset, seed=3, today=dt.date(2026, 11, 23))
    for name in MIXED_IN:
        HOSTILE[name](inbox)
    captured = {}
    real_run = pipeline.run

    def keep(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        captured["result"] = real_run(*args, **kwargs)
        return captured["result"]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pipeline, "run", keep)
        outcome = run_cli(base, [inbox], "--preset", preset)
    assert_sound(outcome)
    assert outcome.code == 0, outcome.stderr
    return outcome, captured["result"].register


def _locations(frame) -> set[tuple[str, str, int]]:  # noqa: ANN001 - DataFrame
    return {(f, s, int(r)) for f, s, r in zip(frame["_file"], frame["_sheet"], frame["_row"], strict=True)}


def test_every_input_row_is_a_customer_a_contact_an_event_or_a_reported_problem(accounted):
    outcome, register = accounted
    overview = outcome.overview()
    # The report shows the captured register.
    assert int(overview["客户数"]) == len(register.customers)
    assert int(overview["跟进记录数"]) == len(register.contacts)
    findings = register.findings.frame()
    assert len(outcome.problems()) == len(findings)

    # Rows read, independently: every non-empty row under the header of each sheet the 列映射 lists.
    header_row = {(m["文件"], m["工作表"]): m["表头行"] for m in outcome.rows("列映射")}
    skipped_sheets = {(p["文件"], p["工作表"]) for p in outcome.problems()
                      if p["问题"].startswith("工作表的用途无法识别")}
    read: set[tuple[str, str, int]] = set()
    for path in sorted(outcome.inbox.iterdir()):
        for sheet, numbers in rows_as_read_independently(path).items():
            if (path.name, sheet) in header_row:
                read |= {(path.name, sheet, n) for n in numbers if n > header_row[(path.name, sheet)]}
            else:
                assert not numbers or (path.name, sheet) in skipped_sheets, f"{path.name}/{sheet} vanished"

    def flagged(codes: set[str]) -> set[tuple[str, str, int]]:
        rows = findings[findings["代码"].isin(codes) & findings["行号"].notna()]
        # One problem repeated on several rows is one finding naming them all.
        return {(f, s, int(r)) for f, s, many in zip(rows["文件"], rows["工作表"], rows["_rows"], strict=True)
                for r in many.split(",")}

    customers = _locations(register.customers)
    contacts = _locations(register.contacts)
    events = _locations(register.events)
    set_aside, merged = flagged(SET_ASIDE), flagged(MERGED)
    lost = sorted(read - customers - contacts - events - set_aside - merged)
    assert lost == [], f"rows read but neither used nor reported: {lost[:20]}"
    assert sorted((customers | contacts | events | set_aside | merged) - read) == []
    assert int(overview["读取的数据行"]) == len(read), "总览 counts the rows an independent reader sees"
    # A row set aside is not used; a merged row is no customer of its own.
    assert sorted(set_aside & (customers | contacts | events)) == []
    assert sorted(merged & customers) == []

    # The count: each row read is exactly one of these.
    as_customer = customers
    as_contact = contacts - customers
    as_event = events
    as_problem = (set_aside | merged) - customers - contacts
    assert len(as_customer) + len(as_contact) + len(as_event) + len(as_problem) == len(read)
    # Customers derived from a follow-up log sit on a log row that is also a contact.
    derived = register.customers["_role"].eq("derived")
    assert len(as_customer) == len(register.customers)
    assert _locations(register.customers[derived]) <= contacts
