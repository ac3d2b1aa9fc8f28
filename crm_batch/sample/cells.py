"""The cells of each sheet, drawn from the customers and contacts before any file is written."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from crm_batch.sample.draws import _NAT, _at_least_one, _days, _disjoint_picks, _pick, _rng
from crm_batch.sample.other_office import _OfficeHeaders, folded_lunar_text
from crm_batch.sample.people import _names, _PhoneBook
from crm_batch.sample.render import (
    _render_birthdays,
    _render_dates,
    _render_grades,
    _render_phones,
    _render_words,
    _stray_spaces,
)
from crm_batch.sample.vocab import (
    _CALL,
    _FULLWIDTH,
    _GARBLED,
    _GENDER_P,
    _GENDER_WORDS,
    _MARK_KEYS,
    _MARK_P,
    _MARK_WORDS,
    _METHOD_P,
    _METHOD_WORDS,
    _VISIT,
    CONTACT_WINDOW_DAYS,
    STAGES,
    _Preset,
)


@dataclass
class _Sample:
    """Everything one generate() call draws, before it is written."""

    preset: _Preset
    today: dt.date
    seed: int
    messy: bool
    agents: np.ndarray
    agent_phones: np.ndarray
    customers: dict[str, np.ndarray]
    part: np.ndarray  # per customer: 0 register, 1 card, 2 log
    contacts: dict[str, np.ndarray]
    book: _PhoneBook
    office: _OfficeHeaders | None = None  # profile other_office: its header texts

    def rng(self, topic: str) -> np.random.Generator:
        return _rng(self.seed, topic)


_REGISTERED_AGAIN_BLANK = (
    "age_shown", "address", "family", "occupation", "purpose", "needs", "living",
    "property_history", "relations", "position", "income", "character", "hobbies", "circle",
    *_MARK_KEYS, "contribution", "referred_visits", "referred_signups", "relationship",
    "lost_approved", "note", "purchase_window", "party_size",
)


def _register_rows(s: _Sample) -> dict[str, np.ndarray]:
    """The register's rows in registration order: each customer once, plus (when messy) a
    few registered twice by the same agent and a few phones registered again by another."""
    c, rng, preset = s.customers, s.rng("register"), s.preset
    main = np.flatnonzero(s.part == 0)
    n_agents = len(s.agents)
    share = _at_least_one(len(main), 0.01) if s.messy and len(main) >= 4 else 0
    dups, conflicts = _disjoint_picks(rng, main, (share, share))
    src = np.concatenate([main, dups, conflicts])
    kind = np.repeat([0, 1, 2], [len(main), len(dups), len(conflicts)])
    t = {k: v[src].copy() for k, v in c.items()}
    later, conflict = kind > 0, kind == 2
    t["registered_at"][later] = np.minimum(
        t["registered_at"][later] + _days(rng.integers(3, 60, int(later.sum()))),
        np.datetime64(s.today, "D"))
    # A second registration carries only what a first call records.
    for key in _REGISTERED_AGAIN_BLANK:
        if key in t:
            t[key][later] = None
    for key in ("signed_at", "handover_at", "outreach_at", "birth_solar"):
        t[key][later] = _NAT
    t["birth_lunar"][later] = False
    t["stage"][later] = np.where(rng.random(int(later.sum())) < 0.5, _CALL, _VISIT)
    t["stage_word"][later] = [preset.stage_words[k][0] for k in t["stage"][later]]
    t["visits"][later] = np.where(t["stage"][later] == _VISIT, 1, 0)
    t["agent"][conflict] = (t["agent"][conflict]
                            + rng.integers(1, max(n_agents, 2), int(conflict.sum()))) % n_agents
    honorific = np.where(t["gender"][conflict] == "女", "女士", "先生")  # 王先生: name not asked
    short_name = [name[0] + h for name, h in zip(t["name"][conflict], honorific, strict=True)]
    t["name"][conflict] = np.where(rng.random(int(conflict.sum())) < 0.5, t["name"][conflict],
                                   short_name)

    order = np.lexsort((kind, t["registered_at"]))
    t = {k: v[order] for k, v in t.items()}
    t["kind"], t["src"] = kind[order], src[order]
    t["seq"] = np.arange(1, len(order) + 1)
    t["customer_id"] = np.asarray([f"{preset.id_prefix}{i:06d}" for i in t["seq"].tolist()],
                                  dtype=object)
    first = t["kind"] == 0
    s.customers["customer_id"] = np.full(len(s.part), None, dtype=object)
    s.customers["customer_id"][t["src"][first]] = t["customer_id"][first]
    return t


def _register_cells(s: _Sample, t: dict[str, np.ndarray]) -> tuple[dict, dict[int, str]]:
    """The register's cells as written, and the rows shifted by a garbled cell."""
    rng, messy, preset = s.rng("register-cells"), s.messy, s.preset
    r = len(t["seq"])
    cells: dict[str, np.ndarray] = {key: t[key] for key in (
        "source", "enquiry", "address", "family", "occupation", "purpose", "needs", "living",
        "property_history", "relations", "position", "income", "character", "hobbies", "circle",
        "contribution", "referred_visits", "referred_signups", "relationship", "note",
        "purchase_window", "party_size") if key in t}
    cells.update(
        seq=t["seq"].astype(object),
        customer_id=t["customer_id"].copy(),
        name=t["name"].copy(),
        agent=s.agents[t["agent"]],
        stage=t["stage_word"] if messy else np.asarray(STAGES, dtype=object)[t["stage"]],
        visits=np.where((t["visits"] > 0) | (rng.random(r) < 0.5), t["visits"].astype(object),
                        None),
        age=t["age_shown"],
        staff_phone=s.agent_phones[t["agent"]].astype(str).astype(object),
    )
    phones = t["phone"].copy()
    # Rows of a customer registered twice keep a readable phone, so the repeat stays visible.
    twice = np.isin(t["src"], t["src"][t["kind"] > 0])
    shifted: dict[int, str] = {}
    if messy:
        plain = np.flatnonzero((t["kind"] == 0) & ~twice)
        n = len(plain)
        hyperlink, glued, moved, wide_id, spaced = _disjoint_picks(rng, plain, (
            1, _at_least_one(n, 0.01), min(n, 2 + int(rng.integers(0, 2))),
            _at_least_one(n, 0.005), _at_least_one(n, 0.02)))
        cells["name"][hyperlink] = '=HYPERLINK("http://x","点我")'
        cells["name"][glued] = [f"{name}{phone}" for name, phone in
                                zip(cells["name"][glued], phones[glued], strict=True)]
        phones[glued] = 0
        cells["customer_id"][wide_id] = [x.translate(_FULLWIDTH)
                                         for x in cells["customer_id"][wide_id]]
        _stray_spaces(cells["name"], spaced)
        cells["stage"] = np.where(rng.random(r) < 0.03, None, cells["stage"])
        shifted = {int(i): _GARBLED[k % len(_GARBLED)] for k, i in enumerate(sorted(moved))}
    # Every written form turns up at least once in a row that is not shifted.
    force = ~np.isin(np.arange(r), list(shifted))
    cells["phone"] = _render_phones(phones, rng, messy, s.book, force=force, keep_valid=twice)
    cells["gender"] = _render_words(t["gender"], _GENDER_WORDS, _GENDER_P, rng, messy, force=force)
    cells["grade"] = _render_grades(t["grade_shown"], preset, rng, messy, force=force)
    for key in (*_MARK_KEYS, "lost_approved"):
        cells[key] = _render_words(t[key], _MARK_WORDS, _MARK_P, rng, messy,
                                   force=force if key == "likes_product" else False)
    cells["registered_at"] = _render_dates(t["registered_at"], rng, messy, force=force)
    for key in ("signed_at", "handover_at", "outreach_at"):
        cells[key] = _render_dates(t[key], rng, messy)
    cells["birthday"], cells["birthday_type"] = _render_birthdays(t, rng, messy)
    if s.office and s.office.lunar_birthdays:
        # 公历生日 | 农历生日: the type moves into the headers, lunar birthdays become text.
        lunar = t["birth_lunar"]
        cells["birthday"] = np.where(lunar, None, cells["birthday"])
        cells["birthday_type"] = np.full(r, None, dtype=object)
        cells["birthday_type"][lunar] = folded_lunar_text(
            t["lunar_leap"][lunar], t["lunar_month"][lunar], t["lunar_day"][lunar])
    return cells, shifted


def _contact_cells(s: _Sample, rows: np.ndarray, rng: np.random.Generator, *,
                   dates_only: bool = False) -> dict[str, np.ndarray]:
    """The cells of the contacts at ``rows`` (indices into s.contacts), phones still raw."""
    k, c, messy = s.contacts, s.customers, s.messy
    who = k["who"][rows]
    at = k["at"][rows].astype("datetime64[D]") if dates_only else k["at"][rows]
    grades = np.asarray(s.preset.grades, dtype=object)[k["grade_idx"][rows]]
    cells = {
        "customer_id": c.get("customer_id", np.full(len(c["name"]), None))[who].copy(),
        "name": c["name"][who].copy(),
        "agent": s.agents[k["agent"][rows]].copy(),
        "at": _render_dates(at, rng, messy, force=True),
        "method": _render_words(k["method"][rows], _METHOD_WORDS, _METHOD_P, rng, messy,
                                force=True),
        "content": k["content"][rows],
        "next": _render_dates(k["next"][rows], rng, messy, force=True),
        "verification": k["verification"][rows],
        "grade": _render_grades(grades, s.preset, rng, messy, force=True),
        "phone": c["phone"][who].copy(),
    }
    m = len(rows)
    if messy and m:
        has_id = cells["customer_id"] != None  # noqa: E711 (elementwise)
        cells["customer_id"][rng.random(m) < 0.08] = None
        cells["phone"][(rng.random(m) < 0.05) & has_id] = 0
        _stray_spaces(cells["name"], rng.choice(m, size=_at_least_one(m, 0.01), replace=False))
        trailing = rng.random(m) < 0.02
        cells["agent"][trailing] = [a + " " for a in cells["agent"][trailing]]
    return cells


def _unlinkable(s: _Sample, rng: np.random.Generator) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Contacts for people no register knows (a bogus 客户编号 or none, an unknown phone)."""
    m = _at_least_one(len(s.contacts["who"]), 0.003)
    today64 = np.datetime64(s.today, "D")
    at = ((today64 - _days(rng.integers(0, CONTACT_WINDOW_DAYS, m))).astype("datetime64[m]")
          + rng.integers(9 * 60, 20 * 60, m).astype("timedelta64[m]"))
    ids = [None if i % 2 else f"{s.preset.id_prefix}{len(s.part) + 900 + i:06d}" for i in range(m)]
    methods = _pick(rng, ("电话", "微信", "短信"), m)
    cells = {
        "customer_id": np.asarray(ids, dtype=object),
        "name": _names(rng, rng.random(m) < 0.5),
        "phone": s.book.take(m),
        "agent": s.agents[rng.integers(0, len(s.agents), m)],
        "at": at.astype(object),
        "method": methods,
        "content": np.asarray([s.preset.contents[x][0] for x in methods], dtype=object),
        "next": np.full(m, None, dtype=object),
        "verification": np.full(m, None, dtype=object),
    }
    return cells, at
