"""Load the rules (规则文件): a built-in preset, overridden key by key by a team's TOML.

The real-estate preset is the schema: every key a team may set exists there,
with the type it must have. The auto-dealer preset and a team's rules.toml
are validated against it, so a typo is an error naming the key and the file
instead of a setting that silently does nothing.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from crm_batch.calendar import WEEKDAYS
from crm_batch.errors import RulesInvalid
from crm_batch.vocabulary import LEVELS

BASE_PRESET = "real_estate"
PRESETS = ("real_estate", "auto_dealer")
# Tables whose keys the team chooses (the reason text of a look-alike header, an agent's or a holiday's name).
OPEN_TABLES = frozenset({"headers_ignore", "cadence.interval_days", "calendar.holidays", "actions.capacity_by_agent",
                         "actions.topics", "penalties.greeting_windows"})
# The value type of an open table that is empty in the preset.
OPEN_TABLE_VALUES = {"actions.capacity_by_agent": 0}


@dataclass(frozen=True)
class Rules:
    """The merged rules in force for a run, and where they came from."""

    data: Mapping[str, Any]
    sources: tuple[str, ...]

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    @property
    def preset(self) -> str:
        return self.data["preset"]

    @property
    def preset_label(self) -> str:
        return self.data["preset_label"]

    @property
    def ingest(self) -> Mapping[str, Any]:
        return self.data["ingest"]

    @property
    def vocab(self) -> Mapping[str, Mapping[str, list[str]]]:
        return self.data["vocab"]

    @property
    def grade_levels(self) -> list[str]:
        return self.data["grades"]["levels"]

    def header_synonyms(self) -> dict[str, list[str]]:
        """Canonical field → every spelling: the preset's list plus the team's extras."""
        extra = self.data["headers_extra"]
        return {f: [*words, *extra.get(f, [])] for f, words in self.data["headers"].items()}


def load_rules(
    preset: str | None = None, rules_file: Path | None = None
) -> Rules:
    """Merge base preset ← named preset ← team rules file; validate every override."""
    base = _read_preset(BASE_PRESET)
    team: dict[str, Any] = {}
    if rules_file is not None:
        team = _read_toml(rules_file)
        _validate(team, base, str(rules_file), "")
    name = preset or team.get("preset") or BASE_PRESET
    if name not in PRESETS:
        where = str(rules_file) if rules_file and not preset else "--preset"
        raise RulesInvalid(where, "preset", f"没有名为“{name}”的预设，可选：{'、'.join(PRESETS)}")
    merged = base
    sources = [f"内置预设 {BASE_PRESET}"]
    if name != BASE_PRESET:
        overlay = _read_preset(name)
        _validate(overlay, base, f"内置预设 {name}", "")
        merged = _merge(merged, overlay)
        sources = [f"内置预设 {name}"]
    if rules_file is not None:
        merged = _merge(merged, {k: v for k, v in team.items() if k != "preset"})
        merged["preset"] = name
        sources.append(str(rules_file))
    _check_values(merged, sources[-1])
    return Rules(merged, tuple(sources))


def _read_preset(name: str) -> dict[str, Any]:
    text = resources.files("crm_batch.presets").joinpath(f"{name}.toml").read_text("utf-8")
    return tomllib.loads(text)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise RulesInvalid(str(path), "", f"无法打开：{exc.strerror or exc}") from None
    try:
        return tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise RulesInvalid(str(path), "", "不是 UTF-8 编码的文本，请用记事本“另存为 UTF-8”") from None
    except tomllib.TOMLDecodeError as exc:
        raise RulesInvalid(str(path), "", f"TOML 格式错误（{exc}）") from None


_TYPE_NAMES = {dict: "表", list: "列表", str: "文字", int: "整数", float: "数字", bool: "是/否(true/false)"}


def _type_name(value: Any) -> str:
    for kind, name in _TYPE_NAMES.items():
        if type(value) is kind:
            return name
    return type(value).__name__


def _same_type(value: Any, like: Any) -> bool:
    if isinstance(like, bool) or isinstance(value, bool):
        return type(value) is type(like)
    if isinstance(like, float):
        return isinstance(value, int | float)
    return type(value) is type(like)


def _validate(override: Mapping[str, Any], schema: Mapping[str, Any], path: str, prefix: str) -> None:
    """Every key must exist in the schema with the same type; lists keep their element type."""
    for key, value in override.items():
        dotted = f"{prefix}{key}"
        if prefix.rstrip(".") in OPEN_TABLES:
            like = next(iter(schema.values()), OPEN_TABLE_VALUES.get(prefix.rstrip("."), []))
            if isinstance(like, list) and like and isinstance(like[0], int):
                _check_day_pair(value, path, dotted)
            elif isinstance(like, list):
                _check_word_list(value, path, dotted)
            elif not _same_type(value, like):
                raise RulesInvalid(path, dotted, f"应为{_type_name(like)}，实际是{_type_name(value)}")
            continue
        if key not in schema:
            known = "、".join(list(schema)[:12]) + ("…" if len(schema) > 12 else "")
            raise RulesInvalid(path, dotted, f"不认识这个键。这一层可用的键有：{known}")
        like = schema[key]
        if not _same_type(value, like):
            raise RulesInvalid(path, dotted, f"应为{_type_name(like)}，实际是{_type_name(value)}")
        if isinstance(like, dict):
            _validate(value, like, path, f"{dotted}.")
        elif isinstance(like, list):
            # An empty list in the schema (a feature off by default) takes its first item's type.
            element = like[0] if like else (value[0] if value else "")
            for i, item in enumerate(value):
                if not _same_type(item, element):
                    raise RulesInvalid(
                        path, f"{dotted}[{i + 1}]", f"列表里应为{_type_name(element)}，实际是{_type_name(item)}"
                    )


def _check_word_list(value: Any, path: str, dotted: str) -> None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RulesInvalid(path, dotted, "应为文字列表，例如 [\"写法一\", \"写法二\"]")


def _check_day_pair(value: Any, path: str, dotted: str) -> None:
    if not (isinstance(value, list) and len(value) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value)):
        raise RulesInvalid(path, dotted, "应为 [提前几天, 之后几天]，两个不小于 0 的整数，例如 [1, 6]")


def _merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Key-by-key override: tables merge recursively, everything else is replaced."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merged[key] = _merge(base[key], value)
        else:
            merged[key] = value
    return merged


def _check_values(data: Mapping[str, Any], path: str) -> None:
    """Checks that types alone cannot make."""
    if not data["grades"]["levels"]:
        raise RulesInvalid(path, "grades.levels", "至少要有一个等级")
    from crm_batch.fields import FIELDS

    labels = {f.label for f in FIELDS.values()}
    for key, value in data["completeness"].items():
        if key.endswith("_fields"):
            unknown = [v for v in value if v not in labels]
            if unknown:
                raise RulesInvalid(path, f"completeness.{key}", f"不认识的字段：{'、'.join(unknown)}")
        elif key.endswith("_threshold") and not 0 <= value <= 1:
            raise RulesInvalid(path, f"completeness.{key}", "达标比例应在 0 到 1 之间，如 0.7")
    missing = [g for g in data["grades"]["levels"] if g not in data["cadence"]["interval_days"]]
    if missing:
        raise RulesInvalid(path, "cadence.interval_days", f"缺少等级 {'、'.join(missing)} 的联系间隔")
    _check_rule_values(data, path)
    _check_penalty_values(data, path)
    from crm_batch.almanac import check_holiday

    for name, spec in data["calendar"]["holidays"].items():
        problem = check_holiday(name, spec)
        if problem:
            raise RulesInvalid(path, f"calendar.holidays.{name}", problem)
    ingest = data["ingest"]
    if ingest["min_year"] >= ingest["max_year"]:
        raise RulesInvalid(path, "ingest.min_year", "必须小于 ingest.max_year")
    if ingest["header_scan_rows"] < 1 or ingest["min_header_fields"] < 1:
        raise RulesInvalid(path, "ingest.header_scan_rows", "必须是正整数")
    if ingest["unread_columns_listed"] < 1:
        raise RulesInvalid(path, "ingest.unread_columns_listed", "必须是正整数")


def _check_subset(values: list[str], allowed: list[str] | Mapping[str, Any], path: str, key: str, what: str) -> None:
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise RulesInvalid(path, key, f"不认识的{what}：{'、'.join(unknown)}（可选：{'、'.join(allowed)}）")


def _check_rule_values(data: Mapping[str, Any], path: str) -> None:
    """Risks and priorities, the grades, methods and stages named, and positive day counts."""
    churn, levels = data["churn"], data["grades"]["levels"]
    for name, setting in churn["flags"].items():
        _check_subset([setting["risk"]], list(LEVELS), path, f"churn.flags.{name}.risk", "风险")
    _check_subset(churn["escalate_grades"], levels, path, "churn.escalate_grades", "等级")
    _check_subset(churn["progress_methods"], data["vocab"]["methods"], path, "churn.progress_methods", "跟进方式")
    _check_subset(churn["visitor_stages"], data["vocab"]["stages"], path, "churn.visitor_stages", "客户类型")
    for key in ("ready_grades", "intent_grades"):
        _check_subset(data["lifecycle"][key], levels, path, f"lifecycle.{key}", "等级")
    days = {f"churn.{k}": v for k, v in churn.items() if k.endswith(("_days", "_factor"))}
    days["lifecycle.lost_days"] = data["lifecycle"]["lost_days"]
    days.update({f"actions.{k}": v for k, v in data["actions"].items() if k.endswith(("_days", "_months"))
                 and not isinstance(v, list)})
    for key in ("post_sale_months", "birthday_invite_days"):
        if not all(isinstance(v, int) and v > 0 for v in data["actions"][key]):
            raise RulesInvalid(path, f"actions.{key}", "应为正整数列表，例如 [36, 48, 60]")
    if sorted(data["actions"]["birthday_invite_days"]) != data["actions"]["birthday_invite_days"] or len(
            data["actions"]["birthday_invite_days"]) != 2:
        raise RulesInvalid(path, "actions.birthday_invite_days", "应为 [最少天数, 最多天数]，例如 [14, 21]")
    for name, level in data["actions"]["priority"].items():
        _check_subset([level], list(LEVELS), path, f"actions.priority.{name}", "优先级")
    _check_subset(data["actions"]["top_grades"], levels, path, "actions.top_grades", "等级")
    _check_subset(data["churn"]["note_flags"], churn["flags"], path, "churn.note_flags", "预警")
    _check_subset(data["actions"]["workdays"], list(WEEKDAYS), path, "actions.workdays", "星期")
    _check_subset([data["actions"]["next_week_from"]], list(WEEKDAYS), path, "actions.next_week_from", "星期")
    tiers = {f"actions.{table}.{name}": tier for table in ("order", "call_order")
             for name, tier in data["actions"][table].items()}
    kinds = list(dict.fromkeys([*data["actions"]["priority"], *data["actions"]["order"]]))
    _check_subset(data["actions"]["urgent"], kinds, path, "actions.urgent", "行动类型")
    for key, tier in tiers.items():
        if not isinstance(tier, int) or isinstance(tier, bool) or not 0 <= tier <= 99:
            raise RulesInvalid(path, key, "档次应为 0–99 的整数，小的先做")
    for agent, capacity in {"": data["actions"]["capacity"], **data["actions"]["capacity_by_agent"]}.items():
        if capacity < 1:
            key = f"actions.capacity_by_agent.{agent}" if agent else "actions.capacity"
            raise RulesInvalid(path, key, "每天的容量必须是正整数")
    for key, value in days.items():
        if value < 0 or (value == 0 and not key.startswith("actions.maintenance")):
            raise RulesInvalid(path, key, "必须是正数")


def _check_penalty_values(data: Mapping[str, Any], path: str) -> None:
    """The audit's methods, stages and windows name things that exist; its thresholds are in range."""
    cfg, methods, stages = data["penalties"], data["vocab"]["methods"], data["vocab"]["stages"]
    for key in ("greeting_methods", "greeting_evidence_methods", "monthly_call_methods", "outreach_methods"):
        _check_subset(cfg[key], methods, path, f"penalties.{key}", "跟进方式")
    for key in ("greeting_stages", "appreciation_stages", "event_stages", "monthly_call_stages"):
        _check_subset(cfg[key], stages, path, f"penalties.{key}", "客户类型")
    from crm_batch.almanac import SOLAR_TERMS

    occasions = [*data["calendar"]["holidays"], *SOLAR_TERMS, "生日"]
    unknown = [name for name in cfg["greeting_windows"] if name not in occasions]
    if unknown:
        raise RulesInvalid(path, f"penalties.greeting_windows.{unknown[0]}",
                           "不是 [calendar.holidays] 里的节日、二十四节气或“生日”")
    if not 0 <= cfg["greeting_evidence_share"] <= 1:
        raise RulesInvalid(path, "penalties.greeting_evidence_share", "比例应在 0 到 1 之间，如 0.01")
    for key in ("greeting_tolerance_days", "greeting_rise_min_occasions", "fake_lookback_days"):
        if cfg[key] < 0:
            raise RulesInvalid(path, f"penalties.{key}", "不能是负数")
    if cfg["greeting_rise_factor"] < 1:
        raise RulesInvalid(path, "penalties.greeting_rise_factor", "应不小于 1（平时的几倍）")
