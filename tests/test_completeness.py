"""客户资料建档 (SPEC §2): stage and completeness, with cases computed by hand from the spec."""

from __future__ import annotations

import pandas as pd
import pytest

from crm_batch.errors import RulesInvalid
from crm_batch.rules.completeness import assess_completeness, derive_stage, pass_rate_by_agent
from crm_batch.rules_config import load_rules

FIRST_CALL = {"name": "王建国", "gender": "男", "phone": "13812345678", "source": "朋友介绍",
              "enquiry": "户型", "agent": "李娜"}
BASIC = {**FIRST_CALL, "age": 40, "address": "滨江区", "family": "三口之家", "occupation": "工程师",
         "purpose": "改善", "needs": "三房"}
DEEP_ONLY = {"living": "租房", "property_history": "首次", "relations": "和睦", "position": "经理",
             "income": "年薪30万", "character": "稳重", "hobbies": "钓鱼", "grade": "A", "circle": "企业主圈"}
NO_CONTACTS = pd.DataFrame({"customer_id": pd.Series(dtype="string"), "method": pd.Series(dtype="string")})


def assess(rows: list[dict], contacts: pd.DataFrame = NO_CONTACTS, rules=None):
    rules = rules or load_rules()
    customers = pd.DataFrame(rows)
    customers["customer_id"] = [f"K{i}" for i in range(len(customers))]
    stages = derive_stage(customers, contacts)
    return stages.join(assess_completeness(customers, stages, rules))


def test_first_call_with_all_six_passes():
    row = assess([{**FIRST_CALL, "stage": "来电"}]).iloc[0]
    assert (row.filled, row.required, bool(row.passed)) == (6, 6, True)


def test_first_call_missing_source_fails_and_names_it():
    row = assess([{**FIRST_CALL, "source": None, "stage": "来电"}]).iloc[0]
    assert (row.filled, bool(row.passed), row.missing) == (5, False, "信息获知途径")
    assert "5/6" in row.reason and "未达标" in row.reason


def test_one_visit_needs_30_percent_of_the_basic_ten():
    three = {"name": "王建国", "phone": "13812345678", "gender": "男"}
    row = assess([{**three, "stage": "来访", "visits": 1}]).iloc[0]
    assert (row.filled, row.required, bool(row.passed)) == (3, 10, True)
    row = assess([{"name": "王建国", "phone": "13812345678", "stage": "来访", "visits": 1}]).iloc[0]
    assert (row.filled, bool(row.passed)) == (2, False)


def test_five_visits_with_only_the_basic_ten_is_10_of_19_and_fails():
    row = assess([{**BASIC, "stage": "来访", "visits": 5}]).iloc[0]
    assert (row.filled, row.required, bool(row.passed)) == (10, 19, False)
    assert row.missing.split("、")[0] == "居住状况"


def test_intent_customer_is_judged_like_a_visitor():
    row = assess([{**BASIC, **DEEP_ONLY, "stage": "意向", "visits": 3}]).iloc[0]
    assert (row.filled, row.required, bool(row.passed)) == (19, 19, True)


def test_owner_needs_everything_including_birthday_and_contribution():
    row = assess([{**BASIC, **DEEP_ONLY, "birthday": "1980-05-01", "stage": "成交"}]).iloc[0]
    assert (row.filled, row.required, bool(row.passed), row.missing) == (20, 21, False, "贡献值")


@pytest.mark.parametrize(
    ("row", "stage", "why"),
    [
        ({"signed_at": pd.Timestamp("2026-05-01"), "handover_at": pd.Timestamp("2026-10-01")}, "业主", "交房"),
        ({"signed_at": pd.Timestamp("2026-05-01")}, "成交", "成交日期"),
        ({"visits": 2}, "来访", "来访 2 次"),
        ({}, "来电", "没有来访"),
        ({"stage": "外拓", "visits": 4}, "外拓", "登记表客户类型=外拓"),
    ],
    ids=["handed-over", "signed", "visited", "nothing", "explicit-wins"],
)
def test_stage_is_explicit_else_derived(row, stage, why):
    got = assess([{**FIRST_CALL, **row}]).iloc[0]
    assert got.stage == stage and why in got.stage_reason


def test_visits_are_counted_from_contacts_when_the_register_has_no_column():
    contacts = pd.DataFrame({"customer_id": ["K0", "K0", "K0", "K0"], "method": ["来访", "来访", "来访", "电话"]})
    row = assess([{**BASIC}], contacts).iloc[0]
    assert (row.stage, row.visits, row.required) == ("来访", 3, 19)


def test_pass_rate_by_agent():
    customers = pd.DataFrame({"agent": ["李娜", "李娜", "赵强"]})
    result = pd.DataFrame({"passed": [True, False, True]})
    rates = pass_rate_by_agent(customers, result)
    assert rates["rate"].to_dict() == {"李娜": 0.5, "赵强": 1.0}
    assert rates.loc["李娜", ["passed", "customers"]].tolist() == [1, 2]


def test_thresholds_and_fields_come_from_the_rules_file(tmp_path):
    team = tmp_path / "rules.toml"
    team.write_text("[completeness]\nfirst_call_fields = [\"客户姓名\", \"联系电话\"]\n", encoding="utf-8")
    row = assess([{"name": "王", "phone": "13812345678", "stage": "来电"}], rules=load_rules(rules_file=team)).iloc[0]
    assert (row.filled, row.required, bool(row.passed)) == (2, 2, True)


def test_an_unknown_field_name_in_the_rules_is_an_error(tmp_path):
    team = tmp_path / "rules.toml"
    team.write_text("[completeness]\nbasic_fields = [\"客户姓名\", \"星座\"]\n", encoding="utf-8")
    with pytest.raises(RulesInvalid, match="星座"):
        load_rules(rules_file=team)
