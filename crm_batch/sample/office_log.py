"""A real sales office's follow-up log (售楼处跟进日志): one sheet, one row per contact.

Modelled on what an office actually hands over, not on what the team designed:
about 8,000 rows over three months, 15–20 置业顾问 (a few carrying three or four
times the median load), about 3,200 customers. The log has no customer sheet,
no SMS (the office sends none, and its volume does not rise on festivals), grades
written 意向级别 ``A类(购买)``…``D类(无效)``, one agent's customers handed to a
colleague part-way, two phones in one cell, names like 王哥 or 未知, the office's
own closing words (空号, 不考虑了, 已认购 4-1102) and appointments (下次跟进时间)
that passed with nobody calling.

Every column is drawn with numpy from the seed, one generator per topic.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from crm_batch.sample.draws import _at_least_one, _disjoint_picks, _pick, _rng
from crm_batch.sample.people import _names, _PhoneBook, _unique_names
from crm_batch.sample.vocab import _SURNAMES
from crm_batch.sample.write import _Book, _write_rows

OFFICE_LOG_FILE = "跟进日志.xlsx"
OFFICE_LOG_SHEET = "跟进记录"
OFFICE_LOG_HEADERS = ("序号", "客户姓名", "联系电话", "置业顾问", "意向级别", "跟进日期", "跟进方式",
                      "跟进内容", "下次跟进时间")

# How the office writes a contact; no 短信 at all. Shares by row.
OFFICE_LOG_METHODS = ("去电", "微信", "来访", "来电", "主动拜访", "其他")
_METHOD_P = (0.52, 0.22, 0.12, 0.07, 0.03, 0.04)
_VISIT = OFFICE_LOG_METHODS.index("来访")
OFFICE_LOG_GRADES = ("A类(购买)", "B类(意向)", "C类(观望)", "D类(无效)")
_GRADE_P = (0.10, 0.25, 0.40, 0.25)
_EXTRA_ROWS_WEIGHT = (3.0, 1.8, 0.9, 0.4)  # by grade: who gets the rows beyond the first
_PLAIN_GRADE_SHARE = 0.12  # A/B rows written as a bare letter

# The office's closing words (the last note of a customer) and the grade they go with.
INVALID_WORDS = ("空号", "无效客户", "号码错误")
OUT_WORDS = ("不考虑了", "不买了", "已经在别处买了", "暂不考虑")
DEAL_WORDS = ("已认购 {unit}", "已排号", "交定金了", "已签约 {unit}")
_INVALID_SHARE, _OUT_SHARE, _DEAL_SHARE = 0.04, 0.07, 0.03

_MISSED_SHARE = 0.30  # customers whose last 下次跟进时间 passed with no contact since
_BOOKED_SHARE = 0.20  # customers with an appointment still ahead
_NEXT_SHARE = 0.45  # earlier rows that name the next contact
_STALE_A_SHARE = 0.25  # A customers last contacted more than a month ago
_STALE_DAYS = 32
_TWO_PHONES_SHARE = 0.03
_NUMBER_PHONE_SHARE = 0.08  # phones typed into a number cell
_TEXT_DATE_SHARE = 0.05  # 跟进日期 typed as text: 2026/12/3 14:20
_BUSY_AGENTS_SHARE = 1 / 6
_WEEKEND_WEIGHT = 1.2  # a sales office is busier at weekends; festivals change nothing

_CONTENTS: dict[str, tuple[str, ...]] = {
    "去电": ("电话沟通，客户说最近忙，过段时间再看", "未接", "未接通", "关机", "客户在外地，回来再联系",
             "邀约周末来看房，客户说看情况", "问了首付和月供，已解答", "客户嫌价格高，再等等",
             "客户说和家人商量一下", "通知本周特价房，客户有兴趣", "客户在看别的盘，对比一下",
             "约了周六到访", "客户说考虑中", "告知加推信息", "在开会，稍后回电"),
    "微信": ("微信发了户型图", "发了优惠政策，未回复", "微信发一房一价，已读", "朋友圈点赞互动",
             "微信沟通贷款方案", "发了样板间视频", "客户微信问车位价格", "发了工程进度照片"),
    "来访": ("带看样板间，关注三房", "二次到访，带家人来看", "到访看了工地，比较满意", "来售楼处算价格",
             "带父母来看房", "看了楼栋位置，想要中间楼层", "到访谈价格，差得有点多"),
    "来电": ("客户来电问价格", "客户来电咨询贷款", "来电问开盘时间", "来电问学区"),
    "主动拜访": ("去客户单位送资料", "上门拜访，送了伴手礼", "去客户店里拜访"),
    "其他": ("转给同事接待", "客户朋友代为咨询", "展会上碰到", "已加微信", "无"),
}
_NAME_NOTES = ("(朋友介绍)", "(老带新)", " 看了两次", " 已加微信", "（夫妻一起来的）")


@dataclass(frozen=True)
class OfficeLogSize:
    """How big the office is: customers, agents (置业顾问), log rows and days covered."""

    customers: int = 3200
    agents: int = 18
    rows: int = 8000
    days: int = 91


def write_office_log(out_dir: Path, size: OfficeLogSize, *, seed: int, today: dt.date,
                     log_end: dt.date) -> Path:
    """Draw the office's log ending on log_end and write 跟进日志.xlsx; return its path."""
    cells = _draw_log(size, seed, log_end)
    path = Path(out_dir) / OFFICE_LOG_FILE
    book = _Book(path, size.rows, today)
    sheet = book.sheet(OFFICE_LOG_SHEET, (7, 12, 24, 10, 11, 16, 10, 36, 13))
    book.header_row(sheet, 0, OFFICE_LOG_HEADERS)
    sheet.freeze_panes(1, 0)
    _write_rows(sheet, 1, cells)
    book.close()
    return path


def _draw_log(size: OfficeLogSize, seed: int, log_end: dt.date) -> list[np.ndarray]:
    """The log's columns in OFFICE_LOG_HEADERS order, rows sorted by contact time."""
    n, m = size.customers, size.rows
    end = np.datetime64(log_end, "D")
    window = end - np.arange(size.days - 1, -1, -1).astype("timedelta64[D]")

    rng = _rng(seed, "office-customers")
    grade = rng.choice(4, size=n, p=_GRADE_P)
    agents = _unique_names(_rng(seed, "office-agents"), size.agents)
    owner, leaver, receiver = _owners(rng, n, size.agents)
    invalid, out, deal = _disjoint_picks(rng, np.arange(n), (
        _at_least_one(n, _INVALID_SHARE), _at_least_one(n, _OUT_SHARE), _at_least_one(n, _DEAL_SHARE)))
    grade[invalid] = 3
    grade[out] = np.where(rng.random(len(out)) < 0.5, 2, 3)
    grade[deal] = 0
    closing = np.zeros(n, dtype=bool)
    closing[np.concatenate([invalid, out, deal])] = True
    a_open = np.flatnonzero((grade == 0) & ~closing)
    if size.days <= _STALE_DAYS + 1:  # too short a log to leave anyone a month without a call
        a_open = a_open[:0]
    stale = rng.choice(a_open, size=_at_least_one(len(a_open), _STALE_A_SHARE), replace=False)

    # Rows: one per customer, the rest to the better grades; days weighted by weekday only.
    weight = np.asarray(_EXTRA_ROWS_WEIGHT)[grade]
    counts = 1 + rng.multinomial(m - n, weight / weight.sum())
    who = np.repeat(np.arange(n), counts)
    rng = _rng(seed, "office-contacts")
    weekday = (window.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday
    cdf = np.cumsum(np.where(weekday >= 5, _WEEKEND_WEIGHT, 1.0))
    last_allowed = np.full(n, size.days - 1)
    last_allowed[stale] = size.days - 1 - _STALE_DAYS
    day = np.searchsorted(cdf, rng.random(m) * cdf[last_allowed[who]], side="right")
    method = rng.choice(len(OFFICE_LOG_METHODS), size=m, p=_METHOD_P)
    minute = np.where(method == _VISIT, rng.integers(10 * 60, 17 * 60 + 30, m),
                      rng.integers(9 * 60, 20 * 60 + 30, m))
    order = np.lexsort((minute, day, who))
    who, day, method, minute = who[order], day[order], method[order], minute[order]
    last = np.r_[who[1:] != who[:-1], True]

    content = np.empty(m, dtype=object)
    for k, word in enumerate(OFFICE_LOG_METHODS):
        content[method == k] = _pick(rng, _CONTENTS[word], int((method == k).sum()))
    content, method = _closing_notes(rng, who, last, content, method, invalid, out, deal)
    row_grade = np.where(last, grade[who], np.minimum(grade[who] + (rng.random(m) < 0.3), 3))
    written_grade = np.asarray(OFFICE_LOG_GRADES, dtype=object)[row_grade]
    plain = (row_grade <= 1) & (rng.random(m) < _PLAIN_GRADE_SHARE) & ~(last & closing[who])
    written_grade[plain] = np.asarray(("A", "B"), dtype=object)[row_grade[plain]]

    agent = owner[who]
    handover_day = size.days // 2 + int(rng.integers(-size.days // 10, size.days // 10 + 1))
    agent[(agent == leaver) & (day >= handover_day)] = receiver
    # Nothing is planned after a closing note, nor for a lead the office wrote off (D类(无效)).
    nxt = _appointments(rng, who, day, last, closing | (grade == 3), size.days)

    at = window[day].astype("datetime64[m]") + minute.astype("timedelta64[m]")
    final = np.argsort(at, kind="stable")
    names, phones = _identities(_rng(seed, "office-identities"), n)
    return [
        np.arange(1, m + 1).astype(object),
        names[who[final]],
        phones[who[final]],
        agents[agent[final]],
        written_grade[final],
        _written_times(rng, at[final]),
        np.asarray(OFFICE_LOG_METHODS, dtype=object)[method[final]],
        content[final],
        _written_days(rng, window, nxt[final]),
    ]


def _owners(rng: np.random.Generator, n: int, n_agents: int) -> tuple[np.ndarray, int, int]:
    """Each customer's agent; a few busy agents hold 3–4x the median; who leaves, who takes over."""
    busy = rng.choice(n_agents, size=max(1, round(n_agents * _BUSY_AGENTS_SHARE)), replace=False)
    weight = rng.uniform(0.8, 1.2, n_agents)
    weight[busy] = rng.uniform(3.8, 4.3, len(busy))
    owner = rng.choice(n_agents, size=n, p=weight / weight.sum())
    calm = np.setdiff1d(np.arange(n_agents), busy)
    leaver, receiver = rng.choice(calm if len(calm) >= 2 else np.arange(n_agents), 2, replace=False)
    return owner, int(leaver), int(receiver)


def _closing_notes(rng: np.random.Generator, who: np.ndarray, last: np.ndarray, content: np.ndarray,
                   method: np.ndarray, invalid: np.ndarray, out: np.ndarray,
                   deal: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The last note of the invalid, lost and won customers, in the office's words."""
    content, method = content.copy(), method.copy()
    rows_of = np.full(who.max() + 1, -1)
    rows_of[who[last]] = np.flatnonzero(last)
    call, wechat = OFFICE_LOG_METHODS.index("去电"), OFFICE_LOG_METHODS.index("微信")
    for customers, words, how in ((invalid, INVALID_WORDS, (call,)), (out, OUT_WORDS, (call, wechat)),
                                  (deal, DEAL_WORDS, (_VISIT, call))):
        rows = rows_of[customers]
        notes = _pick(rng, words, len(rows))
        units = [f"{b}-{f}{r:02d}" for b, f, r in zip(rng.integers(1, 13, len(rows)).tolist(),
                                                      rng.integers(2, 33, len(rows)).tolist(),
                                                      rng.integers(1, 5, len(rows)).tolist(), strict=True)]
        content[rows] = [note.format(unit=unit) for note, unit in zip(notes, units, strict=True)]
        method[rows] = _pick(rng, how, len(rows)).astype(np.int64)
    return content, method


def _appointments(rng: np.random.Generator, who: np.ndarray, day: np.ndarray, last: np.ndarray,
                  written_off: np.ndarray, days: int) -> np.ndarray:
    """下次跟进时间 as a day index (-1 = none): kept ones, missed ones, ones still ahead."""
    m, n = len(who), len(written_off)
    nxt = np.full(m, -1)
    # Earlier rows: the appointment is the next contact, or a day before it (late, but called).
    following = np.r_[day[1:], 0]
    planned = ~last & (following > day) & (rng.random(m) < _NEXT_SHARE)
    early = following - rng.integers(0, 4, m)
    nxt[planned] = np.maximum(np.where(following - day <= 21, following, early), day + 1)[planned]
    # Last rows: missed (before the log's end, nobody called since) or still ahead.
    last_rows = np.flatnonzero(last)
    open_ = ~written_off[who[last_rows]]
    can_miss = last_rows[open_ & (day[last_rows] <= days - 3)]
    missed = rng.choice(can_miss, size=min(len(can_miss), round(n * _MISSED_SHARE)), replace=False)
    nxt[missed] = day[missed] + 1 + (rng.random(len(missed)) * (days - 2 - day[missed])).astype(np.int64)
    rest = np.setdiff1d(last_rows[open_], missed)
    ahead = rest[rng.random(len(rest)) < _BOOKED_SHARE / (1 - _MISSED_SHARE)]
    nxt[ahead] = np.maximum(day[ahead] + 1, days - 1) + rng.integers(0, 11, len(ahead))
    return nxt


def _identities(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Name and phone cells per customer, written the same way on every row of that customer."""
    male = rng.random(n) < 0.55
    names = _names(rng, male)
    surname = np.asarray(list(_SURNAMES[:40]), dtype=object)[rng.integers(0, 40, n)]
    book = _PhoneBook(rng, 2 * n + 100)
    phone = book.take(n)
    kind = rng.choice(7, size=n, p=(0.875, 0.02, 0.04, 0.005, 0.025, 0.025, 0.01))
    brother = np.where(male, "哥", "姐").astype(object)
    names = np.select([kind == 1, kind == 2, kind == 3, kind == 4], [
        np.full(n, "未知", dtype=object), surname + brother, brother,
        surname + np.where(male, "先生", "女士").astype(object)], names)
    noted = np.flatnonzero(kind == 5)
    notes = _pick(rng, _NAME_NOTES, len(noted))
    names[noted] = names[noted] + notes  # 张伟(朋友介绍): a note typed into the name cell
    names[noted[::3]] = [f"{s}先生 看了两次" for s in surname[noted[::3]]]
    digits = np.flatnonzero(kind == 6)
    names[digits] = (phone[digits] % 10_000).astype(object)  # the agent kept the phone's last 4
    cells = phone.astype(str).astype(object)
    two = rng.choice(n, size=_at_least_one(n, _TWO_PHONES_SHARE), replace=False)
    second = book.take(len(two)).astype(str)
    sep = np.where(rng.random(len(two)) < 0.5, "/", " ")
    cells[two] = [f"{a}{s}{b}" for a, s, b in zip(cells[two], sep, second, strict=True)]
    number = np.setdiff1d(np.flatnonzero(rng.random(n) < _NUMBER_PHONE_SHARE), two)
    cells[number] = phone[number].astype(object)
    return names, cells


def _written_times(rng: np.random.Generator, at: np.ndarray) -> np.ndarray:
    """跟进日期: date cells with the time, a few typed as text (2026/12/3 14:20)."""
    out = at.astype(object)
    typed = np.flatnonzero(rng.random(len(at)) < _TEXT_DATE_SHARE)
    out[typed] = [f"{t.year}/{t.month}/{t.day} {t.hour}:{t.minute:02d}" for t in out[typed]]
    return out


def _written_days(rng: np.random.Generator, window: np.ndarray, nxt: np.ndarray) -> np.ndarray:
    """下次跟进时间: date cells, a few typed as text, blank where nothing was planned."""
    out = np.full(len(nxt), None, dtype=object)
    has = nxt >= 0
    out[has] = (window[0] + nxt[has].astype("timedelta64[D]")).astype(object)
    typed = np.flatnonzero(has & (rng.random(len(nxt)) < _TEXT_DATE_SHARE))
    out[typed] = [f"{d.year}/{d.month}/{d.day}" for d in out[typed]]
    return out
