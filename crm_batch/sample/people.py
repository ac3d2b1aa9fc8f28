"""The customers (客户): names, phones, agents, and the truth about each person."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
from lunar_python import LunarYear, Solar

from crm_batch.sample.draws import _NAT, _at_least_one, _days, _disjoint_picks, _pick, _rng, _year_start
from crm_batch.sample.vocab import (
    _CALL,
    _COMMON_POOLS,
    _COMPOUND_SURNAMES,
    _FEMALE_CHARS,
    _INTENT,
    _LOST,
    _MALE_CHARS,
    _MARK_KEYS,
    _MOBILE_PREFIXES,
    _OUTREACH,
    _OWNER,
    _SIGNED,
    _SURNAMES,
    _VISIT,
    STAGES,
    _Preset,
)


def _names(rng: np.random.Generator, male: np.ndarray) -> np.ndarray:
    """Chinese names: a common surname (rarely a compound one), one or two given characters."""
    n = len(male)
    surnames = np.array([*_SURNAMES, *_COMPOUND_SURNAMES])
    weights = 1.0 / (np.arange(len(surnames)) + 4.0)
    weights[-len(_COMPOUND_SURNAMES):] = 0.002
    surname = surnames[rng.choice(len(surnames), size=n, p=weights / weights.sum())]
    male_chars, female_chars = np.array(list(_MALE_CHARS)), np.array(list(_FEMALE_CHARS))

    def given() -> np.ndarray:
        return np.where(male, male_chars[rng.integers(0, len(male_chars), n)],
                        female_chars[rng.integers(0, len(female_chars), n)])

    first, second = given(), given()
    two = rng.random(n) < 0.7
    return np.char.add(surname, np.where(two, np.char.add(first, second), first)).astype(object)


class _PhoneBook:
    """Unique 11-digit mobiles, handed out in order so every caller gets fresh ones."""

    def __init__(self, rng: np.random.Generator, size: int) -> None:
        self._rng = rng
        self._numbers = self._grow(np.empty(0, dtype=np.int64), size)
        self._next = 0

    def _grow(self, existing: np.ndarray, extra: int) -> np.ndarray:
        wanted = len(existing) + extra
        out = existing
        while len(out) < wanted:
            k = int((wanted - len(out)) * 1.1) + 16
            prefixes = _MOBILE_PREFIXES[self._rng.integers(0, len(_MOBILE_PREFIXES), k)]
            merged = np.concatenate([out, prefixes * 10**8 + self._rng.integers(0, 10**8, k)])
            _, first = np.unique(merged, return_index=True)
            out = merged[np.sort(first)][:wanted]
        return out

    def take(self, k: int) -> np.ndarray:
        if self._next + k > len(self._numbers):
            self._numbers = self._grow(self._numbers, k + 1000)
        self._next += k
        return self._numbers[self._next - k:self._next]


# ------------------------------------------------------------------ the customers


def _part_sizes(customers: int) -> tuple[int, int, int]:
    """(register, card, log): the card and the log each hold ~10 % of the customers, min 5."""
    side = max(round(customers * 0.1), min(5, customers // 5))
    return customers - 2 * side, side, side


def _agents(seed: int, customers: int, book: _PhoneBook) -> tuple[np.ndarray, np.ndarray]:
    """4–12 agents (经纪人/置业顾问/销售顾问) and their own phones."""
    rng = _rng(seed, "agents")
    wanted = int(np.clip(customers // 20, 4, 12))
    return _unique_names(rng, wanted), book.take(wanted)


def _unique_names(rng: np.random.Generator, wanted: int) -> np.ndarray:
    """``wanted`` distinct names, men and women alike (agents must not share a name)."""
    names: list[str] = []
    while len(names) < wanted:
        names += [x for x in dict.fromkeys(_names(rng, rng.random(wanted) < 0.5)) if x not in names]
    return np.asarray(names[:wanted], dtype=object)


def _draw_customers(
    n: int, preset: _Preset, today: dt.date, seed: int, n_agents: int, book: _PhoneBook,
    in_register: np.ndarray,
) -> dict[str, np.ndarray]:
    """The truth about every customer, one array per attribute (None/NaT = not recorded)."""
    rng = _rng(seed, "customers")
    today64 = np.datetime64(today, "D")
    male = rng.random(n) < 0.56
    c: dict[str, np.ndarray] = {
        "name": _names(rng, male),
        "phone": book.take(n),
        "age": np.clip(np.rint(rng.normal(40, 9, n)), 25, 65).astype(np.int64),
        "agent": rng.choice(n_agents, size=n, p=rng.dirichlet(np.full(n_agents, 4.0))),
    }
    diligence = rng.uniform(0.75, 1.15, n_agents)[c["agent"]]
    grade = rng.choice(len(preset.grades), size=n, p=preset.grade_p)
    stage = np.empty(n, dtype=np.int64)
    for g, probs in enumerate(preset.stage_p):
        stage[grade == g] = rng.choice(len(STAGES), size=int((grade == g).sum()), p=probs)
    owners = np.isin(stage, (_SIGNED, _OWNER))
    c.update(grade_idx=grade, stage=stage, grade=np.asarray(preset.grades, dtype=object)[grade])
    c["stage_word"] = np.asarray([preset.stage_words[s][w % len(preset.stage_words[s])]
                                  for s, w in zip(stage, rng.integers(0, 6, n), strict=True)],
                                 dtype=object)
    visits = np.select(
        [stage == _VISIT, stage == _INTENT, owners, stage == _LOST],
        [np.where(rng.random(n) < 0.75, rng.integers(1, 3, n), rng.integers(3, 6, n)),
         rng.integers(2, 7, n), rng.integers(2, 8, n), rng.integers(0, 4, n)],
        0,
    )
    c["visits"] = visits

    def ago(lo: int, hi: int, skew: float = 1.6) -> np.ndarray:  # skewed towards recent
        return lo + ((hi - lo) * rng.random(n) ** skew).astype(np.int64)

    signed_ago = np.where(stage == _OWNER, ago(200, 1500, 1.0), ago(1, 200))
    c["signed_at"] = np.where(owners, today64 - _days(signed_ago), _NAT)
    reg_ago = np.select(
        [stage == _CALL, stage == _VISIT, stage == _INTENT, stage == _OUTREACH, stage == _LOST],
        [ago(0, 150), ago(0, 240), ago(3, 240), ago(0, 45), ago(30, 400, 1.0)],
        signed_ago + rng.integers(7, 120, n),
    )
    c["registered_at"] = today64 - _days(reg_ago)
    handover = c["signed_at"] + _days(rng.integers(*preset.handover_days, n))
    c["handover_at"] = np.where((stage == _OWNER) & (handover < today64), handover, _NAT)
    c["outreach_at"] = np.where(stage == _OUTREACH, c["registered_at"], _NAT)

    # Completeness follows the stage (资料建档): first call, 1–2 visits, 3+ visits, owners.
    tier = np.select([np.isin(stage, (_CALL, _OUTREACH)), visits <= 2, ~owners], [0, 1, 2], 3)
    complete = owners & (rng.random(n) < 0.55)

    def filled(probs: tuple[float, float, float, float]) -> np.ndarray:
        return complete | (rng.random(n) < np.asarray(probs)[tier] * diligence)

    def column(pool: Sequence[str], probs: tuple[float, float, float, float]) -> np.ndarray:
        return np.where(filled(probs), _pick(rng, pool, n), None)

    first_call, basic = (0.9, 0.95, 0.97, 0.98), (0.12, 0.5, 0.85, 0.95)
    deep = (0.03, 0.15, 0.7, 0.92)
    pools = {**_COMMON_POOLS, **preset.pools}
    c["gender"] = np.where(filled(first_call), np.where(male, "男", "女").astype(object), None)
    c["source"] = column(pools["source"], first_call)
    c["enquiry"] = column(pools["enquiry"], first_call)
    for key in ("family", "occupation", "purpose", "needs"):
        c[key] = column(pools[key], basic)
    for key in ("living", "property_history", "relations", "position", "income", "character",
                "hobbies", "circle"):
        c[key] = column(pools[key], deep) if key in pools else np.full(n, None, dtype=object)
    address = np.char.add(np.char.add(_pick(rng, pools["district"], n).astype(str),
                                      _pick(rng, pools["estate"], n).astype(str)),
                          np.char.add(rng.integers(1, 30, n).astype(str), "栋"))
    c["address"] = np.where(filled(basic), address.astype(object), None)
    if preset.colours:
        wanted = np.flatnonzero(c["needs"] != None)  # noqa: E711 (elementwise)
        c["needs"][wanted] = c["needs"][wanted] + _pick(rng, preset.colours, len(wanted))
    c["age_shown"] = np.where(filled(basic), c["age"].astype(object), None)
    c["grade_shown"] = np.where(rng.random(n) < 0.96, c["grade"], None)
    if preset.purchase_windows:
        windows = np.array([_pick(rng, w, n) for w in preset.purchase_windows])
        c["purchase_window"] = np.where(filled(first_call), windows[grade, np.arange(n)], None)

    # Criteria marks (认同产品…), consistent-ish with the grade; buyers mostly 是.
    assessed = np.select([tier == 0, owners], [0.25, 0.95], 0.9)
    cumulative = np.cumsum(np.asarray(preset.mark_p), axis=1)[np.where(owners, 0, grade)]
    for key in _MARK_KEYS:
        word = np.asarray(("是", "部分", "否"), dtype=object)[
            np.minimum((rng.random(n)[:, None] > cumulative).sum(axis=1), 2)]
        c[key] = np.where(rng.random(n) < assessed, word, None)

    _draw_birthdays(c, rng, stage, today, in_register)
    _draw_referrals(c, rng, owners, grade, filled(deep), pools["contribution"])
    roll = rng.random(n)
    c["lost_approved"] = np.where(stage != _LOST, None,
                                  np.where(roll < 0.55, "是", np.where(roll < 0.9, None, "否")))
    c["note"] = np.where(rng.random(n) < 0.1, _pick(rng, _COMMON_POOLS["note"], n), None)
    c["party_size"] = np.where(visits > 0, rng.integers(1, 6, n).astype(object), None)
    return c


def _draw_referrals(c: dict[str, np.ndarray], rng: np.random.Generator, owners: np.ndarray,
                    grade: np.ndarray, filled: np.ndarray, pool: Sequence[str]) -> None:
    """Referrals (转介绍) by buyers, with a few 老母鸡 and 小母鸡 key accounts; relationship."""
    n = len(owners)
    referred = np.where(owners & (rng.random(n) < 0.5), rng.poisson(1.0, n), -1)
    signups = np.where(referred > 0, rng.integers(0, 2, n), np.where(referred == 0, 0, -1))
    owner_idx = np.flatnonzero(owners)
    hen, chick = _disjoint_picks(rng, owner_idx, (_at_least_one(len(owner_idx), 0.01),
                                                  _at_least_one(len(owner_idx), 0.02)))
    referred[hen], signups[hen] = rng.integers(20, 35, len(hen)), rng.integers(10, 16, len(hen))
    referred[chick] = rng.integers(10, 20, len(chick))
    signups[chick] = rng.integers(5, 10, len(chick))
    c["referred_visits"] = np.where(referred >= 0, referred.astype(object), None)
    c["referred_signups"] = np.where(signups >= 0, signups.astype(object), None)
    c["contribution"] = np.where(owners & filled, _pick(rng, pool, n), None)
    c["contribution"][hen] = [f"推荐到访{v}组，办卡{s}张"
                              for v, s in zip(referred[hen], signups[hen], strict=True)]
    close = rng.random(n) < np.where(grade == 0, 0.45, 0.15)
    relation = np.where(close, "关系很好", np.where(rng.random(n) < 0.7, "一般", "疏远"))
    c["relationship"] = np.where(owners | (rng.random(n) < 0.5), relation.astype(object), None)


def _draw_birthdays(c: dict[str, np.ndarray], rng: np.random.Generator, stage: np.ndarray,
                    today: dt.date, in_register: np.ndarray) -> None:
    """~70 % have a birthday; a fifth of those keep it in the lunar calendar (农历).

    A few registered customers get one this ISO week or next, so the week has some."""
    n = len(stage)
    has = rng.random(n) < np.select([np.isin(stage, (_SIGNED, _OWNER)), stage == _CALL,
                                     stage == _OUTREACH], [0.95, 0.45, 0.4], 0.72)
    lunar = has & (rng.random(n) < 0.2)
    solar = has & ~lunar
    year = today.year - c["age"] - (rng.random(n) < 0.5)
    leap_year = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    offset = (rng.random(n) * (365 + leap_year)).astype(np.int64)
    solar_date = np.where(solar, _year_start(year) + _days(offset), _NAT)

    week_start = today - dt.timedelta(days=today.weekday())
    solar_idx = np.flatnonzero(solar & in_register)
    picks = _disjoint_picks(rng, solar_idx, (max(2, round(0.02 * len(solar_idx))),) * 2)
    for week, chosen in enumerate(picks):
        for i, shift in zip(chosen, rng.integers(0, 7, len(chosen)), strict=True):
            target = week_start + dt.timedelta(days=7 * week + int(shift))
            y = int(year[i]) - (int(year[i]) % 4 if (target.month, target.day) == (2, 29) else 0)
            solar_date[i] = np.datetime64(dt.date(y, target.month, target.day), "D")

    leap_months = {y: LunarYear.fromYear(y).getLeapMonth()
                   for y in range(int(year.min()), int(year.max()) + 1)}
    month = rng.integers(1, 13, n)
    day = np.where(rng.random(n) < 0.06, 30, rng.integers(1, 30, n))
    year_leap = np.array([leap_months[y] for y in year.tolist()])
    leap = lunar & (year_leap > 0) & (rng.random(n) < 0.3)
    month = np.where(leap, year_leap, month)
    lunar_idx = np.flatnonzero(lunar)
    if len(lunar_idx) and not leap.any():
        # Keep one 闰月 birthday, in the leap year nearest the customer's own.
        i = lunar_idx[0]
        ly = min((y for y, m in leap_months.items() if m), key=lambda y: abs(y - int(year[i])))
        year[i], month[i], leap[i] = ly, leap_months[ly], True
    plain = lunar_idx[~leap[lunar_idx] & in_register[lunar_idx]]
    if len(plain):
        # And one lunar birthday in this ISO week.
        for shift in range(7):
            d = week_start + dt.timedelta(days=shift)
            lunar_date = Solar.fromYmd(d.year, d.month, d.day).getLunar()
            if lunar_date.getMonth() > 0:
                month[plain[-1]], day[plain[-1]] = lunar_date.getMonth(), lunar_date.getDay()
                break
    c.update(birth_solar=solar_date, birth_lunar=lunar, birth_year=year, lunar_month=month,
             lunar_day=day, lunar_leap=leap)
