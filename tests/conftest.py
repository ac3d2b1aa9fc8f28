"""Shared fixtures: small registers built by hand, so expectations can be counted by eye."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import xlsxwriter

from crm_batch.rules_config import Rules, load_rules

Cell = str | int | float | dt.datetime | None


def write_xlsx(path: Path, sheets: dict[str, list[list[Cell]]], merges: dict[str, list[tuple]] | None = None) -> Path:
    """Write rows exactly as given: strings as text (even '=...'), numbers as numbers, datetimes as dates."""
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_numbers": False})
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, dt.datetime):
                    sheet.write_datetime(r, c, value, date_format)
                elif isinstance(value, (int, float)):
                    sheet.write_number(r, c, value)
                else:
                    sheet.write_string(r, c, value)
        for first_row, first_col, last_row, last_col, text in (merges or {}).get(name, []):
            sheet.merge_range(first_row, first_col, last_row, last_col, text)
    book.close()
    return path


@pytest.fixture(scope="session")
def rules() -> Rules:
    return load_rules()


# A customer register the way an office keeps it: title, blank row, noisy headers,
# two look-alike columns, a footer. Rows are Excel rows 4..11.
CUSTOMER_HEADER = ["序号", "客户编号", "客户姓名(必填)", "性别\n(先生/女士)", "联系电话", "置业顾问",
                   "进店或来\n电时间", "意向等级：A（一个月内）、B（三个月内）", "负责人联系电话", "来访人数"]
CUSTOMER_ROWS: list[list[Cell]] = [
    [1, "K001", "王建国", "先生", 13812345678, "李娜", dt.datetime(2026, 10, 8), "A类(购买)", 13900000001, 3],
    [2, "K002", "陈静", "女士", "１３９ １２３４ ５６７８", "李娜", "2026/10/12", "b", 13900000001, 2],
    [3, None, "=HYPERLINK(\"http://x\",\"点我\")", "男", "+86 137-0000-1111", "赵强", "2026年10月20日", "C", None, 1],
    [4, None, "刘洋13600001111", "M", None, "赵强", "11月3日", "D", None, 1],
    [5, None, "孙丽", "女", "13812345678", "赵强", "2026-10-25", "B", None, 1],  # same phone as K001, later
    [6, None, "周敏", "女", "1381234", "李娜", "2026-10-26", "E", None, 1],  # invalid phone, unknown grade
    [7, "错位", None, "吴刚", "男", "13500002222", "李娜", "2026-10-27", "A", None],  # shifted right
    ["制表人：王经理", None, None, None, None, None, None, None, None, None],
]
CONTACT_HEADER = ["客户编号", "客户姓名", "联系电话", "跟进人", "跟进时间", "跟进方式", "跟进内容", "下次回访日期"]
CONTACT_ROWS: list[list[Cell]] = [
    ["K001", "王建国", 13812345678, "李娜", dt.datetime(2026, 11, 2), "去电", "介绍新推出的洋房户型", "2026-11-25"],
    [None, "陈静", "13912345678", "李娜", "2026/11/5", "微信", "发了样板间视频", None],
    [None, "刘洋", "13600001111", "赵强", "2026-11-10", "短信", "节日问候", None],
    [None, "查无此人", "13000000000", "赵强", "2026-11-11", "电话", "未接", None],
]


@pytest.fixture
def office_register(tmp_path: Path) -> Path:
    """The hand-built register above, as 客户登记表.xlsx in its own folder."""
    return write_office_register(tmp_path)


def write_office_register(base: Path) -> Path:
    folder = base / "input"
    folder.mkdir()
    return write_xlsx(
        folder / "客户登记表.xlsx",
        {
            "客户档案": [["2026年11月客户来访登记表"], [], CUSTOMER_HEADER, *CUSTOMER_ROWS],
            "跟进记录": [CONTACT_HEADER, *CONTACT_ROWS],
            "说明": [["本表由销售部维护"], ["每周一更新"]],
        },
    )


def overview_of(book) -> dict:
    """总览's key-value table of a workbook (openpyxl): the rows under its header, up to the first blank row."""
    values = {}
    for key, value, *_ in book["总览"].iter_rows(min_row=2, max_col=2, values_only=True):
        if key is None:
            break
        values[key] = value
    return values
