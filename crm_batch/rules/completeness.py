"""客户资料建档: each customer's stage and whether their profile is complete enough for it.

Stage (客户类型) comes from the register where it says so, else it is derived:
a signed deal is 成交 (业主 once handed over), a customer who visited is 来访,
anyone else 来电. The fields required and the threshold depend on the stage
and, for visitors, on the number of visits (SPEC §2); all of them come from
the rules' ``[completeness]`` table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_batch.fields import FIELDS
from crm_batch.rules import column, mark_patterns
from crm_batch.rules_config import Rules
from crm_batch.vocabulary import NO_AGENT, OWNER_STAGES, VISITOR_STAGES

FIELD_BY_LABEL = {f.label: f.key for f in FIELDS.values()}
# Fields even a bare follow-up log has: with only these, no profile was kept to judge.
UNSAID = ("name", "phone", "agent", "grade")
NOT_ASSESSED = "无法评估（登记表没有客户资料列）"


def derive_stage(customers: pd.DataFrame, contacts: pd.DataFrame) -> pd.DataFrame:
    """客户类型 and 来访次数 per customer, with the reason for the stage."""
    index = customers.index
    came = contacts["method"].eq("来访") if "method" in contacts else pd.Series(False, index=contacts.index)
    visit_counts = contacts[came.fillna(False)].groupby("customer_id").size() if len(contacts) else pd.Series()
    from_contacts = customers["customer_id"].map(visit_counts).fillna(0).astype("int64")
    written_visits = column(customers, "visits")
    visits = pd.to_numeric(written_visits, errors="coerce").fillna(from_contacts).astype("int64")

    signed = column(customers, "signed_at").notna()
    handed_over = column(customers, "handover_at").notna()
    derived = pd.Series(
        np.select([signed & handed_over, signed, visits >= 1], ["业主", "成交", "来访"], "来电"), index=index
    )
    derived_reason = pd.Series(
        np.select(
            [signed & handed_over, signed, visits >= 1],
            ["有成交日期和交房日期 → 业主", "有成交日期 → 成交", "来访 " + visits.astype(str) + " 次 → 来访"],
            "没有来访或成交记录 → 来电",
        ),
        index=index,
    )
    written = column(customers, "stage").astype("string")
    stage = written.fillna(derived)
    reason = ("登记表客户类型=" + written).fillna(derived_reason)
    return pd.DataFrame({"stage": stage, "visits": visits, "stage_reason": reason}, index=index)




def _keys(labels: list[str]) -> list[str]:
    return [FIELD_BY_LABEL[label] for label in labels]


def assess_completeness(customers: pd.DataFrame, stages: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """完整度: share of the stage's required fields that are filled, against its threshold."""
    cfg = rules["completeness"]
    basic = _keys(cfg["basic_fields"])
    deep = basic + _keys(cfg["deep_fields"])
    levels = {
        "first_call": (_keys(cfg["first_call_fields"]), cfg["first_call_threshold"], "来电（首次）"),
        "basic": (basic, cfg["basic_threshold"], "来访 1–2 次（基本资料）"),
        "deep": (deep, cfg["deep_threshold"], f"来访 {cfg['deep_visits']} 次以上（深入资料）"),
        "owner": (deep + _keys(cfg["owner_fields"]), cfg["owner_threshold"], "成交/业主（全部资料）"),
    }
    stage, visits = stages["stage"], stages["visits"]
    level = pd.Series(
        np.select(
            [stage.isin(OWNER_STAGES), stage.isin(VISITOR_STAGES) & (visits >= cfg["deep_visits"]),
             stage.isin(VISITOR_STAGES)],
            ["owner", "deep", "basic"],
            "first_call",
        ),
        index=customers.index,
    )
    keys = list(dict.fromkeys(k for fields, _, _ in levels.values() for k in fields))
    filled = np.zeros((len(customers), len(keys)), dtype=bool)
    for i, key in enumerate(keys):
        filled[:, i] = _is_filled(column(customers, key)).to_numpy()
    counts = np.zeros(len(customers), dtype="int64")
    required = np.zeros(len(customers), dtype="int64")
    thresholds = np.zeros(len(customers))
    standards = np.full(len(customers), "", dtype=object)
    missing = np.full(len(customers), "", dtype=object)
    for name, (fields, threshold, standard) in levels.items():
        mine = (level == name).to_numpy()
        mine_filled = filled[np.ix_(mine, [keys.index(k) for k in fields])]
        counts[mine] = mine_filled.sum(axis=1)
        required[mine] = len(fields)
        thresholds[mine] = threshold
        standards[mine] = standard
        missing[mine] = _listed(~mine_filled, [FIELDS[k].label for k in fields])
    out = pd.DataFrame({"filled": counts, "required": required, "threshold": thresholds, "standard": standards,
                        "missing": pd.array(missing, dtype="string")}, index=customers.index)
    out["completeness"] = out["filled"] / out["required"]
    # A float comparison tolerant of 3/10 landing a hair under 0.3.
    out["passed"] = out["completeness"] + 1e-9 >= out["threshold"]
    out["reason"] = (
        out["standard"] + "：填写 " + out["filled"].astype(str) + "/" + out["required"].astype(str)
        + "（" + (out["completeness"] * 100).round().astype(int).astype(str) + "%），要求 "
        + (out["threshold"] * 100).round().astype(int).astype(str) + "% → "
        + np.where(out["passed"], "达标", "未达标")
    )
    # A register with none of a level's profile columns (a bare follow-up log) cannot say how complete
    # a profile is: said so, not scored 0 % for everyone.
    judged = {name: not (set(fields) - set(UNSAID)) or any(k in customers for k in set(fields) - set(UNSAID))
              for name, (fields, _, _) in levels.items()}
    out["assessed"] = level.map(judged).astype(bool)
    unjudged = ~out["assessed"]
    out.loc[unjudged, "completeness"] = np.nan
    out.loc[unjudged, "passed"] = False
    out["missing"] = out["missing"].mask(unjudged)
    out["reason"] = out["reason"].mask(unjudged, NOT_ASSESSED)
    return out.drop(columns=["standard"])


def _listed(marks: np.ndarray, labels: list[str]) -> np.ndarray:
    """Per row of a boolean matrix, the labels of its marked columns joined by 、 ("" for none)."""
    patterns, which = mark_patterns(marks)
    texts = [("、".join(label for label, on in zip(labels, row, strict=True) if on)) for row in patterns]
    return np.array(texts, dtype=object)[which]


def _is_filled(values: pd.Series) -> pd.Series:
    text = values.astype("string").str.strip()
    return (text.notna() & (text != "")).fillna(False).astype(bool)


def pass_rate_by_agent(customers: pd.DataFrame, completeness: pd.DataFrame) -> pd.DataFrame:
    """Per agent: customers, how many pass, and the share that pass (资料达标率)."""
    passed = completeness["passed"].astype(bool)
    out = passed.groupby(customers["agent"].fillna(NO_AGENT).rename("经纪人")).agg(passed="sum", customers="size")
    out["rate"] = out["passed"] / out["customers"]
    return out
