"""Small drawing helpers shared by every part of the generator."""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np

_NAT = np.datetime64("NaT", "D")


def _rng(seed: int, topic: str) -> np.random.Generator:
    """One generator per topic, so adding a column never reshuffles the others."""
    return np.random.default_rng([seed, zlib.crc32(topic.encode())])


def _at_least_one(n: int, share: float) -> int:
    return min(n, max(1, round(n * share))) if n else 0


def _pick(rng: np.random.Generator, pool: Sequence, n: int) -> np.ndarray:
    return np.asarray(pool, dtype=object)[rng.integers(0, len(pool), n)]


def _disjoint_picks(rng: np.random.Generator, pool: np.ndarray, sizes: Sequence[int]):
    """Disjoint random subsets of ``pool`` (smaller ones when the pool runs out)."""
    order = rng.permutation(pool)
    bounds = np.cumsum([0, *sizes])
    return [order[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


def _days(values: np.ndarray) -> np.ndarray:
    return np.asarray(values).astype("timedelta64[D]")


def _year_start(years: np.ndarray) -> np.ndarray:
    return (years - 1970).astype("datetime64[Y]").astype("datetime64[D]")
