"""Text helpers every layer uses: the cleaning of a cell's text, and regexes that run in RE2.

They sit at the base of the package, so the reader, the calendar, the drafts and the
report share one definition of whitespace and of clean text without importing each
other. See ``regex_text`` for why patterns here are written for RE2.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from typing import TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa

# Text columns come back in pandas' default string dtype ("str"), the dtype the
# reader hands over, so results compare and filter like any other text column.
TEXT = pd.StringDtype("pyarrow", na_value=np.nan)
T = TypeVar("T", pd.Series, pd.DataFrame)
ARROW_TEXT = pd.ArrowDtype(pa.large_string())

# --- clean_text -------------------------------------------------------------

# Zero-width and direction marks come from copy-paste out of chat apps and web
# CRMs; C0 controls and tabs from system exports ("text phones with a trailing
# tab"). They are invisible in Excel, so removing them changes nothing a person
# can see. Non-ASCII characters are literal because RE2 has no \u escape.
_INVISIBLE = (
    r"[\x00-\x08\t\x0e-\x1f\x7f"
    "\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]+"
)
# RE2's \s is ASCII only, so the Unicode spaces NFKC leaves alone are listed.
_SPACES = r"[\n\v\f\r " "\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+"
# What Python's \s matches, for RE2: a run of any whitespace, tabs and separators included.
WHITESPACE = r"[\t\x1c-\x1f" + _SPACES[1:]


def _nfkc_sensitive() -> str:
    """A regex class of every character NFKC may change, built from unicodedata."""
    # Besides the compatibility characters themselves, NFKC composes a base
    # with a following combining mark or Hangul jamo; a cell holding none of
    # these is already NFKC. Astral characters are taken wholesale.
    changing = [
        o
        for o in range(0x80, 0x10000)
        if not 0xD800 <= o <= 0xDFFF
        and (
            unicodedata.normalize("NFKC", chr(o)) != chr(o)
            or unicodedata.category(chr(o)).startswith("M")
            or 0x1100 <= o <= 0x11FF
        )
    ]
    ranges: list[list[int]] = []
    for o in changing:
        if ranges and ranges[-1][1] == o - 1:
            ranges[-1][1] = o
        else:
            ranges.append([o, o])
    body = "".join(chr(a) if a == b else f"{chr(a)}-{chr(b)}" for a, b in ranges)
    return "[" + body + "\U00010000-\U0010ffff]"


# A cell needs cleaning when NFKC could change it, when it holds an invisible
# character or unusual whitespace, or when its spaces are leading, trailing
# or doubled.
_DIRTY = "|".join((_nfkc_sensitive(), _INVISIBLE, _SPACES.replace(" ", "", 1), "^ | $|  "))


def _as_text(s: pd.Series) -> pd.Series:
    """Any column as strings: numbers and dates from a typed reader become text."""
    if isinstance(s.dtype, pd.StringDtype):
        return s
    return s.astype(TEXT)


def regex_text(s: pd.Series) -> pd.Series:
    """Any column as ArrowDtype text on its own index, so ``.str`` regexes run in RE2.

    pandas' str dtype hands a pattern with ``\\s``, ``\\d``, ``\\w`` or ``$`` to Python's
    ``re``, cell by cell, once the text is Chinese; ArrowDtype never does. Patterns
    run this way use explicit classes ([0-9], WHITESPACE) rather than Python's
    Unicode-aware escapes.
    """
    return _as_text(s).astype(ARROW_TEXT)


def mentions(s: pd.Series, words: Sequence[str]) -> np.ndarray:
    """Which cells hold any of ``words`` (taken literally); an empty cell or an empty list holds none."""
    if not len(words):
        return np.zeros(len(s), dtype=bool)
    return as_mask(regex_text(s).str.contains("|".join(map(re.escape, words)), regex=True))


def as_mask(b: pd.Series) -> np.ndarray:
    """A nullable boolean result as a numpy mask; NA (an empty cell) is False."""
    return b.to_numpy(dtype=bool, na_value=False)


def per_value(parse: Callable[..., T], s: pd.Series, **options: object) -> T:
    """``parse(s, **options)``, computed once per distinct value of ``s`` when values repeat.

    Registers repeat themselves (a few hundred dates, a dozen stages, the same
    notes in 100,000 rows), and every normaliser here reads each cell on its
    own, so parsing the distinct values and spreading the result back over the
    rows gives the same frame or series for a fraction of the work.
    """
    codes, uniques = pd.factorize(s, use_na_sentinel=False)  # an empty cell is a value too
    if len(uniques) * 2 > len(s):
        return parse(s, **options)
    result = parse(pd.Series(uniques, dtype=s.dtype, name=s.name), **options)
    spread = result.take(codes)
    spread.index = s.index
    return spread


def _rewrite(text: pd.Series) -> pd.Series:
    """The cleaning proper, for cells that need it: NFKC, invisibles out, spaces collapsed."""
    # NFKC folds full-width digits, letters, spaces and punctuation to ASCII.
    fix = text.str.normalize("NFKC").astype(ARROW_TEXT)
    fix = fix.str.replace(_INVISIBLE, "", regex=True)
    return fix.str.replace(_SPACES, " ", regex=True).str.strip()


def clean_text(s: pd.Series) -> pd.Series:
    """清洗文本: NFKC (全角→半角), drop invisible characters, collapse spaces; empty → NA."""
    text = _as_text(s).reset_index(drop=True)
    a = text.astype(ARROW_TEXT)
    # Most cells are already clean; one scan finds the rest, and only they pay
    # for the rewriting (NFKC in particular runs cell by cell in Python).
    dirty = as_mask(a.str.contains(_DIRTY, regex=True))
    if dirty.any():
        a = a.copy()
        a[dirty] = per_value(_rewrite, text[dirty])
    a = a.mask(as_mask(a.str.len() == 0))
    return pd.Series(a.astype(TEXT).array, index=s.index, name=s.name)
