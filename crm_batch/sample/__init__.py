"""Sample registers (示例登记表): realistic, messy and reproducible.

Writes the three kinds of register a Chinese sales team really keeps:

- ``客户登记表.xlsx`` — 客户档案 (one row per registration, under a title row and
  a noisy header), 跟进记录 (contact log), 营销活动 (events) and a 说明 sheet
  that fits no role;
- ``意向客户管理卡.xlsx`` — the wide follow-up card, four contact groups per row
  under merged 初次/二次/三次/四次 labels;
- ``跟进日志.csv`` — a follow-up log kept in GB18030 by a team without a
  customer sheet.

Each file holds its own customers; together they hold ``customers`` distinct
people. Every column is drawn with numpy from one seed, one generator per
topic, so the same seed always gives the same cells. With ``messy=True`` each
kind of mess (dates as text or serials, phones as floats or full-width, rows
shifted by a garbled cell, duplicates, ownership conflicts, unlinkable
contacts…) lands on a small fraction of the rows and at least once, so a
60-customer sample already shows every problem the reader must handle.

    python -m crm_batch.sample --out sample_data --customers 200
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from crm_batch.fields import FIELDS
from crm_batch.sample.cells import _Sample
from crm_batch.sample.contacts import _draw_contacts
from crm_batch.sample.draws import _days, _rng
from crm_batch.sample.people import _agents, _draw_customers, _part_sizes, _PhoneBook

# Word pools the tests check the files against, re-exported on purpose (x as x).
from crm_batch.sample.vocab import _CARD_HEADERS as _CARD_HEADERS
from crm_batch.sample.vocab import _CARD_SUB_HEADERS as _CARD_SUB_HEADERS
from crm_batch.sample.vocab import _GARBLED as _GARBLED
from crm_batch.sample.vocab import _SHORT_CONTENTS as _SHORT_CONTENTS
from crm_batch.sample.vocab import CARD_GROUPS, CONTACT_WINDOW_DAYS, METHODS, PRESETS, STAGES
from crm_batch.sample.write import (
    CARD_FILE,
    CONSTANT_MEMORY_ROWS,
    LOG_ENCODING,
    LOG_FILE,
    REGISTER_FILE,
    _write_card,
    _write_log,
    _write_register,
)

__all__ = [
    "CARD_FILE", "CARD_GROUPS", "CONSTANT_MEMORY_ROWS", "CONTACT_WINDOW_DAYS", "FIELDS", "LOG_ENCODING",
    "LOG_FILE", "METHODS", "PRESETS", "REGISTER_FILE", "STAGES", "generate", "main",
]


def generate(out_dir: Path, *, customers: int = 200, contacts_per_customer: float = 5.0,
             preset: str = "real_estate", seed: int = 7, today: dt.date | None = None,
             messy: bool = True) -> list[Path]:
    """Write a set of sample registers into out_dir and return their paths."""
    if customers < 1:
        raise ValueError(f"客户数至少为 1，收到 {customers}")
    if not contacts_per_customer >= 0:
        raise ValueError(f"每个客户的跟进次数不能为负数，收到 {contacts_per_customer}")
    if preset not in PRESETS:
        raise ValueError(f"未知的行业预设 {preset!r}，可选：{'、'.join(PRESETS)}")
    today = today or dt.date.today()
    chosen = PRESETS[preset]
    n_main, n_card, n_log = _part_sizes(customers)
    part = np.repeat([0, 1, 2], [n_main, n_card, n_log])
    spare = 2000 + customers // 5 + int(customers * contacts_per_customer) // 20
    book = _PhoneBook(_rng(seed, "phones"), customers + spare)
    agents, agent_phones = _agents(seed, customers, book)
    people = _draw_customers(customers, chosen, today, seed, len(agents), book, part == 0)
    # A card is opened for a current prospect, within the last few months.
    opened = _rng(seed, "card-opened").integers(5, CONTACT_WINDOW_DAYS + 30, n_card)
    people["registered_at"][part == 1] = np.datetime64(today, "D") - _days(opened)
    contacts = _draw_contacts(people, part, chosen, today, seed, contacts_per_customer, len(agents))
    sample = _Sample(chosen, today, seed, messy, agents, agent_phones, people, part, contacts, book)

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / REGISTER_FILE, out_dir / CARD_FILE, out_dir / LOG_FILE]
    _write_register(paths[0], sample)
    _write_card(paths[1], sample)
    _write_log(paths[2], sample)
    return paths


from crm_batch.sample.cli import main  # noqa: E402  (the CLI calls generate)
