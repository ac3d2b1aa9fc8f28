import pytest

from crm_batch.errors import RulesInvalid
from crm_batch.rules_config import load_rules


def write(tmp_path, text):
    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_default_preset_is_real_estate():
    rules = load_rules()
    assert rules.preset == "real_estate"
    assert rules.grade_levels == ["A", "B", "C", "D"]


def test_auto_dealer_preset_overrides_grades_only():
    rules = load_rules("auto_dealer")
    assert rules.grade_levels == ["H", "A", "B", "C"]
    assert "置业顾问" in rules["headers"]["agent"]


def test_team_file_overrides_key_by_key(tmp_path):
    rules = load_rules(rules_file=write(tmp_path, "[ingest]\nheader_scan_rows = 12\n"))
    assert rules.ingest["header_scan_rows"] == 12
    assert rules.ingest["min_header_fields"] == 2  # untouched keys keep the preset's value
    assert str(tmp_path / "rules.toml") in rules.sources


def test_team_file_can_choose_the_preset(tmp_path):
    assert load_rules(rules_file=write(tmp_path, 'preset = "auto_dealer"\n')).grade_levels[0] == "H"


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [
        ("[ingest]\nheader_scan_row = 12\n", "ingest.header_scan_row", "不认识"),
        ("[ingest]\nheader_scan_rows = \"12\"\n", "ingest.header_scan_rows", "应为整数"),
        ("[headers]\nname = \"姓名\"\n", "headers.name", "应为列表"),
        ("[headers]\nname = [1, 2]\n", "headers.name[1]", "应为文字"),
        ("[grades]\nlevels = []\n", "grades.levels", "至少"),
        ("colour = 1\n", "colour", "不认识"),
        ("[ingest]\nunread_columns_listed = 0\n", "ingest.unread_columns_listed", "正整数"),
    ],
    ids=["typo", "string-for-int", "string-for-list", "numbers-in-list", "empty-levels", "unknown-top",
         "no-unread-listed"],
)
def test_bad_key_or_value_names_key_and_file(tmp_path, text, key, words):
    path = write(tmp_path, text)
    with pytest.raises(RulesInvalid) as caught:
        load_rules(rules_file=path)
    message = str(caught.value)
    assert str(path) in message and key in message and words in message


def test_broken_toml_is_reported(tmp_path):
    with pytest.raises(RulesInvalid, match="TOML"):
        load_rules(rules_file=write(tmp_path, "[ingest\n"))


def test_unknown_preset():
    with pytest.raises(RulesInvalid, match="没有名为"):
        load_rules("bank")


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('[churn.flags."沉睡"]\nrisk = "很高"\n', "churn.flags.沉睡.risk"),
        ('[churn]\nescalate_grades = ["S"]\n', "churn.escalate_grades"),
        ('[churn]\nprogress_methods = ["飞鸽传书"]\n', "churn.progress_methods"),
        ('[churn]\nsleep_days = 0\n', "churn.sleep_days"),
        ('[lifecycle]\nready_grades = ["Z"]\n', "lifecycle.ready_grades"),
        ('[churn.flags."流失"]\nrisk = "高"\n', "churn.flags.流失"),
    ],
)
def test_churn_settings_are_checked(tmp_path, text, key):
    team = tmp_path / "rules.toml"
    team.write_text(text, encoding="utf-8")
    with pytest.raises(RulesInvalid) as err:
        load_rules(rules_file=team)
    assert key in str(err.value)


def test_a_teams_holiday_is_added_and_a_bad_date_is_named(tmp_path):
    team = tmp_path / "rules.toml"
    team.write_text('[calendar.holidays]\n"母亲节" = "5月第2个周日"\n"腊八" = "农历12-08"\n', encoding="utf-8")
    holidays = load_rules(rules_file=team)["calendar"]["holidays"]
    assert holidays["母亲节"] == "5月第2个周日" and holidays["中秋"] == "农历08-15"
    team.write_text('[calendar.holidays]\n"店庆" = "13-45"\n', encoding="utf-8")
    with pytest.raises(RulesInvalid) as err:
        load_rules(rules_file=team)
    assert "calendar.holidays.店庆" in str(err.value)


def test_a_team_sets_each_agents_daily_capacity(tmp_path):
    rules = load_rules(rules_file=write(tmp_path, '[actions.capacity_by_agent]\n"王红" = 40\n"李娜" = 12\n'))
    assert rules["actions"]["capacity_by_agent"] == {"王红": 40, "李娜": 12}
    assert rules["actions"]["capacity"] == 30


def test_a_team_sets_an_occasions_greeting_window(tmp_path):
    rules = load_rules(rules_file=write(tmp_path, '[penalties.greeting_windows]\n"中秋" = [2, 1]\n"冬至" = [0, 0]\n'))
    windows = rules["penalties"]["greeting_windows"]
    assert windows["中秋"] == [2, 1] and windows["冬至"] == [0, 0] and windows["国庆"] == [0, 6]


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [
        ('[actions.capacity_by_agent]\n"王红" = "四十"\n', "actions.capacity_by_agent.王红", "应为整数"),
        ("[actions]\ncapacity = 0\n", "actions.capacity", "正整数"),
        ('[actions.capacity_by_agent]\n"王红" = 0\n', "actions.capacity_by_agent.王红", "正整数"),
        ('[actions]\nworkdays = ["周一", "星期二"]\n', "actions.workdays", "星期二"),
        ('[churn]\nnote_flags = ["未回笼", "迟到"]\n', "churn.note_flags", "迟到"),
        ('[penalties.greeting_windows]\n"国庆" = [0]\n', "penalties.greeting_windows.国庆", "[提前几天, 之后几天]"),
        ('[penalties.greeting_windows]\n"国庆" = [-1, 6]\n', "penalties.greeting_windows.国庆", "不小于 0"),
        ('[penalties.greeting_windows]\n"国亲" = [0, 6]\n', "penalties.greeting_windows.国亲", "不是"),
        ('[penalties]\ngreeting_evidence_share = 5\n', "penalties.greeting_evidence_share", "0 到 1"),
        ('[penalties]\ngreeting_rise_factor = 0.5\n', "penalties.greeting_rise_factor", "不小于 1"),
        ('[penalties]\nmonthly_call_methods = ["电话", "飞鸽"]\n', "penalties.monthly_call_methods", "飞鸽"),
        ('[penalties]\nmonthly_call_messages_count = "是"\n', "penalties.monthly_call_messages_count", "是/否"),
    ],
    ids=["capacity-not-a-number", "zero-capacity", "zero-agent-capacity", "unknown-weekday", "unknown-flag",
         "one-number", "negative", "unknown-occasion", "share", "factor", "method", "not-a-bool"],
)
def test_plan_and_audit_settings_are_checked(tmp_path, text, key, words):
    with pytest.raises(RulesInvalid) as caught:
        load_rules(rules_file=write(tmp_path, text))
    assert key in str(caught.value) and words in str(caught.value)
