"""意向等级: the grade the rules give a customer, beside the grade the agent wrote.

Real estate scores six criteria (认同产品, 认同价格, 购买能力, 意向落点, 关注度,
决策人来访) as 是/部分/否 with weights; the score falls into bands (A ≥ 90,
B ≥ 70, C ≥ 60, else D), and a core criterion explicitly 否 means D. A register
with only a score is graded by the score; one with only a written grade keeps
it. The auto-dealer preset grades HABC from the expected purchase window.
Every grade carries its 判定依据.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_batch.rules.completeness import FIELD_BY_LABEL
from crm_batch.rules_config import Rules

ATTENTION = "关注度"  # counted from the contacts, not a register column


def attention_marks(
    customers: pd.DataFrame, contacts: pd.DataFrame, rules: Rules
) -> tuple[pd.Series, pd.Series]:
    """关注度 and the count behind it: 是 with enough calls or visits, 部分 with at least one, else 否."""
    cfg = rules["grading"]
    if len(contacts) and "method" in contacts:
        counted = contacts[contacts["method"].isin(cfg["attention_methods"]).fillna(False)]
        per_customer = counted.groupby("customer_id").size()
    else:
        per_customer = pd.Series(dtype="int64")
    n = customers["customer_id"].map(per_customer).fillna(0).astype("int64")
    return pd.Series(np.select([n >= cfg["attention_yes"], n >= 1], ["是", "部分"], "否"), index=customers.index), n


def _band(score: pd.Series, rules: Rules) -> pd.Series:
    cfg = rules["grading"]
    conditions = [score >= floor for _, floor in cfg["bands"]]
    return pd.Series(np.select(conditions, [g for g, _ in cfg["bands"]], cfg["lowest"]), index=score.index)


def grade_intent(customers: pd.DataFrame, contacts: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """计算等级 with score and reason; 等级不符 where the agent's written grade differs."""
    method = rules["grading"]["method"]
    out = _by_window(customers, rules) if method == "window" else _by_criteria(customers, contacts, rules)
    written = customers["grade"] if "grade" in customers else pd.Series(pd.NA, index=customers.index)
    out["grade_written"] = written
    out["mismatch"] = written.notna() & out["grade"].notna() & (written != out["grade"])
    return out


def _by_criteria(customers: pd.DataFrame, contacts: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    cfg = rules["grading"]
    index = customers.index
    attention, contact_count = attention_marks(customers, contacts, rules)
    marks = {}
    for label in cfg["weights"]:
        if label == ATTENTION:
            marks[label] = attention
        else:
            key = FIELD_BY_LABEL[label]
            marks[label] = customers[key] if key in customers else pd.Series(pd.NA, index=index, dtype="object")
    register_criteria = [label for label in cfg["weights"] if label != ATTENTION]
    has_criteria = pd.concat([marks[label].notna() for label in register_criteria], axis=1).any(axis=1)

    score = pd.Series(0.0, index=index)
    parts = pd.Series("", index=index, dtype="string")
    for label, weight in cfg["weights"].items():
        mark = marks[label].astype("string")
        value = mark.map({"是": 1.0, "部分": cfg["partial_factor"], "否": 0.0}).astype("float64").fillna(0.0)
        score += weight * value
        shown = mark.fillna("未填")
        if label == ATTENTION:
            shown = shown + "(" + contact_count.astype(str) + "次)"
        parts = parts + "、" + label + "=" + shown
    parts = parts.str.lstrip("、")
    core_no = pd.DataFrame({label: marks[label].eq("否").fillna(False).astype(bool) for label in cfg["core"]})
    vetoed = core_no.any(axis=1)
    first_no = core_no.idxmax(axis=1).astype("string").where(vetoed)

    by_score = _band(score, rules)
    grade = by_score.mask(vetoed, cfg["lowest"])
    reason = parts + " → " + score.round(1).astype(str) + " 分 → " + by_score
    reason = reason.mask(vetoed, first_no + "=否 → " + cfg["lowest"] + "（核心项为否）")

    # Registers without the criteria: a score column, else the agent's own written grade.
    written_score = pd.to_numeric(customers["score"], errors="coerce") if "score" in customers else None
    if written_score is not None:
        use = ~has_criteria & written_score.notna()
        grade = grade.mask(use, _band(written_score, rules))
        score = score.mask(use, written_score)
        reason = reason.mask(use, "意向得分 " + written_score.astype(str) + " → " + _band(written_score, rules))
        has_criteria = has_criteria | use
    written = customers["grade"] if "grade" in customers else pd.Series(pd.NA, index=index)
    no_basis = ~has_criteria
    grade = grade.mask(no_basis, written)
    score = score.mask(no_basis)
    reason = reason.mask(no_basis & written.notna(), "登记表没有六项标准，沿用登记等级 " + written.astype("string"))
    reason = reason.mask(no_basis & written.isna(), "没有六项标准、得分或登记等级，无法判定")
    return pd.DataFrame({"score": score, "grade": grade.where(grade.notna(), None), "grade_reason": reason})


def _by_window(customers: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """HABC from 预计购买时间 (auto dealers); the written grade when the window says nothing."""
    index = customers.index
    window = customers["purchase_window"].astype("string") if "purchase_window" in customers else (
        pd.Series(pd.NA, index=index, dtype="string"))
    grade = pd.Series(pd.NA, index=index, dtype="string")
    # Longest spelling first across all levels: “两个月内” is B, though “一个月内” would end the same way.
    spellings = sorted(((w, level) for level, ws in rules["grading"]["windows"].items() for w in ws),
                       key=lambda pair: len(pair[0]), reverse=True)
    for word, level in spellings:
        hit = window.str.contains(word, regex=False, na=False) & grade.isna()
        grade = grade.mask(hit, level)
    reason = "预计购买时间“" + window + "” → " + grade
    written = customers["grade"].astype("string") if "grade" in customers else pd.Series(pd.NA, index=index)
    fallback = grade.isna()
    reason = reason.mask(fallback & written.notna(), "没有可判定的预计购买时间，沿用登记等级 " + written)
    reason = reason.mask(fallback & written.isna(), "没有预计购买时间或登记等级，无法判定")
    grade = grade.fillna(written)
    return pd.DataFrame({"score": pd.Series(np.nan, index=index), "grade": grade, "grade_reason": reason})



def referral_tier(customers: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """转介绍等级: 老母鸡 / 小母鸡 from referred visits and sign-ups, with the reason."""
    index = customers.index
    visits = pd.to_numeric(customers.get("referred_visits", pd.Series(np.nan, index=index)), errors="coerce")
    signups = pd.to_numeric(customers.get("referred_signups", pd.Series(np.nan, index=index)), errors="coerce")
    tiers = rules["referral"]["tiers"]
    visits, signups = visits.astype("float64"), signups.astype("float64")
    conditions = [((visits >= v) & (signups >= s)).to_numpy(dtype=bool) for _, v, s in tiers]
    tier = pd.Series(np.select(conditions, [name for name, _, _ in tiers], ""), index=index)
    reason = ("转介绍来访 " + visits.fillna(0).astype(int).astype(str) + " 人、办卡 "
              + signups.fillna(0).astype(int).astype(str) + " 张 → " + tier)
    return pd.DataFrame({"referral": tier.replace("", None), "referral_reason": reason.where(tier != "")})
