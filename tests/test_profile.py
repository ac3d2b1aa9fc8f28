"""按内容 (ingest/profile.py): a column's values confirm its header's match, or decide a column no rule knows."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from crm_batch.ingest.register import read_registers
from crm_batch.rules_config import load_rules
from tests.conftest import write_xlsx

REF = dt.date(2026, 11, 29)
AGENTS = ["李娜", "赵强", "王芳"]
NAMES = ["王建国", "陈静", "刘洋", "孙丽", "周敏", "吴刚", "郑华", "欧阳娜娜", "黄磊", "林雪", "何平", "罗杰"]
MANY = [s + g for s in "赵钱孙李周吴郑王" for g in ("伟", "芳", "敏")]  # 24 customers


def phone(i: int) -> str:
    return f"138{i:08d}"


def mapping_of(reg) -> dict[str, tuple[str, str, str]]:
    """原表头 → (对应字段, 识别方式, 说明)."""
    return {r["原表头"]: (r["对应字段"], r["识别方式"], r["说明"]) for _, r in reg.mapping.iterrows()}


def test_a_column_of_mobiles_under_a_header_no_rule_knows_is_the_phone(tmp_path, rules):
    rows = [["客户姓名", "经纪人", "Ｌｉｎｅ ２"]] + [[n, AGENTS[i % 3], phone(i)] for i, n in enumerate(NAMES)]
    reg = read_registers([write_xlsx(tmp_path / "r.xlsx", {"客户": rows})], rules, REF)
    field, how, note = mapping_of(reg)["Ｌｉｎｅ ２"]
    assert (field, how) == ("联系电话", "按内容") and "100% 是手机号" in note
    assert list(reg.customers["phone"]) == [phone(i) for i in range(len(NAMES))]


def test_a_phone_header_over_dates_is_reported_and_not_used(tmp_path, rules):
    rows = [["客户姓名", "经纪人", "联系电话"]] + [[n, "李娜", f"2026-10-{i + 1:02d}"] for i, n in enumerate(NAMES)]
    reg = read_registers([write_xlsx(tmp_path / "r.xlsx", {"客户": rows})], rules, REF)
    field, how, note = mapping_of(reg)["联系电话"]
    assert field == "（忽略）" and "内容多为日期" in note
    problems = reg.findings.frame()
    assert problems.loc[problems["代码"] == "header-contradicted", "问题"].tolist() == [
        "表头与内容不符：表头像“联系电话”，但内容多为日期"]
    assert reg.customers["phone"].isna().all()  # no phone-invalid for each date, no dates as phones
    assert "phone-invalid" not in set(problems["代码"])


def test_a_contact_method_column_named_like_a_phone_is_read_as_the_method(tmp_path, rules):
    methods = ["电话", "微信", "到访", "电话", "去电", "微信", "来访", "电话", "微信", "到访", "电话", "去电"]
    rows = [["客户姓名", "手机", "跟进人", "沟通日期", "联系方式(电话/微信/到访)", "沟通记录"]] + [
        [n, phone(i), AGENTS[i % 3], f"2026-11-{i + 1:02d}", methods[i], "介绍了新的户型和优惠"]
        for i, n in enumerate(NAMES)]
    reg = read_registers([write_xlsx(tmp_path / "r.xlsx", {"跟进": rows})], rules, REF)
    field, how, _ = mapping_of(reg)["联系方式(电话/微信/到访)"]
    assert (field, how) == ("跟进方式", "按内容")
    assert list(reg.contacts["method"][:3]) == ["电话", "微信", "来访"] and len(reg.contacts) == len(NAMES)



def test_a_method_column_found_by_content_makes_an_unnamed_column_of_dates_the_contact_time(tmp_path, rules):
    """No header names a method or a date (类别, 时间): the 电话/微信 column is the method by its content,
    which makes the sheet a follow-up log, whose column of dates is then the contact time."""
    methods = ["电话", "微信", "来访"]
    rows = [["客户卡号", "类别", "时间", "顾问"]] + [
        [f"KH{i % 6:03d}", methods[i % 3], f"2026-11-{i + 1:02d}", AGENTS[i % 3]] for i in range(18)]
    reg = read_registers([write_xlsx(tmp_path / "r.xlsx", {"明细": rows})], rules, REF)
    mapping = mapping_of(reg)
    assert mapping["类别"][:2] == ("跟进方式", "按内容") and mapping["时间"][:2] == ("跟进时间", "按内容")
    assert len(reg.contacts) == 18 and reg.contacts["contact_at"].notna().all()

def test_names_that_repeat_on_every_row_are_the_agents_and_the_others_the_customers(tmp_path, rules):
    rows = [["甲", "联系电话", "乙", "登记日期"]] + [
        [n, phone(i), AGENTS[i % 3], "2026-11-01"] for i, n in enumerate(MANY)]
    reg = read_registers([write_xlsx(tmp_path / "r.xlsx", {"客户": rows})], rules, REF)
    found = mapping_of(reg)
    assert found["甲"][:2] == ("客户姓名", "按内容") and found["乙"][:2] == ("经纪人", "按内容")
    assert sorted(reg.customers["agent"].unique()) == sorted(AGENTS)


def test_lunar_birthdays_under_a_header_that_says_so_are_lunar(tmp_path, rules):
    from crm_batch import almanac

    rows = [["客户姓名", "联系电话", "经纪人", "公历生日", "农历生日"],
            ["王建国", phone(1), "李娜", "1980-03-08", None],
            ["陈静", phone(2), "李娜", None, "1985-08-15"],  # a lunar birthday written with digits
            ["刘洋", phone(3), "赵强", None, "八月廿九"]]
    reg = read_registers([write_xlsx(tmp_path / "r.xlsx", {"客户": rows})], rules, REF)
    assert list(reg.customers["birthday_type"]) == ["公历", "农历", "农历"]
    parsed = almanac.parse_birthdays(reg.customers["birthday"], reg.customers["birthday_type"], reference_year=2026)
    assert list(parsed["lunar"]) == [False, True, True]
    assert "header-duplicate" not in set(reg.findings.frame()["代码"])  # two calendars are no clash


def test_the_stronger_of_two_columns_for_one_field_wins_and_the_clash_is_reported(tmp_path, rules):
    rows = [["客户姓名", "联系电话", "常用手机", "经纪人"]] + [
        [n, phone(i), phone(i + 50), "李娜"] for i, n in enumerate(NAMES)]
    reg = read_registers([write_xlsx(tmp_path / "r.xlsx", {"客户": rows})], rules, REF)
    found = mapping_of(reg)
    assert found["联系电话"][:2] == ("联系电话", "同义词") and found["常用手机"][0] == "（忽略）"
    assert list(reg.customers["phone"]) == [phone(i) for i in range(len(NAMES))]
    assert "header-weaker" in set(reg.findings.frame()["代码"])


@pytest.mark.parametrize("values", [["A", "B", "1", "2", "3", "4", "5"], ["是", "否"] * 4],
                         ids=["too-few-or-mixed", "marks"])
def test_a_column_whose_content_is_unclear_is_left_alone(tmp_path, rules, values):
    rows = [["客户姓名", "联系电话", "经纪人", "某列"]] + [
        [NAMES[i], phone(i), "李娜", v] for i, v in enumerate(values)]
    reg = read_registers([write_xlsx(tmp_path / "r.xlsx", {"客户": rows})], rules, REF)
    assert mapping_of(reg)["某列"][0] == "（忽略）"


def test_profiles_are_measured_on_a_sample_of_each_column(rules):
    from crm_batch.ingest.profile import MEASURES, profiles

    column = pd.Series([phone(i) for i in range(800)] + ["2026-11-01"] * 200, dtype="string")
    found = profiles({0: column}, {0: set(MEASURES)}, rules, pd.Timestamp(REF))[0]
    assert found.values == rules.ingest["content_sample"] and found.mobile == 1.0 and found.date == 0.0


def test_a_column_that_is_not_read_is_a_data_problem_once(tmp_path, rules):
    """Nothing is dropped without a 数据问题 row: a header no rule knows, a header that could be two fields and
    data under no header are each one finding. A look-alike ruled out on purpose (序号, 顾问手机) is not."""
    rows = [["序号", "客户姓名", "联系电话", "经纪人", "顾问手机", "客户印象", "工作及收入", None]] + [
        [i + 1, n, phone(i), AGENTS[i % 3], "13900000000", "人很好", "老师", "x"] for i, n in enumerate(NAMES)]
    reg = read_registers([write_xlsx(tmp_path / "r.xlsx", {"客户": rows})], rules, REF)
    problems = reg.findings.frame()
    unread = problems[problems["代码"].isin(["column-unread", "column-unlabelled"])]
    assert sorted(zip(unread["字段"], unread["问题"], strict=True)) == [
        ("H 列", "这一列有数据但没有表头（可能是合并单元格的右半边）"),
        ("客户印象", "这一列没有读入：表头没有认出"),
        ("工作及收入", "这一列没有读入：可能是“职业”或“收入情况”，无法确定")]
    assert set(unread["行号"]) == {1}


def test_a_very_wide_sheet_lists_twenty_unread_columns_and_counts_the_rest(tmp_path, rules):
    extra = [f"附加{k}" for k in range(25)]
    rows = [["客户姓名", "联系电话", "经纪人", *extra]] + [
        [n, phone(i), AGENTS[i % 3], *["某"] * len(extra)] for i, n in enumerate(NAMES)]
    reg = read_registers([write_xlsx(tmp_path / "r.xlsx", {"客户": rows})], rules, REF)
    codes = reg.findings.frame()["代码"].value_counts().to_dict()
    assert codes.get("column-unread") == 20 and codes.get("columns-unread-more") == 1
    more = reg.findings.frame().query("代码 == 'columns-unread-more'").iloc[0]
    assert more["问题"] == "另有 5 列有数据但没有读入"
    team = tmp_path / "rules.toml"
    team.write_text("[ingest]\nunread_columns_listed = 30\n", encoding="utf-8")
    wider = read_registers([tmp_path / "r.xlsx"], load_rules(rules_file=team), REF).findings.frame()
    assert wider["代码"].value_counts().to_dict().get("column-unread") == 25
    assert "columns-unread-more" not in set(wider["代码"])
