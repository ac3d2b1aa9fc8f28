"""称呼与短信草稿: the customer's salutation and the SMS / talk-track drafts of this week's actions.

Drafts come from jinja2 templates the team can edit (SPEC §5: "never a bare mass
text"). The action type → template file mapping is ``[actions.templates]`` in
the rules; templates are looked up in the team's folder first, then in the
built-in ``templates/`` folder, so a team overrides one template by copying it.

A template is rendered once per distinct (action type, salutation, agent,
occasion, date, detail): a solar term greets every customer of every agent, and
100,000 rows reduce to a few thousand distinct texts.
"""

from __future__ import annotations

import functools
import re
import traceback
from collections.abc import Mapping, Sequence
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

# A name that already carries a form of address is used as it is (王先生, 李总).
TITLES = ("先生", "女士", "小姐", "太太", "老师", "总", "经理")
# Used when the register has no usable name.
FALLBACK_SALUTATION = "您"
# The columns of an action row that a draft depends on.
DRAFT_COLUMNS = ("action_type", "salutation", "agent", "occasion", "date", "detail")
# The variables every template may use; templates/README.md documents them.
TEMPLATE_VARIABLES = ("salutation", "agent", "company", "occasion", "date", "weekday", "detail")

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # literal characters: RE2 has no \u escape
_CHINESE_NAME = rf"[{_HAN}·•]+"
# 王** / 王某某 / 欧阳XX: the register hides the given name; the surname is still usable.
_MASKED_NAME = rf"[{_HAN}]{{1,2}}[*＊×xX○〇]+"


def salutation(name: pd.Series, gender: pd.Series, compound_surnames: Sequence[str]) -> pd.Series:
    """称呼: 王建国/男 → 王先生, 欧阳娜娜/女 → 欧阳女士; the full name when the gender is unknown.

    ``gender`` holds normalised values (男 / 女 / missing) and is aligned with
    ``name`` by position. A name that already ends in a title (王先生, 李总)
    stays as it is, a non-Chinese name (Tom Lee) too; a blank name, or one that
    does not start with a letter (a number, a formula), becomes “您”.
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
    chinese = _flag(packed.str.fullmatch(_CHINESE_NAME))
    masked = _flag(packed.str.fullmatch(_MASKED_NAME)) & ~chinese
    titled = _flag(packed.str.endswith(TITLES)) & (chinese | masked)
    # Any other script is used as written, provided it starts with a letter.
    foreign = _flag(text.str.match(r"\pL")) & ~chinese & ~masked

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
    return result.fillna(FALLBACK_SALUTATION)


def _flag(matched: pd.Series) -> pd.Series:
    return matched.fillna(False).astype(bool)


def builtin_template_dir() -> Path:
    """The shipped templates: the repository's ``templates/`` folder."""
    return Path(__file__).resolve().parents[1] / "templates"


def check_templates(rules: Rules, template_dirs: Sequence[Path]) -> None:
    """Load and render every configured template once, so a broken one stops the run before any work."""
    env = _environment(template_dirs)
    company = rules["actions"]["company"]
    for action_type, file_name in rules["actions"]["templates"].items():
        template = _load(env, action_type, file_name, template_dirs)
        for context in _sample_contexts(company):
            _render(template, context, action_type, file_name, template_dirs)


def render_drafts(actions: pd.DataFrame, rules: Rules, template_dirs: Sequence[Path]) -> pd.Series:
    """话术/短信草稿: one text per action row (same index); missing where the action type has no template.

    ``actions`` has the columns of ``DRAFT_COLUMNS``; ``date`` is the action's
    day. Missing texts reach the template as "" (salutation as “您”).
    """
    names: Mapping[str, str] = rules["actions"]["templates"]
    values = np.full(len(actions), pd.NA, dtype=object)
    # Positional from here on: the caller's index may repeat labels.
    frame = pd.DataFrame({c: _text(actions[c]).to_numpy() for c in DRAFT_COLUMNS if c != "date"})
    frame["date"] = pd.to_datetime(actions["date"].to_numpy(), errors="coerce").normalize()
    drafted = frame["action_type"].isin(list(names)).fillna(False).to_numpy(dtype=bool)
    frame = frame[drafted]
    if frame.empty:
        return pd.Series(values, index=actions.index, dtype="string")

    env = _environment(template_dirs)
    company = rules["actions"]["company"]
    templates = {t: _load(env, t, names[t], template_dirs) for t in frame["action_type"].unique()}
    # A text depends only on the columns its template uses: a daily call's talk track is rendered once
    # per customer, not once per day.
    codes = pd.DataFrame({c: pd.factorize(frame[c], use_na_sentinel=False)[0] for c in DRAFT_COLUMNS})
    for action_type in templates:
        used = _used_columns(env, names[action_type])
        rows = (frame["action_type"] == action_type).to_numpy()
        for unused in set(DRAFT_COLUMNS) - used - {"action_type"}:
            codes.loc[rows, unused] = -1
    group = codes.groupby(list(DRAFT_COLUMNS), sort=False).ngroup().to_numpy()
    _, first_rows = np.unique(group, return_index=True)
    texts = np.empty(len(first_rows), dtype=object)
    for i, row in enumerate(frame.iloc[first_rows].itertuples(index=False)):
        texts[i] = _render(
            templates[row.action_type], _context(row, company), row.action_type, names[row.action_type], template_dirs
        )
    values[drafted] = texts[group]
    return pd.Series(values, index=actions.index, dtype="string")


def _used_columns(env: jinja2.Environment, file_name: str) -> set[str]:
    """The action columns a template reads (weekday comes from date)."""
    source = env.loader.get_source(env, file_name)[0]
    names = jinja2.meta.find_undeclared_variables(env.parse(source))
    return {"date" if n == "weekday" else n for n in names} & set(DRAFT_COLUMNS)


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


def _context(row: Any, company: str) -> dict[str, str]:
    day = row.date
    has_day = not pd.isna(day)
    return {
        "salutation": FALLBACK_SALUTATION if pd.isna(row.salutation) else row.salutation,
        "agent": "" if pd.isna(row.agent) else row.agent,
        "company": company,
        "occasion": "" if pd.isna(row.occasion) else row.occasion,
        "date": f"{day.month}月{day.day}日" if has_day else "",
        "weekday": WEEKDAYS[day.weekday()] if has_day else "",
        "detail": "" if pd.isna(row.detail) else row.detail,
    }


def _sample_contexts(company: str) -> list[dict[str, str]]:
    """Enough variety to walk the branches of the shipped templates (holidays, terms, with and without detail)."""
    base = {"salutation": "王先生", "agent": "张三", "company": company, "date": "11月23日", "weekday": "周一"}
    occasions = ("", "生日", "春节", "元宵", "清明", "端午", "中秋", "国庆", "元旦", "冬至", "立春", "立夏", "立秋",
                 "立冬", "大寒", "店庆活动")
    return [{**base, "occasion": o, "detail": d} for o in occasions for d in ("", "示例说明")]
