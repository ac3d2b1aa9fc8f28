"""合规汇总: each agent's week at a glance, and the team's KPIs (SPEC §6).

Per agent: customers by grade, the completeness pass rate, cadence kept at the
end of the audit week, greetings sent of those required, overdue and sleeping
customers, SMS timeliness where the contacts carry times (first call → SMS in
10 minutes, visit → thank-you in 30, signing → congratulation the same day),
follow-up notes too thin or pasted across many customers, bursts of records
suspected of being made up, and the fines. A totals row closes the table; its
rates are recomputed from the totals, never averaged.
"""

from __future__ import annotations

import pandas as pd

from crm_batch.calendar import PlanWeek
from crm_batch.rules import column, date_column
from crm_batch.rules.coverage import GREETINGS, Coverage
from crm_batch.rules.penalties import CHARGED, WAIVED
from crm_batch.rules_config import Rules
from crm_batch.vocabulary import LOST_STAGE, NO_AGENT, OWNER_STAGES

TOTAL = "合计"


def _agent_of(customers: pd.DataFrame) -> pd.Series:
    return customers["agent"].astype("string").fillna(NO_AGENT)


def _owner_by_id(customers: pd.DataFrame) -> pd.Series:
    agents = pd.Series(_agent_of(customers).to_numpy(), index=customers["customer_id"].to_numpy())
    return agents[~agents.index.duplicated()]


def _audit_contacts(contacts: pd.DataFrame, customers: pd.DataFrame, week: PlanWeek) -> pd.DataFrame:
    """The audit week's contacts, each with its customer's agent."""
    if not len(contacts) or "contact_at" not in contacts:
        text = pd.Series(dtype="string")
        return pd.DataFrame({"customer_id": text, "contact_at": pd.Series(dtype="datetime64[ns]"), "agent": text,
                             "method": text, "content": text})
    audit = week.audit
    inside = contacts["contact_at"].between(pd.Timestamp(audit.monday), pd.Timestamp(audit.sunday)
                                            + pd.Timedelta(days=1), inclusive="left")
    frame = contacts.loc[inside, ["contact_at"]].copy()
    frame["customer_id"] = contacts.loc[inside, "customer_id"].astype("string")
    frame["method"] = column(contacts, "method")[inside].astype("string")
    frame["content"] = column(contacts, "content")[inside].astype("string").str.strip()
    frame["agent"] = _owner_by_id(customers).reindex(frame["customer_id"].to_numpy()).fillna(NO_AGENT).to_numpy()
    return frame


def _cadence_kept(customers: pd.DataFrame, contacts: pd.DataFrame, profiles: pd.DataFrame,
                  week: PlanWeek) -> pd.Series:
    """Per customer (None when not judged): contacted within their interval as of the audit week's Sunday."""
    end = pd.Timestamp(week.audit.sunday)
    if len(contacts) and "contact_at" in contacts:
        dated = contacts[contacts["contact_at"] < end + pd.Timedelta(days=1)]
        last = dated.groupby("customer_id")["contact_at"].max()
        last = pd.Series(pd.to_datetime(last.reindex(customers["customer_id"].to_numpy()).to_numpy()),
                         index=customers.index).dt.normalize()
    else:
        last = pd.Series(pd.NaT, index=customers.index, dtype="datetime64[ns]")
    registered = date_column(customers, "registered_at")
    judged = ~(registered > end).fillna(False) & ~profiles["lifecycle"].astype("string").eq(LOST_STAGE).fillna(False)
    kept = ((end - last).dt.days <= profiles["interval_days"]).fillna(False)
    return kept.where(judged)


def _timeliness(audit: pd.DataFrame, contacts: pd.DataFrame, customers: pd.DataFrame, rules: Rules,
                week: PlanWeek) -> pd.DataFrame:
    """Per agent: (on time, counted) for first-call SMS, post-visit SMS and signing-day congratulations."""
    cfg = rules["compliance"]
    timed = audit[audit["contact_at"].dt.hour.gt(0) | audit["contact_at"].dt.minute.gt(0)]
    sms = timed[timed["method"].isin(cfg["sms_methods"]).fillna(False)][["customer_id", "contact_at"]]
    out = {}
    for name, method, minutes in (("首电短信", "电话", cfg["first_call_sms_minutes"]),
                                  ("来访短信", "来访", cfg["visit_sms_minutes"])):
        events = timed[timed["method"].eq(method).fillna(False)]
        if method == "电话" and len(events):  # a first call: the customer's very first contact of all was this
            first = contacts.dropna(subset=["contact_at"]).sort_values("contact_at").drop_duplicates("customer_id")
            firsts = pd.MultiIndex.from_arrays([first["customer_id"].astype("string"), first["contact_at"]])
            events = events[pd.MultiIndex.from_frame(events[["customer_id", "contact_at"]]).isin(firsts)]
        pairs = events[["customer_id", "contact_at", "agent"]].reset_index(drop=True).reset_index(names="_e")
        joined = pairs.merge(sms.rename(columns={"contact_at": "sent"}), on="customer_id", how="left")
        gap = (joined["sent"] - joined["contact_at"]).dt.total_seconds() / 60
        joined["ok"] = gap.between(0, minutes).fillna(False)
        ok = joined.groupby("_e")["ok"].any()
        out[name] = pairs.assign(ok=ok.reindex(pairs["_e"]).to_numpy()).groupby("agent")["ok"].agg(["sum", "size"])
    signed = date_column(customers, "signed_at")
    audit_days = signed.between(pd.Timestamp(week.audit.monday), pd.Timestamp(week.audit.sunday))
    deals = pd.DataFrame({"customer_id": customers["customer_id"][audit_days].astype("string"),
                          "day": signed[audit_days].dt.normalize(),
                          "agent": _agent_of(customers)[audit_days]}).reset_index(drop=True)
    sent_days = audit[audit["method"].isin(cfg["sms_methods"]).fillna(False)].assign(
        day=lambda f: f["contact_at"].dt.normalize())[["customer_id", "day"]].drop_duplicates()
    deals["ok"] = deals.merge(sent_days.assign(hit=True), on=["customer_id", "day"], how="left")["hit"].fillna(
        False).astype(bool).to_numpy()
    out["签约祝贺"] = deals.groupby("agent")["ok"].agg(["sum", "size"])
    return pd.concat(out, axis=1)


def _note_quality(audit: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """Per agent: thin notes, one note pasted for many customers, and bursts of records in one minute.

    Suspected fake follow-ups (for the manager to check) are the bursts and the pasted notes.
    """
    cfg = rules["compliance"]
    text = audit["content"].fillna("")
    # Greeting SMS are the same text for everyone by design; the notes judged are of calls and visits.
    notes = ~audit["method"].isin(cfg["sms_methods"]).fillna(False).astype(bool)
    thin = (text.str.len() < cfg["thin_note_chars"]) & notes
    spread = audit.groupby([audit["agent"], text])["customer_id"].transform("nunique")
    pasted = (spread >= cfg["copy_paste_customers"]) & ~thin & notes
    minute = audit["contact_at"].dt.floor("min")
    timed = audit["contact_at"].dt.hour.gt(0) | audit["contact_at"].dt.minute.gt(0)
    burst = (audit.groupby([audit["agent"], minute])["customer_id"].transform("size") >= cfg["burst_contacts"]) & timed
    suspect = burst | pasted
    return pd.DataFrame({"thin": thin, "pasted": pasted, "suspect": suspect}).groupby(audit["agent"]).sum()


def compliance_summary(customers: pd.DataFrame, contacts: pd.DataFrame, profiles: pd.DataFrame,
                       fines: pd.DataFrame, greetings: pd.DataFrame, week: PlanWeek, rules: Rules,
                       coverage: Coverage | None = None) -> pd.DataFrame:
    """合规汇总: one row per agent and a totals row (经纪人 = 合计).

    Greetings are counted only where the register can tell (``coverage``); where it cannot record
    them at all, the column says 无法稽核. Money: 建议金额 (the fines the register proves) beside
    确认金额 (those the manager confirmed).
    """
    agent = _agent_of(customers)
    levels = rules.grade_levels
    grades = pd.crosstab(agent, profiles["grade"].astype("string")).reindex(columns=levels, fill_value=0)
    out = pd.DataFrame({"customers": agent.value_counts()})
    for level in levels:
        out[f"{level}级"] = grades[level] if level in grades else 0
    out["passed"] = profiles["passed"].astype(bool).groupby(agent).sum()
    out["assessed"] = profiles["assessed"].astype(bool).groupby(agent).sum()
    kept = _cadence_kept(customers, contacts, profiles, week)
    out["kept"] = kept.fillna(False).astype(bool).groupby(agent).sum()
    out["judged"] = kept.notna().groupby(agent).sum()
    # Greetings count where the register can tell: sent, or a miss it proves (never a 待核实 case).
    judged = greetings[greetings["judged"]] if "judged" in greetings else greetings
    greet_agent = agent.reindex(judged["cust"]).to_numpy() if len(judged) else []
    out["greet_sent"] = judged["sent"].groupby(greet_agent).sum() if len(judged) else 0
    out["greet_required"] = judged.groupby(greet_agent).size() if len(judged) else 0
    overdue = (profiles["next_due"] < pd.Timestamp(week.monday)) & ~profiles["lifecycle"].eq(LOST_STAGE)
    out["overdue"] = overdue.groupby(agent).sum()
    out["sleeping"] = profiles["lifecycle"].isin(["沉睡", "流失"]).groupby(agent).sum()
    audit = _audit_contacts(contacts, customers, week)
    timely = _timeliness(audit, contacts, customers, rules, week)
    for name in ("首电短信", "来访短信", "签约祝贺"):
        out[f"{name}_ok"] = timely[(name, "sum")] if (name, "sum") in timely else 0
        out[f"{name}_n"] = timely[(name, "size")] if (name, "size") in timely else 0
    out = out.join(_note_quality(audit, rules))
    out = out.join(_fine_totals(fines))
    out = out.fillna(0)
    counts = [c for c in out.columns if c not in MONEY]
    out[counts] = out[counts].astype("int64")
    out = out.sort_index()
    out.loc[TOTAL] = out.sum()
    out["pass_rate"] = out["passed"] / out["assessed"].where(out["assessed"] > 0)
    out["kept_rate"] = out["kept"] / out["judged"].where(out["judged"] > 0)
    out["greet_rate"] = out["greet_sent"] / out["greet_required"].where(out["greet_required"] > 0)
    for name in ("首电短信", "来访短信", "签约祝贺"):
        n = out[f"{name}_n"]
        out[name] = (out[f"{name}_ok"].astype(str) + "/" + n.astype(str)).where(n > 0, "—")
    out["greetings"] = out["greet_sent"].astype(str) + "/" + out["greet_required"].astype(str)
    if coverage is not None and not coverage.of(GREETINGS).auditable:
        out["greetings"], out["greet_rate"] = NOT_AUDITABLE, float("nan")
    return out.rename_axis("agent").reset_index()


MONEY = ("fine_total", "confirmed_total")
NOT_AUDITABLE = "无法稽核"


def _fine_totals(fines: pd.DataFrame) -> pd.DataFrame:
    """Per agent: fines charged (罚款笔数) and their suggested total, the total the manager confirmed,
    the ones waived, and the cases left 待核实 (no amount)."""
    columns = ["fine_count", "fine_total", "confirmed_total", "waived", "pending"]
    if not len(fines):
        return pd.DataFrame(columns=columns, dtype="float64")
    charged = fines["status"].eq(CHARGED)
    by = fines.groupby("agent")
    return pd.DataFrame({
        "fine_count": charged.groupby(fines["agent"]).sum(),
        "fine_total": by["suggested"].sum(),
        "confirmed_total": by["confirmed"].sum(),
        "waived": fines["decision"].eq(WAIVED).fillna(False).groupby(fines["agent"]).sum(),
        "pending": (~charged).groupby(fines["agent"]).sum(),
    })[columns]


def kpis(customers: pd.DataFrame, profiles: pd.DataFrame, rules: Rules, previous: pd.Series | None) -> dict:
    """The overview's KPIs: grade funnel, churn and repurchase rates among buyers, referrals, grade movements."""
    cfg = rules["compliance"]
    grade = profiles["grade"].astype("string")
    funnel = {level: int(grade.eq(level).sum()) for level in rules.grade_levels}
    buyers = profiles["stage"].astype("string").isin(OWNER_STAGES).fillna(False).astype(bool)
    lost = profiles["lifecycle"].astype("string").eq("流失").fillna(False)
    words = "|".join(cfg["repurchase_words"])
    again = column(customers, "contribution").astype("string").str.contains(words, regex=True).fillna(False) \
        if words else pd.Series(False, index=customers.index)
    referred = sum(pd.to_numeric(column(customers, k), errors="coerce").fillna(0).sum()
                   for k in ("referred_visits", "referred_signups"))
    moves = {"升级": 0, "降级": 0, "不变": 0, "新增": 0}
    if previous is not None and len(previous):
        rank = {level: i for i, level in enumerate(rules.grade_levels)}
        before = pd.Series(previous.reindex(customers["customer_id"].to_numpy()).to_numpy(), index=customers.index)
        now, then = grade.map(rank).astype("Float64"), before.map(rank).astype("Float64")
        moves = {"升级": int((now < then).sum()), "降级": int((now > then).sum()), "不变": int((now == then).sum()),
                 "新增": int(then.isna().sum())}
    return {
        "funnel": funnel,
        "buyers": int(buyers.sum()),
        "lost_buyers": int((lost & buyers).sum()),
        "repurchased": int((again & buyers).sum()),
        "referrals": int(referred),
        "moves": moves,
    }
