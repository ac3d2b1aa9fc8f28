"""Reading registers: identity, duplicates, ownership, linking, and nothing lost."""

from __future__ import annotations

import datetime as dt
import zipfile

import pytest

from crm_batch.errors import NoRegisterSheet, RegisterUnreadable
from crm_batch.ingest.register import read_registers
from tests.conftest import write_xlsx

REF = dt.date(2026, 11, 29)
HEADER = ["客户编号", "客户姓名", "联系电话", "置业顾问", "登记日期"]


def read(tmp_path, rows, rules, extra_sheets=None):
    path = write_xlsx(tmp_path / "r.xlsx", {"客户": [HEADER, *rows], **(extra_sheets or {})})
    return read_registers([path], rules, REF)


def slugs(register):
    return sorted(register.findings.frame()["代码"])


def test_same_phone_two_agents_earliest_registration_owns(tmp_path, rules):
    reg = read(tmp_path, [
        ["K2", "王建国", "13812345678", "赵强", "2026-10-05"],
        ["K1", "王建国", "13812345678", "李娜", "2026-09-01"],
    ], rules)
    assert list(reg.customers["agent"]) == ["李娜"]
    assert list(reg.customers["customer_id"]) == ["K1"]
    (problem,) = reg.findings.frame().itertuples(index=False)
    assert problem.代码 == "ownership-conflict" and problem.行号 == 2 and "李娜" in problem.问题


def test_same_agent_registering_twice_is_merged_and_reported(tmp_path, rules):
    reg = read(tmp_path, [
        [None, "陈静", "13912345678", "李娜", "2026-10-01"],
        ["K7", "陈静", "13912345678", "李娜", "2026-10-09"],
    ], rules)
    assert len(reg.customers) == 1
    assert reg.customers["customer_id"].iloc[0] == "K7"  # the id fills the gap of the earlier row
    assert slugs(reg) == ["customer-duplicate"]
    assert reg.findings.frame()["问题"].iloc[0] == "同一客户重复登记（与第 2 行相同）"


def test_a_duplicate_in_another_file_names_that_file(tmp_path, rules):
    for month, day in (("十一月", "2026-11-02"), ("十二月", "2026-12-01")):
        (tmp_path / month).mkdir()
        write_xlsx(tmp_path / month / "客户登记表.xlsx", {"客户": [HEADER, [None, "陈静", "13912345678", "李娜", day]]})
    reg = read_registers([tmp_path], rules, REF)
    (problem,) = reg.findings.frame().itertuples()
    assert (problem.文件, problem.行号) == ("十二月/客户登记表.xlsx", 2)
    assert problem.问题 == "同一客户重复登记（与十一月/客户登记表.xlsx「客户」第 2 行相同）"


def test_customer_without_id_or_phone_gets_a_stable_id(tmp_path, rules):
    rows = [[None, "周敏", None, "李娜", "2026-10-01"]]
    first = read(tmp_path, rows, rules).customers["customer_id"].iloc[0]
    second = read(tmp_path, rows, rules).customers["customer_id"].iloc[0]
    assert first == second and first.startswith("K") and len(first) == 13


@pytest.mark.parametrize(
    ("contact", "linked"),
    [
        (["K1", None, None, "李娜"], True),  # by id
        ([None, "别名", "13812345678", "李娜"], True),  # by phone
        ([None, "王建国", None, "李娜"], True),  # by name + agent
        ([None, "王建国", None, "赵强"], False),  # same name, other agent: not the same customer
        (["K404", "无名", "13000000000", "李娜"], False),
    ],
    ids=["id", "phone", "name-agent", "name-other-agent", "unknown"],
)
def test_contacts_link_by_id_then_phone_then_name_and_agent(tmp_path, rules, contact, linked):
    contacts = [["客户编号", "客户姓名", "联系电话", "跟进人", "跟进时间", "跟进方式", "跟进内容"],
                [*contact, "2026-11-02", "电话", "介绍户型"]]
    reg = read(tmp_path, [["K1", "王建国", "13812345678", "李娜", "2026-09-01"]], rules, {"跟进": contacts})
    assert len(reg.contacts) == int(linked)
    assert ("contact-unlinked" in slugs(reg)) is (not linked)


def test_every_row_read_is_a_customer_a_merge_or_a_problem(tmp_path, rules):
    rows = [
        ["K1", "王建国", "13812345678", "李娜", "2026-09-01"],
        ["K2", "陈静", "13912345678", "李娜", "2026-09-02"],
        ["K3", "陈静", "13912345678", "赵强", "2026-09-03"],  # conflict
        [None, None, None, "李娜", "2026-09-04"],  # nobody
        ["制表人：王经理"],
    ]
    reg = read(tmp_path, rows, rules)
    assert reg.rows_read == 5
    assert len(reg.customers) + len(reg.findings) == reg.rows_read


def test_a_sheet_without_customers_or_contacts_stops_the_run(tmp_path, rules):
    path = write_xlsx(tmp_path / "x.xlsx", {"说明": [["本表由销售部维护"]]})
    with pytest.raises(NoRegisterSheet, match="x.xlsx"):
        read_registers([path], rules, REF)


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "0 字节"),
        (b"PK\x03\x04truncated", "损坏"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptionInfo".encode("utf-16-le") + b"\x00" * 64, "密码"),
        (bytes(range(256)) * 4, "不是表格文件"),
    ],
    ids=["empty", "truncated-zip", "encrypted", "random-bytes"],
)
def test_unreadable_files_raise_a_chinese_reason(tmp_path, rules, content, words):
    path = tmp_path / "坏.xlsx"
    path.write_bytes(content)
    with pytest.raises(RegisterUnreadable, match=words):
        read_registers([path], rules, REF)


def test_gbk_csv_and_utf8_bom_csv_read_the_same(tmp_path, rules):
    text = "姓名,电话,业务员,跟进时间,跟进方式,跟进内容\n张伟,13811112222,王芳,2026-11-01,去电,介绍户型\n"
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes(text.encode("gb18030"))
    bom = tmp_path / "bom.csv"
    bom.write_bytes(text.encode("utf-8-sig"))
    a = read_registers([gbk], rules, REF).customers
    b = read_registers([bom], rules, REF).customers
    assert list(a["name"]) == list(b["name"]) == ["张伟"]


def test_a_csv_named_xlsx_is_read_by_its_content(tmp_path, rules):
    path = tmp_path / "其实是CSV.xlsx"
    path.write_bytes("客户姓名,联系电话,经纪人\n王建国,13812345678,李娜\n".encode("gb18030"))
    assert list(read_registers([path], rules, REF).customers["phone"]) == ["13812345678"]


def test_a_log_row_with_an_unusable_phone_joins_the_same_name_and_agent(tmp_path, rules):
    log = tmp_path / "log.csv"
    log.write_bytes(
        "姓名,电话,业务员,跟进时间,跟进方式,跟进内容\n"
        "王琴琳,13320056736,何雪,2026-11-01,去电,介绍户型\n"
        "王琴琳,无,何雪,2026-11-08,短信,节日问候\n".encode("gb18030")
    )
    reg = read_registers([log], rules, REF)
    assert list(reg.customers["phone"]) == ["13320056736"]
    assert reg.contacts["customer_id"].nunique() == 1 and len(reg.contacts) == 2


def test_namesakes_with_two_phones_are_not_guessed(tmp_path, rules):
    reg = read(tmp_path, [
        [None, "王伟", "13811110000", "李娜", "2026-10-01"],
        [None, "王伟", "13922220000", "李娜", "2026-10-02"],
        [None, "王伟", None, "李娜", "2026-10-03"],
    ], rules)
    assert len(reg.customers) == 3


def test_a_separate_log_never_takes_a_register_customer_away(tmp_path, rules):
    row = ["K001", "张三", "13812345678", "李四", "2026-10-01"]
    register = write_xlsx(tmp_path / "reg.xlsx", {"客户": [HEADER, row]})
    log = write_xlsx(tmp_path / "log.xlsx", {"跟进": [
        ["客户姓名", "联系电话", "跟进人", "跟进时间", "跟进方式", "跟进内容"],
        ["张三", "13812345678", "赵六", "2026-09-20", "去电", "介绍户型"],
        ["李雷", "13700001111", "赵六", "2026-09-21", "去电", "介绍户型"],
    ]})
    reg = read_registers([register, log], rules, REF)
    owners = dict(zip(reg.customers["name"], reg.customers["agent"], strict=True))
    assert owners == {"张三": "李四", "李雷": "赵六"}
    assert "ownership-conflict" not in slugs(reg)
    assert len(reg.contacts) == 2


def test_repeated_headers_titles_and_notes_below_the_footer_are_not_customers(tmp_path, rules):
    reg = read(tmp_path, [
        ["K1", "王建国", "13812345678", "李娜", "2026-10-01"],
        ["2026年12月客户来访登记表"],
        HEADER,
        ["K2", "陈静", "13912345678", "李娜", "2026-12-01"],
        ["制表人：王经理"],
        ["1、意向等级按公司标准判定"],
    ], rules)
    assert sorted(reg.customers["name"]) == ["王建国", "陈静"]
    assert slugs(reg) == ["footer-row", "footer-row", "header-repeated", "header-repeated"]


@pytest.mark.parametrize("header", [
    ["客户姓名(必填)", "联系电话", "置业顾问", "登记日期"],  # a note in the header's first cell
    ["*客户姓名", "联系电话", "置业顾问", "登记日期"],  # a required-field mark
    ["No.", "客户姓名", "联系电话", "置业顾问", "登记日期"],  # lower-case Latin, cleaned to NO.
    [None, "客户姓名", "联系电话", "置业顾问", "登记日期"],  # the first column has no header at all
], ids=["note", "asterisk", "latin", "unheaded-first-column"])
def test_a_repeated_header_is_found_whatever_its_first_cell(tmp_path, rules, header):
    numbers = len(header) - 4  # a leading 序号-like column
    repeated = ["11月", *header[1:]] if header[0] is None else header  # a month label in the unheaded column
    rows = [header, [*[1] * numbers, "王建国", "13812345678", "李娜", "2026-10-01"],
            repeated, [*[2] * numbers, "陈静", "13912345678", "李娜", "2026-11-01"]]
    reg = read_registers([write_xlsx(tmp_path / "r.xlsx", {"客户": rows})], rules, REF)
    assert sorted(reg.customers["name"]) == ["王建国", "陈静"]
    assert "header-repeated" in slugs(reg)


def test_an_event_list_with_an_organiser_is_an_event_list(tmp_path, rules):
    path = write_xlsx(tmp_path / "r.xlsx", {
        "客户": [HEADER, ["K1", "王建国", "13812345678", "李娜", "2026-10-01"]],
        "活动": [["活动名称", "活动日期", "联系人", "联系电话"], ["业主答谢会", "2026-11-28", "小王", "13600000000"]],
    })
    reg = read_registers([path], rules, REF)
    assert list(reg.customers["name"]) == ["王建国"]
    assert list(reg.events["event_name"]) == ["业主答谢会"]


def test_an_empty_register_template_is_reported_not_fatal(tmp_path, rules):
    path = write_xlsx(tmp_path / "r.xlsx", {"客户": [HEADER]})
    reg = read_registers([path], rules, REF)
    assert len(reg.customers) == 0 and slugs(reg) == ["sheet-no-rows"]


def test_one_id_written_with_two_phones_is_one_customer(tmp_path, rules):
    reg = read(tmp_path, [
        ["K001", "张三", "13812345678", "李娜", "2026-10-01"],
        ["K001", "张三", "13987654321", "李娜", "2026-10-05"],
    ], rules)
    assert list(reg.customers["customer_id"]) == ["K001"]
    assert slugs(reg) == ["customer-duplicate"]


def test_contacts_citing_a_merged_id_find_the_customer(tmp_path, rules):
    contacts = [["客户编号", "跟进人", "跟进时间", "跟进方式", "跟进内容"],
                ["K005", "李娜", "2026-11-02", "电话", "介绍户型"]]
    reg = read(tmp_path, [
        ["K004", "陈静", "13912345678", "李娜", "2026-10-01"],
        ["K005", "陈静", "13912345678", "李娜", "2026-10-09"],
    ], rules, {"跟进": contacts})
    assert list(reg.contacts["customer_id"]) == ["K004"]


def test_a_namesake_with_a_different_phone_is_not_linked(tmp_path, rules):
    contacts = [["客户姓名", "联系电话", "跟进人", "跟进时间", "跟进方式", "跟进内容"],
                ["王东", "15520003188", "李娜", "2026-11-02", "电话", "介绍户型"]]
    reg = read(tmp_path, [[None, "王东", "15935277242", "李娜", "2026-10-01"]], rules, {"跟进": contacts})
    assert len(reg.contacts) == 0 and slugs(reg) == ["contact-unlinked"]


def test_a_log_with_profile_columns_is_still_a_log(tmp_path, rules):
    header = ["客户姓名", "联系电话", "性别", "客户来源", "意向户型", "业务员", "跟进时间", "跟进方式", "跟进内容"]
    zhang = ["张伟", "13811112222", "男", "朋友介绍", "三房", "王芳"]
    rows = [[*zhang, f"2026-11-0{d}", "去电", "回访"] for d in (1, 3, 5)]
    rows.append(["李强", "13833334444", "男", "网络", "两房", "王芳", "2026-11-06", "短信", "问候"])
    path = write_xlsx(tmp_path / "log.xlsx", {"跟进": [header, *rows]})
    reg = read_registers([path], rules, REF)
    assert sorted(reg.customers["name"]) == ["张伟", "李强"]
    assert len(reg.contacts) == 4


def test_data_under_no_header_is_listed_in_the_mapping(tmp_path, rules):
    rows = [["客户姓名", "联系电话", None], ["王建国", "13812345678", "13900000000"]]
    path = write_xlsx(tmp_path / "r.xlsx", {"客户": rows})
    reg = read_registers([path], rules, REF)
    row = reg.mapping[reg.mapping["列"] == "C"].iloc[0]
    assert row["对应字段"] == "（忽略）" and "没有表头" in row["说明"]


def test_sheets_are_sized_by_their_unpacked_parts_largest_first(tmp_path):
    from crm_batch.ingest.files import sheet_sources

    rows = [[f"客户{i}", f"138{i:08d}"] for i in range(300)]
    path = write_xlsx(tmp_path / "r.xlsx", {"小": [["姓名", "电话"], *rows[:3]], "大": [["姓名", "电话"], *rows]})
    sources = sheet_sources(path, max_unpacked_mb=100)
    assert [s.sheet for s in sources] == ["小", "大"]  # in the workbook's order
    with zipfile.ZipFile(path) as zf:
        parts = sorted(i.file_size for i in zf.infolist() if i.filename.startswith("xl/worksheets/"))
    assert sorted(s.size for s in sources) == parts


def test_a_sheet_that_cannot_be_loaded_makes_its_file_unreadable_and_the_rest_is_read(tmp_path, rules):
    good = write_xlsx(tmp_path / "好.xlsx", {"客户": [HEADER, ["K1", "王建国", "13812345678", "李娜", "2026-10-01"]]})
    whole = write_xlsx(tmp_path / "whole.xlsx", {"客户": [HEADER, ["K2", "陈静", "13912345678", "李娜", "2026-10-02"]],
                                                 "跟进": [["姓名", "电话"], ["陈静", "13912345678"]]})
    damaged = tmp_path / "坏了一张表.xlsx"
    with zipfile.ZipFile(whole) as src, zipfile.ZipFile(damaged, "w") as dst:
        for info in src.infolist():
            if info.filename != "xl/worksheets/sheet2.xml":  # listed in the workbook, but gone
                dst.writestr(info, src.read(info))
    whole.unlink()
    reg = read_registers([good, damaged], rules, REF)
    assert list(reg.customers["customer_id"]) == ["K1"]  # nothing of the damaged file, not even its good sheet
    (problem,) = reg.findings.frame().itertuples(index=False)
    assert problem.代码 == "file-unreadable" and problem.文件 == "坏了一张表.xlsx" and "损坏" in problem.问题


def test_an_unreadable_register_survives_the_trip_from_the_helper_process():
    import pickle

    error = pickle.loads(pickle.dumps(RegisterUnreadable("登记表.xlsx", "文件已损坏")))
    assert (error.path, error.reason) == ("登记表.xlsx", "文件已损坏")
    assert str(error) == "无法读取登记表 登记表.xlsx：文件已损坏"


def test_rows_shifted_right_or_left_are_set_aside_and_an_empty_row_is_not(tmp_path, rules):
    reg = read(tmp_path, [
        ["K1", "王建国", "13812345678", "李娜", "2026-10-01", None],
        ["K3", None, "赵六", "13900001111", "李娜", "2026-10-03"],  # every value one column right
        ["王五", "13800002222", "李娜", "2026-10-04", None, None],  # one column left
        ["K9", "周七", None, "李娜", None, None],  # no phone or date at all: nothing to shift
    ], rules)
    assert list(reg.customers["customer_id"]) == ["K1", "K9"]
    shifted = reg.findings.frame().query("代码 == 'row-shifted'")
    assert list(shifted["行号"]) == [3, 4]
    assert list(shifted["问题"]) == ["整行疑似错位一列（电话、日期等值整体向右偏了一列）",
                                     "整行疑似错位一列（电话、日期等值整体向左偏了一列）"]


def test_a_workbook_whose_parts_are_damaged_is_reported_and_the_rest_is_read(tmp_path, rules):
    good = write_xlsx(tmp_path / "好.xlsx", {"客户": [HEADER, ["K1", "王建国", "13812345678", "李娜", "2026-10-01"]]})
    damaged = write_xlsx(tmp_path / "坏.xlsx", {"客户": [HEADER, ["K2", "陈静", "13912345678", "李娜", "2026-10-02"]]})
    data = bytearray(damaged.read_bytes())
    with zipfile.ZipFile(damaged) as zf:  # the deflated bytes of the workbook's relationships, inverted
        info = zf.getinfo("xl/_rels/workbook.xml.rels")
    lengths = data[info.header_offset + 26:info.header_offset + 30]  # file name and extra field
    start = info.header_offset + 30 + int.from_bytes(lengths[:2], "little") + int.from_bytes(lengths[2:], "little")
    data[start:start + info.compress_size] = bytes(b ^ 0xFF for b in data[start:start + info.compress_size])
    damaged.write_bytes(bytes(data))
    reg = read_registers([good, damaged], rules, REF)
    assert list(reg.customers["customer_id"]) == ["K1"]
    (problem,) = reg.findings.frame().itertuples(index=False)
    assert problem.代码 == "file-unreadable" and problem.文件 == "坏.xlsx" and "损坏" in problem.问题
