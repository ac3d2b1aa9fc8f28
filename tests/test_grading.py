"""意向等级 (SPEC §3): hand-computed scores and grades."""

from __future__ import annotations

import pandas as pd
import pytest

from crm_batch.rules.grading import grade_intent
from crm_batch.rules_config import load_rules

CRITERIA = ("likes_product", "likes_price", "can_afford", "unit_chosen", "deciders_visited")


def grade(rows: list[dict], contacts: list[tuple[str, str]] = (), preset: str | None = None) -> pd.DataFrame:
    customers = pd.DataFrame(rows)
    customers["customer_id"] = [f"K{i}" for i in range(len(customers))]
    contact_frame = pd.DataFrame(list(contacts) or None, columns=["customer_id", "method"])
    return grade_intent(customers, contact_frame, load_rules(preset))


def marks(*values: str) -> dict:
    return dict(zip(CRITERIA, values, strict=True))


def calls(n: int, customer: str = "K0") -> list[tuple[str, str]]:
    return [(customer, "电话")] * n


@pytest.mark.parametrize(
    ("values", "n_calls", "score", "expected"),
    [
        (("是", "是", "是", "是", "是"), 3, 100, "A"),
        (("是", "部分", "是", "是", "否"), 3, 80, "B"),  # 20+10+20+15+15+0
        (("是", "是", "是", "否", "否"), 3, 75, "B"),
        (("是", "是", "部分", "否", "否"), 1, 57.5, "D"),  # 20+20+10+0+7.5+0
        (("是", "是", "是", "否", "否"), 0, 60, "C"),
        (("是", "是", "是", "是", "部分"), 3, 95, "A"),
    ],
    ids=["all-yes", "spec-example-80", "75", "57.5", "exactly-60", "95"],
)
def test_score_and_bands(values, n_calls, score, expected):
    row = grade([marks(*values)], calls(n_calls)).iloc[0]
    assert (row.score, row.grade) == (score, expected)
    assert f"{float(score)} 分 → {expected}" in row.grade_reason


def test_core_criterion_no_forces_D_even_with_everything_else_yes():
    row = grade([marks("是", "否", "是", "是", "是")], calls(5)).iloc[0]
    assert row.grade == "D"
    assert row.grade_reason.startswith("认同价格=否 → D")


def test_attention_is_counted_from_calls_and_visits_only():
    contacts = [("K0", "电话"), ("K0", "来访"), ("K0", "短信"), ("K0", "微信")]
    row = grade([marks("是", "是", "是", "是", "是")], contacts).iloc[0]
    assert row.score == 92.5 and "关注度=部分(2次)" in row.grade_reason


def test_score_only_register_is_graded_by_the_score():
    rows = grade([{"score": 91}, {"score": 65}, {"score": 12}])
    assert list(rows["grade"]) == ["A", "C", "D"]
    assert rows.iloc[0].grade_reason == "意向得分 91 → A"


def test_written_grade_only_is_kept_and_never_a_mismatch():
    row = grade([{"grade": "B"}]).iloc[0]
    assert (row.grade, bool(row.mismatch)) == ("B", False)
    assert "沿用登记等级 B" in row.grade_reason


def test_computed_grade_beside_written_grade_flags_a_mismatch():
    row = grade([{**marks("是", "是", "是", "是", "是"), "grade": "C"}], calls(3)).iloc[0]
    assert (row.grade, row.grade_written, bool(row.mismatch)) == ("A", "C", True)


@pytest.mark.parametrize(
    ("window", "expected"),
    [("已订车", "H"), ("一周内提车", "H"), ("本月", "A"), ("一个月内", "A"), ("两个月内", "B"), ("1-3个月", "B"),
     ("半年以后", "C")],
    ids=["ordered", "this-week", "this-month", "within-a-month", "within-two-months", "quarter", "later"],
)
def test_auto_dealer_grades_habc_from_the_purchase_window(window, expected):
    row = grade([{"purchase_window": window, "grade": "B"}], preset="auto_dealer").iloc[0]
    assert row.grade == expected and window in row.grade_reason


def test_auto_dealer_without_a_window_keeps_the_written_grade():
    row = grade([{"grade": "H"}], preset="auto_dealer").iloc[0]
    assert row.grade == "H" and "沿用登记等级" in row.grade_reason


@pytest.mark.parametrize(
    ("visits", "signups", "tier"),
    [(20, 10, "老母鸡"), (25, 9, "小母鸡"), (10, 5, "小母鸡"), (9, 5, None), (None, None, None)],
    ids=["big-hen", "many-visits-few-cards", "small-hen", "just-below", "no-data"],
)
def test_referral_tier(visits, signups, tier):
    from crm_batch.rules.grading import referral_tier

    customers = pd.DataFrame({"referred_visits": [visits], "referred_signups": [signups]})
    row = referral_tier(customers, load_rules()).iloc[0]
    assert (row.referral if isinstance(row.referral, str) else None) == tier
    if tier:
        assert row.referral_reason == f"转介绍来访 {visits} 人、办卡 {signups} 张 → {tier}"
