"""What the report says about the audit: 总览's audit paragraph, 合规汇总's sections, the decisions read back.

A manager must be able to defend every line of 罚款明细 to the agent, so 总览
says what was audited: the audit week and the days the register covers
(数据截至 …), each duty audited or not and why, what was charged, what was
left 待核实, and how much the manager has confirmed so far.
"""

from __future__ import annotations

import pandas as pd

from crm_batch.pipeline import WeeklyResult
from crm_batch.report.workbook import Block, Column
from crm_batch.rules.compliance import TOTAL
from crm_batch.rules.coverage import CALLS, GREETINGS, NOTICES, OUTREACH, VERIFIED, Evidence
from crm_batch.rules.penalties import (
    APPRECIATION,
    CHARGED,
    CONFIRMED,
    EVENT,
    FAKE_RULES,
    GREETING,
    MONTHLY_CALL,
    OUTREACH_CALL,
    PENDING,
    UNKNOWN_SINCE,
    WAIVED,
)
from crm_batch.vocabulary import PROBABLE_DEAL

RULES_OF = {GREETINGS: (GREETING,), NOTICES: (APPRECIATION, EVENT), CALLS: (MONTHLY_CALL,),
            OUTREACH: (OUTREACH_CALL,), VERIFIED: FAKE_RULES}
DECISION_PROBLEM_COLUMNS = [Column("文件", "文件"), Column("行号", "行号", "int", width=7),
                            Column("罚款编号", "罚款编号", width=13), Column("主管确认", "主管确认", width=10),
                            Column("问题", "问题", width=60)]


def _money(amount: float) -> str:
    return f"¥{amount:,.0f}"


def _duty_said(evidence: Evidence, fines: pd.DataFrame, result: WeeklyResult) -> str:
    """One duty: audited or not, why, and what it gave."""
    mine = fines[fines["rule"].isin(RULES_OF[evidence.duty])]
    charged = mine["status"].eq(CHARGED)
    pending = int((~charged).sum())
    if evidence.duty == NOTICES and not _events_in_week(result):
        later = "" if evidence.auditable else f"（有活动时也无法稽核：{evidence.summary}）"
        return "稽核周没有答谢或营销活动" + later
    if not evidence.auditable:
        if evidence.duty == VERIFIED:
            return f"无法稽核：{evidence.said()}"
        listed = f"；{pending:,} 条列为待核实（不计金额，可以抽查）" if pending else ""
        facts = "\n依据：" + evidence.facts.replace("；", "\n") if evidence.facts else ""
        return f"无法稽核，不罚款：{evidence.summary}{listed}{facts}"
    said = f"罚款 {int(charged.sum()):,} 笔 {_money(mine.loc[charged, 'suggested'].sum())}" if charged.any() \
        else "没有罚款"
    if pending:
        said += f"，待核实 {pending:,} 条（{_pending_why(mine.loc[~charged, 'reason'], result)}）"
    if evidence.duty == CALLS and not any(d.is_month_end for d in pd.date_range(result.coverage.start,
                                                                                result.coverage.end)):
        said = "稽核周里没有月末，本周不考核"
    return f"已稽核：{said}。依据：{evidence.said()}"


def _pending_why(reasons: pd.Series, result: WeeklyResult) -> str:
    """Why a duty's 待核实 cases are not charged, counted: 数据截至 2027-01-01 4 · 疑似成交 13."""
    text = reasons.astype("string").fillna("")
    causes = {result.coverage.gap(): result.coverage.gap(), "登记日期不详": UNKNOWN_SINCE, PROBABLE_DEAL: PROBABLE_DEAL}
    counts = {label: int(text.str.contains(word, regex=False).sum()) for label, word in causes.items()}
    return " · ".join(f"{label} {n:,}" for label, n in counts.items() if n) or "见“罚款明细”的判定依据"


def _events_in_week(result: WeeklyResult) -> bool:
    events = result.register.events
    if not len(events) or "event_date" not in events:
        return False
    return bool(events["event_date"].between(pd.Timestamp(result.coverage.start),
                                             pd.Timestamp(result.coverage.end)).any())


def pending_by_duty(result: WeeklyResult) -> dict[str, int]:
    """待核实 cases of each duty the register cannot evidence (for the console)."""
    fines = result.fines
    return {e.headline: int((fines["rule"].isin(RULES_OF[e.duty]) & fines["status"].eq(PENDING)).sum())
            for e in result.coverage.evidence if not e.auditable}


def audit_rows(result: WeeklyResult) -> list[tuple[str, str]]:
    """总览's audit paragraph: days covered, each duty, the totals suggested and confirmed, the decisions read."""
    coverage, fines = result.coverage, result.fines
    if coverage is None:
        return []
    rows = [("稽核天数", coverage.days_said())]
    rows += [(f"稽核·{e.duty}", _duty_said(e, fines, result)) for e in coverage.evidence]
    return [*rows, ("罚款合计（稽核周）", fine_totals(fines)), ("主管确认", decisions_said(result))]


def fine_totals(fines: pd.DataFrame) -> str:
    """建议 (what the register proves) and 确认 (what the manager confirmed so far)."""
    charged = fines["status"].eq(CHARGED)
    decision = fines["decision"].astype("string")
    confirmed = decision.eq(CONFIRMED).fillna(False)
    waived = (decision.eq(WAIVED).fillna(False) & charged).sum()
    open_ = (charged & ~confirmed & ~decision.eq(WAIVED).fillna(False)).sum()
    said = (f"建议 {int(charged.sum()):,} 笔 {_money(fines['suggested'].sum())}；已确认 {int(confirmed.sum()):,} 笔 "
            f"{_money(fines['confirmed'].sum())}，免罚 {int(waived):,} 笔，未确认 {int(open_):,} 笔")
    pending = int(fines["status"].eq(PENDING).sum())
    return said + (f"；待核实 {pending:,} 条（不计金额）" if pending else "")


def decisions_said(result: WeeklyResult) -> str:
    book = result.decisions
    if not len(book.read) and not len(book.problems):
        stored = int(book.table["decision"].notna().sum()) if len(book.table) else 0
        kept = f"历史里保存的决定 {stored:,} 条照旧有效；" if stored else ""
        return (f"{kept}本次没有读到新的决定。在“罚款明细”的“主管确认”列里选 确认 / 免罚 / 待核实（可写备注），"
                "保存后下次运行时读回")
    counts = book.counts()
    files = "、".join(sorted(set(book.read["file"]))) if len(book.read) else "—"
    said = f"本次读取 {len(book.read):,} 条（" + "、".join(f"{k} {v}" for k, v in counts.items()) + f"），来自 {files}"
    if len(book.problems):
        said += f"；{len(book.problems):,} 条没有采用或有疑问，见下方“主管确认未能采用”"
    return said


def decision_blocks(result: WeeklyResult) -> list[Block]:
    """总览: the decisions that could not be used, each with its file, row and reason."""
    problems = result.decisions.problems
    if not len(problems):
        return []
    return [Block("主管确认未能采用", DECISION_PROBLEM_COLUMNS, problems)]


def coverage_blocks(result: WeeklyResult) -> list[Block]:
    """合规汇总: one section per duty the register cannot evidence, with its 待核实 cases per agent."""
    coverage, fines = result.coverage, result.fines
    if coverage is None:
        return []
    blocks = []
    for evidence in coverage.evidence:
        cases = fines[fines["rule"].isin(RULES_OF[evidence.duty]) & fines["status"].eq(PENDING)]
        if evidence.auditable or cases.empty:
            continue
        per_agent = cases.groupby("agent").agg(pending=("key", "size"), customers=("cust", "nunique"))
        per_agent = per_agent.sort_index().reset_index()
        per_agent.loc[len(per_agent)] = [TOTAL, int(per_agent["pending"].sum()), int(cases["cust"].nunique())]
        columns = [Column("经纪人", "agent"), Column("待核实", "pending", "int"), Column("客户数", "customers", "int")]
        blocks.append(Block(evidence.headline, columns, per_agent))
    return blocks
