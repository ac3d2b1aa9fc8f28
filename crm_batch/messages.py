"""称呼与短信草稿: the customer's salutation and the SMS / talk-track drafts of this week's actions.

Drafts come from jinja2 templates the team can edit (SPEC §5: "never a bare mass
text"). The action type → template file mapping is ``[actions.templates]`` in
the rules; templates are looked up in the team's folder first, then in the
built-in ``templates/`` folder, so a team overrides one template by copying it.

A template is rendered once per distinct combination of the columns it uses
(action type, salutation, agent, occasion, date, detail, the last note's topic
…): a solar term greets every customer of every agent, and 100,000 rows reduce
to a few thousand distinct texts.

Drafts must be sendable as they stand: the customer is greeted properly
(``salutation``/``greeting``), the agent introduces themself by the project's
name or, when the rules name none, as "您的置业顾问" (never a placeholder
company), and a call script starts from what was said last time.
"""

from __future__ import annotations

import functools
import re
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import jinja2.meta
import numpy as np
import pandas as pd

from crm_batch.calendar import WEEKDAYS
from crm_batch.errors import TemplateInvalid
from crm_batch.rules_config import Rules
from crm_batch.text import WHITESPACE, regex_text

# A name that already carries a form of address is used as it is (王先生, 李总), and so is the
# office's own nickname (王哥, 李姐).
TITLES = ("先生", "女士", "小姐", "太太", "老师", "总", "经理", "哥", "姐")
# Used when the register has no usable name.
FALLBACK_SALUTATION = "您"
# A Chinese personal name is at most this long (欧阳娜娜); a longer text in the name cell is a note.
MAX_NAME_CHARS = 4
# The columns of an action row that a draft depends on.
DRAFT_COLUMNS = ("action_type", "salutation", "agent", "occasion", "date", "detail", "topic", "topic_at",
                 "situation", "last_at", "agreed", "call_number")
# The variables every template may use; templates/README.md documents them.
TEMPLATE_VARIABLES = ("salutation", "greeting", "agent", "agent_title", "company", "intro", "signature", "occasion",
                      "date", "weekday", "detail", "topic", "topic_ago", "situation", "last_ago", "agreed",
                      "call_number")
# The action types whose draft is a call script (电话话术); the others are text messages (短信).
CALL_SCRIPTS = frozenset({"逾期回访", "计划回访", "意向复核", "成交确认", "外拓回访", "大客户回访", "电话回访",
                          "季度回访"})

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # literal characters: RE2 has no \u escape
_CHINESE_NAME = rf"[{_HAN}·•]+"
# 王** / 王某某 / 欧阳XX: the register hides the given name; the surname is still usable.
_MASKED_NAME = rf"[{_HAN}]{{1,2}}[*＊×xX○〇]+"


def salutation(name: pd.Series, gender: pd.Series, compound_surnames: Sequence[str],
               not_names: Sequence[str] = ()) -> pd.Series:
    """称呼: 王建国/男 → 王先生, 欧阳娜娜/女 → 欧阳女士; the full name when the gender is unknown.

    ``gender`` holds normalised values (男 / 女 / missing) and is aligned with
    ``name`` by position. A name that already ends in a title (王先生, 李总) or is
    the office's nickname (王哥, 李姐, 小王) stays as it is, a non-Chinese name
    (Tom Lee) too. “您” when the cell holds no name: blank, one of ``not_names``
    (未知, a bare 哥), digits, a formula, or a sentence (more than four characters
    that are not a name followed by a note: 张伟 看了两次 → 张伟).
    """
    # Notes written into the name cell (王建国(老客户), 张三/李四) are not part of how one is addressed.
    # ArrowDtype text, so every pattern runs in RE2 (non-ASCII classes as literal characters).
    text = (regex_text(name).str.replace(r"[（(【\[][^）)】\]]*[）)】\]]", "", regex=True)
            .str.replace(r"(?s)[/／、,，;；].*", "", regex=True).str.strip())
    sex = pd.Series(gender.astype("string").to_numpy(), index=name.index, dtype="string")
    is_man = sex.eq("男").fillna(False).astype(bool)
    is_woman = sex.eq("女").fillna(False).astype(bool)
    known = is_man | is_woman

    packed = text.str.replace(WHITESPACE, "", regex=True)
    # 王 建国 is one name typed with a space; 张伟 看了两次 is a name and a note.
    head = text.str.extract(rf"^([{_HAN}·•]+){WHITESPACE}", expand=False)
    short = packed.str.len() <= MAX_NAME_CHARS
    named_head = _flag(head.str.fullmatch(_CHINESE_NAME)) & (head.str.len() <= MAX_NAME_CHARS)
    packed = packed.mask(~short & named_head, head)
    chinese = _flag(packed.str.fullmatch(_CHINESE_NAME)) & (packed.str.len() <= MAX_NAME_CHARS)
    masked = _flag(packed.str.fullmatch(_MASKED_NAME)) & ~chinese
    nickname = _flag(packed.str.fullmatch(rf"[小老][{_HAN}]")) & chinese
    titled = (_flag(packed.str.endswith(TITLES)) | nickname) & (chinese | masked)
    no_name = _flag(packed.isin(list(not_names)))
    # Any other script is used as written, provided it starts with a letter.
    foreign = _flag(text.str.match(r"\pL")) & ~_flag(text.str.contains(rf"[{_HAN}]")) & ~masked

    compound = "|".join(sorted(map(re.escape, compound_surnames), key=len, reverse=True))
    surname = pd.Series(pd.NA, index=name.index, dtype="string")
    if compound:
        surname = packed.str.extract(f"^({compound})", expand=False).astype("string")
    surname = surname.fillna(packed.str[:1].astype("string"))
    title = pd.Series("女士", index=name.index, dtype="string").mask(is_man, "先生")
    text, packed = text.astype("string"), packed.astype("string")

    result = pd.Series(FALLBACK_SALUTATION, index=name.index, dtype="string")
    result = result.mask(foreign, text)
    result = result.mask(chinese & ~known, packed)
    result = result.mask((chinese | masked) & known, surname + title)
    result = result.mask(titled, packed)
    result = result.mask(no_name, FALLBACK_SALUTATION)
    return result.fillna(FALLBACK_SALUTATION)


def greeting(salutation: str) -> str:
    """“王先生，您好” / “严娟，您好” / “您好”: how a draft opens."""
    return "您好" if salutation in ("", FALLBACK_SALUTATION) else f"{salutation}，您好"


def _flag(matched: pd.Series) -> pd.Series:
    return matched.fillna(False).astype(bool)


def builtin_template_dir() -> Path:
    """The shipped templates: the repository's ``templates/`` folder."""
    return Path(__file__).resolve().parents[1] / "templates"


@dataclass(frozen=True)
class Sender:
    """Who signs the drafts: the project or company (may be unset), the agents' title, and the word for an
    agent the register does not name."""

    company: str
    title: str
    fallback: str

    @classmethod
    def of(cls, rules: Rules) -> Sender:
        cfg = rules["actions"]
        return cls(company_name(rules), cfg["agent_title"], cfg["agent_fallback"])

    def intro(self, agent: str) -> str:
        """我是阳光花园的置业顾问严宁帆 / 我是您的置业顾问严宁帆."""
        return f"我是{self.company}的{self.title}{agent}" if self.company else f"我是您的{self.title}{agent}"

    def signature(self, agent: str) -> str:
        """阳光花园 严宁帆 / 置业顾问 严宁帆."""
        return f"{self.company or self.title} {agent}".strip()


# What older rules files wrote for "no company set"; a draft never says it.
PLACEHOLDER_COMPANIES = ("", "本公司", "公司")


def company_name(rules: Rules) -> str:
    """``[actions] company``, or "" when it is not set (or still the old placeholder 本公司)."""
    company = rules["actions"]["company"].strip()
    return "" if company in PLACEHOLDER_COMPANIES else company


def check_templates(rules: Rules, template_dirs: Sequence[Path]) -> None:
    """Load and render every configured template once, so a broken one stops the run before any work."""
    env = _environment(template_dirs)
    sender = Sender.of(rules)
    for action_type, file_name in rules["actions"]["templates"].items():
        template = _load(env, action_type, file_name, template_dirs)
        for context in _sample_contexts(sender):
            _render(template, context, action_type, file_name, template_dirs)


def render_drafts(actions: pd.DataFrame, rules: Rules, template_dirs: Sequence[Path]) -> pd.Series:
    """话术/短信草稿: one text per action row (same index); missing where the action type has no template.

    ``actions`` has the columns of ``DRAFT_COLUMNS`` (the conversation ones —
    topic, topic_at, situation, last_at, agreed, call_number — may be absent); ``date`` is the
    action's day. Missing texts reach the template as "" (salutation as “您”).

    A text is rendered once per distinct value of the variables its template uses. The
    variables that name a person (``PERSONAL``) are left out of that when the template only
    prints them: it is rendered with a marker in their place, and each row's own values are
    filled in afterwards — a greeting to 100,000 customers is one render per occasion, not one
    per customer.
    """
    names: Mapping[str, str] = rules["actions"]["templates"]
    values = np.full(len(actions), pd.NA, dtype=object)
    kinds = _text(actions["action_type"]).to_numpy(dtype=object)
    drafted = np.flatnonzero(pd.Series(kinds).isin(list(names)).to_numpy(dtype=bool))
    if not len(drafted):
        return pd.Series(values, index=actions.index, dtype="string")
    # Positional from here on: the caller's index may repeat labels.
    context = _contexts(actions.iloc[drafted], Sender.of(rules))
    env = _environment(template_dirs)
    for action_type in pd.unique(kinds[drafted]):  # a handful of action types, never a loop over rows
        rows = np.flatnonzero(kinds[drafted] == action_type)
        file_name = names[action_type]
        template = _load(env, action_type, file_name, template_dirs)
        used, marked = _variables(env, file_name)
        mine = context.iloc[rows]
        group = _groups(mine, sorted(used - marked))
        _, first = np.unique(group, return_index=True)
        texts = np.empty(len(first), dtype=object)
        for i, given in enumerate(mine.iloc[first].to_dict("records")):
            given.update({name: MARKS[name] for name in marked})
            texts[i] = _render(template, given, action_type, file_name, template_dirs)
        out = texts[group]
        values[drafted[rows]] = _filled(out, mine, marked) if marked else out
    return pd.Series(values, index=actions.index, dtype="string")


def _groups(frame: pd.DataFrame, keys: list[str]) -> np.ndarray:
    """Which distinct combination of ``keys`` each row holds, numbered from 0 (integer codes, combined)."""
    group = np.zeros(len(frame), dtype=np.int64)
    for key in keys:
        codes = pd.factorize(frame[key].to_numpy(dtype=object))[0]
        group = pd.factorize(group * (codes.max(initial=0) + 1) + codes)[0]
    return group


# The variables that name a person: rendered as markers and filled in per row when a template only prints them.
PERSONAL = ("salutation", "greeting", "agent", "intro", "signature")
# Private-use characters: never in a register's text, and kept by numpy (which drops trailing NULs).
MARKS = {name: f"\ue000{i}\ue001" for i, name in enumerate(PERSONAL)}
_MARKED = re.compile("(" + "|".join(map(re.escape, MARKS.values())) + ")")


def _variables(env: jinja2.Environment, file_name: str) -> tuple[set[str], set[str]]:
    """The variables a template uses, and those of ``PERSONAL`` it only prints (``{{ salutation }}``).

    A personal variable used any other way (in an ``if``, through a filter, sliced) is rendered per
    row like the others.
    """
    tree = env.parse(env.loader.get_source(env, file_name)[0])
    used = jinja2.meta.find_undeclared_variables(tree) & set(TEMPLATE_VARIABLES)
    names = [n.name for n in tree.find_all(jinja2.nodes.Name) if n.name in PERSONAL]
    printed = [n.name for out in tree.find_all(jinja2.nodes.Output) for n in out.nodes
               if isinstance(n, jinja2.nodes.Name) and n.name in PERSONAL]
    marked = {name for name in set(names) if names.count(name) == printed.count(name)}
    return used, marked


def _filled(texts: np.ndarray, context: pd.DataFrame, marked: set[str]) -> np.ndarray:
    """Each row's text with its own values in place of the markers; vectorised over rows, looping over the
    pieces of a text (a few)."""
    codes, uniques = pd.factorize(pd.Series(texts, dtype=object))
    pieces = [_MARKED.split(text) for text in uniques]
    filled = np.full(len(texts), "", dtype=object)
    for k in range(max(map(len, pieces))):
        piece = np.array([p[k] if k < len(p) else "" for p in pieces], dtype=object)[codes]
        for name in marked:
            at = piece == MARKS[name]
            piece[at] = context[name].to_numpy(dtype=object)[at]
        filled = filled + piece
    return filled


def _contexts(actions: pd.DataFrame, sender: Sender) -> pd.DataFrame:
    """Every template variable of every row, as text (object arrays), computed column by column."""
    def text(key: str) -> np.ndarray:
        column = actions[key] if key in actions else pd.Series(pd.NA, index=actions.index)
        return _text(column).fillna("").to_numpy(dtype=object)

    def day(key: str) -> pd.Series:
        column = actions[key] if key in actions else pd.Series(pd.NaT, index=actions.index)
        return pd.Series(pd.to_datetime(column.to_numpy(), errors="coerce"), index=actions.index).dt.normalize()

    date = day("date")
    salutation = text("salutation")
    salutation[salutation == ""] = FALLBACK_SALUTATION
    named = text("agent")
    n = len(actions)
    intro = "我是" + (f"{sender.company}的" if sender.company else "您的") + sender.title
    weekday = np.array([*WEEKDAYS, ""], dtype=object)[date.dt.day_of_week.fillna(len(WEEKDAYS)).astype(int).to_numpy()]
    return pd.DataFrame({
        "salutation": salutation,
        "greeting": np.where(salutation == FALLBACK_SALUTATION, "您好", salutation + "，您好").astype(object),
        "agent": np.where(named == "", sender.fallback, named).astype(object),
        "agent_title": np.full(n, sender.title, dtype=object),
        "company": np.full(n, sender.company, dtype=object),
        "intro": intro + named,
        "signature": np.where(named == "", sender.company or sender.title,
                              f"{sender.company or sender.title} " + named).astype(object),
        "occasion": text("occasion"),
        "date": _month_day(date),
        "weekday": weekday,
        "detail": text("detail"),
        "topic": text("topic"),
        "topic_ago": ago_texts(day("topic_at"), date),
        "situation": text("situation"),
        "last_ago": ago_texts(day("last_at"), date),
        "agreed": _month_day(day("agreed")),
        # Which call to the customer this is in the week (1 when not given): scripts vary from day to day.
        "call_number": (actions["call_number"].fillna(1).astype("int64").to_numpy() if "call_number" in actions
                        else np.ones(n, dtype=np.int64)),
    }, index=actions.index)


def _text(values: pd.Series) -> pd.Series:
    text = values.astype("string").str.strip()
    return text.mask(text.eq(""))


def _environment(template_dirs: Sequence[Path]) -> jinja2.Environment:
    """One environment per list of folders, so a template checked at the start is compiled once a run
    (jinja reloads a template whose file has changed since)."""
    return _environment_for(tuple(str(d) for d in template_dirs))


@functools.lru_cache(maxsize=8)
def _environment_for(template_dirs: tuple[str, ...]) -> jinja2.Environment:
    return jinja2.Environment(
        # utf-8-sig: Notepad's "UTF-8" adds a byte-order mark that would otherwise start every draft.
        loader=jinja2.FileSystemLoader(list(template_dirs), encoding="utf-8-sig"),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _folders(template_dirs: Sequence[Path]) -> list[str]:
    return [str(d) for d in template_dirs]


# What a template's own mistakes can raise while it is loaded or rendered (e.g. adding a number to a text).
_TEMPLATE_FAULTS = (jinja2.TemplateError, UnicodeDecodeError, ArithmeticError, LookupError, TypeError, ValueError)


def _load(env: jinja2.Environment, action_type: str, file_name: str, template_dirs: Sequence[Path]) -> jinja2.Template:
    try:
        return env.get_template(file_name)
    except _TEMPLATE_FAULTS as exc:
        raise TemplateInvalid(file_name, _folders(template_dirs), action_type, _problem(exc, file_name)) from None


def _render(
    template: jinja2.Template, context: Mapping[str, str], action_type: str, file_name: str,
    template_dirs: Sequence[Path],
) -> str:
    try:
        return template.render(context).strip()
    except _TEMPLATE_FAULTS as exc:
        problem = _problem(exc, file_name, template)
    raise TemplateInvalid(file_name, _folders(template_dirs), action_type, problem)


def _problem(exc: Exception, file_name: str, template: jinja2.Template | None = None) -> str:
    """What is wrong with the template, in Chinese, with the line where jinja knows it."""
    if isinstance(exc, jinja2.TemplateNotFound):
        if exc.name not in (None, file_name):
            return f"它引用的模板 {exc.name} 找不到"
        return "找不到这个文件。请把模板放进模板文件夹，或在规则文件 [actions.templates] 里改成已有的文件名"
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return (f"{exc.filename or exc.name or file_name} 第 {exc.lineno} 行语法错误（{exc.message}）。"
                "请检查 {{ }} 和 {% %} 是否成对、每个 if 是否有对应的 endif")
    if isinstance(exc, UnicodeDecodeError):
        return "不是 UTF-8 编码的文本，请用记事本“另存为”并选择 UTF-8 编码"
    line = _line(exc, template) if template is not None else ""
    if isinstance(exc, jinja2.UndefinedError):
        return f"{line}用了没有的变量（{exc.message}）。可用的变量：{'、'.join(TEMPLATE_VARIABLES)}"
    return f"{line}出错（{type(exc).__name__}: {exc}）"


def _line(exc: BaseException, template: jinja2.Template) -> str:
    """“第 N 行” of the template where rendering failed; jinja maps its frames to template lines."""
    lines = [f.lineno for f in traceback.extract_tb(exc.__traceback__) if f.filename == template.filename]
    return f"第 {lines[-1]} 行" if lines else ""


_MONTHS_AGO = "一两三四五"


_MONTH_DAYS = np.array([f"{m}月{d}日" for m in range(1, 13) for d in range(1, 32)] + [""], dtype=object)


def _month_day(days: pd.Series) -> np.ndarray:
    """11月23日; "" where there is no day."""
    at = ((days.dt.month - 1) * 31 + days.dt.day - 1).fillna(len(_MONTH_DAYS) - 1).astype(int).to_numpy()
    return _MONTH_DAYS[at]


def ago_texts(then: pd.Series, now: pd.Series) -> pd.Series:
    """How long before ``now`` each ``then`` was, as one says it: 今天, 昨天, 前天, 5天前, 一个多月前 …"""
    days = (now - then).dt.days.to_numpy(dtype=float)
    whole = np.nan_to_num(days, nan=0).astype(np.int64)
    months = whole // 30
    month_words = np.array(["", *[f"{m}个多月前" for m in _MONTHS_AGO]], dtype=object)
    said = np.select(
        [np.isnan(days), whole <= 0, whole == 1, whole == 2, whole < 30, months <= len(_MONTHS_AGO), whole < 365],
        ["", "今天", "昨天", "前天", whole.astype(str).astype(object) + "天前",
         month_words[np.minimum(months, len(_MONTHS_AGO))], "半年多前"],
        "一年多前")
    return pd.Series(said, index=then.index, dtype=object)


def ago(then: Any, now: Any) -> str:
    """One ``ago_texts``: how long before ``now`` ``then`` was."""
    return ago_texts(pd.Series([then], dtype="datetime64[ns]"), pd.Series([now], dtype="datetime64[ns]")).iloc[0]


def _sample_contexts(sender: Sender) -> list[dict[str, str]]:
    """Enough variety to walk the branches of the shipped templates (holidays, terms, situations, with and
    without detail and topic)."""
    base = {"salutation": "王先生", "greeting": "王先生，您好", "agent": "张三", "agent_title": sender.title,
            "company": sender.company, "intro": sender.intro("张三"), "signature": sender.signature("张三"),
            "date": "11月23日", "weekday": "周一", "topic_ago": "5天前", "last_ago": "3天前", "agreed": "11月20日",
            "call_number": 1}
    occasions = ("", "生日", "春节", "元宵", "清明", "端午", "中秋", "国庆", "元旦", "冬至", "立春", "立夏", "立秋",
                 "立冬", "大寒", "店庆活动")
    plain = [{**base, "occasion": o, "detail": d, "topic": "", "situation": ""}
             for o in occasions for d in ("", "示例说明")]
    talks = [{**base, "occasion": "", "detail": "", "topic": t, "situation": s}
             for t in ("", "户型") for s in ("", "未接通", "久未联系", "来访后")]
    again = [{**base, "occasion": "", "detail": "", "topic": t, "situation": "再次联系", "call_number": k}
             for t in ("", "户型") for k in range(2, 8)]
    return plain + talks + again
