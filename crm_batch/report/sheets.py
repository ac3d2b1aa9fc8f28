"""What each sheet shows: columns, kinds and order, declared as data.

The order follows SPEC §8 (总览 … 数据问题); sheets whose rules are not built
yet are simply not listed, never written empty. 列映射 (column mapping) comes
last: it is the reader's own report, for the person who keeps the register.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from crm_batch import almanac
from crm_batch.calendar import WEEKDAYS
from crm_batch.messages import company_name
from crm_batch.pipeline import WeeklyResult
from crm_batch.report.audit import audit_rows, coverage_blocks, decision_blocks
from crm_batch.report.workbook import Block, Chart, Column, Table
from crm_batch.rules.completeness import NOT_ASSESSED
from crm_batch.rules.compliance import TOTAL
from crm_batch.rules.coverage import GREETINGS
from crm_batch.rules.penalties import CHARGED, CONFIRMED, DECISIONS, PENDING, TO_CHECK, WAIVED
from crm_batch.rules.schedule import capacities
from crm_batch.rules_config import Rules
from crm_batch.vocabulary import LEVELS

PROBLEM_COLUMNS = [
    Column("文件", "文件"),
    Column("工作表", "工作表"),
    Column("行号", "行号", "int", width=7),
    Column("字段", "字段"),
    Column("原值", "原值", width=30),
    Column("问题", "问题", width=40),
    Column("处理", "处理", width=40),
]

MAPPING_COLUMNS = [
    Column("文件", "文件"),
    Column("工作表", "工作表"),
    Column("用途", "用途"),
    Column("表头行", "表头行", "int", width=8),
    Column("列", "列", width=6),
    Column("原表头", "原表头", width=30),
    Column("对应字段", "对应字段", width=18),
    Column("识别方式", "识别方式", width=10),
    Column("说明", "说明", width=30),
]

CUSTOMER_LIST_COLUMNS = [
    Column("客户编号", "customer_id"),
    Column("客户姓名", "name"),
    Column("联系电话", "phone"),
    Column("经纪人", "agent"),
    Column("客户类型", "stage"),
    Column("登记等级", "grade"),
    Column("登记日期", "registered_at", "date"),
    Column("来源文件", "_file"),
    Column("行号", "_row", "int", width=7),
]


# Who the row is about: the first columns of every per-customer sheet.
CUSTOMER_KEY_COLUMNS = [
    Column("客户编号", "customer_id"),
    Column("客户姓名", "name"),
    Column("经纪人", "agent"),
    Column("阶段", "stage", width=8),
]

GRADE_COLUMNS = [
    *CUSTOMER_KEY_COLUMNS,
    Column("意向得分", "score", "number", width=9),
    Column("计算等级", "grade", "center", width=9),
    Column("登记等级", "grade_written", "center", width=9),
    Column("等级不符", "不符", "center", width=9),
    Column("转介绍等级", "referral", width=10),
    Column("生命周期", "lifecycle", width=9),
    Column("完整度", "completeness", "percent", width=9),
    Column("最近联系", "last_contact", "date"),
    Column("下次应联系", "next_due", "date"),
    Column("预警", "alerts", width=16),
    Column("提示", "提示", width=40),
    Column("判定依据", "判定依据", width=80),
]


def _customer_profiles(result: WeeklyResult) -> pd.DataFrame:
    """Each customer's identity beside everything the rules computed for them."""
    return result.register.customers[["customer_id", "name", "agent"]].join(result.profiles)


def grade_frame(result: WeeklyResult) -> pd.DataFrame:
    """客户分级: every customer, by agent, disagreements between computed and written grade first."""
    frame = _customer_profiles(result)
    frame["不符"] = frame["mismatch"].map({True: "是", False: ""})
    # The dates stand in their own columns; the reason adds the facts behind the grade and the rule.
    frame["判定依据"] = (frame["grade_reason"] + "；" + frame["cadence_rule"]
                        + "；生命周期=" + frame["lifecycle"] + "（" + frame["lifecycle_reason"] + "）")
    frame["提示"] = customer_notes(frame)
    return frame.sort_values(["agent", "mismatch", "grade", "name"], ascending=[True, False, True, True],
                             kind="stable")


def customer_notes(frame: pd.DataFrame) -> pd.Series:
    """提示: what the office's words say (无效线索, 疑似成交, 建议战败) and the notes that are no alerts (未回笼)."""
    status = frame["status"].astype("string") if "status" in frame else pd.Series(pd.NA, index=frame.index)
    evidence = frame["status_evidence"].astype("string") if "status_evidence" in frame else status
    said = (status + "：" + evidence.fillna("")).astype("string")
    notes = frame["notes"].astype("string") if "notes" in frame else pd.Series(pd.NA, index=frame.index)
    both = said + "；" + notes
    return both.fillna(said).fillna(notes).astype("string")


COMPLETENESS_COLUMNS = [
    *CUSTOMER_KEY_COLUMNS,
    Column("来访次数", "visits", "int", width=9),
    Column("完整度", "completeness", "percent", width=9),
    Column("达标线", "threshold", "percent", width=9),
    Column("是否达标", "达标", width=9),
    Column("缺少的资料", "missing", width=50),
    Column("判定依据", "reason", width=50),
]


def completeness_frame(result: WeeklyResult) -> pd.DataFrame:
    """资料完整性: every customer, failing ones first, least complete first."""
    frame = _customer_profiles(result)
    frame = frame[frame["assessed"]].copy()
    frame["达标"] = frame["passed"].map({True: "达标", False: "未达标"})
    return frame.sort_values(["passed", "completeness", "agent", "name"], kind="stable")


CHURN_COLUMNS = [
    *CUSTOMER_KEY_COLUMNS,
    Column("计算等级", "grade", "center", width=9),
    Column("生命周期", "lifecycle", width=9),
    Column("风险", "risk", "center", width=7),
    Column("预警", "alerts", width=16),
    Column("最近联系", "last_touch", "date"),
    Column("未联系天数", "idle_days", "int", width=10),
    Column("建议动作", "action", width=36),
    Column("判定依据", "churn_reason", width=80),
]


def churn_frame(result: WeeklyResult) -> pd.DataFrame:
    """流失预警: one row per flagged customer, highest risk first, then by agent, longest idle first."""
    frame = _customer_profiles(result)
    frame = frame[frame["alerts"].notna()].copy()
    frame["_risk"] = frame["risk"].map({r: i for i, r in enumerate(LEVELS)})
    frame = frame.sort_values(["_risk", "agent", "idle_days", "name"], ascending=[True, True, False, True],
                              kind="stable", na_position="last")
    return frame.drop(columns="_risk")


ACTION_COLUMNS = [
    Column("日期", "date", "date"),
    Column("经纪人", "agent"),
    Column("顺序", "order", "int", width=6),
    Column("客户编号", "customer_id"),
    Column("客户姓名", "name"),
    Column("电话", "phone", width=13),
    Column("等级", "grade", "center", width=6),
    Column("行动类型", "types", width=20),
    Column("原因", "reasons", "wrap", width=46),
    Column("上次跟进", "last_note", "wrap", width=24),
    Column("话术/短信草稿", "draft", "wrap", width=60),
    Column("优先级", "priority", "center", width=7),
]


def _with_people(frame: pd.DataFrame, result: WeeklyResult) -> pd.DataFrame:
    """Rows keyed by ``cust`` with the customer's id, name, phone and grade beside them (blank for a group send)."""
    people = result.register.customers[["customer_id", "name", "phone"]].join(result.profiles[["grade"]])
    cust = frame["cust"] if "cust" in frame else pd.Series(pd.NA, index=frame.index)
    found = people.reindex(cust.to_numpy())
    return frame.assign(**{c: found[c].to_numpy() for c in people})


def actions_frame(result: WeeklyResult) -> pd.DataFrame:
    """本周行动: by agent and day, in the order worth doing; a group send names its recipients' count."""
    frame = _with_people(result.actions, result)
    if "recipients" in frame:
        group = frame["recipients"].notna()
        frame.loc[group, "name"] = "群发 " + frame.loc[group, "recipients"].astype("Int64").astype("string") + " 位"
    frame = frame.sort_values(["agent", "date", "order"], kind="stable", na_position="last")
    return frame


WAITING_COLUMNS = [
    Column("经纪人", "agent"),
    Column("客户编号", "customer_id"),
    Column("客户姓名", "name"),
    Column("电话", "phone", width=13),
    Column("等级", "grade", "center", width=6),
    Column("行动类型", "types", width=20),
    Column("原因", "reasons", "wrap", width=50),
    Column("上次跟进", "last_note", "wrap", width=24),
    Column("应做日期", "date", "date"),
    Column("为什么没排上", "why", width=34),
    Column("优先级", "priority", "center", width=7),
]


def waiting_frame(result: WeeklyResult) -> pd.DataFrame:
    """待安排: what did not fit into an agent's days, the most important first, so nothing is lost."""
    if result.waiting.empty:
        return pd.DataFrame(columns=[c.key for c in WAITING_COLUMNS])
    return _with_people(result.waiting, result)


RECIPIENT_COLUMNS = [
    Column("日期", "date", "date"),
    Column("经纪人", "agent"),
    Column("场合", "occasion", width=8),
    Column("客户编号", "customer_id"),
    Column("客户姓名", "name"),
    Column("电话", "phone", width=13),
    Column("短信（带称呼）", "draft", width=110),
]


def recipients_frame(result: WeeklyResult) -> pd.DataFrame:
    """群发名单: each group send's customers, with the text in each one's own salutation."""
    if result.recipients.empty:
        return pd.DataFrame(columns=[c.key for c in RECIPIENT_COLUMNS])
    return _with_people(result.recipients, result).sort_values(["agent", "date", "occasion", "name"], kind="stable")


REVIEW_COLUMNS = [
    Column("类别", "list", width=22),
    Column("经纪人", "agent"),
    Column("客户编号", "customer_id"),
    Column("客户姓名", "name"),
    Column("电话", "phone", width=13),
    Column("登记等级", "grade_written", width=10),
    Column("依据", "evidence", "wrap", width=50),
    Column("怎么处理", "todo", "wrap", width=50),
]


def review_frame(result: WeeklyResult) -> pd.DataFrame:
    """待主管处理: 建议战败, 疑似成交, 等级待复核, 无效线索 — each with its evidence, by list and agent."""
    if result.review.empty:
        return pd.DataFrame(columns=[c.key for c in REVIEW_COLUMNS])
    people = result.register.customers[["customer_id", "name", "phone", "agent"]]
    written = result.profiles["grade_written"] if "grade_written" in result.profiles else None
    frame = result.review.join(people, on="cust")
    frame["grade_written"] = written.reindex(frame["cust"]).to_numpy() if written is not None else pd.NA
    order = {name: i for i, name in enumerate(frame["list"].drop_duplicates())}
    frame["_list"] = frame["list"].map(order)
    return frame.sort_values(["_list", "agent", "name"], kind="stable").drop(columns="_list")


# 罚款编号 is the fine's stable code: the manager's 主管确认 and 备注 are read back by it, whatever the rows' order.
FINE_COLUMNS = [
    Column("罚款编号", "code", width=13),
    Column("经纪人", "agent"),
    Column("客户编号", "customer_id"),
    Column("客户姓名", "name"),
    Column("规则", "rule", width=14),
    Column("场合/日期", "occasion", width=22),
    Column("缺失内容", "missing", width=14),
    Column("状态", "status", "center", width=8, colours={PENDING: "#EDEDED"}),
    Column("金额", "amount", "money", width=9),
    Column("第几次", "offence", "int", width=7),
    Column("主管确认", "decision", "center", width=10, choices=DECISIONS,
           colours={CONFIRMED: "#FFC7CE", WAIVED: "#E2EFDA", TO_CHECK: "#FFEB9C"}),
    Column("备注", "note", width=24),
    Column("判定依据", "reason", width=70),
]
# Agents see their fines and the manager's decisions; the decisions are the manager's to make.
AGENT_FINE_COLUMNS = [replace(c, choices=()) for c in FINE_COLUMNS]


def fines_frame(result: WeeklyResult) -> pd.DataFrame:
    """罚款明细: one row per case, the fines the register proves first, then the 待核实 cases; by agent."""
    people = result.register.customers[["customer_id", "name"]]
    frame = result.fines.join(people, on="cust").assign(_pending=result.fines["status"].ne(CHARGED))
    return frame.sort_values(["_pending", "agent", "rule", "when", "name"], kind="stable").drop(columns="_pending")


def compliance_columns(result: WeeklyResult) -> list[Column]:
    """合规汇总's columns: the grade counts follow the preset's levels."""
    return [
        Column("经纪人", "agent"),
        Column("客户数", "customers", "int", width=8),
        *[Column(f"{level}级", f"{level}级", "int", width=6) for level in result.rules.grade_levels],
        Column("资料达标率", "pass_rate", "percent", width=10),
        Column("联系频率达标率", "kept_rate", "percent", width=12),
        Column("问候（已发/应发）", "greetings", "center", width=14),
        Column("问候完成率", "greet_rate", "percent", width=10),
        Column("逾期未联系", "overdue", "int", width=10),
        Column("沉睡/流失", "sleeping", "int", width=9),
        Column("首电10分钟短信", "首电短信", "center", width=13),
        Column("来访30分钟短信", "来访短信", "center", width=13),
        Column("签约当日祝贺", "签约祝贺", "center", width=12),
        Column("记录过简", "thin", "int", width=9),
        Column("疑似复制粘贴", "pasted", "int", width=11),
        Column("疑似虚假跟进", "suspect", "int", width=11),
        Column("罚款笔数", "fine_count", "int", width=9),
        Column("建议金额", "fine_total", "money", width=10),
        Column("确认金额", "confirmed_total", "money", width=10),
        Column("免罚笔数", "waived", "int", width=9),
        Column("待核实", "pending", "int", width=8),
    ]


CALENDAR_NAMES_PER_DAY = 8  # more than this in one cell is summarised as “等 N 人”
CALENDAR_COLUMNS = [Column("月份", "月份", width=10), Column("第几周", "第几周", width=7),
                    *[Column(day, day, "wrap", width=22) for day in WEEKDAYS]]


def birthday_calendar_frame(result: WeeklyResult) -> pd.DataFrame:
    """生日台历: this month's and next month's birthdays, one row per week, one column per weekday."""
    first = pd.Timestamp(result.week.today).replace(day=1)  # the run's month, even when the week began in the last
    last = first + pd.DateOffset(months=2) - pd.Timedelta(days=1)
    parsed = result.dates.get("birthday")
    if parsed is None:  # no birthday column: said once (the table's note), not an empty grid
        return pd.DataFrame(columns=[c.key for c in CALENDAR_COLUMNS])
    found = almanac.birthday_dates(parsed, first.date(), last.date()) if parsed is not None else None
    people = result.register.customers[["name", "agent"]]
    cells: dict[pd.Timestamp, str] = {}
    if found is not None and len(found):
        who = people.loc[found["row"]].reset_index(drop=True)
        found = found.reset_index(drop=True)
        tag = (who["name"].astype("string").fillna("（无名）") + "·" + who["agent"].astype("string").fillna("")
               + pd.Series(np.where(found["lunar"].to_numpy(dtype=bool), "（农历）", ""), dtype="string"))
        by_day = tag.groupby(found["date"]).agg(list)
        for day, names in by_day.items():
            shown = names[:CALENDAR_NAMES_PER_DAY]
            more = len(names) - len(shown)
            cells[day] = "\n".join(shown) + (f"\n…等 {len(names)} 人" if more else "")
    rows = []
    for month_start in (first, first + pd.DateOffset(months=1)):
        month_end = month_start + pd.DateOffset(months=1) - pd.Timedelta(days=1)
        monday = month_start - pd.Timedelta(days=month_start.weekday())
        week_no = 1
        while monday <= month_end:
            row = {"月份": f"{month_start.year}年{month_start.month}月", "第几周": week_no}
            for offset, name in enumerate(WEEKDAYS):
                day = monday + pd.Timedelta(days=offset)
                if month_start <= day <= month_end:
                    row[name] = f"{day.day}日" + ("\n" + cells[day] if day in cells else "")
            rows.append(row)
            monday += pd.Timedelta(days=7)
            week_no += 1
    return pd.DataFrame(rows, columns=[c.key for c in CALENDAR_COLUMNS])


def overview_frame(result: WeeklyResult) -> pd.DataFrame:
    register = result.register
    rows = [
        *[("！缺少必要的列", sentence) for sentence in register.missing],
        ("计划周", result.week.describe()),
        ("稽核周", result.week.audit.describe()),
        *audit_rows(result),
        ("规则", f"{result.rules.preset_label}（{'；'.join(result.rules.sources)}）"),
        ("读取的文件", "、".join(register.files)),
        ("读取的数据行", register.rows_read),
        ("客户数", len(register.customers)),
        ("跟进记录数", len(register.contacts)),
        ("活动数", len(register.events)),
        ("资料达标客户", f"{int(result.profiles['passed'].sum())} / {int(result.profiles['assessed'].sum())}"
         if result.profiles["assessed"].any() else NOT_ASSESSED),
        ("计算等级与登记等级不符", int(result.profiles["mismatch"].sum())),
        ("本周行动", _plan_summary(result)),
        ("短信署名", sender_notice(result.rules) or f"{company_name(result.rules)}（规则 [actions] company）"),
        ("待主管处理", _review_summary(result)),
        *_kpi_rows(result),
        ("流失预警客户", _risk_counts(result.profiles["risk"])),
        ("数据问题", len(register.findings)),
    ]
    return pd.DataFrame(rows, columns=["项目", "内容"]).astype({"内容": "string"})


def _plan_summary(result: WeeklyResult) -> str:
    actions, waiting = result.actions, result.waiting
    high = int(actions["priority"].eq("高").sum())
    text = f"{len(actions)} 条（高优先级 {high} 条），每位经纪人每天最多 {result.rules['actions']['capacity']} 位客户"
    if len(waiting):
        busy = waiting.groupby("agent").size().sort_values(ascending=False)
        names = "、".join(f"{a} {n}" for a, n in busy.head(3).items())
        text += f"；排不下的 {len(waiting)} 位客户列在“待安排”（{names}{'…' if len(busy) > 3 else ''}）"
    return text


def _review_summary(result: WeeklyResult) -> str:
    if result.review.empty:
        return "没有"
    counts = result.review["list"].value_counts(sort=False)
    return " · ".join(f"{name} {n}" for name, n in counts.items()) + "（见“待主管处理”）"


def sender_notice(rules: Rules) -> str | None:
    """One line when ``[actions] company`` is not set: how drafts sign off instead, and how to set it."""
    if company_name(rules):
        return None
    title = rules["actions"]["agent_title"]
    return (f"没有设置公司或项目名，话术说“我是您的{title}某某”，短信署名“{title} 某某”。"
            "要写上项目名，在 rules.toml 的 [actions] 里写 company = \"项目名\"")


def _share(part: int, whole: int) -> str:
    return "—（没有可计算的客户）" if not whole else f"{part / whole:.1%}（{part}/{whole}）"


def _kpi_rows(result: WeeklyResult) -> list[tuple[str, str]]:
    k, total = result.kpis, result.compliance.iloc[-1]
    moves = "、".join(f"{name} {n}" for name, n in k["moves"].items())
    rows = [
        ("等级漏斗", " · ".join(f"{level} {n}" for level, n in k["funnel"].items())),
        ("联系频率达标率（稽核周末）", _share(int(total["kept"]), int(total["judged"]))),
        ("问候完成率（稽核周）", _greeting_share(result)),
        ("流失率（成交/业主中已流失）", _share(k["lost_buyers"], k["buyers"])),
        ("复购率（成交/业主中有再购记录）", _share(k["repurchased"], k["buyers"])),
        ("转介绍（来访+办卡）", str(k["referrals"])),
    ]
    since = f"{moves}（上次：{result.prior.week}）" if result.prior.week else "没有以前的记录，下周起显示"
    return [*rows, ("与上次相比的等级变化", since)]


def _greeting_share(result: WeeklyResult) -> str:
    total = result.compliance.iloc[-1]
    if result.coverage is not None and not result.coverage.of(GREETINGS).auditable:
        return "无法稽核（见上面的“稽核·问候”）"
    return _share(int(total["greet_sent"]), int(total["greet_required"]))


def _risk_counts(risk: pd.Series) -> str:
    counts = risk.value_counts()
    parts = "，".join(f"{r} {int(counts.get(r, 0))}" for r in LEVELS)
    return f"{int(risk.notna().sum())}（{parts}）"


RISK_COLOURS = {"高": "#FFC7CE", "中": "#FFEB9C", "低": "#E2EFDA"}
GRADE_FILLS = ("#C6EFCE", "#DDEBF7", "#FFF2CC", "#EDEDED")  # from the top grade down; the rest share the last
COLOURED = {"grade": "grade", "grade_written": "grade", "risk": "risk", "priority": "risk"}


def _styled(columns: list[Column], result: WeeklyResult) -> list[Column]:
    """Grades and risk levels coloured: the top grade green down to grey, 高/中/低 red, amber, green."""
    levels = result.rules.grade_levels
    grades = {level: GRADE_FILLS[min(i, len(GRADE_FILLS) - 1)] for i, level in enumerate(levels)}
    palettes = {"grade": grades, "risk": RISK_COLOURS}
    return [replace(c, colours=palettes[COLOURED[c.key]]) if c.key in COLOURED else c for c in columns]


SHEET_GUIDE = {
    "本周行动": "本周每天给谁打电话、问候或拜访，按先后顺序，为什么，附短信/话术",
    "待安排": "本周每天已排满、没排上的客户和原因：谁的客户太多一目了然",
    "群发名单": "节日和节气群发短信的客户名单，每人一条带称呼的短信",
    "待主管处理": "建议战败（待审批）、疑似成交（请补登日期）、等级待复核、无效线索，附依据",
    "客户分级": "每位客户的阶段、计算等级与登记等级、生命周期、预警",
    "资料完整性": "客户资料是否按阶段填写完整，缺什么",
    "流失预警": "有流失风险的客户、风险高低和建议动作",
    "罚款明细": "稽核周的每一笔罚款和依据，主管在这里确认或免罚",
    "合规汇总": "每位经纪人的合规情况和罚款合计",
    "生日台历": "本月和下月的客户生日",
    "数据问题": "登记表里需要改正的地方",
    "列映射": "登记表的每一列被认作哪个字段",
}


def overview_blocks(result: WeeklyResult) -> list[Block]:
    """总览's contents, KPI tables and native charts: grade funnel, per-agent rates and fines, the fines trend."""
    funnel = pd.DataFrame({"等级": list(result.kpis["funnel"]), "客户数": list(result.kpis["funnel"].values())})
    agents = result.compliance[result.compliance["agent"] != TOTAL]
    rates = agents[["agent", "pass_rate", "kept_rate"]]
    fines = agents[["agent", "fine_total", "confirmed_total"]]
    blocks = [
        Block("目录", [Column("工作表", "sheet", "link"), Column("内容", "what")],
              pd.DataFrame({"sheet": list(SHEET_GUIDE), "what": list(SHEET_GUIDE.values())})),
        Block("等级漏斗", [Column("等级", "等级"), Column("客户数", "客户数", "int")], funnel,
              Chart("等级漏斗（计算等级）", "column", "客户数")),
        Block("各经纪人达标率", [Column("经纪人", "agent"), Column("资料达标率", "pass_rate", "percent"),
                                Column("联系频率达标率", "kept_rate", "percent")], rates,
              Chart("各经纪人资料与联系频率达标率", "bar")),
        Block("各经纪人罚款（稽核周）", [Column("经纪人", "agent"), Column("建议金额", "fine_total", "money"),
                                      Column("确认金额", "confirmed_total", "money")], fines,
              Chart("各经纪人罚款金额（建议/确认）", "bar", "元")),
        *decision_blocks(result),
        Block("各经纪人本周工作量", LOAD_COLUMNS, load_frame(result)),
        Block("各经纪人流失预警", [Column("经纪人", "agent"), *[Column(r, r, "int") for r in LEVELS]],
              churn_by_agent(result)),
    ]
    trend = fines_by_week(result)
    if len(trend) > 1:
        columns = [Column("计划周", "week"), Column("罚款金额", "amount", "money")]
        blocks.append(Block("罚款趋势（按周）", columns, trend, Chart("罚款金额（按周）", "line", "元")))
    return blocks


LOAD_COLUMNS = [Column("经纪人", "agent"), Column("本周已安排", "planned", "int"), Column("待安排", "waiting", "int"),
                Column("每天容量", "capacity", "int"), Column("最忙一天", "busiest", "int")]


def load_frame(result: WeeklyResult) -> pd.DataFrame:
    """Per agent: rows planned this week, customers waiting, the daily capacity and the busiest day."""
    actions, waiting = result.actions, result.waiting
    agents = sorted(set(actions["agent"].dropna()) | set(waiting["agent"].dropna() if len(waiting) else ()))
    per_day = actions.groupby(["agent", "date"]).size()
    frame = pd.DataFrame({
        "agent": agents,
        "planned": actions.groupby("agent").size().reindex(agents, fill_value=0).to_numpy(),
        "waiting": (waiting.groupby("agent").size() if len(waiting) else pd.Series(dtype="int64"))
        .reindex(agents, fill_value=0).to_numpy(),
        "capacity": capacities(np.asarray(agents, dtype=object), result.rules),
        "busiest": per_day.groupby(level="agent").max().reindex(agents, fill_value=0).to_numpy(),
    })
    return frame.sort_values(["waiting", "planned"], ascending=False, kind="stable")


def churn_by_agent(result: WeeklyResult) -> pd.DataFrame:
    """流失预警 counted per agent and risk: the five-minute view before the list."""
    frame = _customer_profiles(result)
    flagged = frame[frame["alerts"].notna()]
    counts = flagged.groupby(["agent", "risk"]).size().unstack(fill_value=0).reindex(columns=list(LEVELS),
                                                                                    fill_value=0)
    counts = counts.sort_values(list(LEVELS), ascending=False)
    return counts.reset_index().astype({r: "int64" for r in LEVELS})


def fines_by_week(result: WeeklyResult) -> pd.DataFrame:
    """Fines charged per plan week: history's earlier weeks and this one."""
    earlier = result.prior.fines
    this = pd.DataFrame({"week": [result.week.label], "amount": [float(result.fines["suggested"].sum())]})
    if not len(earlier) or "amount" not in earlier:
        return this
    status = earlier["status"] if "status" in earlier else pd.Series(pd.NA, index=earlier.index)
    charged = earlier[status.astype("string").fillna(CHARGED).eq(CHARGED)]
    past = charged[charged["week"] < result.week.label].groupby("week", as_index=False)["amount"].sum()
    return pd.concat([past, this], ignore_index=True)


# 内容 wraps: the audit paragraph puts its measured facts on lines of their own.
OVERVIEW_COLUMNS = [Column("项目", "项目", width=24), Column("内容", "内容", "wrap", width=90)]


def weekly_tables(result: WeeklyResult) -> list[Table]:
    """The sheets of 客户维护周报, in order."""
    register = result.register
    actions = actions_frame(result)
    if result.rules["report"]["mask_phones_in_report"]:
        actions = mask_phones(actions)
    return [
        Table("总览", OVERVIEW_COLUMNS, overview_frame(result), autofilter=False,
              blocks=overview_blocks(result)),
        Table("本周行动", _styled(ACTION_COLUMNS, result), actions, note="本周没有需要安排的行动。"),
        Table("待安排", _styled(WAITING_COLUMNS, result), waiting_frame(result), note="本周的行动都排进去了。"),
        Table("群发名单", RECIPIENT_COLUMNS, recipients_frame(result), note="本周没有节日或节气群发。"),
        Table("待主管处理", REVIEW_COLUMNS, review_frame(result), note="没有需要主管处理的客户。"),
        Table("客户分级", _styled(GRADE_COLUMNS, result), grade_frame(result)),
        Table("资料完整性", COMPLETENESS_COLUMNS, completeness_frame(result),
              note=NOT_ASSESSED + "：登记表里只有姓名、电话、经纪人和等级，没有年龄、职业、来源等资料列。"),
        Table("流失预警", _styled(CHURN_COLUMNS, result), churn_frame(result), note="本周没有需要预警的客户。"),
        Table("罚款明细", FINE_COLUMNS, fines_frame(result), note="稽核周没有罚款。"),
        Table("合规汇总", compliance_columns(result), result.compliance, total_row=True,
              blocks=coverage_blocks(result)),
        Table("生日台历", CALENDAR_COLUMNS, birthday_calendar_frame(result),
              note="登记表没有生日列，无法排生日台历；在登记表里加一列“生日”（公历或农历都可以）即可。"),
        Table("数据问题", PROBLEM_COLUMNS, register.findings.frame(), note="没有发现数据问题。"),
        Table("列映射", MAPPING_COLUMNS, register.mapping),
    ]


def mask_phones(frame: pd.DataFrame) -> pd.DataFrame:
    """Phones shown as 138****5678 (first three and last four digits) for copies that are handed out."""
    if "phone" not in frame:
        return frame
    masked = frame["phone"].astype("string").str.replace(r"^(\+?\d{3})\d+(\d{4})$", r"\1****\2", regex=True)
    return frame.assign(phone=masked)


def agent_workbooks(result: WeeklyResult) -> dict[str, list[Table]]:
    """Each agent's own workbook: only their actions, customers, churn flags, fines and data problems."""
    customers = result.register.customers
    mask = result.rules["report"]["mask_phones_in_agent_workbooks"]
    actions, churn, fines = actions_frame(result), churn_frame(result), fines_frame(result)
    waiting, sends, review = waiting_frame(result), recipients_frame(result), review_frame(result)
    if mask:
        actions, waiting, sends, review = (mask_phones(f) for f in (actions, waiting, sends, review))
    people = mask_phones(customers) if mask else customers
    problems = result.register.findings.frame()
    located = customers[["_file", "_sheet", "_row", "agent"]].rename(
        columns={"_file": "文件", "_sheet": "工作表", "_row": "行号"}).astype({"行号": "Int64"}).drop_duplicates()
    problems = problems.merge(located, on=["文件", "工作表", "行号"], how="inner")
    books = {}
    for agent in sorted(customers["agent"].dropna().unique()):
        books[agent] = [
            Table("本周行动", _styled(ACTION_COLUMNS, result), actions[actions["agent"] == agent],
                  note="你本周没有需要安排的行动。"),
            Table("待安排", _styled(WAITING_COLUMNS, result), waiting[waiting["agent"] == agent],
                  note="你本周的行动都排进去了。"),
            Table("群发名单", RECIPIENT_COLUMNS, sends[sends["agent"] == agent], note="你本周没有群发。"),
            Table("待主管处理", REVIEW_COLUMNS, review[review["agent"] == agent], note="你没有待主管处理的客户。"),
            Table("客户名单", CUSTOMER_LIST_COLUMNS, people[people["agent"] == agent].sort_values("name")),
            Table("流失预警", _styled(CHURN_COLUMNS, result), churn[churn["agent"] == agent],
                  note="你的客户本周没有流失预警。"),
            Table("罚款明细", AGENT_FINE_COLUMNS, fines[(fines["agent"] == agent) & (fines["status"] == CHARGED)],
                  note="稽核周你没有罚款。"),
            Table("数据问题", PROBLEM_COLUMNS, problems[problems["agent"] == agent],
                  note="你的客户没有数据问题。"),
        ]
    return books
