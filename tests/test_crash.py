"""The crash report (错误报告): a bug leaves the maintainer a traceback, never the customers' data."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pytest

import crm_batch
from crm_batch.crash import crash_message, format_crash_report, write_crash_report
from tests.conftest import write_xlsx

CELL = "王建国 13812345678"  # a register cell: it must not reach the report


def failing_with_a_cell_in_hand(cell: str) -> None:
    customer = {"name": cell.split()[0], "phone": cell.split()[1]}  # noqa: F841 - a local the report must not show
    raise KeyError("stage")


def crash() -> BaseException:
    try:
        failing_with_a_cell_in_hand(CELL)
    except KeyError as exc:
        return exc
    raise AssertionError("did not fail")


def read(path: Path) -> str:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "a BOM, so Notepad shows the Chinese"
    return raw.decode("utf-8-sig")


@pytest.fixture
def register(tmp_path) -> Path:
    inbox = tmp_path / "input"
    inbox.mkdir()
    return write_xlsx(inbox / "客户登记表.xlsx", {"客户档案": [["客户姓名", "联系电话"], CELL.split()]})


def test_the_report_holds_the_traceback_version_arguments_and_input_names(tmp_path, register):
    argv = [str(register.parent), "--per-agent", "--week", "2026-11-23"]
    path = write_crash_report(tmp_path / "output", crash(), argv, [register])
    assert path is not None and path.parent == tmp_path / "output"
    assert re.fullmatch(r"错误报告_\d{8}-\d{6}\.txt", path.name)
    text = read(path)
    assert "Traceback (most recent call last)" in text
    assert "in failing_with_a_cell_in_hand" in text and "KeyError: 'stage'" in text
    assert crm_batch.__version__ in text
    assert repr(argv) in text
    assert "客户登记表.xlsx" in text
    assert "Python: 3." in text


def test_the_report_holds_no_register_contents(tmp_path, register):
    path = write_crash_report(tmp_path / "output", crash(), [str(register)], [register])
    text = read(path)
    for value in CELL.split():
        assert value not in text, f"{value} came from the register or a local variable"


def test_a_second_crash_in_the_same_second_keeps_the_first_report(tmp_path):
    first = write_crash_report(tmp_path, crash(), [])
    second = write_crash_report(tmp_path, crash(), [])
    assert first != second and first.exists() and second.exists()


def test_an_out_dir_that_is_a_file_falls_back_to_the_current_folder(tmp_path, monkeypatch):
    in_the_way = tmp_path / "output"
    in_the_way.write_text("not a folder")
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    path = write_crash_report(in_the_way, crash(), [])
    assert path is not None and path.parent == here
    assert in_the_way.read_text() == "not a folder"


def test_no_current_folder_falls_back_to_the_temp_folder(tmp_path, monkeypatch):
    in_the_way = tmp_path / "output"
    in_the_way.write_text("not a folder")
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()  # os.getcwd() now fails
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    path = write_crash_report(in_the_way, crash(), [])
    assert path is not None and path.parent == temp


def test_nowhere_to_write_is_a_message_not_an_exception(tmp_path, monkeypatch):
    in_the_way = tmp_path / "output"
    in_the_way.write_text("")
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    monkeypatch.setattr(tempfile, "tempdir", str(in_the_way))  # a file, too
    path = write_crash_report(in_the_way, crash(), [])
    assert path is None
    message = crash_message(path)
    assert "没能保存" in message and "\n" not in message
    assert os.listdir(tmp_path) == ["output"]


class Unprintable(Exception):
    def __str__(self) -> str:
        raise RuntimeError("str() fails too")


def test_an_exception_that_cannot_be_printed_still_gives_a_report(tmp_path):
    try:
        raise Unprintable()
    except Unprintable as exc:
        path = write_crash_report(tmp_path, exc, ["input"], ["not-a-path-object.xlsx"])
    assert path is not None
    assert "Unprintable" in read(path)


def test_the_message_is_one_chinese_sentence_naming_the_report(tmp_path):
    path = tmp_path / "错误报告_20261123-101500.txt"
    assert crash_message(path) == (f"程序出现意外错误，没有完成。错误报告已保存到 {path}，"
                                   "请把这个文件发给维护本工具的同事。")


def test_the_text_can_be_printed_when_no_report_could_be_written():
    text = format_crash_report(crash(), ["input"], [Path("a/客户登记表.xlsx")])
    assert text.startswith("crm_batch 错误报告") and "KeyError: 'stage'" in text
