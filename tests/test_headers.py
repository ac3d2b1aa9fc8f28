import pandas as pd
import pytest

from crm_batch.ingest.headers import HeaderMatcher, clean_header, find_header


@pytest.fixture(scope="module")
def matcher(rules):
    return HeaderMatcher(rules)


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("客户姓名(必填)", "name"),
        ("客户姓名（必填）", "name"),
        ("性别\n(先生/女士)", "gender"),
        ("进店或来\n电时间", "registered_at"),
        ("意向等级：H（一周内）、A（一个月内）、B（三个月内）", "grade"),
        ("  联系电话 ", "phone"),
        ("*联系电话", "phone"),
        ("手机号码", "phone"),
        ("联系方式", "phone"),
        ("顾客手机", "phone"),
        ("客户来源", "source"),
        ("获知途径", "source"),
        ("业务员", "agent"),
        ("填卡人", "agent"),
        ("跟进时间", "contact_at"),
        ("下次跟进时间", "next_contact_at"),
        ("顾客姓名", "name"),
    ],
    ids=lambda v: repr(v),
)
def test_header_synonyms(matcher, header, field):
    match = matcher.match(header)
    assert (match.field, match.how) == (field, "同义词")


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("ＡＢ客户编号", "customer_id"),  # not a synonym, but it says 编号
        ("联系手机", "phone"),
        ("常用手机(必填)", "phone"),
        ("TEL", "phone"),
        ("所属顾问", "agent"),
        ("对接销售", "agent"),
        ("经办人", "agent"),
        ("首访日期", "registered_at"),
        ("首次来电/来访", "registered_at"),
        ("沟通日期", "contact_at"),
        ("最近跟进日期", "contact_at"),
        ("下次联系日期", "next_contact_at"),  # not the contact date: 下次 rules it out
        ("预约回访", "next_contact_at"),
        ("沟通形式", "method"),
        ("联系渠道", "method"),  # a method, though 渠道 alone would be a source
        ("来源渠道说明", "source"),
        ("转介绍带访量", "referred_visits"),  # the seeds' own word (seed 004)
        ("老带新到访数", "referred_visits"),
        ("转介绍成交数", "referred_signups"),
        ("关系亲密程度", "relationship"),
        ("客户称呼", "name"),
        ("沟通记录", "content"),
        ("备注/沟通记录", "content"),  # 沟通记录 says more than 备注
        ("意向(ABCD)", "grade"),
        ("农历生日", "birthday"),
        ("回访形式", "method"),
        ("沟通渠道", "method"),  # not a source: 沟通 says it is how the contact was made
        ("沟通结果", "content"),
        ("跟进概要", "content"),
        ("问题反馈", "content"),  # 问题 alone is no keyword: feedback is the note
        ("问题及需求", "needs"),
        ("主要问题", "enquiry"),
        ("老带新数量", "referred_visits"),  # a count, not the 贡献值 text
        ("转介绍客户数", "referred_visits"),
        ("会员号码", "customer_id"),  # 会员号 says more than 号码
        ("登记号码", "phone"),
        ("做主人是否到场", "deciders_visited"),
        ("截至今日转介绍人数", "referred_visits"),
    ],
    ids=lambda v: repr(v),
)
def test_header_keywords(matcher, header, field):
    match = matcher.match(header)
    assert (match.field, match.how) == (field, "关键词")


@pytest.mark.parametrize(
    ("header", "why"),
    [
        ("顾问手机", "员工电话"),
        ("经办人电话", "不是客户的联系电话"),
        ("销售联系电话", "不是客户的联系电话"),
        ("来访人数", "人数"),
        ("身份证号码", "不是客户的联系电话"),
        ("这一列请填写客户的电话，谢谢", "未识别"),  # a sentence is not a header
        ("工作及收入", "无法确定"),
        # The referred customer's phone, name and visit date are not this customer's.
        ("转介绍客户电话", "不是客户的联系电话"),
        ("转介绍客户姓名", "不是客户的客户姓名"),
        ("介绍来访日期", "不是客户的登记日期"),
        ("签约推荐人", "未识别"),  # the referrer's name, not a count of referred sign-ups
    ],
    ids=lambda v: repr(v),
)
def test_keywords_keep_the_look_alikes_out(matcher, header, why):
    match = matcher.match(header)
    assert match.field is None and why in match.note, match


def test_a_team_setting_wins_and_says_so(tmp_path):
    from crm_batch.rules_config import load_rules

    team = tmp_path / "rules.toml"
    team.write_text('[headers_extra]\nagent = ["联系人"]\n', encoding="utf-8")
    match = HeaderMatcher(load_rules(rules_file=team)).match("联系人")
    assert (match.field, match.how) == ("agent", "团队设置")


@pytest.mark.parametrize(
    ("header", "why"),
    [
        ("负责人联系电话", "员工电话"),
        ("推荐人手机号", "员工电话"),
        ("经纪人电话", "员工电话"),
        ("置业顾问手机号码", "员工电话"),
        ("来访人数", "人数"),
        ("随行人数", "人数"),
        ("序号", "行号"),
    ],
    ids=lambda v: repr(v),
)
def test_look_alikes_are_ignored_with_a_reason(matcher, header, why):
    match = matcher.match(header)
    assert match.field is None
    assert why in match.note


@pytest.mark.parametrize(
    ("header", "field", "group"),
    [
        ("初次日期", "contact_at", 1),
        ("初次", "contact_at", 1),
        ("二次级别判定", "grade", 2),
        ("三次洽谈内容", "content", 3),
        ("四次下次访问时间", "next_contact_at", 4),
        ("第5次跟进日期", "contact_at", 5),
        ("第1次跟进时间", "contact_at", 1),
        ("第十二次回访内容", "content", 12),
    ],
    ids=lambda v: repr(v),
)
def test_card_groups(matcher, header, field, group):
    match = matcher.match(header)
    assert (match.field, match.group) == (field, group)


def test_clean_header_strips_notes_legends_and_breaks():
    assert clean_header("进店或来\n电时间 (必填)") == "进店或来电时间"
    assert clean_header("意向等级：H（一周内）") == "意向等级"


def test_team_extra_spelling(tmp_path):
    from crm_batch.rules_config import load_rules

    team = tmp_path / "rules.toml"
    team.write_text('[headers_extra]\nname = ["购房客户"]\n', encoding="utf-8")
    assert HeaderMatcher(load_rules(rules_file=team)).match("购房客户").field == "name"


def grid(rows):
    return pd.DataFrame(rows).astype("string")


def test_header_found_below_title_and_blank_rows(matcher):
    cells = grid([["2026年11月客户来访登记表", None, None], [None, None, None],
                  ["客户姓名", "联系电话", "置业顾问"], ["王建国", "13812345678", "李娜"]])
    layout = find_header(cells, matcher, scan_rows=30, min_fields=2)
    assert layout.header_rows == (2,)
    assert layout.data_start == 3
    assert layout.fields == {"name", "phone", "agent"}


def test_two_row_card_header(matcher):
    cells = grid([
        ["编号", "顾客姓名", "电话", "初次", None, None, "二次", None, None],
        [None, None, None, "日期", "级别判定", "洽谈内容", "日期", "级别判定", "洽谈内容"],
        ["K1", "王建国", "13812345678", "2026-11-01", "A", "看样板间", "2026-11-08", "A", "谈价格"],
    ])
    layout = find_header(cells, matcher, scan_rows=30, min_fields=2)
    assert layout.data_start == 2
    assert layout.fields == {"customer_id", "name", "phone"}
    assert {(m.field, m.group) for m in layout.matches.values() if m.group} == {
        ("contact_at", 1), ("grade", 1), ("content", 1), ("contact_at", 2), ("grade", 2), ("content", 2)}


def test_no_header_means_no_layout(matcher):
    cells = grid([["本表由销售部维护"], ["每周一更新"]])
    assert find_header(cells, matcher, scan_rows=30, min_fields=2) is None


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("首次来访日期", "registered_at"),
        ("意向等级\nA:一周内 B:一个月内", "grade"),
        ("性别\n男/女", "gender"),
    ],
    ids=["first-visit-is-registration", "legend-on-next-line", "options-on-next-line"],
)
def test_headers_that_look_like_something_else(matcher, header, field):
    assert matcher.match(header).field == field


def test_team_spelling_wins_over_the_preset(tmp_path):
    from crm_batch.rules_config import load_rules

    team = tmp_path / "rules.toml"
    team.write_text('[headers_extra]\nagent = ["联系人"]\n', encoding="utf-8")
    assert HeaderMatcher(load_rules(rules_file=team)).match("联系人").field == "agent"


def test_a_note_above_the_table_is_not_a_header(matcher):
    cells = grid([[None, None, None, "经纪人：张三"],
                  ["客户姓名", "联系电话", "意向等级", None],
                  ["王建国", "13812345678", "A", None]])
    layout = find_header(cells, matcher, scan_rows=30, min_fields=2)
    assert layout.fields == {"name", "phone", "grade"}


def test_a_header_merged_down_two_rows_keeps_its_column(matcher):
    cells = grid([["客户姓名", "联系方式", None], [None, "手机", "备注"], ["王建国", "13812345678", "老客户"]])
    layout = find_header(cells, matcher, scan_rows=30, min_fields=2)
    assert "name" in layout.fields and "phone" in layout.fields


def test_a_label_over_bare_sub_columns_qualifies_them(matcher):
    cells = pd.DataFrame([[None, None, "最近跟进", None, None],
                          ["客户姓名", "联系电话", "日期", "内容", "下次跟进时间"],
                          ["王建国", "13812345678", "2026-11-02", "看了样板间", "2026-11-09"]]).astype("string")
    layout = find_header(cells, matcher, scan_rows=30, min_fields=2)
    assert {layout.labels[c]: layout.matches[c].field for c in layout.labels} == {
        "客户姓名": "name", "联系电话": "phone", "最近跟进 | 日期": "contact_at", "最近跟进 | 内容": "content",
        "下次跟进时间": "next_contact_at"}



def test_a_label_merged_across_the_header_row_qualifies_the_bare_sub_columns_below(matcher):
    """最近跟进 merged over two columns in the header row, 日期 | 内容 in the row below: both rows are header."""
    cells = pd.DataFrame([["客户名称", "联系电话", "跟进方式", "最近跟进", None, "意向"],
                          [None, None, None, "日期", "内容", None],
                          ["王建国", "13812345678", "电话", "2026-11-02", "看了样板间", "A类"]]).astype("string")
    layout = find_header(cells, matcher, scan_rows=30, min_fields=2)
    assert layout.header_rows == (0, 1) and layout.data_start == 2
    assert {layout.labels[c]: layout.matches[c].field for c in (3, 4)} == {
        "最近跟进 | 日期": "contact_at", "最近跟进 | 内容": "content"}


def test_a_data_row_under_the_header_is_no_sub_header(matcher):
    cells = pd.DataFrame([["客户名称", "联系电话", "备忘", None],
                          [None, None, "看房", "是"],
                          ["王建国", "13812345678", "看了样板间", "否"]]).astype("string")
    layout = find_header(cells, matcher, scan_rows=30, min_fields=2)
    assert layout.data_start == 1


def test_a_short_value_under_an_unknown_header_is_no_sub_header(matcher):
    """The first data row holds only 电话 under 回访 (a header no rule knows): nothing spans two columns,
    so it is data, not a sub-header row."""
    cells = pd.DataFrame([["客户名称", "联系电话", "回访", "跟进内容"],
                          [None, None, "电话", None],
                          ["王建国", "13812345678", "来访", "看了样板间"]]).astype("string")
    layout = find_header(cells, matcher, scan_rows=30, min_fields=2)
    assert layout.data_start == 1 and layout.header_rows == (0,)



@pytest.mark.parametrize("rows", [
    [["日期", "客户姓名", "联系电话", "跟进", None], [None, None, None, "电话", "未接"]],  # 跟进电话: a second phone
    [["客户姓名", "联系电话", "性别", None], [None, None, "男", "√"]],  # 性别 over 男 | 女: two gender columns
    [["客户姓名", "联系电话", "意向等级", None, None], [None, None, "A", "B", "C"]],
], ids=["a-value-under-a-label", "gender-ticks", "grade-ticks"])
def test_a_row_of_values_under_a_merged_label_is_data_not_a_sub_header(matcher, rows):
    width = max(map(len, rows))
    data = ["王建国", "13812345678", "2026-11-02", "看房", None][:width]
    cells = pd.DataFrame([*(r + [None] * (width - len(r)) for r in rows), data]).astype("string")
    layout = find_header(cells, matcher, scan_rows=30, min_fields=2)
    assert layout.data_start == 1

def test_two_labels_merged_across_the_header_row_one_of_them_a_field(matcher):
    cells = pd.DataFrame([["客户名称", "联系电话", "最近跟进", None, "下次跟进", None],
                          [None, None, "日期", "内容", "日期", "事项"],
                          ["王建国", "13812345678", "2026-11-02", "看了样板间", "2026-11-09", "带家人来"]]
                         ).astype("string")
    layout = find_header(cells, matcher, scan_rows=30, min_fields=2)
    assert layout.data_start == 2
    assert {layout.labels[c]: layout.matches[c].field for c in (2, 3, 4, 5)} == {
        "最近跟进 | 日期": "contact_at", "最近跟进 | 内容": "content", "下次跟进 | 日期": "next_contact_at",
        "下次跟进 | 事项": None}  # named in 列映射 and left out, not read as a row of data

def test_a_note_above_the_header_is_no_label(matcher):
    cells = pd.DataFrame([["置业顾问：李四", None, None, None, None],
                          ["姓名", "电话", "跟进时间", "跟进方式", "跟进内容"],
                          ["王建国", "13812345678", "2026-11-02", "去电", "看房"]]).astype("string")
    layout = find_header(cells, matcher, scan_rows=30, min_fields=2)
    assert [layout.matches[c].field for c in sorted(layout.matches)] == [
        "name", "phone", "contact_at", "method", "content"]


# The other office's spellings whose header alone does not settle them: the column's content or the
# sheet it is in decides (tests/test_ledgers.py checks the whole report under every spelling).
BY_CONTENT_OR_CONTEXT = {"购房者": "name", "意向客户": "name", "称谓": "gender", "登记号": "customer_id",
                         "日期": "contact_at",
                         "联系方式(电话/微信/到访)": "method", "时间安排": "event_date"}


def test_every_other_office_spelling_is_matched_by_its_header_or_left_to_its_content(matcher):
    from crm_batch.sample.other_office import OTHER_OFFICE_HEADERS, OTHER_OFFICE_TRAPS

    by_header = {w: f for f, words in OTHER_OFFICE_HEADERS.items() for w in words if w not in BY_CONTENT_OR_CONTEXT}
    assert {w: matcher.match(w, groups=False).field for w in by_header} == by_header
    assert set(BY_CONTENT_OR_CONTEXT) <= {w for words in OTHER_OFFICE_HEADERS.values() for w in words}
    traps = [w for words in OTHER_OFFICE_TRAPS.values() for w in words]
    assert {w: matcher.match(w, groups=False).field for w in traps} == dict.fromkeys(traps)
