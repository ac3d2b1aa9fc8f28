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

That is the ``standard`` profile. Two more test the reader on registers nobody
on the team designed: ``other_office`` writes the same cells under another
office's header spellings (other_office.py), and ``office_log`` writes one real
sales office's follow-up log, 跟进日志.xlsx (office_log.py).

    python -m crm_batch.sample --out sample_data --customers 200
    python -m crm_batch.sample --out 样例 --profile office_log
"""

from crm_batch.fields import FIELDS
from crm_batch.sample.cli import main
from crm_batch.sample.generator import PROFILES, generate
from crm_batch.sample.office_log import OFFICE_LOG_FILE, OFFICE_LOG_HEADERS, OfficeLogSize
from crm_batch.sample.other_office import OTHER_OFFICE_HEADERS, OTHER_OFFICE_TRAPS

# Word pools the tests check the files against, re-exported on purpose (x as x).
from crm_batch.sample.vocab import _CARD_HEADERS as _CARD_HEADERS
from crm_batch.sample.vocab import _CARD_SUB_HEADERS as _CARD_SUB_HEADERS
from crm_batch.sample.vocab import _GARBLED as _GARBLED
from crm_batch.sample.vocab import _SHORT_CONTENTS as _SHORT_CONTENTS
from crm_batch.sample.vocab import CARD_GROUPS, CONTACT_WINDOW_DAYS, METHODS, PRESETS, STAGES
from crm_batch.sample.write import CARD_FILE, CONSTANT_MEMORY_ROWS, LOG_ENCODING, LOG_FILE, REGISTER_FILE

__all__ = [
    "CARD_FILE", "CARD_GROUPS", "CONSTANT_MEMORY_ROWS", "CONTACT_WINDOW_DAYS", "FIELDS", "LOG_ENCODING",
    "LOG_FILE", "METHODS", "OFFICE_LOG_FILE", "OFFICE_LOG_HEADERS", "OTHER_OFFICE_HEADERS", "OTHER_OFFICE_TRAPS",
    "PRESETS", "PROFILES", "REGISTER_FILE", "STAGES", "OfficeLogSize", "generate", "main",
]
