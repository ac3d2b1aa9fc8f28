"""Words the whole package shares, named once: risk and priority levels, the stages rules single out,
the label of a customer without an agent, and Excel's day 0.

The words a team may change live in the rules file; these are the ones the code itself
reasons with (the rules file's values are checked against them).
"""

from __future__ import annotations

import datetime as dt

# 风险 of a churn flag and 优先级 of an action, most urgent first.
LEVELS = ("高", "中", "低")

# 客户类型 the rules treat specially.
LOST_STAGE = "战败"
OWNER_STAGES = ("成交", "业主")
# A 意向/准客户 is judged like a visitor with the same number of visits; 战败 keeps the
# profile standard it had reached.
VISITOR_STAGES = ("来访", "意向", LOST_STAGE)

# Shown wherever a customer's agent is blank.
NO_AGENT = "（未填经纪人）"

# Excel's day 0: serial n is EXCEL_EPOCH + n days for every date from 1900-03-01 on (before it,
# Excel counts a 1900-02-29 that never was).
EXCEL_EPOCH = dt.date(1899, 12, 30)

# What the office's own words say about a customer (rules/office_words.py).
INVALID_LEAD = "无效线索"
PROBABLE_DEAL = "疑似成交"
PROPOSED_LOST = "建议战败"
