"""Written forms (写法): a value as registers really write it, tidy or messy."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np

from crm_batch.almanac import lunar_day_name
from crm_batch.sample.people import _PhoneBook
from crm_batch.sample.vocab import _DATE_FORMS, _FULLWIDTH, _GRADE_FORMS, _LUNAR_MONTHS, _PHONE_FORMS, _Preset

_EXCEL_EPOCH = np.datetime64("1899-12-30", "D")

Force = bool | np.ndarray  # True, or the rows where every form must turn up


def _form_codes(
    rng: np.random.Generator, n: int, probs: Sequence[float] | None, *, force: Force = False,
    eligible: np.ndarray | None = None,
) -> np.ndarray:
    """A written-form code per value (0 = tidy); ``force`` puts every form on some value."""
    if probs is None:
        return np.zeros(n, dtype=np.int64)
    p = np.asarray(probs, dtype=float)
    codes = rng.choice(len(p), size=n, p=p / p.sum())
    if force is not False:
        allowed = np.ones(n, dtype=bool) if eligible is None else eligible
        if isinstance(force, np.ndarray):
            allowed = allowed & force
        candidates = np.flatnonzero(allowed)
        k = min(len(candidates), len(p) - 1)
        codes[rng.choice(candidates, size=k, replace=False)] = np.arange(1, k + 1)
    return codes


def _render_dates(
    values: np.ndarray, rng: np.random.Generator, messy: bool, *, force: Force = False
) -> np.ndarray:
    """Dates as registers write them: date cells, ``2026/11/3``, ``11月3日``, serials…"""
    out = np.full(len(values), None, dtype=object)
    present = ~np.isnat(values)
    codes = _form_codes(rng, len(values), list(_DATE_FORMS.values()) if messy else None,
                        force=force, eligible=present)
    cells = present & (codes == 0)
    out[cells] = values[cells].astype(object)
    writers = {
        "slash": lambda d: f"{d.year}/{d.month}/{d.day}",
        "dash": lambda d: d.isoformat(),
        "cn": lambda d: f"{d.year}年{d.month}月{d.day}日",
        "month_day": lambda d: f"{d.month}月{d.day}日",
        "compact": lambda d: f"{d.year}{d.month:02d}{d.day:02d}",
    }
    for code, form in enumerate(_DATE_FORMS):
        idx = np.flatnonzero(present & (codes == code))
        if form in writers:
            dates = values[idx].astype("datetime64[D]").astype(object)
            out[idx] = [writers[form](d) for d in dates]
        elif form == "serial":  # a date cell that lost its format: 46352 (or 46352.4375)
            serial = (values[idx] - _EXCEL_EPOCH) / np.timedelta64(1, "D")
            timed = values.dtype != np.dtype("datetime64[D]")
            out[idx] = np.round(serial, 6).tolist() if timed else serial.astype(int).tolist()
    return out


def _render_phones(
    phones: np.ndarray, rng: np.random.Generator, messy: bool, book: _PhoneBook, *,
    force: Force = False, keep_valid: np.ndarray | None = None,
) -> np.ndarray:
    """Phones (0 = blank) as text, floats, ``+86``, full-width, two in a cell, invalid…"""
    out = np.full(len(phones), None, dtype=object)
    present = phones > 0
    keep = np.zeros(len(phones), dtype=bool) if keep_valid is None else keep_valid
    codes = _form_codes(rng, len(phones), list(_PHONE_FORMS.values()) if messy else None,
                        force=force, eligible=present & ~keep)
    codes[keep & (codes == list(_PHONE_FORMS).index("invalid"))] = 0
    text = phones.astype(str).astype(object)
    out[present] = text[present]
    writers = {
        "float": float,
        "spaced": lambda s: f"{s[:3]} {s[3:7]} {s[7:]}",
        "dashed": lambda s: f"{s[:3]}-{s[3:7]}-{s[7:]}",
        "plus86": lambda s: ("+86 " if int(s[-1]) % 2 else "+86") + s,
        "fullwidth": lambda s: s.translate(_FULLWIDTH),
        "tab": lambda s: s + "\t",
        "invalid": lambda s: "无" if int(s[-1]) % 3 == 0 else s[:7],
    }
    for code, form in enumerate(_PHONE_FORMS):
        idx = np.flatnonzero(present & (codes == code))
        if form in writers:
            out[idx] = [writers[form](s) for s in text[idx]]
        elif form == "two":  # 13812345678/13987654321: the spouse's number too
            second = book.take(len(idx)).astype(str)
            out[idx] = [f"{a}/{b}" for a, b in zip(text[idx], second, strict=True)]
    return out


def _render_words(
    values: np.ndarray, words: dict[str, tuple], probs: Sequence[float],
    rng: np.random.Generator, messy: bool, *, force: Force = False,
) -> np.ndarray:
    """Canonical words (男, 是, 电话…) in their variant spellings (先生, √, 去电…)."""
    out = values.copy()
    if not messy:
        return out
    known = np.isin(values, list(words))
    codes = _form_codes(rng, len(values), probs, force=force, eligible=known)
    for word, variants in words.items():
        for code in range(1, len(variants)):
            out[(values == word) & (codes == code)] = variants[code]
    return out


def _render_grades(
    values: np.ndarray, preset: _Preset, rng: np.random.Generator, messy: bool, *,
    force: Force = False,
) -> np.ndarray:
    """Grades written ``A``, ``A类``, ``A类(购买)``, ``a``, full-width, with stray spaces."""
    out = values.copy()
    if not messy:
        return out
    present = np.isin(values, preset.grades)
    codes = _form_codes(rng, len(values), list(_GRADE_FORMS.values()), force=force,
                        eligible=present)
    notes = dict(zip(preset.grades, preset.grade_notes, strict=True))
    writers = {
        "class": lambda g: f"{g}类",
        "note": lambda g: f"{g}类({notes[g]})",
        "lower": str.lower,
        "fullwidth": lambda g: g.translate(_FULLWIDTH),
        "spaces": lambda g: f" {g} ",
    }
    for code, form in enumerate(_GRADE_FORMS):
        idx = np.flatnonzero(present & (codes == code))
        if form in writers:
            out[idx] = [writers[form](g) for g in values[idx]]
    return out


def _render_birthdays(t: dict[str, np.ndarray], rng: np.random.Generator, messy: bool):
    """Solar birthdays as dates; lunar ones as a date + 农历, or as text (农历八月十五…)."""
    solar = ~np.isnat(t["birth_solar"])
    birthday = _render_dates(t["birth_solar"], rng, messy)
    kind = np.full(len(solar), None, dtype=object)
    kind[solar] = np.where(rng.random(int(solar.sum())) < (0.4 if messy else 1.0), "公历", None)
    lunar = np.flatnonzero(t["birth_lunar"])
    for i, form in zip(lunar, rng.choice(3, size=len(lunar), p=[0.5, 0.3, 0.2]), strict=True):
        year, month, day = int(t["birth_year"][i]), int(t["lunar_month"][i]), int(t["lunar_day"][i])
        leap = bool(t["lunar_leap"][i])
        if form == 0 and not leap and (month != 2 or day <= 28):
            birthday[i], kind[i] = dt.date(year, month, day), "农历"
            continue
        words = f"{'闰' if leap else ''}{_LUNAR_MONTHS[month - 1]}月{lunar_day_name(day)}"
        if leap:
            birthday[i] = f"{year}年{words}"  # 1974年闰四月初八
        else:
            birthday[i] = f"{year}年农历{words}" if form == 2 else f"农历{words}"
        kind[i] = None if messy else "农历"
    return birthday, kind


def _stray_spaces(values: np.ndarray, idx: np.ndarray) -> None:
    """Put a space before, inside or after a few names (in place)."""
    for k, i in enumerate(idx):
        text = values[i]
        if isinstance(text, str) and text:
            values[i] = (f" {text}", f"{text[0]} {text[1:]}", f"{text} ")[k % 3]
