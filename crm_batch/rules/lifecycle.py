"""生命周期: where each customer stands — 潜在/意向/准客户/成交/忠诚/沉睡/流失/战败.

Decided in this order, the first that holds wins:

1. 战败 — the register says so (approved or not; 流失预警 tracks the approval);
2. 忠诚 — a buyer who refers others or buys again (转介绍 counts, a referral
   tier, or a 贡献值 entry): loyal even when neglected, which 流失预警 flags;
3. 流失 — idle for more than ``lifecycle.lost_days``;
4. 沉睡 — idle for more than ``churn.sleep_days``;
5. 成交 — a buyer (成交/业主);
6. 准客户 — a top grade (``lifecycle.ready_grades``: A, or H/A for cars);
7. 意向 — an intent grade (``lifecycle.intent_grades``) or written stage 意向;
8. 潜在 — everyone else (D, or not graded yet).

"Idle" is the days since the last touch computed for the churn flags; a register
without any follow-up log leaves it unknown, so no one is 流失 or 沉睡 by guess.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_batch.rules import column
from crm_batch.rules_config import Rules
from crm_batch.vocabulary import LOST_STAGE, OWNER_STAGES


def lifecycle(customers: pd.DataFrame, profiles: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """生命周期 and the fact that decided it, per customer."""
    cfg = rules["lifecycle"]
    sleep_days = rules["churn"]["sleep_days"]
    stage = profiles["stage"].astype("string")
    grade = profiles["grade"].astype("string")
    idle = profiles["idle_days"].astype("float64")
    idle_text = profiles["idle_days"].astype("string").fillna("")

    referred = (pd.to_numeric(column(customers, "referred_visits"), errors="coerce").fillna(0)
                + pd.to_numeric(column(customers, "referred_signups"), errors="coerce").fillna(0))
    contribution = column(customers, "contribution").astype("string").str.strip()
    contributes = (contribution.notna() & (contribution != "") & ~contribution.isin(["无", "0", "否", "没有"]))
    buyer = stage.isin(OWNER_STAGES).fillna(False).astype(bool)
    loyal_why = pd.Series(
        np.select(
            [profiles["referral"].notna().to_numpy(), (referred > 0).to_numpy(), contributes.fillna(False).to_numpy()],
            ["转介绍等级=" + profiles["referral"].astype("string").fillna(""),
             "有转介绍（来访/办卡 " + referred.astype(int).astype(str) + "）",
             "贡献值=" + contribution.fillna("")],
            "",
        ),
        index=customers.index,
    )
    rows = [
        (LOST_STAGE, stage.eq(LOST_STAGE), "客户类型=" + LOST_STAGE),
        ("忠诚", buyer & (loyal_why != ""), stage.fillna("") + "，" + loyal_why),
        ("流失", idle > cfg["lost_days"], "已 " + idle_text + f" 天没有联系（超过 {cfg['lost_days']} 天）"),
        ("沉睡", idle > sleep_days, "已 " + idle_text + f" 天没有联系（超过 {sleep_days} 天）"),
        ("成交", buyer, "客户类型=" + stage.fillna("")),
        ("准客户", grade.isin(cfg["ready_grades"]), "计算等级=" + grade.fillna("")),
        ("意向", grade.isin(cfg["intent_grades"]) | stage.eq("意向"),
         pd.Series(np.where(grade.isin(cfg["intent_grades"]).fillna(False), "计算等级=" + grade.fillna(""),
                            "客户类型=意向"), index=customers.index)),
    ]
    conditions = [np.asarray(pd.Series(cond).fillna(False), dtype=bool) for _, cond, _ in rows]
    name = np.select(conditions, [n for n, _, _ in rows], "潜在")
    why = np.select(conditions, [pd.Series(r, index=customers.index).astype(object).to_numpy() for _, _, r in rows],
                    None)
    reason = pd.Series(why, index=customers.index, dtype="string")
    reason = reason.fillna("计算等级=" + grade.fillna("未分级") + "，尚无明确意向")
    return pd.DataFrame({"lifecycle": pd.Series(name, index=customers.index, dtype="string"),
                         "lifecycle_reason": reason}, index=customers.index)
