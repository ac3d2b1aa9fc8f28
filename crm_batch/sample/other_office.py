"""Another sales office's headers (别家售楼处的表头): the same cells under everyday spellings.

The presets' headers all come from the reader's synonym table, so a register
written with them only tests that table. Real offices write 所属顾问, 首访日期,
客户号, 联系手机, 预约回访… The ``other_office`` profile keeps every cell of the
``standard`` profile and only swaps the header texts for spellings drawn from
the vocabulary below, which deliberately avoids the synonyms in
``presets/real_estate.toml`` (tests/test_sample_profiles.py keeps it so).

Two look-alikes are kept on purpose, as offices write them: a bare 日期 in a
follow-up sheet (the contact time, not a registration date) and 联系方式(电话/
微信/到访) for the contact method (not the phone).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from crm_batch.almanac import lunar_day_name
from crm_batch.sample.draws import _rng
from crm_batch.sample.vocab import _LUNAR_MONTHS

# Field key (crm_batch/fields.py) → the office's spellings: 5+ for every field, 6+ for the essential ones.
OTHER_OFFICE_HEADERS: dict[str, tuple[str, ...]] = {
    # identity
    "customer_id": ("客户号", "档案号", "会员ID", "登记号", "会员编号", "客户档案号", "卡片编号"),
    "name": ("客户称呼", "姓名/称呼", "购房者", "意向客户", "来访者姓名", "名字", "客户全名"),
    "phone": ("联系手机", "TEL", "手机/电话", "本人手机", "常用手机", "客户电话号", "移动电话号码"),
    "agent": ("所属顾问", "对接顾问", "归属销售", "业务负责人", "经办人", "跟单人", "责任销售"),
    # first-call profile
    "gender": ("男/女", "先生/女士", "称谓", "性别男女", "男/女性"),
    "source": ("来源途径", "了解渠道", "从何得知", "到访渠道", "获客渠道", "客户来源方式"),
    "enquiry": ("关注事项", "咨询重点", "主要问题", "重点关注", "关心的问题"),
    # basic profile
    "age": ("年纪", "岁数", "大约年龄", "年纪大约", "岁数(约)"),
    "address": ("现住址", "居住小区", "所在区域", "现居住地", "住址/小区"),
    "family": ("家庭情况", "家中人口", "几口人", "家庭人口数", "家里几口人"),
    "occupation": ("工作", "工作性质", "职业/单位", "工作行业", "所在行业"),
    "purpose": ("购房用途", "买房目的", "置业用途", "买房用途", "购房目的/用途"),
    "needs": ("需求户型", "面积需求", "想要户型", "户型需求", "户型/面积需求"),
    # deep profile
    "living": ("目前居住", "现在住房", "住房情况", "居住现状", "现住房情况"),
    "property_history": ("第几次置业", "名下房产", "购房次数", "已有房产", "名下房产情况"),
    "relations": ("家人关系", "家庭决策", "谁做主", "决策情况", "家庭决策关系"),
    "position": ("担任职务", "职级", "头衔", "职务/职位", "所任职务"),
    "income": ("经济状况", "收入水平", "月收入水平", "家庭月收入", "收入状况"),
    "character": ("性格描述", "脾气性格", "为人", "性格类型", "性格/脾气"),
    "hobbies": ("业余爱好", "喜好", "兴趣特长", "个人爱好", "兴趣爱好说明"),
    "circle": ("社交圈", "所在圈子", "人脉圈", "社交圈子", "圈层类型"),
    # owners; a lunar spelling (农历/阴历) folds the 生日类型 column into the headers
    "birthday": ("出生日", "生日日期", "生辰", "出生时间", "生日(农历)", "农历生日", "阴历生日"),
    "birthday_type": ("阴历/阳历", "阴阳历", "生日类别", "生日是阴历还是阳历", "阴阳历类型"),
    "anniversary": ("重要日子", "结婚周年", "纪念日期", "纪念日期(周年)", "周年纪念"),
    "contribution": ("老带新情况", "推荐情况", "转介绍情况", "老带新记录", "推荐情况说明"),
    # stage, grade and its criteria
    "stage": ("客户性质", "进展阶段", "当前状态", "所处阶段", "客户所处阶段"),
    "grade": ("购买意向", "意向度", "意向类别", "客户意向", "成交可能性", "客户分类", "意向(ABCD)"),
    "score": ("意向评分", "打分", "综合得分", "分值", "意向打分"),
    "likes_product": ("对产品认可", "喜欢产品", "产品满意度", "产品认可度", "对产品满意"),
    "likes_price": ("接受价格", "价格接受度", "对价格认可", "价格认可", "价格能否接受"),
    "can_afford": ("付款能力", "资金实力", "经济实力", "资金能力", "经济实力情况"),
    "unit_chosen": ("已选房号", "看中房号", "意向房源确定", "看好的房源", "意向落点房号"),
    "deciders_visited": ("决策人是否到场", "拍板人来过", "决策人到场", "决策人是否来过", "拍板人到场"),
    "purchase_window": ("预计何时买", "购买时机", "计划何时购买", "何时购买", "预计购买时机"),
    "visits": ("累计到访", "来访频次", "来过几次", "累计来访次数", "来访几次"),
    "registered_at": ("首次到访", "首访日期", "到访日期", "初次来访", "首次接触日期", "录入时间",
                      "首次来电/来访"),
    "signed_at": ("下定日期", "签约日", "定房日期", "认购日", "成交日"),
    "handover_at": ("交楼日期", "收房日期", "交付时间", "入住时间", "交楼时间"),
    "outreach_at": ("外展日期", "拓客时间", "派单日期", "外展时间", "拓客日"),
    # key accounts and relationship
    "referred_visits": ("转介绍带访量", "带访人数(转介绍)", "老带新到访", "老带新数量", "转介绍客户数"),
    "referred_signups": ("转介绍成交", "带客办卡数", "老带新成交", "转介绍成交数", "老带新签约"),
    "key_account": ("重要客户", "VIP客户", "是否VIP", "是否重点客户", "大客户标记"),
    "relationship": ("关系程度", "亲疏程度", "关系远近", "关系亲密度", "熟悉度"),
    "lost_approved": ("战败是否批准", "经理审批战败", "放弃审批", "放弃是否批准", "战败审批结果"),
    "verification": ("经理抽查", "主管抽查", "核实情况", "稽查情况", "抽查情况"),
    "note": ("其他说明", "补充说明", "附注", "说明", "其他备注"),
    # contacts
    "contact_at": ("沟通日期", "日期", "联系日", "跟进日", "回访日", "接触时间"),
    "method": ("沟通形式", "联系方式(电话/微信/到访)", "跟进手段", "联系渠道", "沟通途径", "跟进类型"),
    "content": ("备注/沟通记录", "沟通记录", "客户反馈", "跟进详情", "沟通要点", "情况说明"),
    "next_contact_at": ("预约回访", "下次联系日", "约访日期", "下次跟进", "计划跟进日期", "预约时间"),
    # events
    "event_name": ("活动内容", "节点名称", "活动项目", "活动名目", "活动名"),
    "event_date": ("举办日期", "活动日", "时间安排", "举办时间", "活动日期时间"),
    "event_type": ("活动性质", "活动分类", "类别(答谢/营销)", "活动性质分类", "答谢/营销"),
    "event_target": ("邀请对象", "面向客户", "参加人员", "邀约范围", "参加对象"),
}

# Columns that are no field but look like one: a row number, a staff phone, a head count.
OTHER_OFFICE_TRAPS: dict[str, tuple[str, ...]] = {
    "seq": ("序号", "No.", "行次"),
    "staff_phone": ("顾问手机", "销售电话", "顾问联系方式", "经办人电话", "对接人手机"),
    "party_size": ("来访人数", "同行人数", "陪同人数", "到访几人"),
}

# Beside a lunar birthday column, the solar birthdays keep a column of their own.
SOLAR_BIRTHDAY_HEADERS = ("公历生日", "阳历生日", "生日(阳历)")
_LUNAR_WORDS = ("农历", "阴历")
_LINE_BREAK_SHARE = 0.15  # messy: a long header wrapped inside its cell


class _OfficeHeaders:
    """The other office's header texts, drawn sheet by sheet from one generator (header_seed).

    The birthday spelling is drawn first: a lunar one (农历生日) means the office keeps
    lunar birthdays as text in that column and solar ones beside it, with no 生日类型.
    """

    def __init__(self, header_seed: int, messy: bool) -> None:
        self._rng = _rng(header_seed, "other-office-headers")
        self._messy = messy
        self.birthday = self._draw("birthday")
        self.lunar_birthdays = any(word in self.birthday for word in _LUNAR_WORDS)
        self._solar_birthday = SOLAR_BIRTHDAY_HEADERS[self._rng.integers(0, len(SOLAR_BIRTHDAY_HEADERS))]

    def _draw(self, key: str) -> str:
        pool = OTHER_OFFICE_HEADERS.get(key) or OTHER_OFFICE_TRAPS[key]
        return str(pool[self._rng.integers(0, len(pool))])

    def spell(self, keys: Sequence[str], *, wrap: bool = True) -> list[str]:
        """One header per key, for one sheet; ``wrap=False`` for a CSV, which keeps no line breaks."""
        headers = []
        for key in keys:
            if key == "birthday":
                text = self._solar_birthday if self.lunar_birthdays else self.birthday
            elif key == "birthday_type" and self.lunar_birthdays:
                text = self.birthday
            else:
                text = self._draw(key)
            headers.append(self._wrap(text) if wrap else text)
        return headers

    def _wrap(self, text: str) -> str:
        """Messy sheets wrap some long headers inside the cell (首次\\n到访)."""
        wrap = self._rng.random() < _LINE_BREAK_SHARE
        if not self._messy or not wrap or len(text) < 4 or not text.isalpha():
            return text
        middle = len(text) // 2
        return f"{text[:middle]}\n{text[middle:]}"


def folded_lunar_text(leap: np.ndarray, month: np.ndarray, day: np.ndarray) -> list[str]:
    """八月廿九, 闰四月初八: a lunar birthday as an office with a 农历生日 column writes it."""
    return [f"{'闰' if lp else ''}{_LUNAR_MONTHS[m - 1]}月{lunar_day_name(d)}"
            for lp, m, d in zip(leap.tolist(), month.tolist(), day.tolist(), strict=True)]
