"""按内容: a column's values, profiled by shape, to confirm its header's match or decide it (tier 3).

Offices name columns in endless ways, but the values keep their shape: eleven-digit
mobiles, dates or Excel serials, grade letters (A类(购买)), 是/否 marks, contact
methods (去电, 微信), lunar dates (八月廿九, 闰四月初八), and people's names — a
few names repeated on every row (the agents) or many names each on a row or a few
(the customers). A sample of each column is read with the same normalisers the
reader uses, so "a phone" means what the reader would accept as a phone.

Two uses, every threshold from the rules' ``[ingest]``:

- ``contradicted``: a header match whose values say otherwise (a "phone" column of
  dates) is reported and not used;
- ``decide``: a column no header rule knows is given an essential field the sheet
  lacks when its values leave no doubt (≥ ``content_share`` of them fit).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

import pandas as pd

from crm_batch.fields import FIELDS, Kind
from crm_batch.ingest import normalise as norm
from crm_batch.ingest.headers import CONTENT, STRENGTH, TEAM, HeaderLayout, Match, calendar_in_header
from crm_batch.rules_config import Rules
from crm_batch.text import clean_text

_LUNAR = re.compile(r"^(?:农历|阴历)?(?:[0-9]{2,4}年)?闰?(?:正|一|二|三|四|五|六|七|八|九|十|十一|十二|冬|腊)月"
                    r"(?:初[一二三四五六七八九十]|十[一二三四五六七八九]?|二十|廿[一二三四五六七八九]?|三十|卅)$")
_HAN = "\u4e00-\u9fff"
_DATE_SHAPE = r"[0-9]{4} ?[-/.年] ?[0-9]{1,2} ?[-/.月]"


@dataclass(frozen=True)
class Profile:
    """Shares of a column's sampled non-empty values that read as each kind of value."""

    values: int
    distinct: int
    phone: float
    mobile: float
    date: float
    grade: float
    method: float
    gender: float
    mark: float
    lunar: float
    person: float
    number: float
    code: float  # shaped like a customer number: KH000123, C-2023-001, 20231105001

    def fit(self, kind: Kind) -> float | None:
        """How well the values fit a field of this kind; None for kinds with no shape (free text)."""
        return {Kind.PHONE: self.phone, Kind.DATE: self.date, Kind.GRADE: self.grade, Kind.METHOD: self.method,
                Kind.GENDER: self.gender, Kind.MARK: self.mark, Kind.INT: self.number, Kind.NUMBER: self.number,
                # A name is anything but a column of phones, dates or grades.
                Kind.NAME: 1 - max(self.phone, self.date, self.grade)}.get(kind)


# What each measure costs is a normaliser call; a column is measured only for what is asked of it.
MEASURES = ("phone", "mobile", "date", "grade", "method", "gender", "mark", "lunar", "person", "number", "code")
_NEEDED_FOR = {Kind.PHONE: {"phone"}, Kind.DATE: {"date"}, Kind.GRADE: {"grade"}, Kind.METHOD: {"method"},
               Kind.GENDER: {"gender"}, Kind.MARK: {"mark"}, Kind.INT: {"number"}, Kind.NUMBER: {"number"},
               Kind.NAME: {"phone", "date", "grade"}}


def _dates(parsed: pd.DataFrame) -> pd.Series:
    """Dates as the reader takes them, and dates it refuses only for their year (1899, 2101): still dates."""
    return parsed["value"].notna() | parsed["slug"].eq(norm.DATE_OUT_OF_RANGE).fillna(False)


def profiles(columns: dict[int, pd.Series], wanted: dict[int, set[str]], rules: Rules,
             reference: pd.Timestamp) -> dict[int, Profile]:
    """The profile of each column from its first ``content_sample`` non-empty values; ``wanted`` names
    the measures each column needs (the others stay 0).

    The samples are stacked and each normaliser runs once over the columns that need it: a
    normaliser call costs about the same however few its rows, and a sheet may have fifty columns.
    """
    ingest = rules.ingest
    samples = [values.dropna().head(ingest["content_sample"]) for values in columns.values()]
    owner = pd.Series([col for col, sample in zip(columns, samples, strict=True) for _ in range(len(sample))],
                      dtype="int64")
    if owner.empty:
        return {col: Profile(0, 0, *(0.0,) * len(MEASURES)) for col in columns}
    text = clean_text(pd.concat(samples, ignore_index=True).astype("string"))
    keep = text.notna()
    owner, text = owner[keep].reset_index(drop=True), text[keep].reset_index(drop=True)
    # A name as registers write it: 王建国, 欧阳娜娜, 王先生, 王**, 王建国13812345678 (a phone glued on).
    single = f"[{re.escape(ingest['surnames'])}]"
    compound = "|".join(map(re.escape, rules["actions"]["compound_surnames"]))
    surname = f"(?:{compound}|{single})" if compound else single
    titled = "(?:先生|女士|小姐|总)"
    vocab = rules.vocab
    measure = {
        # A phone as the reader takes one, but not a date (20261001 would pass as a local number).
        "phone": lambda t: norm.parse_phones(t)["value"].notna() & ~t.str.match(_DATE_SHAPE).fillna(False),
        "date": lambda t: _dates(norm.parse_dates(t, reference=reference.date(), min_year=ingest["min_year"],
                                                  max_year=ingest["max_year"])),
        "grade": lambda t: norm.parse_grades(t, rules.grade_levels)["value"].notna(),
        "method": lambda t: norm.parse_vocab(t, vocab["methods"], contains=False)["value"].notna(),
        "gender": lambda t: norm.parse_vocab(t, vocab["gender"], contains=False)["value"].notna(),
        "mark": lambda t: norm.parse_vocab(t, vocab["marks"], contains=False)["value"].notna(),
        "lunar": lambda t: t.str.fullmatch(_LUNAR.pattern),
        "person": lambda t: t.str.fullmatch(
            rf"{surname}(?:[{_HAN}]{{1,2}}|[{_HAN}]?{titled}|[*＊×xX]+)(?:[+0-9 \-]{{7,}})?"),
        "number": lambda t: norm.parse_numbers(t)["value"].notna(),
        "code": lambda t: t.str.fullmatch(r"[A-Za-z]{1,6}[-_]?[0-9]{2,12}|[0-9]{5,10}|[0-9]{12,}"),
    }
    marks = pd.DataFrame(False, index=text.index, columns=list(MEASURES))
    for name in MEASURES:
        if name == "mobile":
            continue
        asked = owner.isin([col for col, names in wanted.items() if name in names or
                            (name == "phone" and "mobile" in names)]).to_numpy()
        if asked.any():
            marks.loc[asked, name] = measure[name](text[asked]).fillna(False).astype(bool).to_numpy()
    if "phone" in marks:
        digits = text.str.replace(r"[^0-9]", "", regex=True)
        marks["mobile"] = marks["phone"] & digits.str.fullmatch(
            r"(?:86)?1[3-9][0-9]{9}(?:1[3-9][0-9]{9})*").fillna(False).astype(bool)
    shares = marks.groupby(owner.to_numpy()).mean()
    counts = owner.value_counts()
    distinct = text.groupby(owner.to_numpy()).nunique()
    out = {}
    for col in columns:
        if col not in counts.index:
            out[col] = Profile(0, 0, *(0.0,) * len(MEASURES))
            continue
        row = shares.loc[col]
        out[col] = Profile(int(counts[col]), int(distinct[col]), *(float(row[name]) for name in MEASURES))
    return out


def contradicted(field: str, found: Profile, rules: Rules) -> str | None:
    """Why a column's values contradict the field its header names ("多为日期"), or None."""
    fit = found.fit(FIELDS[field].kind)
    if fit is None or found.values < rules.ingest["content_min_values"] or fit >= rules.ingest["content_contradicts"]:
        return None
    return "内容多为" + describe(found)


def describe(found: Profile) -> str:
    """The kind of value a column mostly holds, in words."""
    kinds = {"电话号码": found.phone, "日期": found.date, "等级": found.grade, "跟进方式": found.method,
             "性别": found.gender, "是/否": found.mark, "农历日期": found.lunar, "人名": found.person,
             "数字": found.number}
    best = max(kinds, key=kinds.get)
    return best if kinds[best] >= 0.5 else "其他文字"


# Fields a column may be given by its content alone, in the order they are tried, and the share test.
DECIDABLE = ("phone", "customer_id", "method", "grade", "gender", "birthday", "agent", "name")


def decide(found: Profile, missing: set[str], rules: Rules, agents: int | None = None) -> tuple[str, str] | None:
    """The field an unknown column holds, from its values alone, among ``missing``; with the evidence.

    ``agents``: how many names the sheet's agent column holds, when it has one — a column of many
    more names than that is the customers', however often each comes back in a log.
    """
    ingest = rules.ingest
    if found.values < ingest["content_min_values"]:
        return None
    sure, named = ingest["content_share"], ingest["person_share"]
    tests = {
        "phone": (found.mobile >= sure, f"{found.mobile:.0%} 是手机号"),
        # Numbers that hardly repeat (a row number, 1, 2, 3…, is too short to be one).
        "customer_id": (found.code >= sure and found.mobile < 0.5 and (found.distinct * 10 >= found.values * 3
                                                                       or found.distinct > ingest["agent_max_names"]),
                        f"{found.code:.0%} 是编号，共 {found.distinct} 个"),
        "method": (found.method >= sure, f"{found.method:.0%} 是跟进方式"),
        "grade": (found.grade >= sure, f"{found.grade:.0%} 是意向等级"),
        "gender": (found.gender >= sure, f"{found.gender:.0%} 是性别"),
        "birthday": (found.lunar >= sure, f"{found.lunar:.0%} 是农历日期"),
        # A few names on every row are the agents; names that hardly repeat are the customers.
        "agent": (found.person >= named and found.distinct <= ingest["agent_max_names"]
                  and found.distinct * 5 <= found.values,
                  f"{found.person:.0%} 是人名，共 {found.distinct} 个，反复出现"),
        "name": (found.person >= named and (found.distinct * 10 >= found.values * 3
                                           or found.distinct > ingest["agent_max_names"]
                                           or (agents is not None and found.distinct > 2 * agents)),
                 f"{found.person:.0%} 是人名，共 {found.distinct} 个"),
    }
    for field in DECIDABLE:
        ok, evidence = tests[field]
        if field in missing and ok:
            return field, evidence
    return None


def refine(layout: HeaderLayout, body: pd.DataFrame, rules: Rules, reference: pd.Timestamp,
           letter: Callable[[int], str]) -> tuple[HeaderLayout, list[tuple[str, int, str]]]:
    """The layout once the columns' content has had its say, and the problems to report.

    Header matches whose values contradict them are dropped (a team's own setting is kept, and
    flagged); unknown columns are given the essential fields the sheet lacks when their values
    leave no doubt; where two columns claim one field, the stronger match wins. Problems come
    back as (slug, column, detail) for the sheet's findings.
    """
    matches = dict(layout.matches)
    problems: list[tuple[str, int, str]] = []
    # The columns worth a look: header matches of a kind with a shape, and the ones no rule knows.
    wanted: dict[int, set[str]] = {}
    for col, m in matches.items():
        if col not in body or m.group is not None:
            continue
        if m.guessable:
            wanted[col] = set(MEASURES)
        elif m.field and FIELDS[m.field].kind in _NEEDED_FOR:
            wanted[col] = set(_NEEDED_FOR[FIELDS[m.field].kind])
        elif m.field == "agent":
            wanted[col] = set()  # only how many names it holds
    by_column = profiles({col: body[col] for col in wanted}, wanted, rules, reference)

    def profiled(col: int) -> Profile:
        return by_column[col]

    suspects = [col for col, m in sorted(matches.items()) if m.field and col in by_column
                and contradicted(m.field, by_column[col], rules)]
    if suspects:  # measured only for the field their header named: now for everything, to say what they hold
        by_column.update(profiles({col: body[col] for col in suspects}, {col: set(MEASURES) for col in suspects},
                                  rules, reference))
    for col in suspects:
        match = matches[col]
        why = contradicted(match.field, profiled(col), rules)
        if why is None:
            continue
        label = FIELDS[match.field].label
        if match.how == TEAM:
            problems.append(("header-contradicted-kept", col, f"团队设置为“{label}”，但{why}"))
            continue
        matches[col] = Match(None, note=f"表头像“{label}”，但{why}，未采用", how=CONTENT, guessable=True)
        problems.append(("header-contradicted", col, f"表头像“{label}”，但{why}"))

    agent_cols = [c for c, m in matches.items() if m.field == "agent" and m.group is None and c in body]
    agents = profiled(agent_cols[0]).distinct if agent_cols else None
    # Twice: a column decided by its content (回访形式 of 电话/微信) can make the sheet a follow-up log,
    # whose unnamed column of dates (时间) is then the contact time.
    for _ in range(2):
        fields = {m.field for m in matches.values() if m.field and m.group is None}
        missing = set(DECIDABLE) - fields
        dated = _own_date(fields)
        for col, match in sorted(matches.items()):
            if not (missing or dated) or match.field or not match.guessable or col not in by_column:
                continue
            found = profiled(col)
            if dated and found.values >= rules.ingest["content_min_values"] and \
                    found.date >= rules.ingest["content_share"]:
                decided: tuple[str, str] | None = (dated, f"{found.date:.0%} 是日期")
                dated = None
            else:
                decided = decide(found, missing, rules, agents)
            if decided:
                field, evidence = decided
                matches[col] = Match(field, note=f"表头未认出，按内容认定：{evidence}", how=CONTENT,
                                     strength=STRENGTH[CONTENT])
                missing.discard(field)

    matches, clashes = _stronger_wins(matches, layout.labels, letter)
    problems.extend(clashes)
    return replace(layout, matches=matches), problems


def _own_date(fields: set[str]) -> str | None:
    """The date field a column of dates no rule knows stands for, when the sheet lacks it: a follow-up
    log's contact time, a list of events' date."""
    if fields & {"method", "content"} and not fields & {"contact_at", "registered_at"}:
        return "contact_at"
    if "event_name" in fields and not fields & {"event_date", "registered_at"}:
        return "event_date"
    return None


def _stronger_wins(matches: dict[int, Match], labels: dict[int, str],
                   letter: Callable[[int], str]) -> tuple[dict[int, Match], list[tuple[str, int, str]]]:
    """Two columns claiming one field: the stronger match keeps it; equals share it (filling each other).

    公历生日 beside 农历生日 is no clash: each holds the birthdays of its calendar.
    """
    claims: dict[tuple[str, int | None], list[int]] = {}
    for col, match in sorted(matches.items()):
        if match.field and not (match.field == "birthday" and calendar_in_header(labels.get(col, ""))):
            claims.setdefault((match.field, match.group), []).append(col)
    problems = []
    for (field, _group), cols in claims.items():
        strongest = max(matches[c].strength for c in cols)
        winners = [c for c in cols if matches[c].strength == strongest]
        for col in cols:
            if col in winners:
                continue
            label = FIELDS[field].label
            detail = f"{letter(winners[0])} 列与 {letter(col)} 列都像“{label}”，取表头更明确的 {letter(winners[0])} 列"
            matches[col] = Match(None, note=f"与 {letter(winners[0])} 列都像“{label}”，那一列更明确，本列未用")
            problems.append(("header-weaker", col, detail))
    return matches, problems
