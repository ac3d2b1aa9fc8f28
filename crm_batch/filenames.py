"""Safe file names for what the registers hold (文件名): one rule for every file the tool names.

Agent names come from a register cell, so they can be anything a person can type or paste: a
120-character note in the wrong column, ``CON``, ``../x``, a tab, a right-to-left mark. A name made
here is valid on Windows, macOS and Linux:

- control characters (0–31, 127, 128–159, lone surrogates), ``<>:"/\\|?*`` and whitespace become
  ``_`` (a run of them one ``_``); invisible format characters (RTL marks, zero-width spaces, BOM)
  are dropped; the text is NFC-normalised first;
- leading and trailing ``.``, ``_``, whitespace and a leading ``~`` are removed, so a name is never
  hidden, ``.``/``..``, refused by Windows for its trailing dot or taken by Excel for a lock file
  (``~$…``); nothing left means the fallback (未填经纪人);
- Windows' device names (CON, PRN, AUX, NUL, COM0–9, LPT0–9, COM¹²³, LPT¹²³, CONIN$, CONOUT$; any
  case, with any extension) get a ``_``: ``CON.xlsx`` → ``CON_.xlsx``;
- the whole name, suffix included, plus the ``reserve`` characters a caller will add later, fits in
  MAX_NAME_CHARS characters and MAX_NAME_BYTES bytes of UTF-8 (cut at a character, never before a
  combining mark).

Standard library only, at the base of the package: for ``cli.py`` (agent workbooks, via
unique_names) and ``report/workbook.py`` (staging_names, numbered_path) alike.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

# Excel refuses to open a workbook whose full path passes 218 characters, and Windows without the
# long-path setting stops at 260: a 100-character name leaves ~110 for a folder like
# C:\Users\<user>\Desktop\crm_batch\output\经纪人\.
MAX_NAME_CHARS = 100
# Linux (ext4, btrfs) and macOS (APFS) allow 255 bytes of UTF-8 per name, HFS+ 255 UTF-16 units
# after decomposing; 100 Chinese characters are already 300 bytes. Counted in the larger of the
# composed and decomposed forms, with room to spare.
MAX_NAME_BYTES = 240
# Each reserved character is counted as 3 bytes: what the writer appends is ASCII (".12345.tmp")
# or full-width brackets (（2）).
RESERVE_BYTES_PER_CHAR = 3
# What report/workbook.py adds to a final name while writing it: "." before, ".<pid>.tmp" before
# the suffix (a pid has at most 10 digits on Windows, 7 on Linux). Its numbered "（n）" name for a
# report open in Excel adds 4 characters and is never staged, so this covers both.
STAGING_RESERVE = 1 + 1 + 10 + 4
FALLBACK = "未填经纪人"

# The least a name keeps of its own text: room for the longest device name and its "_" (CONOUT$_).
_MIN_STEM_CHARS = 8
_REPLACED = re.compile(r'[\x00-\x1f\x7f-\x9f\ud800-\udfff<>:"/\\|?*\s]+')
_STRIPPED = " ._"
_DEVICES = frozenset(
    ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"]
    + [f"{port}{n}" for port in ("COM", "LPT") for n in [*"0123456789", "¹", "²", "³"]]
)


def safe_file_name(text: str | None, *, suffix: str = "", reserve: int = 0, fallback: str = FALLBACK) -> str:
    """The file name (suffix included) to write ``text`` under, valid on Windows, macOS and Linux.

    ``safe_file_name("张 三", suffix=".xlsx")`` is ``"张_三.xlsx"``; see the module docstring for
    the rules. ``reserve`` is how many characters the caller may still add (e.g. STAGING_RESERVE
    for a workbook the writer stages under a temporary name); they count against the limits.
    ``fallback`` is used when nothing of ``text`` is left (empty, spaces, dots). None is empty.

    Raises ValueError only for a caller's mistake: a suffix that is not itself safe, or a suffix
    and reserve that leave no room for a name.
    """
    _check_suffix(suffix)
    chars = MAX_NAME_CHARS - reserve - len(suffix)
    size = MAX_NAME_BYTES - reserve * RESERVE_BYTES_PER_CHAR - _cost(suffix)
    if chars < _MIN_STEM_CHARS or size < _MIN_STEM_CHARS * 4:
        raise ValueError(f"suffix {suffix!r} and reserve {reserve} leave no room for a file name")
    stem = _clean("" if text is None else str(text)) or _clean(fallback)
    if not stem:
        raise ValueError(f"fallback {fallback!r} is not a usable file name")
    stem = _cut(stem, chars, size).rstrip(_STRIPPED)  # the first character is never stripped or cut
    if is_reserved_name(stem + suffix):
        device, dot, rest = stem.partition(".")
        stem = _cut(f"{device}_{dot}{rest}", chars, size).rstrip(" .")  # the device and its "_" stay
    return stem + suffix


def unique_names(texts: Iterable[str], *, suffix: str = "", reserve: int = 0,
                 fallback: str = FALLBACK) -> dict[str, str]:
    """Each distinct text → its safe file name, no two alike even where case is ignored.

    Texts collide once cleaned (``张 三`` and ``张_三`` are both ``张_三``; two long notes may share
    their first 100 characters), and Windows and macOS do not tell ``CON_`` from ``Con_`` (nor macOS
    ``é`` from ``e`` + accent), so names are compared casefolded and decomposed. A text whose name
    is free keeps it, whatever comes before it; the others get ``_2``, ``_3`` … before the suffix,
    in the order given (``张 三``, ``张_三`` → ``张_三``, ``张_三_2``), their text cut shorter where
    the number would pass the limits.
    Arguments as for safe_file_name.
    """
    distinct = list(dict.fromkeys(texts))
    wanted = {text: safe_file_name(text, suffix=suffix, reserve=reserve, fallback=fallback) for text in distinct}
    names: dict[str, str] = {}
    taken: set[str] = set()
    for text in distinct:  # first every name that is nobody else's
        key = _folded(wanted[text])
        if key not in taken:
            names[text] = wanted[text]
            taken.add(key)
    for text in distinct:
        if text in names:
            continue
        n = 2
        while True:
            name = safe_file_name(text, suffix=f"_{n}{suffix}", reserve=reserve, fallback=fallback)
            if _folded(name) not in taken:
                break
            n += 1
        names[text] = name
        taken.add(_folded(name))
    return {text: names[text] for text in distinct}


def staging_names(path: Path, pid: int) -> tuple[Path, Path]:
    """The temporary file and the parts folder a writer uses, beside ``path``, while making it.

    ``.<stem>.<pid>.tmp<suffix>`` and ``.<stem>.<pid>.parts``: hidden, in the output folder, and
    within the limits for any final name. A final name made with ``reserve=STAGING_RESERVE`` keeps
    its stem whole; a longer one is cut and given a short hash of the whole stem, so two long
    names that begin alike still stage apart.
    """
    stem, suffix = path.stem, path.suffix
    tail = f".{pid}.tmp{suffix}"
    longest = max(tail, f".{pid}.parts", key=_cost)
    if not _fits("." + stem + longest):
        digest = "~" + hashlib.blake2s(stem.encode("utf-8", "surrogatepass"), digest_size=4).hexdigest()
        room = "." + digest + longest
        stem = _cut(stem, MAX_NAME_CHARS - len(room), MAX_NAME_BYTES - _cost(room)) + digest
    return path.with_name(f".{stem}{tail}"), path.with_name(f".{stem}.{pid}.parts")


def numbered_path(path: Path, n: int) -> Path:
    """``name（n）.xlsx`` beside ``path``, for when ``path`` is open in Excel; within the limits."""
    mark = f"（{n}）{path.suffix}"
    stem = _cut(path.stem, MAX_NAME_CHARS - len(mark), MAX_NAME_BYTES - _cost(mark))
    return path.with_name(stem + mark)


def is_reserved_name(name: str) -> bool:
    """Whether Windows takes ``name`` for a device: ``CON``, ``nul.txt``, ``Com1 .log``, ``LPT¹``."""
    return name.partition(".")[0].rstrip(" .").upper() in _DEVICES


def _folded(name: str) -> str:
    """What case- and normalisation-insensitive file systems compare: Unicode's caseless match."""
    return unicodedata.normalize("NFD", unicodedata.normalize("NFD", name).casefold())


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    # Format characters (Cf) are invisible: an RTL override would make "gpj.exe" read "exe.jpg".
    text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    text = unicodedata.normalize("NFC", _REPLACED.sub("_", text))
    return text.strip(_STRIPPED).lstrip("~").strip(_STRIPPED)


def _cost(text: str) -> int:
    """Bytes a name takes, in the larger of its UTF-8 forms (macOS's HFS+ decomposes names).

    A lone surrogate (an undecodable byte in a Linux path) counts as the 3 bytes it could become."""
    return sum(max(len(c.encode("utf-8", "surrogatepass")),
                   len(unicodedata.normalize("NFD", c).encode("utf-8", "surrogatepass"))) for c in text)


def _fits(name: str) -> bool:
    return len(name) <= MAX_NAME_CHARS and _cost(name) <= MAX_NAME_BYTES


def _cut(text: str, chars: int, size: int) -> str:
    """The longest start of ``text`` within ``chars`` characters and ``size`` bytes, never cut
    between a character and the accents or joiners that belong to it (a cut é is dropped, not e)."""
    end, used = 0, 0
    for c in text[:chars]:
        used += _cost(c)
        if used > size:
            break
        end += 1
    while 1 < end < len(text) and _clings(text[end]):
        end -= 1
    return text[:end]


def _clings(c: str) -> bool:
    """A combining mark, variation selector or zero-width joiner: part of the character before it."""
    return unicodedata.category(c).startswith("M") or c == "\u200d"


def _check_suffix(suffix: str) -> None:
    if suffix and (_REPLACED.search(suffix) or suffix.endswith((".", " ")) or not suffix.isprintable()):
        raise ValueError(f"suffix {suffix!r} is not safe in a file name")
