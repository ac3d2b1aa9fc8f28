"""Regenerate the committed sample registers: python sample_data/make_samples.py

The sample is dated 2026-11-23 so the committed files stay the same on every
run; generate a fresh set for today with `python -m crm_batch.sample`.
"""

import datetime as dt
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from crm_batch.sample import generate  # noqa: E402

if __name__ == "__main__":
    for path in generate(HERE, customers=200, seed=7, today=dt.date(2026, 11, 23)):
        print(path.name)
