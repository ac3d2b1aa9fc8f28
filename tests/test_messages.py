"""称呼与短信草稿 (SPEC §5): salutations, drafts from the editable templates, and broken templates."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from crm_batch import messages
from crm_batch.errors import CrmBatchError, TemplateInvalid
from crm_batch.messages import builtin_template_dir, check_templates, render_drafts, salutation
from crm_batch.rules_config import Rules, load_rules

COMPOUND = load_rules()["actions"]["compound_surnames"]
BUILTIN = [builtin_template_dir()]
DAY = pd.Timestamp("2026-11-23")  # a Monday

# A realistic row for each configured action type: (occasion, detail).
REALISTIC = {
    "逾期回访": (pd.NA, "想看三居室"),
    "意向复核": (pd.NA, pd.NA),
    "成交确认": (pd.NA, pd.NA),
    "节日群发": ("春节", pd.NA),
    "节气群发": ("小寒", pd.NA),
    "生日祝福": ("生日", pd.NA),
    "生日会邀约": ("生日", "12月6日 下午3点"),
    "纪念日祝福": ("纪念日", pd.NA),
    "外拓回访": (pd.NA, "11月20日 万达广场外拓"),
    "大客户回访": (pd.NA, "老母鸡，本月已转介绍 3 组"),
    "计划回访": (pd.NA, "想看三居室，等周末和爱人一起来"),
    "电话回访": (pd.NA, pd.NA),
    "活动通知": ("冬季团购会", "11月29日 上午10点 销售中心"),
    "售后回访": (pd.NA, "36个月"),
    "保养提醒": (pd.NA, pd.NA),
    "季度回访": (pd.NA, pd.NA),
    "节日问候": ("中秋", pd.NA),
    "节气问候": ("小雪", pd.NA),
}


def actions(rows: list[dict], index: list | None = None) -> pd.DataFrame:
    defaults = {"salutation": "王先生", "agent": "张三", "occasion": pd.NA, "date": DAY, "detail": pd.NA}
    frame = pd.DataFrame([{**defaults, **row} for row in rows], index=index)
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def team_rules(tmp_path: Path, templates: dict[str, str]) -> Rules:
    """A team rules.toml that points some action types at other template files."""
    lines = ["[actions.templates]", *(f'"{kind}" = "{name}"' for kind, name in templates.items())]
    path = tmp_path / "rules.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return load_rules(rules_file=path)


def team_folder(tmp_path: Path, files: dict[str, str]) -> Path:
    folder = tmp_path / "templates"
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


# ---------------------------------------------------------------- salutation


@pytest.mark.parametrize(
    ("name", "gender", "expected"),
    [
        ("王建国", "男", "王先生"),
        ("李娜", "女", "李女士"),
        ("欧阳娜娜", "女", "欧阳女士"),
        ("司马光", "男", "司马先生"),
        ("王先生", "男", "王先生"),
        ("王先生", pd.NA, "王先生"),
        ("李总", "男", "李总"),
        ("陈经理", pd.NA, "陈经理"),
        ("张老师", "女", "张老师"),
        ("王建国", pd.NA, "王建国"),
        ("", "男", "您"),
        ("   ", "女", "您"),
        (pd.NA, "女", "您"),
        (None, pd.NA, "您"),
        ("Tom Lee", "男", "Tom Lee"),
        ("Tom Lee", pd.NA, "Tom Lee"),
        (" 王 建国 ", "男", "王先生"),
        ("王**", "男", "王先生"),
        ("王**", pd.NA, "您"),
        ("=HYPERLINK(\"http://x\",\"点我\")", "男", "您"),
        ("13812345678", "女", "您"),
        ("王", "女", "王女士"),
        ("王建国(老客户)", "男", "王先生"),
        ("王建国（业主）", pd.NA, "王建国"),
        ("张三/李四", "男", "张先生"),
    ],
    ids=["man", "woman", "compound-surname", "compound-man", "already-titled", "titled-no-gender", "boss",
         "manager", "teacher", "unknown-gender-full-name", "blank", "spaces", "missing", "none", "english",
         "english-no-gender", "stray-spaces", "masked-name", "masked-no-gender", "formula", "phone-only",
         "surname-only", "note-in-brackets", "note-full-width", "two-names"],
)
def test_salutation(name: object, gender: object, expected: str) -> None:
    result = salutation(pd.Series([name], dtype="object"), pd.Series([gender], dtype="object"), COMPOUND)
    assert result.iloc[0] == expected


NOT_NAMES = load_rules()["actions"]["not_names"]


@pytest.mark.parametrize(
    ("name", "gender", "opening"),
    [
        ("严娟", "女", "严女士，您好"),
        ("严宁帆", "男", "严先生，您好"),
        ("严娟", pd.NA, "严娟，您好"),
        ("欧阳娜娜", pd.NA, "欧阳娜娜，您好"),
        ("未知", "男", "您好"),
        ("不详", pd.NA, "您好"),
        ("哥", "男", "您好"),
        ("姐", pd.NA, "您好"),
        ("王哥", "男", "王哥，您好"),
        ("李姐", pd.NA, "李姐，您好"),
        ("小王", "男", "小王，您好"),
        ("4417", pd.NA, "您好"),
        ("张伟(朋友介绍)", pd.NA, "张伟，您好"),
        ("张伟 看了两次", "男", "张先生，您好"),
        ("王先生 看了两次", pd.NA, "王先生，您好"),
        ("客户说下周带家人来看房", pd.NA, "您好"),
        ("看了两次的那个客户", pd.NA, "您好"),
        ("王 建国", pd.NA, "王建国，您好"),
    ],
    ids=["woman", "man", "unknown-gender", "compound-unknown", "unknown-word", "not-known", "bare-brother",
         "bare-sister", "nickname-brother", "nickname-sister", "little-wang", "digits", "note-in-brackets",
         "note-after-space", "titled-note", "sentence", "sentence-no-space", "stray-space"],
)
def test_drafts_open_with_a_proper_salutation(name: str, gender: object, opening: str) -> None:
    called = salutation(pd.Series([name], dtype="object"), pd.Series([gender], dtype="object"), COMPOUND, NOT_NAMES)
    assert messages.greeting(called.iloc[0]) == opening


def test_salutation_keeps_index_and_string_dtype() -> None:
    names = pd.Series(["王建国", "欧阳娜娜", None], index=[10, 7, 3])
    genders = pd.Series(["男", "女", "男"], index=[10, 7, 3], dtype="string")
    result = salutation(names, genders, COMPOUND)
    assert result.index.tolist() == [10, 7, 3]
    assert result.dtype == "string"
    assert result.tolist() == ["王先生", "欧阳女士", "您"]


def test_salutation_without_compound_list_takes_first_character() -> None:
    result = salutation(pd.Series(["欧阳娜娜"]), pd.Series(["女"]), [])
    assert result.tolist() == ["欧女士"]


# ---------------------------------------------------------------- drafts


@pytest.mark.parametrize("action_type", list(REALISTIC))
def test_each_configured_template_renders_with_salutation_and_agent(rules: Rules, action_type: str) -> None:
    occasion, detail = REALISTIC[action_type]
    frame = actions([{"action_type": action_type, "salutation": "欧阳女士", "agent": "李娜",
                      "occasion": occasion, "detail": detail}])
    draft = render_drafts(frame, rules, BUILTIN).iloc[0]
    assert "欧阳女士" in draft and "李娜" in draft
    assert draft == draft.strip() and "\n" not in draft


def test_every_configured_action_type_has_a_realistic_row(rules: Rules) -> None:
    assert set(rules["actions"]["templates"]) == set(REALISTIC)


def test_company_and_detail_reach_the_text(tmp_path: Path) -> None:
    team = tmp_path / "rules.toml"
    team.write_text('[actions]\ncompany = "翡翠湾"\n', encoding="utf-8")
    frame = actions([{"action_type": "活动通知", "occasion": "冬季团购会", "detail": "11月29日 销售中心"}])
    draft = render_drafts(frame, load_rules(rules_file=team), BUILTIN).iloc[0]
    assert "翡翠湾" in draft and "冬季团购会" in draft and "11月29日 销售中心" in draft


def test_date_and_weekday_are_formatted_in_chinese(rules: Rules, tmp_path: Path) -> None:
    folder = team_folder(tmp_path, {"holiday.j2": "{{ date }}（{{ weekday }}）{{ occasion }}"})
    frame = actions([{"action_type": "节日问候", "occasion": "冬至", "date": "2026-12-21"}])
    assert render_drafts(frame, rules, [folder, *BUILTIN]).tolist() == ["12月21日（周一）冬至"]


def test_holiday_names_read_well(rules: Rules) -> None:
    names = ["春节", "元旦", "中秋", "清明", "端午", "儿童节", "七夕", "母亲节"]
    frame = actions([{"action_type": "节日问候", "occasion": n} for n in names])
    drafts = render_drafts(frame, rules, BUILTIN)
    assert "清明快乐" not in drafts.iloc[3]  # a day of remembrance, not a celebration
    assert "端午安康" in drafts.iloc[4]
    assert "母亲节" in drafts.iloc[7]
    assert drafts.nunique() == len(names)


def test_duplicates_map_back_to_their_rows_with_a_custom_index(rules: Rules, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    render = messages._render
    monkeypatch.setattr(messages, "_render", lambda *args: calls.append(args) or render(*args))
    rows = [
        {"action_type": "节日问候", "occasion": "中秋", "salutation": "王先生"},
        {"action_type": "节日问候", "occasion": "中秋", "salutation": "李女士"},
        {"action_type": "电话回访", "salutation": "王先生"},
        {"action_type": "节日问候", "occasion": "中秋", "salutation": "王先生"},
        {"action_type": "节日问候", "occasion": "中秋", "salutation": "李女士"},
        {"action_type": "节日问候", "occasion": "中秋", "salutation": "王先生", "agent": "赵强"},
    ]
    frame = actions(rows, index=["k9", "k3", "k7", "k1", "k5", "k2"])
    drafts = render_drafts(frame, rules, BUILTIN)
    assert drafts.index.tolist() == ["k9", "k3", "k7", "k1", "k5", "k2"]
    assert drafts.dtype == "string"
    assert len(calls) == 2  # one per template: the names are filled in afterwards
    assert drafts["k9"] == drafts["k1"] and drafts["k3"] == drafts["k5"]
    assert drafts["k9"].startswith("王先生") and drafts["k3"].startswith("李女士")
    assert "张三" in drafts["k9"] and "赵强" in drafts["k2"] and "赵强" not in drafts["k9"]
    assert "中秋" in drafts["k1"] and "中秋" not in drafts["k7"]


def test_greeting_every_customer_renders_once_per_distinct_text(rules: Rules, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    render = messages._render
    monkeypatch.setattr(messages, "_render", lambda *args: calls.append(args) or render(*args))
    n = 100_000
    surnames, titles = ["王", "李", "张", "刘", "陈", "欧阳", "赵"], ["先生", "女士"]
    frame = pd.DataFrame({
        "action_type": "节气问候",
        "salutation": [surnames[i % 7] + titles[i % 2] for i in range(n)],
        "agent": [f"顾问{i % 40}" for i in range(n)],
        "occasion": "小雪", "date": pd.Timestamp("2026-11-22"), "detail": pd.NA,
    })
    drafts = render_drafts(frame, rules, BUILTIN)
    assert len(calls) == 1  # the template only prints the names: rendered once, each row's names filled in
    assert drafts.notna().all()
    assert drafts.iloc[12345] == (f"{frame['salutation'].iloc[12345]}，您好！今日小雪，天气寒冷，请注意添衣保暖，"
                                  f"出行注意安全。祝您身体健康！——置业顾问 {frame['agent'].iloc[12345]}")


def test_a_template_that_looks_at_a_name_is_rendered_per_name(rules: Rules, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    folder = team_folder(tmp_path, {"call.j2": "{% if salutation == '您' %}您好{% else %}{{ salutation }}，您好"
                                               "{% endif %}，我是{{ agent }}。"})
    calls = []
    render = messages._render
    monkeypatch.setattr(messages, "_render", lambda *args: calls.append(args) or render(*args))
    frame = actions([{"action_type": "电话回访", "salutation": n} for n in ("王先生", "您", "王先生", "李女士")])
    drafts = render_drafts(frame, rules, [folder, *BUILTIN]).tolist()
    assert drafts == ["王先生，您好，我是张三。", "您好，我是张三。", "王先生，您好，我是张三。",
                      "李女士，您好，我是张三。"]
    assert len(calls) == 3  # salutation decides the text; agent is only printed


def test_repeated_index_labels_keep_row_order(rules: Rules) -> None:
    frame = actions([{"action_type": "节日问候", "occasion": "中秋"}, {"action_type": "电话回访"},
                     {"action_type": "其他"}], index=["K1", "K1", "K1"])
    drafts = render_drafts(frame, rules, BUILTIN)
    assert drafts.index.tolist() == ["K1", "K1", "K1"]
    assert "中秋" in drafts.iloc[0] and "我是" in drafts.iloc[1] and pd.isna(drafts.iloc[2])


def test_no_template_configured_gives_missing(rules: Rules) -> None:
    frame = actions([{"action_type": "其他"}, {"action_type": pd.NA}, {"action_type": "电话回访"}], index=[5, 6, 7])
    drafts = render_drafts(frame, rules, BUILTIN)
    assert drafts.isna().tolist() == [True, True, False]
    assert drafts.index.tolist() == [5, 6, 7]


def test_empty_actions_give_an_empty_series(rules: Rules) -> None:
    frame = actions([{"action_type": "电话回访"}]).iloc[:0]
    drafts = render_drafts(frame, rules, BUILTIN)
    assert drafts.empty and drafts.dtype == "string"


def test_missing_values_reach_the_template_as_empty_text(rules: Rules) -> None:
    frame = actions([{"action_type": "节日问候", "salutation": pd.NA, "agent": pd.NA, "occasion": pd.NA,
                      "date": pd.NaT}])
    draft = render_drafts(frame, rules, BUILTIN).iloc[0]
    assert draft.startswith("您好！") and "None" not in draft and "<NA>" not in draft


def test_team_folder_overrides_one_template(rules: Rules, tmp_path: Path) -> None:
    folder = team_folder(tmp_path, {"holiday.j2": "{{ salutation }}好！{{ occasion }}快乐。——团队版 {{ agent }}\n"})
    frame = actions([{"action_type": "节日问候", "occasion": "国庆"}, {"action_type": "电话回访"}])
    drafts = render_drafts(frame, rules, [folder, *BUILTIN])
    assert drafts.iloc[0] == "王先生好！国庆快乐。——团队版 张三"
    assert drafts.iloc[1] == render_drafts(frame, rules, BUILTIN).iloc[1]


def test_byte_order_mark_from_notepad_is_not_part_of_the_draft(rules: Rules, tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "call.j2").write_bytes("\ufeff{{ salutation }}好".encode())
    frame = actions([{"action_type": "电话回访"}])
    assert render_drafts(frame, rules, [folder, *BUILTIN]).tolist() == ["王先生好"]


# ---------------------------------------------------------------- broken templates


def test_missing_template_names_file_folders_and_action(tmp_path: Path) -> None:
    rules = team_rules(tmp_path, {"节日问候": "festival.j2"})
    folder = team_folder(tmp_path, {})
    with pytest.raises(TemplateInvalid) as raised:
        check_templates(rules, [folder, *BUILTIN])
    message = str(raised.value)
    assert "festival.j2" in message and "节日问候" in message and "找不到" in message
    assert str(folder) in message and str(BUILTIN[0]) in message
    assert isinstance(raised.value, CrmBatchError)


def test_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    rules = team_rules(tmp_path, {"节气问候": "term.j2"})
    folder = team_folder(tmp_path, {"term.j2": "{{ salutation }}好！\n{% if occasion %}{{ occasion }}到了\n"})
    with pytest.raises(TemplateInvalid) as raised:
        check_templates(rules, [folder, *BUILTIN])
    message = str(raised.value)
    assert "term.j2" in message and "节气问候" in message and "语法错误" in message
    assert "第 3 行" in message or "第 2 行" in message


def test_undefined_variable_names_file_and_variable(tmp_path: Path) -> None:
    rules = team_rules(tmp_path, {"电话回访": "my_call.j2"})
    folder = team_folder(tmp_path, {"my_call.j2": "{{ salutation }}好，\n我是{{ 顾问 }}"})
    with pytest.raises(TemplateInvalid) as raised:
        check_templates(rules, [folder, *BUILTIN])
    message = str(raised.value)
    assert "my_call.j2" in message and "电话回访" in message and "顾问" in message and "第 2 行" in message


def test_missing_included_template_is_named(tmp_path: Path) -> None:
    rules = team_rules(tmp_path, {"电话回访": "my_call.j2"})
    folder = team_folder(tmp_path, {"my_call.j2": "{{ salutation }}好{% include 'sign.j2' %}"})
    with pytest.raises(TemplateInvalid, match="sign.j2 找不到"):
        check_templates(rules, [folder, *BUILTIN])


def test_render_drafts_reports_a_broken_template_too(tmp_path: Path) -> None:
    rules = team_rules(tmp_path, {"电话回访": "my_call.j2"})
    folder = team_folder(tmp_path, {"my_call.j2": "{{ customer_name }}"})
    with pytest.raises(TemplateInvalid, match="my_call.j2"):
        render_drafts(actions([{"action_type": "电话回访"}]), rules, [folder, *BUILTIN])


def test_template_not_in_utf8_is_reported(rules: Rules, tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "holiday.j2").write_bytes("{{ salutation }}好！节日快乐".encode("gbk"))
    with pytest.raises(TemplateInvalid, match="UTF-8"):
        check_templates(rules, [folder, *BUILTIN])


# ---------------------------------------------------------------- shipped templates


@pytest.mark.parametrize("preset", [None, "auto_dealer"], ids=["real_estate", "auto_dealer"])
def test_shipped_templates_pass_the_check(preset: str | None) -> None:
    check_templates(load_rules(preset), BUILTIN)


def test_every_configured_template_is_shipped(rules: Rules) -> None:
    shipped = {p.name for p in BUILTIN[0].glob("*.j2")}
    assert set(rules["actions"]["templates"].values()) <= shipped


@pytest.mark.parametrize("who", ["王先生", "您", "Tom Lee", "李总"])
def test_no_shipped_draft_looks_like_a_formula(rules: Rules, who: str) -> None:
    occasions = ["", "生日", "春节", "中秋", "元旦", "清明", "冬至", "立冬", "大暑", "冬季团购会"]
    rows = [{"action_type": kind, "salutation": who, "occasion": o or pd.NA, "detail": d}
            for kind in rules["actions"]["templates"] for o in occasions for d in (pd.NA, "-5% 优惠")]
    drafts = render_drafts(actions(rows), rules, BUILTIN)
    assert drafts.notna().all()
    assert not drafts.str.match(r"[=+\-@]").any()
    assert not drafts.str.contains("您您").any()


# ---------------------------------------------------------------- issue 17: sendable as they stand


def test_without_a_company_the_agent_introduces_themself_never_as_a_placeholder(tmp_path: Path) -> None:
    for company in ("", "本公司"):
        rules = team_company(tmp_path, company)
        frame = actions([{"action_type": "电话回访", "salutation": "严娟"},
                         {"action_type": "节气问候", "occasion": "小寒"}])
        call, sms = render_drafts(frame, rules, BUILTIN).tolist()
        assert call.startswith("严娟，您好，我是您的置业顾问张三。")
        assert sms.startswith("王先生，您好！今日小寒") and sms.endswith("——置业顾问 张三")
        assert "本公司" not in call + sms


def test_a_company_name_introduces_and_signs(tmp_path: Path) -> None:
    rules = team_company(tmp_path, "阳光花园")
    frame = actions([{"action_type": "电话回访"}, {"action_type": "节气问候", "occasion": "小寒"}])
    call, sms = render_drafts(frame, rules, BUILTIN).tolist()
    assert call.startswith("王先生，您好，我是阳光花园的置业顾问张三。") and sms.endswith("——阳光花园 张三")


def test_a_car_dealer_agent_is_a_sales_consultant() -> None:
    frame = actions([{"action_type": "电话回访"}])
    draft = render_drafts(frame, load_rules("auto_dealer"), BUILTIN).iloc[0]
    assert draft.startswith("王先生，您好，我是您的销售顾问张三。")


@pytest.mark.parametrize(
    ("situation", "topic", "expected"),
    [
        ("", "户型", "6天前您提到户型，想跟您再聊聊"),
        ("来访后", "户型", "感谢您6天前来现场，您当时比较关注户型。"),
        ("久未联系", "首付和贷款", "有段时间没跟您联系了，记得6天前您提到首付和贷款。"),
        ("未接通", pd.NA, "前几天给您打电话没打通，所以再跟您联系一下。您现在说话方便吗？"),
        ("再次联系", "车位", "这几天又有些新情况，想跟您再沟通一下，也聊聊车位，您现在方便吗？"),
    ],
    ids=["topic", "after-visit", "idle", "unreached", "again"],
)
def test_the_call_script_starts_from_the_last_contact(rules: Rules, situation: str, topic: object,
                                                      expected: str) -> None:
    last = DAY - pd.Timedelta(days=6)
    frame = actions([{"action_type": "电话回访", "situation": situation or pd.NA, "topic": topic,
                      "topic_at": last, "last_at": last}])
    assert render_drafts(frame, rules, BUILTIN).iloc[0].startswith("王先生，您好，我是您的置业顾问张三。" + expected)


def test_a_missed_appointment_script_names_the_agreed_day(rules: Rules) -> None:
    frame = actions([{"action_type": "逾期回访", "agreed": pd.Timestamp("2026-11-16"), "topic": "户型"}])
    assert render_drafts(frame, rules, BUILTIN).iloc[0] == (
        "王先生，您好，我是您的置业顾问张三。上次跟您约好11月16日再联系，没能按时给您回电话，实在抱歉。"
        "您上次提到户型，想听听您现在的想法，您这会儿方便吗？")




def test_a_customer_called_every_day_hears_a_different_script_each_day(rules: Rules) -> None:
    """An A customer called on all seven days: the first call starts from the last contact, the later
    ones (再次联系) change their wording from day to day."""
    frame = actions([{"action_type": "电话回访", "date": DAY + pd.Timedelta(days=k - 1), "call_number": k,
                      "situation": "再次联系" if k > 1 else pd.NA, "topic": "户型"} for k in range(1, 8)])
    drafts = render_drafts(frame, rules, BUILTIN)
    assert drafts.nunique() == 7
    assert all(d.startswith("王先生，您好，我是您的置业顾问张三。") for d in drafts)


@pytest.mark.parametrize(("agreed", "said"),
                         [(DAY, "约好今天再联系"), (DAY - pd.Timedelta(days=2), "约好11月21日再联系")],
                         ids=["agreed-for-today", "carried-to-the-first-day"])
def test_an_appointment_script_says_today_only_when_it_was_agreed_for_today(rules: Rules, agreed, said) -> None:
    """An appointment after the log's last day and before the plan week is called on the plan's first day:
    the script names the day agreed, not "today"."""
    draft = render_drafts(actions([{"action_type": "计划回访", "agreed": agreed}]), rules, BUILTIN).iloc[0]
    assert said in draft

def test_a_probable_buyer_is_congratulated_without_a_sales_pitch(rules: Rules) -> None:
    draft = render_drafts(actions([{"action_type": "成交确认"}]), rules, BUILTIN).iloc[0]
    assert "恭喜您" in draft and "优惠" not in draft


@pytest.mark.parametrize(("days", "said"), [(0, "今天"), (1, "昨天"), (2, "前天"), (5, "5天前"), (29, "29天前"),
                                            (30, "一个多月前"), (65, "两个多月前"), (200, "半年多前"),
                                            (800, "一年多前")])
def test_how_long_ago_is_said_as_one_says_it(days: int, said: str) -> None:
    assert messages.ago(DAY - pd.Timedelta(days=days), DAY) == said


def team_company(tmp_path: Path, company: str) -> Rules:
    path = tmp_path / "rules.toml"
    path.write_text(f'[actions]\ncompany = "{company}"\n', encoding="utf-8")
    return load_rules(rules_file=path)
