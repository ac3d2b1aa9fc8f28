"""generate(): the sample registers of one profile, from one seed (see the package docstring)."""


from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from crm_batch.sample.cells import _Sample
from crm_batch.sample.contacts import _draw_contacts
from crm_batch.sample.draws import _days, _rng
from crm_batch.sample.office_log import (
    OfficeLogSize,
    write_office_log,
)
from crm_batch.sample.other_office import _OfficeHeaders
from crm_batch.sample.people import _agents, _draw_customers, _part_sizes, _PhoneBook

# Word pools the tests check the files against, re-exported on purpose (x as x).
from crm_batch.sample.vocab import _CARD_HEADERS as _CARD_HEADERS
from crm_batch.sample.vocab import _CARD_SUB_HEADERS as _CARD_SUB_HEADERS
from crm_batch.sample.vocab import _GARBLED as _GARBLED
from crm_batch.sample.vocab import _SHORT_CONTENTS as _SHORT_CONTENTS
from crm_batch.sample.vocab import CONTACT_WINDOW_DAYS, PRESETS, _Preset
from crm_batch.sample.write import (
    CARD_FILE,
    LOG_FILE,
    REGISTER_FILE,
    _write_card,
    _write_log,
    _write_register,
)

PROFILES = ("standard", "other_office", "office_log")


def generate(out_dir: Path, *, customers: int | None = None, contacts_per_customer: float | None = None,
             preset: str = "real_estate", seed: int = 7, today: dt.date | None = None,
             messy: bool = True, profile: str = "standard", header_seed: int | None = None,
             agents: int | None = None, rows: int | None = None, days: int | None = None,
             log_end: dt.date | None = None) -> list[Path]:
    """Write a set of sample registers into out_dir and return their paths.

    ``standard`` (the default profile) writes 客户登记表.xlsx, 意向客户管理卡.xlsx and
    跟进日志.csv for ``customers`` people (200), ``contacts_per_customer`` (5) each.
    ``other_office`` writes the very same cells under another office's header
    spellings (OTHER_OFFICE_HEADERS), drawn from ``header_seed`` (default: seed).
    ``office_log`` writes one office's 跟进日志.xlsx: ``customers`` (3,200), ``agents``
    (18), ``rows`` (8,000) over ``days`` (91) ending on ``log_end`` (default: today).
    """
    if profile not in PROFILES:
        raise ValueError(f"未知的示例类型 {profile!r}，可选：{'、'.join(PROFILES)}")
    if preset not in PRESETS:
        raise ValueError(f"未知的行业预设 {preset!r}，可选：{'、'.join(PRESETS)}")
    if customers is not None and customers < 1:
        raise ValueError(f"客户数至少为 1，收到 {customers}")
    if header_seed is not None and profile != "other_office":
        raise ValueError("header_seed（表头种子）只用于 profile='other_office'")
    log_only = {"agents": agents, "rows": rows, "days": days, "log_end": log_end}
    if profile != "office_log" and (given := [key for key, value in log_only.items() if value is not None]):
        raise ValueError(f"{'、'.join(given)} 只用于 profile='office_log'")
    today = today or dt.date.today()
    out_dir = Path(out_dir)
    if profile == "office_log":
        sizes = {"customers": customers, "agents": agents, "rows": rows, "days": days}
        size = OfficeLogSize(**{key: value for key, value in sizes.items() if value is not None})
        return [_generate_office_log(out_dir, size, preset, seed, today, log_end or today, messy,
                                     contacts_per_customer)]
    contacts_per_customer = 5.0 if contacts_per_customer is None else contacts_per_customer
    if not contacts_per_customer >= 0:
        raise ValueError(f"每个客户的跟进次数不能为负数，收到 {contacts_per_customer}")
    office = (_OfficeHeaders(seed if header_seed is None else header_seed, messy)
              if profile == "other_office" else None)
    sample = _draw_sample(customers or 200, contacts_per_customer, PRESETS[preset], seed, today,
                          messy, office)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / REGISTER_FILE, out_dir / CARD_FILE, out_dir / LOG_FILE]
    _write_register(paths[0], sample)
    _write_card(paths[1], sample)
    _write_log(paths[2], sample)
    return paths


def _draw_sample(customers: int, contacts_per_customer: float, preset: _Preset, seed: int,
                 today: dt.date, messy: bool, office: _OfficeHeaders | None) -> _Sample:
    """The people and contacts of the three registers: the same for both header profiles."""
    n_main, n_card, n_log = _part_sizes(customers)
    part = np.repeat([0, 1, 2], [n_main, n_card, n_log])
    spare = 2000 + customers // 5 + int(customers * contacts_per_customer) // 20
    book = _PhoneBook(_rng(seed, "phones"), customers + spare)
    agents, agent_phones = _agents(seed, customers, book)
    people = _draw_customers(customers, preset, today, seed, len(agents), book, part == 0)
    # A card is opened for a current prospect, within the last few months.
    opened = _rng(seed, "card-opened").integers(5, CONTACT_WINDOW_DAYS + 30, n_card)
    people["registered_at"][part == 1] = np.datetime64(today, "D") - _days(opened)
    contacts = _draw_contacts(people, part, preset, today, seed, contacts_per_customer, len(agents))
    return _Sample(preset, today, seed, messy, agents, agent_phones, people, part, contacts, book,
                   office)


def _generate_office_log(out_dir: Path, size: OfficeLogSize, preset: str, seed: int, today: dt.date,
                         log_end: dt.date, messy: bool, contacts_per_customer: float | None) -> Path:
    """Refuse what an office log cannot be, up front, then write it."""
    if preset != "real_estate":
        raise ValueError("office_log 模仿的是售楼处的跟进日志，只有 real_estate 预设")
    if not messy:
        raise ValueError("office_log 照真实售楼处的写法生成，没有规范整洁（messy=False）的版本")
    if contacts_per_customer is not None:
        raise ValueError("office_log 的跟进条数用 rows 指定，不用 contacts_per_customer")
    if size.agents < 3:
        raise ValueError(f"office_log 至少要 3 位置业顾问（有人交接、有人很忙），收到 {size.agents}")
    if size.days < 2:
        raise ValueError(f"office_log 至少覆盖 2 天，收到 {size.days}")
    if size.rows < size.customers:
        raise ValueError(f"office_log 每位客户至少一行：rows（{size.rows}）不能少于客户数（{size.customers}）")
    if log_end > today:
        raise ValueError(f"log_end（{log_end}）不能晚于今天（{today}）")
    out_dir.mkdir(parents=True, exist_ok=True)
    return write_office_log(out_dir, size, seed=seed, today=today, log_end=log_end)

