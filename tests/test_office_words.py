"""登记表里的说法 (rules/office_words.py): the grade cell and the latest note, read with the rules' word lists."""

from __future__ import annotations

import pandas as pd
import pytest

from crm_batch.rules.office_words import office_status


def customers(*grades: str | None) -> pd.DataFrame:
    return pd.DataFrame({"customer_id": [f"K{i}" for i in range(len(grades))], "grade_written": list(grades)})


def contacts(*notes: tuple[str, str, str | None]) -> pd.DataFrame:
    ids, days, texts = zip(*notes, strict=True) if notes else ((), (), ())
    return pd.DataFrame({"customer_id": list(ids), "contact_at": pd.to_datetime(list(days)), "content": list(texts)})


@pytest.mark.parametrize(("grade", "note", "status", "evidence"), [
    ("D类(无效)", "客户说再看看", "无效线索", "登记等级写作“D类(无效)”"),
    ("C", "打过去是空号", "无效线索", "最近跟进（2026-12-01）：“打过去是空号”"),
    ("A类(购买)", "已认购 4-1102，下周签约", "疑似成交", "最近跟进（2026-12-01）：“已认购 4-1102，下周签约”"),
    ("B", "客户交了定金", "疑似成交", "最近跟进（2026-12-01）：“客户交了定金”"),
    ("C", "暂时不考虑了，年后再说", "建议战败", "最近跟进（2026-12-01）：“暂时不考虑了，年后再说”"),
    ("B", "已经在别处买了", "建议战败", "最近跟进（2026-12-01）：“已经在别处买了”"),
    ("A", "还没认购，在等贷款", None, None),  # negated: not a deal
    ("A", "未排号", None, None),
    ("B", "不是空号，只是没人接", None, None),
    ("B", "约周末看房", None, None),
], ids=["grade-invalid", "note-empty-number", "subscribed", "deposit", "not-considering", "bought-elsewhere",
        "not-yet-subscribed", "not-queued", "not-an-empty-number", "ordinary"])
def test_a_customers_state_comes_from_the_grade_cell_or_the_latest_note(rules, grade, note, status, evidence):
    result = office_status(customers(grade), contacts(("K0", "2026-12-01", note)), rules)
    assert result["status"].iloc[0] == status if status else pd.isna(result["status"].iloc[0])
    assert result["status_evidence"].iloc[0] == evidence if evidence else pd.isna(result["status_evidence"].iloc[0])


def test_only_the_latest_note_counts(rules):
    # Said no in October, subscribed in November: a deal. Said yes, then changed their mind: out.
    result = office_status(customers("B", "B"), contacts(
        ("K0", "2026-10-01", "不考虑了"), ("K0", "2026-11-20", "已认购 6-803"),
        ("K1", "2026-10-01", "已排号"), ("K1", "2026-11-20", "不买了，退号"),
        ("K1", "2026-11-25", None),  # a contact without a note does not hide the last note
    ), rules)
    assert list(result["status"]) == ["疑似成交", "建议战败"]
    assert result["status_evidence"].iloc[1] == "最近跟进（2026-11-20）：“不买了，退号”"


def test_a_deal_in_the_note_wins_over_an_invalid_grade_and_nothing_is_said_without_notes(rules):
    result = office_status(customers("D类(无效)", None), contacts(("K0", "2026-11-20", "已签约")), rules)
    assert result["status"].iloc[0] == "疑似成交" and pd.isna(result["status"].iloc[1])
    empty = office_status(customers("A", "D类(无效)"), pd.DataFrame(), rules)
    assert pd.isna(empty["status"].iloc[0]) and empty["status"].iloc[1] == "无效线索"


def test_the_word_lists_are_the_teams(rules):
    from crm_batch.rules_config import Rules

    data = {**rules.data, "office_words": {**rules["office_words"], "out": ["去外地了"]}}
    result = office_status(customers("B", "B"), contacts(("K0", "2026-11-20", "去外地了"),
                                                         ("K1", "2026-11-20", "不考虑")), Rules(data, ()))
    assert result["status"].iloc[0] == "建议战败" and pd.isna(result["status"].iloc[1])
