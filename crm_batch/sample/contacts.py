"""The follow-ups (跟进): who was contacted when, how, with what note, and what was planned."""

from __future__ import annotations

import datetime as dt

import numpy as np
from lunar_python import Lunar

from crm_batch.sample.draws import _NAT, _at_least_one, _days, _disjoint_picks, _pick, _rng
from crm_batch.sample.vocab import (
    _CALL,
    _LOST,
    _OUTREACH,
    _OWNER,
    _SHORT_CONTENTS,
    _SIGNED,
    CONTACT_WINDOW_DAYS,
    METHODS,
    _Preset,
)


def _greeting_days(start: dt.date, end: dt.date) -> list[tuple[dt.date, str]]:
    """Holidays (solar and lunar) and solar terms (节气) from start to end, inclusive."""
    days: dict[dt.date, str] = {}
    for year in range(start.year - 1, end.year + 1):
        for month, day, name in ((1, 1, "元旦"), (5, 1, "劳动节"), (6, 1, "儿童节"),
                                 (10, 1, "国庆节")):
            days[dt.date(year, month, day)] = name
        for month, day, name in ((1, 1, "春节"), (1, 15, "元宵节"), (5, 5, "端午节"),
                                 (7, 7, "七夕"), (8, 15, "中秋节"), (9, 9, "重阳节")):
            solar = Lunar.fromYmd(year, month, day).getSolar()
            days[dt.date(solar.getYear(), solar.getMonth(), solar.getDay())] = name
        for name, solar in Lunar.fromYmd(year, 6, 1).getJieQiTable().items():
            if not name.isascii():  # the table also keys neighbouring years' terms in pinyin
                days.setdefault(dt.date(solar.getYear(), solar.getMonth(), solar.getDay()), name)
    return sorted((d, name) for d, name in days.items() if start <= d <= end)


def _contact_counts(rng: np.random.Generator, c: dict[str, np.ndarray], part: np.ndarray,
                    per_customer: float) -> np.ndarray:
    """Contacts per customer: more for high grades; 1–4 on a card; at least 1 in the log."""
    n = len(part)
    weight = (np.array([2.5, 1.5, 0.8, 0.4])[c["grade_idx"]]
              * np.array([1.0, 1.2, 1.5, 0.8, 0.6, 0.8, 0.3])[c["stage"]])
    counts = np.zeros(n, dtype=np.int64)
    card, log, main = part == 1, part == 2, part == 0
    counts[card] = rng.choice([1, 2, 3, 4], size=int(card.sum()), p=[0.3, 0.3, 0.25, 0.15])
    if log.any():
        counts[log] = np.maximum(1, rng.poisson(per_customer * weight[log] / weight[log].mean()))
    target = max(0, round(n * per_customer) - int(counts[card].sum() + counts[log].sum()))
    if main.any():
        counts[main] = rng.poisson(target * weight[main] / weight[main].sum())
    # Declaring a customer lost (申请战败) is itself a follow-up.
    lost = main & (c["stage"] == _LOST)
    counts[lost] = np.maximum(counts[lost], 1)
    return counts


def _draw_contacts(
    c: dict[str, np.ndarray], part: np.ndarray, preset: _Preset, today: dt.date, seed: int,
    per_customer: float, n_agents: int,
) -> dict[str, np.ndarray]:
    """Every follow-up (跟进): who, when, how, what, and the one planned next."""
    rng = _rng(seed, "contacts")
    today64 = np.datetime64(today, "D")
    stage, main = c["stage"], part == 0
    counts = _contact_counts(rng, c, part, per_customer)
    who = np.repeat(np.arange(len(part)), counts)
    m = len(who)

    window_start = today64 - np.timedelta64(CONTACT_WINDOW_DAYS, "D")
    lo = np.where(part == 2, window_start, np.maximum(c["registered_at"], window_start))[who]
    day = lo + _days((rng.random(m) * ((today64 - lo).astype(np.int64) + 1)).astype(np.int64))
    # A card's groups are successive talks from the day the card was opened.
    first = np.r_[0, np.cumsum(counts)[:-1]][who]
    gaps = np.where(np.arange(m) == first, 0, rng.integers(2, 21, m))
    on_card = (part == 1)[who]
    card_day = np.minimum(c["registered_at"][who] + _days(_group_cumsum(gaps, first)), today64)
    day = np.where(on_card, card_day, day)

    method = np.select(
        [np.isin(stage, (_CALL, _OUTREACH))[who], np.isin(stage, (_SIGNED, _OWNER))[who]],
        [rng.choice(5, m, p=[0.6, 0.2, 0.2, 0.0, 0.0]),
         rng.choice(5, m, p=[0.35, 0.3, 0.25, 0.02, 0.08])],
        rng.choice(5, m, p=[0.45, 0.15, 0.22, 0.14, 0.04]),
    )
    minute = np.where(method == METHODS.index("来访"), rng.integers(10 * 60, 17 * 60, m),
                      rng.integers(9 * 60, 20 * 60 + 30, m))
    content = np.empty(m, dtype=object)
    for k, word in enumerate(METHODS):
        content[method == k] = _pick(rng, preset.contents[word], int((method == k).sum()))
    methods = np.asarray(METHODS, dtype=object)[method]

    # Thin notes (已联系), one text pasted across customers, greetings on holidays.
    free = np.flatnonzero(~on_card)
    short, pasted, greeting = _disjoint_picks(
        rng, free, (_at_least_one(m, 0.08), _at_least_one(m, 0.06), _at_least_one(m, 0.03)))
    content[short] = _pick(rng, _SHORT_CONTENTS, len(short))
    content[pasted] = _pick(rng, preset.copy_paste, len(pasted))
    days = _greeting_days(today - dt.timedelta(days=CONTACT_WINDOW_DAYS), today)
    if days and len(greeting):
        chosen = rng.integers(0, len(days), len(greeting))
        on = np.array([np.datetime64(days[k][0], "D") for k in chosen])
        ok = on >= lo[greeting]
        greeting, chosen = greeting[ok], chosen[ok]
        day[greeting] = on[ok]
        methods[greeting] = np.where(rng.random(len(greeting)) < 0.6, "短信", "微信")
        content[greeting] = [f"{days[k][1]}祝福：祝您{days[k][1]}快乐，阖家幸福！" for k in chosen]

    # Courtesy SMS the standards time: a thank-you after a visit, a congratulation on signing.
    thanks = np.flatnonzero((methods == "来访") & main[who] & (rng.random(m) < 0.5))
    signing = np.flatnonzero(main & (c["signed_at"] >= window_start)
                             & (rng.random(len(part)) < 0.7))
    who = np.concatenate([who, who[thanks], signing])
    day = np.concatenate([day, day[thanks], c["signed_at"][signing]])
    minute = np.concatenate([minute, minute[thanks] + rng.integers(5, 90, len(thanks)),
                             rng.integers(15 * 60, 20 * 60, len(signing))])
    methods = np.concatenate([methods, np.full(len(thanks) + len(signing), "短信", dtype=object)])
    content = np.concatenate([content, np.full(len(thanks), preset.thanks_sms, dtype=object),
                              np.full(len(signing), preset.congrats_sms, dtype=object)])

    at = day.astype("datetime64[m]") + minute.astype("timedelta64[m]")
    order = np.lexsort((at, who))
    who, at, methods, content = who[order], at[order], methods[order], content[order]
    m = len(who)
    starts = np.r_[True, who[1:] != who[:-1]] if m else np.zeros(0, dtype=bool)
    last = np.r_[starts[1:], True] if m else starts
    rank = np.arange(m) - np.maximum.accumulate(np.where(starts, np.arange(m), 0))
    # The grade written at each contact: today's grade, sometimes a notch lower earlier on.
    grade = c["grade_idx"][who]
    contact_grade = np.minimum(grade + ((~last) & (rng.random(m) < 0.35)), len(preset.grades) - 1)

    nxt = np.where(rng.random(m) < np.where(last & (grade <= 1), 0.6, 0.25),
                   at.astype("datetime64[D]") + _days(rng.integers(1, 15, m)), _NAT)
    week_start = np.datetime64(today - dt.timedelta(days=today.weekday()), "D")
    recent = np.flatnonzero(at.astype("datetime64[D]") >= week_start - np.timedelta64(14, "D"))
    planned = rng.choice(recent, size=_at_least_one(len(recent), 0.1), replace=False)
    nxt[planned] = np.maximum(at[planned].astype("datetime64[D]") + np.timedelta64(1, "D"),
                              week_start + _days(rng.integers(0, 7, len(planned))))

    # What a manager's check (主管核查) found: verified, a fake follow-up, a fake 战败.
    verification = np.where(rng.random(m) < 0.04, "已核实", None).astype(object)
    main_rows = np.flatnonzero(main[who])
    verification[rng.choice(main_rows, size=_at_least_one(len(main_rows), 0.01),
                            replace=False)] = "虚假跟进"
    lost = np.flatnonzero(last & (stage[who] == _LOST) & main[who])
    content[lost] = _pick(rng, preset.lost_notes, len(lost))
    verification[rng.choice(lost, size=_at_least_one(len(lost), 0.1), replace=False)] = "虚假战败"

    # A colleague sometimes covers a call; cards and the log are kept by the owner alone.
    agent = c["agent"][who].copy()
    covered = (rng.random(m) < 0.03) & main[who]
    agent[covered] = (agent[covered] + rng.integers(1, max(n_agents, 2), int(covered.sum()))
                      ) % n_agents
    return {"who": who, "at": at, "method": methods, "content": content, "next": nxt,
            "verification": verification, "agent": agent, "grade_idx": contact_grade,
            "rank": rank}


def _group_cumsum(values: np.ndarray, group_start: np.ndarray) -> np.ndarray:
    """Running sum of ``values`` restarting at each group's first element."""
    total = np.cumsum(values)
    return total - total[group_start] + values[group_start]
