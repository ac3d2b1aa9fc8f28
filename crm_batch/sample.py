"""Sample registers (示例登记表): realistic, messy and reproducible.

Writes the three kinds of register a Chinese sales team really keeps:

- ``客户登记表.xlsx`` — 客户档案 (one row per registration, under a title row and
  a noisy header), 跟进记录 (contact log), 营销活动 (events) and a 说明 sheet
  that fits no role;
- ``意向客户管理卡.xlsx`` — the wide follow-up card, four contact groups per row
  under merged 初次/二次/三次/四次 labels;
- ``跟进日志.csv`` — a follow-up log kept in GB18030 by a team without a
  customer sheet.

Each file holds its own customers; together they hold ``customers`` distinct
people. Every column is drawn with numpy from one seed, one generator per
topic, so the same seed always gives the same cells. With ``messy=True`` each
kind of mess (dates as text or serials, phones as floats or full-width, rows
shifted by a garbled cell, duplicates, ownership conflicts, unlinkable
contacts…) lands on a small fraction of the rows and at least once, so a
60-customer sample already shows every problem the reader must handle.

    python -m crm_batch.sample --out sample_data --customers 200
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import sys
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xlsxwriter
from lunar_python import Lunar, LunarYear, Solar

from crm_batch.almanac import lunar_day_name
from crm_batch.fields import FIELDS

REGISTER_FILE = "客户登记表.xlsx"
CARD_FILE = "意向客户管理卡.xlsx"
LOG_FILE = "跟进日志.csv"
LOG_ENCODING = "gb18030"

CONTACT_WINDOW_DAYS = 120  # contacts fall in the last ~4 months before "today"
CARD_GROUPS = 4
# Above this many rows a workbook is streamed row by row (xlsxwriter constant_memory).
CONSTANT_MEMORY_ROWS = 20_000

STAGES = ("来电", "来访", "意向", "成交", "业主", "外拓", "战败")
_CALL, _VISIT, _INTENT, _SIGNED, _OWNER, _OUTREACH, _LOST = range(len(STAGES))
METHODS = ("电话", "短信", "微信", "来访", "拜访")
_EXCEL_EPOCH = np.datetime64("1899-12-30", "D")
_NAT = np.datetime64("NaT", "D")

# ------------------------------------------------------------------ word pools

_SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
    "苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史"
    "顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
)
_COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛")
_MALE_CHARS = ("伟强磊军洋勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆旭宁龙林阳"
               "建国峰志东海亮成兵文博昊哲")
_FEMALE_CHARS = "芳娜敏静丽艳娟霞秀玲桂英红梅琳雪婷慧颖倩洁佳燕丹萍蓉月琴云莉欣晶悦瑶怡璐琪"
_MOBILE_PREFIXES = np.array([130, 131, 132, 133, 135, 136, 137, 138, 139, 150, 151, 152, 153, 155,
                             156, 157, 158, 159, 166, 177, 180, 181, 182, 183, 185, 186, 187, 188,
                             189, 198, 199], dtype=np.int64)
_FULLWIDTH = str.maketrans({c: chr(ord(c) + 0xFEE0) for c in
                            "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"})
_LUNAR_MONTHS = ("正", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二")
_GARBLED = ("锟斤拷", "#REF!", "??", "烫烫烫", "#N/A")

def _w(text: str) -> tuple[str, ...]:
    """A word pool written as one string: split on ``|`` when present, else on spaces."""
    return tuple(w.strip() for w in text.split("|" if "|" in text else None) if w.strip())


_COMMON_POOLS: dict[str, tuple[str, ...]] = {
    "district": _w("城关区 高新区 经开区 滨江区 老城区 新城区 南湖区 北苑"),
    "estate": _w("锦绣花园 阳光小区 幸福里 翡翠城 金色家园 碧水湾 银河湾 桂花园 电力小区 "
                 "教师新村 东方明珠 世纪花城"),
    "family": _w("三口之家 夫妻二人 单身 三代同堂 二孩家庭 夫妻+老人 丁克"),
    "occupation": _w("公务员 教师 医生 私营业主 企业职员 个体 工程师 银行职员 自由职业 退休 "
                     "律师 销售"),
    "relations": _w("和睦 妻子做主 父母出资 夫妻共同决策 丈夫做主 子女决定"),
    "position": _w("职员 主管 经理 总监 老板 科长 处长 店长"),
    "income": _w("月入5千-1万 月入1-2万 月入2万以上 年收入30万以上 年收入50万以上 不详"),
    "character": _w("爽快 谨慎 犹豫 挑剔 理性 健谈 强势 随和"),
    "hobbies": _w("钓鱼 旅游 打麻将 跑步 书法 摄影 广场舞 打羽毛球 喝茶 登山"),
    "circle": _w("教育圈 医疗圈 商会 政府机关 企业主圈 老乡会 车友会"),
    "note": _w("周末有空 不要打电话，加微信 老业主推荐 晚上7点后联系 和爱人一起来的 "
               "资金在理财里，年底到期 对比过竞品"),
}
_SHORT_CONTENTS = _w("已联系 已回访 未接 在考虑 已发 有意向 再跟进 无")


@dataclass(frozen=True)
class _Preset:
    """How one trade writes its registers: words, grades, headers."""

    key: str
    label: str
    grades: tuple[str, ...]  # best first
    grade_p: tuple[float, ...]
    grade_notes: tuple[str, ...]  # the "(购买)" in "A类(购买)"
    stage_p: tuple[tuple[float, ...], ...]  # per grade, over STAGES
    mark_p: tuple[tuple[float, float, float], ...]  # per grade: 是, 部分, 否
    stage_words: tuple[tuple[str, ...], ...]  # per stage; the first is the clean spelling
    id_prefix: str
    card_prefix: str
    agent_word: str
    manager: str
    titles: tuple[str, str, str]  # register (.format(year, month)), contacts, card
    sheet_names: tuple[str, str, str]  # customers, contacts, events
    customer_columns: tuple[tuple[str, str], ...]  # (field key or special, messy header)
    contact_headers: tuple[str, ...]
    event_headers: tuple[str, ...]
    card_groups: tuple[str, ...]
    log_headers: tuple[str, ...]
    pools: dict[str, tuple[str, ...]]
    contents: dict[str, tuple[str, ...]]  # by method
    copy_paste: tuple[str, ...]
    lost_notes: tuple[str, ...]
    events: tuple[tuple[str, str, str], ...]  # name, type, target
    instructions: tuple[str, ...]
    thanks_sms: str  # after a visit (来访后30分钟内感谢短信)
    congrats_sms: str  # on the signing day
    purchase_windows: tuple[tuple[str, ...], ...] = ()  # per grade (auto)
    handover_days: tuple[int, int] = (90, 400)
    colours: tuple[str, ...] = ()


def _columns(text: str) -> tuple[tuple[str, str], ...]:
    """Customer-sheet columns as ``field=表头`` words; ``\\n`` is a line break in the header."""
    pairs = (word.split("=", 1) for word in text.split())
    return tuple((key, header.replace("\\n", "\n")) for key, header in pairs)


_CARD_HEADERS = _w("编号 顾客姓名 性别 电话 填卡人 建卡日期 资料来源 意向级别")
_CARD_SUB_HEADERS = _w("日期 级别判定 洽谈内容 下次访问时间")

_REAL_ESTATE = _Preset(
    key="real_estate",
    label="房地产",
    grades=("A", "B", "C", "D"),
    grade_p=(0.10, 0.25, 0.35, 0.30),
    grade_notes=_w("购买 意向 观望 无意向"),
    stage_p=(
        (0.05, 0.22, 0.38, 0.23, 0.12, 0.00, 0.00),
        (0.20, 0.38, 0.20, 0.12, 0.05, 0.05, 0.00),
        (0.30, 0.35, 0.05, 0.02, 0.05, 0.13, 0.10),
        (0.30, 0.20, 0.00, 0.00, 0.05, 0.20, 0.25),
    ),
    mark_p=((0.88, 0.10, 0.02), (0.60, 0.32, 0.08), (0.35, 0.40, 0.25), (0.12, 0.30, 0.58)),
    stage_words=(("来电",), ("来访", "到访"), ("意向", "准客户"), ("成交", "认购", "签约"),
                 ("业主", "老业主"), ("外拓", "拓客"), ("战败",)),
    id_prefix="KH",
    card_prefix="YXK",
    agent_word="置业顾问",
    manager="王经理",
    titles=("{year}年{month}月客户来访登记表", "客户跟进记录表", "意向客户管理卡"),
    sheet_names=("客户档案", "跟进记录", "营销活动"),
    customer_columns=_columns("""
        seq=序号 customer_id=客户编号 name=客户姓名(必填) gender=性别\\n(先生/女士) age=年龄
        phone=联系电话 agent=置业顾问 stage=客户类型 visits=来访次数
        registered_at=进店或来\\n电时间 source=信息来源 enquiry=咨询内容 address=联系地址
        family=家庭结构 occupation=职业 purpose=置业目的 needs=置业需求 living=居住状况
        property_history=置业历史 relations=家庭关系 position=职位 income=收入情况
        character=性格特征 hobbies=兴趣爱好 circle=圈层属性
        grade=意向等级：A（一个月内）、B（三个月内）、C、D likes_product=认同产品
        likes_price=认同价格 can_afford=购买能力 unit_chosen=意向落点
        deciders_visited=决策人来访 birthday=生日 birthday_type=生日类型 signed_at=成交日期
        contribution=贡献值 referred_visits=转介绍来访 referred_signups=转介绍办卡
        relationship=关系亲疏 lost_approved=战败审批 outreach_at=外拓日期
        staff_phone=负责人联系电话 party_size=来访人数 note=备注
    """),
    contact_headers=_w("客户编号 客户姓名 联系电话 跟进人 跟进时间 跟进方式 跟进内容 下次回访日期 "
                       "主管核查"),
    event_headers=_w("活动名称 活动日期 活动类型(答谢/营销) 邀约对象"),
    card_groups=_w("初次 二次 三次 四次"),
    log_headers=_w("姓名 电话 业务员 意向级别 跟进时间 跟进方式 跟进内容 下次跟进时间"),
    pools={
        "source": _w("朋友介绍 路过 网络(安居客) 网络(贝壳) 户外广告 报纸 短信 老带新 外拓派单 "
                     "电台 抖音 朋友圈"),
        "enquiry": _w("户型面积 价格优惠 交房时间 学区 车位 首付比例 物业费 周边配套 贷款政策 "
                      "样板间开放"),
        "purpose": _w("自住 改善 投资 婚房 学区 养老 为子女购房"),
        "needs": _w("三室两厅120㎡左右 两室89㎡ 四室143㎡ 洋房 高层中间楼层 低楼层带花园 小户型 "
                    "大平层"),
        "living": _w("租房 自有住房（老小区） 与父母同住 单位宿舍 自建房"),
        "property_history": _w("首次置业 二次置业 多次置业"),
        "contribution": _w("老带新1套 老带新2套 推荐3人到访 再购车位 推荐同事购房"),
    },
    contents={
        "电话": _w("电话回访，客户最近比较忙，约周末再来看房 "
                   "邀约周六来售楼处参加暖场活动，客户答应考虑 "
                   "客户询问首付比例和贷款政策，已详细解答 "
                   "告知本周特价房源信息，客户表示要和家人商量 "
                   "客户对价格有顾虑，希望再优惠一点 电话未接通，稍后再联系 "
                   "客户在对比周边两个楼盘，重点关注学区 提醒客户认购后尽快补齐按揭资料 "
                   "确认客户下周二来签约 客户说暂时不考虑，等年底再看"),
        "短信": _w("发送本月优惠信息短信 发送项目开放日邀请短信 发送天气降温关怀短信 "
                   "发送工程进度短信"),
        "微信": _w("微信发送户型图和一房一价表 微信沟通贷款方案，客户已读未回 "
                   "朋友圈互动，客户点赞了项目实景图 微信发送样板间视频，客户比较感兴趣 "
                   "客户微信咨询车位价格"),
        "来访": _w("客户携家人二次到访，重点看了三房样板间，对价格还有顾虑 "
                   "客户到访看了工地实景，比较满意，准备下周定 "
                   "带客户看了样板间和园林，客户关注物业费 客户来售楼处交认购金 "
                   "客户带父母来看房，老人比较喜欢低楼层"),
        "拜访": _w("上门拜访送业主节日礼品 到客户单位拜访，递交项目资料 "
                   "上门回访业主，了解入住后情况"),
    },
    copy_paste=_w("客户对项目整体比较满意，还在和其他楼盘比较，约周末带家人再来看看。 "
                  "已电话回访，客户表示近期没有购房计划，后期继续跟进。 "
                  "向客户介绍了项目最新优惠政策，客户表示会考虑。"),
    thanks_sms="感谢来访短信：感谢您今天莅临售楼处，有任何问题随时联系我",
    congrats_sms="恭喜您喜得新居！签约后的手续我会全程跟进，有事随时找我",
    lost_notes=_w("申请战败：客户已在别的楼盘购房 申请战败：客户资金不足，暂不购房 "
                  "申请战败：电话多次未接，号码已停机"),
    events=(("业主答谢晚宴", "答谢", "成交客户、业主"), ("年终感恩品鉴会", "营销", "全部客户"),
            ("周末暖场活动（DIY手工）", "营销", "意向客户、来访客户"),
            ("新品加推开盘", "营销", "A、B类客户"), ("老带新推介会", "答谢", "业主"),
            ("工地开放日", "营销", "全部客户")),
    instructions=("填表说明", "1. 本表由置业顾问每天下班前更新，经理每周五检查。",
                  "2. 客户姓名、联系电话必须填写，电话填写11位手机号码。",
                  "3. 意向等级按公司《意向客户分级标准》判定，每周复核一次。",
                  "4. 跟进记录请写清楚沟通内容，不要只写“已联系”。",
                  "5. 战败客户须经销售经理审批。"),
)

_AUTO_DEALER = _Preset(
    key="auto_dealer",
    label="汽车4S店",
    grades=("H", "A", "B", "C"),
    grade_p=(0.08, 0.20, 0.35, 0.37),
    grade_notes=_w("订车 本月 三个月内 观望"),
    stage_p=(
        (0.05, 0.25, 0.30, 0.35, 0.05, 0.00, 0.00),
        (0.10, 0.35, 0.30, 0.10, 0.10, 0.05, 0.00),
        (0.25, 0.35, 0.10, 0.03, 0.07, 0.12, 0.08),
        (0.30, 0.20, 0.02, 0.00, 0.08, 0.20, 0.20),
    ),
    mark_p=((0.90, 0.08, 0.02), (0.75, 0.20, 0.05), (0.50, 0.35, 0.15), (0.25, 0.40, 0.35)),
    stage_words=(("来电",), ("到店", "来店"), ("意向", "准客户"), ("订车", "成交"),
                 ("车主", "已交车"), ("外拓",), ("战败",)),
    id_prefix="YX",
    card_prefix="A",
    agent_word="销售顾问",
    manager="张经理",
    titles=("{year}年{month}月展厅来店（电）客户登记表", "客户回访记录表", "意向客户管理卡（A卡）"),
    sheet_names=("来店登记", "回访记录", "市场活动"),
    customer_columns=_columns("""
        seq=序号 customer_id=客户编号 name=客户姓名(必填) gender=性别 age=年龄 phone=手机号码
        agent=销售顾问 stage=客户状态 visits=到店次数 registered_at=进店或来\\n电时间
        source=获知途径 enquiry=咨询问题 address=居住区域 family=家庭成员 occupation=从事行业
        purpose=购车用途 needs=意向车型及颜色 living=现有车辆 relations=家庭关系 position=职务
        income=年收入 character=性格 hobbies=爱好 circle=圈层
        grade=意向级别：H（7日内）、A（一个月内）、B（三个月内）、C（三个月以上）
        purchase_window=预计购车时间 likes_product=认同产品 likes_price=认同价格
        can_afford=支付能力 deciders_visited=决策人是否来访 birthday=出生日期
        birthday_type=生日类型 signed_at=订车日期 handover_at=交车日期 contribution=老带新
        referred_visits=推荐来访数 referred_signups=推荐办卡数 relationship=熟悉程度
        lost_approved=战败审核 outreach_at=拓客日期 staff_phone=销售顾问电话
        party_size=随行人数 note=备注
    """),
    contact_headers=_w("客户编号 客户名称 手机 回访人 回访时间 回访方式 回访内容 下次回访时间 "
                       "核查结果"),
    event_headers=_w("活动主题 活动时间 活动类别 通知对象"),
    card_groups=_w("第1次 第2次 第3次 第4次"),
    log_headers=_w("客户 联系方式 销售员 客户级别 跟进日期 沟通方式 沟通内容 下次联系时间"),
    pools={
        "source": _w("汽车之家 懂车帝 易车网 朋友介绍 路过进店 老客户推荐 车展 抖音直播 外拓"),
        "enquiry": _w("裸车价 贷款方案 置换补贴 保险 提车时间 配置 试驾"),
        "purpose": _w("代步 家用 商务 接送孩子 换购 增购"),
        "needs": _w("朗逸 1.5L|速腾 280TSI|途观L 330|帕萨特 330豪华版|宝来|探岳|ID.4"),
        "living": _w("无 有一辆老款捷达 电动车 置换中 公司配车"),
        "contribution": _w("推荐1位朋友购车 推荐2人到店 增购1台 介绍同事试驾"),
    },
    colours=(" 白色", " 黑色", " 灰色", " 蓝色", ""),
    contents={
        "电话": _w("电话邀约客户周末到店试驾 客户询问贷款方案和首付，已报价 "
                   "告知本月店内促销政策，客户说再比较一下 客户在对比竞品，重点关注油耗和空间 "
                   "电话未接通，稍后再联系 提醒客户订车后准备提车资料 "
                   "客户嫌裸车价贵，要求送保养 确认客户周六来店签合同"),
        "短信": _w("发送试驾邀约短信 发送本月团购会邀请短信 发送保养提醒短信"),
        "微信": _w("微信发送车型配置表和报价单 微信发送金融方案，客户已读未回 "
                   "微信发送新车实拍视频 客户微信咨询置换补贴"),
        "来访": _w("客户到店试驾，对动力比较满意，价格还在犹豫 客户带家人到店看车，关注后排空间 "
                   "客户到店交定金 客户二次到店谈价格，差价3000元"),
        "拜访": _w("上门拜访送车主礼品 到客户单位拜访，递交车型资料"),
    },
    copy_paste=_w("已电话回访，客户表示近期没有购车计划，后期继续跟进。 "
                  "向客户介绍了本月促销政策，客户表示会考虑。 "
                  "客户对车型比较满意，还在和其他品牌比较，约周末再来试驾。"),
    thanks_sms="感谢到店短信：感谢您今天光临本店，有任何问题随时联系我",
    congrats_sms="恭喜您喜提爱车！上牌、保险我会全程跟进，有事随时找我",
    lost_notes=_w("申请战败：客户已购买其他品牌 申请战败：客户预算不足，暂缓购车 "
                  "申请战败：电话多次未接，号码已停机"),
    events=(("新车上市发布会", "营销", "全部客户"), ("周末试驾会", "营销", "意向客户"),
            ("车主答谢会", "答谢", "车主"), ("店庆团购会", "营销", "H、A、B级客户"),
            ("免费检测服务日", "答谢", "车主"), ("自驾游车友活动", "答谢", "车主、老客户")),
    instructions=("填表说明", "1. 本表由销售顾问每天下班前更新，展厅经理每周五检查。",
                  "2. 客户姓名、手机号码必须填写。", "3. 意向级别按HABC标准判定，每次回访后更新。",
                  "4. 回访记录请写清楚沟通内容，不要只写“已联系”。",
                  "5. 战败客户须经展厅经理审核。"),
    purchase_windows=(_w("7天内 本周 3天内"), _w("一个月内 本月 月底前"),
                      _w("1-3个月 两个月内 三个月内"), _w("三个月以上 半年内 年底 不确定")),
    handover_days=(3, 30),
)

PRESETS: dict[str, _Preset] = {p.key: p for p in (_REAL_ESTATE, _AUTO_DEALER)}

# ------------------------------------------------------------------ written forms
# How often each written form of a value appears when messy; the first form is the tidy one.

_DATE_FORMS = {"cell": 0.84, "slash": 0.04, "dash": 0.04, "cn": 0.03, "month_day": 0.015,
               "compact": 0.015, "serial": 0.02}
_PHONE_FORMS = {"text": 0.82, "float": 0.06, "spaced": 0.02, "dashed": 0.02, "plus86": 0.02,
                "fullwidth": 0.015, "tab": 0.025, "two": 0.01, "invalid": 0.01}
_GRADE_FORMS = {"plain": 0.72, "class": 0.10, "note": 0.08, "lower": 0.04, "fullwidth": 0.03,
                "spaces": 0.03}
# Variant spellings of a canonical word, by position, and how often each position is used.
_GENDER_WORDS = {"男": ("男", "先生", "M", 1), "女": ("女", "女士", "F", 2)}
_GENDER_P = (0.60, 0.30, 0.05, 0.05)
_MARK_WORDS = {"是": ("是", "√", "✓", "Y", 1, "有"), "否": ("否", "×", "无", "N", 0, "否"),
               "部分": ("部分", "一般", "部分", "一般", "部分", "一般")}
_MARK_P = (0.70, 0.08, 0.06, 0.06, 0.05, 0.05)
_METHOD_WORDS = {"电话": ("电话", "去电", "来电"), "拜访": ("拜访", "上门", "主动拜访")}
_METHOD_P = (0.5, 0.35, 0.15)
_MARK_KEYS = ("likes_product", "likes_price", "can_afford", "unit_chosen", "deciders_visited")


# ------------------------------------------------------------------ helpers


def _rng(seed: int, topic: str) -> np.random.Generator:
    """One generator per topic, so adding a column never reshuffles the others."""
    return np.random.default_rng([seed, zlib.crc32(topic.encode())])


def _at_least_one(n: int, share: float) -> int:
    return min(n, max(1, round(n * share))) if n else 0


def _pick(rng: np.random.Generator, pool: Sequence, n: int) -> np.ndarray:
    return np.asarray(pool, dtype=object)[rng.integers(0, len(pool), n)]


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


def _disjoint_picks(rng: np.random.Generator, pool: np.ndarray, sizes: Sequence[int]):
    """Disjoint random subsets of ``pool`` (smaller ones when the pool runs out)."""
    order = rng.permutation(pool)
    bounds = np.cumsum([0, *sizes])
    return [order[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


def _days(values: np.ndarray) -> np.ndarray:
    return np.asarray(values).astype("timedelta64[D]")


def _year_start(years: np.ndarray) -> np.ndarray:
    return (years - 1970).astype("datetime64[Y]").astype("datetime64[D]")


def _names(rng: np.random.Generator, male: np.ndarray) -> np.ndarray:
    """Chinese names: a common surname (rarely a compound one), one or two given characters."""
    n = len(male)
    surnames = np.array([*_SURNAMES, *_COMPOUND_SURNAMES])
    weights = 1.0 / (np.arange(len(surnames)) + 4.0)
    weights[-len(_COMPOUND_SURNAMES):] = 0.002
    surname = surnames[rng.choice(len(surnames), size=n, p=weights / weights.sum())]
    male_chars, female_chars = np.array(list(_MALE_CHARS)), np.array(list(_FEMALE_CHARS))

    def given() -> np.ndarray:
        return np.where(male, male_chars[rng.integers(0, len(male_chars), n)],
                        female_chars[rng.integers(0, len(female_chars), n)])

    first, second = given(), given()
    two = rng.random(n) < 0.7
    return np.char.add(surname, np.where(two, np.char.add(first, second), first)).astype(object)


class _PhoneBook:
    """Unique 11-digit mobiles, handed out in order so every caller gets fresh ones."""

    def __init__(self, rng: np.random.Generator, size: int) -> None:
        self._rng = rng
        self._numbers = self._grow(np.empty(0, dtype=np.int64), size)
        self._next = 0

    def _grow(self, existing: np.ndarray, extra: int) -> np.ndarray:
        wanted = len(existing) + extra
        out = existing
        while len(out) < wanted:
            k = int((wanted - len(out)) * 1.1) + 16
            prefixes = _MOBILE_PREFIXES[self._rng.integers(0, len(_MOBILE_PREFIXES), k)]
            merged = np.concatenate([out, prefixes * 10**8 + self._rng.integers(0, 10**8, k)])
            _, first = np.unique(merged, return_index=True)
            out = merged[np.sort(first)][:wanted]
        return out

    def take(self, k: int) -> np.ndarray:
        if self._next + k > len(self._numbers):
            self._numbers = self._grow(self._numbers, k + 1000)
        self._next += k
        return self._numbers[self._next - k:self._next]


# ------------------------------------------------------------------ the customers


def _part_sizes(customers: int) -> tuple[int, int, int]:
    """(register, card, log): the card and the log each hold ~10 % of the customers, min 5."""
    side = max(round(customers * 0.1), min(5, customers // 5))
    return customers - 2 * side, side, side


def _agents(seed: int, customers: int, book: _PhoneBook) -> tuple[np.ndarray, np.ndarray]:
    """4–12 agents (经纪人/置业顾问/销售顾问) and their own phones."""
    rng = _rng(seed, "agents")
    wanted = int(np.clip(customers // 20, 4, 12))
    names: list[str] = []
    while len(names) < wanted:
        names += [x for x in dict.fromkeys(_names(rng, rng.random(wanted) < 0.5)) if x not in names]
    return np.asarray(names[:wanted], dtype=object), book.take(wanted)


def _draw_customers(
    n: int, preset: _Preset, today: dt.date, seed: int, n_agents: int, book: _PhoneBook,
    in_register: np.ndarray,
) -> dict[str, np.ndarray]:
    """The truth about every customer, one array per attribute (None/NaT = not recorded)."""
    rng = _rng(seed, "customers")
    today64 = np.datetime64(today, "D")
    male = rng.random(n) < 0.56
    c: dict[str, np.ndarray] = {
        "name": _names(rng, male),
        "phone": book.take(n),
        "age": np.clip(np.rint(rng.normal(40, 9, n)), 25, 65).astype(np.int64),
        "agent": rng.choice(n_agents, size=n, p=rng.dirichlet(np.full(n_agents, 4.0))),
    }
    diligence = rng.uniform(0.75, 1.15, n_agents)[c["agent"]]
    grade = rng.choice(len(preset.grades), size=n, p=preset.grade_p)
    stage = np.empty(n, dtype=np.int64)
    for g, probs in enumerate(preset.stage_p):
        stage[grade == g] = rng.choice(len(STAGES), size=int((grade == g).sum()), p=probs)
    owners = np.isin(stage, (_SIGNED, _OWNER))
    c.update(grade_idx=grade, stage=stage, grade=np.asarray(preset.grades, dtype=object)[grade])
    c["stage_word"] = np.asarray([preset.stage_words[s][w % len(preset.stage_words[s])]
                                  for s, w in zip(stage, rng.integers(0, 6, n), strict=True)],
                                 dtype=object)
    visits = np.select(
        [stage == _VISIT, stage == _INTENT, owners, stage == _LOST],
        [np.where(rng.random(n) < 0.75, rng.integers(1, 3, n), rng.integers(3, 6, n)),
         rng.integers(2, 7, n), rng.integers(2, 8, n), rng.integers(0, 4, n)],
        0,
    )
    c["visits"] = visits

    def ago(lo: int, hi: int, skew: float = 1.6) -> np.ndarray:  # skewed towards recent
        return lo + ((hi - lo) * rng.random(n) ** skew).astype(np.int64)

    signed_ago = np.where(stage == _OWNER, ago(200, 1500, 1.0), ago(1, 200))
    c["signed_at"] = np.where(owners, today64 - _days(signed_ago), _NAT)
    reg_ago = np.select(
        [stage == _CALL, stage == _VISIT, stage == _INTENT, stage == _OUTREACH, stage == _LOST],
        [ago(0, 150), ago(0, 240), ago(3, 240), ago(0, 45), ago(30, 400, 1.0)],
        signed_ago + rng.integers(7, 120, n),
    )
    c["registered_at"] = today64 - _days(reg_ago)
    handover = c["signed_at"] + _days(rng.integers(*preset.handover_days, n))
    c["handover_at"] = np.where((stage == _OWNER) & (handover < today64), handover, _NAT)
    c["outreach_at"] = np.where(stage == _OUTREACH, c["registered_at"], _NAT)

    # Completeness follows the stage (资料建档): first call, 1–2 visits, 3+ visits, owners.
    tier = np.select([np.isin(stage, (_CALL, _OUTREACH)), visits <= 2, ~owners], [0, 1, 2], 3)
    complete = owners & (rng.random(n) < 0.55)

    def filled(probs: tuple[float, float, float, float]) -> np.ndarray:
        return complete | (rng.random(n) < np.asarray(probs)[tier] * diligence)

    def column(pool: Sequence[str], probs: tuple[float, float, float, float]) -> np.ndarray:
        return np.where(filled(probs), _pick(rng, pool, n), None)

    first_call, basic = (0.9, 0.95, 0.97, 0.98), (0.12, 0.5, 0.85, 0.95)
    deep = (0.03, 0.15, 0.7, 0.92)
    pools = {**_COMMON_POOLS, **preset.pools}
    c["gender"] = np.where(filled(first_call), np.where(male, "男", "女").astype(object), None)
    c["source"] = column(pools["source"], first_call)
    c["enquiry"] = column(pools["enquiry"], first_call)
    for key in ("family", "occupation", "purpose", "needs"):
        c[key] = column(pools[key], basic)
    for key in ("living", "property_history", "relations", "position", "income", "character",
                "hobbies", "circle"):
        c[key] = column(pools[key], deep) if key in pools else np.full(n, None, dtype=object)
    address = np.char.add(np.char.add(_pick(rng, pools["district"], n).astype(str),
                                      _pick(rng, pools["estate"], n).astype(str)),
                          np.char.add(rng.integers(1, 30, n).astype(str), "栋"))
    c["address"] = np.where(filled(basic), address.astype(object), None)
    if preset.colours:
        wanted = np.flatnonzero(c["needs"] != None)  # noqa: E711 (elementwise)
        c["needs"][wanted] = c["needs"][wanted] + _pick(rng, preset.colours, len(wanted))
    c["age_shown"] = np.where(filled(basic), c["age"].astype(object), None)
    c["grade_shown"] = np.where(rng.random(n) < 0.96, c["grade"], None)
    if preset.purchase_windows:
        windows = np.array([_pick(rng, w, n) for w in preset.purchase_windows])
        c["purchase_window"] = np.where(filled(first_call), windows[grade, np.arange(n)], None)

    # Criteria marks (认同产品…), consistent-ish with the grade; buyers mostly 是.
    assessed = np.select([tier == 0, owners], [0.25, 0.95], 0.9)
    cumulative = np.cumsum(np.asarray(preset.mark_p), axis=1)[np.where(owners, 0, grade)]
    for key in _MARK_KEYS:
        word = np.asarray(("是", "部分", "否"), dtype=object)[
            np.minimum((rng.random(n)[:, None] > cumulative).sum(axis=1), 2)]
        c[key] = np.where(rng.random(n) < assessed, word, None)

    _draw_birthdays(c, rng, stage, today, in_register)
    _draw_referrals(c, rng, owners, grade, filled(deep), pools["contribution"])
    roll = rng.random(n)
    c["lost_approved"] = np.where(stage != _LOST, None,
                                  np.where(roll < 0.55, "是", np.where(roll < 0.9, None, "否")))
    c["note"] = np.where(rng.random(n) < 0.1, _pick(rng, _COMMON_POOLS["note"], n), None)
    c["party_size"] = np.where(visits > 0, rng.integers(1, 6, n).astype(object), None)
    return c


def _draw_referrals(c: dict[str, np.ndarray], rng: np.random.Generator, owners: np.ndarray,
                    grade: np.ndarray, filled: np.ndarray, pool: Sequence[str]) -> None:
    """Referrals (转介绍) by buyers, with a few 老母鸡 and 小母鸡 key accounts; relationship."""
    n = len(owners)
    referred = np.where(owners & (rng.random(n) < 0.5), rng.poisson(1.0, n), -1)
    signups = np.where(referred > 0, rng.integers(0, 2, n), np.where(referred == 0, 0, -1))
    owner_idx = np.flatnonzero(owners)
    hen, chick = _disjoint_picks(rng, owner_idx, (_at_least_one(len(owner_idx), 0.01),
                                                  _at_least_one(len(owner_idx), 0.02)))
    referred[hen], signups[hen] = rng.integers(20, 35, len(hen)), rng.integers(10, 16, len(hen))
    referred[chick] = rng.integers(10, 20, len(chick))
    signups[chick] = rng.integers(5, 10, len(chick))
    c["referred_visits"] = np.where(referred >= 0, referred.astype(object), None)
    c["referred_signups"] = np.where(signups >= 0, signups.astype(object), None)
    c["contribution"] = np.where(owners & filled, _pick(rng, pool, n), None)
    c["contribution"][hen] = [f"推荐到访{v}组，办卡{s}张"
                              for v, s in zip(referred[hen], signups[hen], strict=True)]
    close = rng.random(n) < np.where(grade == 0, 0.45, 0.15)
    relation = np.where(close, "关系很好", np.where(rng.random(n) < 0.7, "一般", "疏远"))
    c["relationship"] = np.where(owners | (rng.random(n) < 0.5), relation.astype(object), None)


def _draw_birthdays(c: dict[str, np.ndarray], rng: np.random.Generator, stage: np.ndarray,
                    today: dt.date, in_register: np.ndarray) -> None:
    """~70 % have a birthday; a fifth of those keep it in the lunar calendar (农历).

    A few registered customers get one this ISO week or next, so the week has some."""
    n = len(stage)
    has = rng.random(n) < np.select([np.isin(stage, (_SIGNED, _OWNER)), stage == _CALL,
                                     stage == _OUTREACH], [0.95, 0.45, 0.4], 0.72)
    lunar = has & (rng.random(n) < 0.2)
    solar = has & ~lunar
    year = today.year - c["age"] - (rng.random(n) < 0.5)
    leap_year = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    offset = (rng.random(n) * (365 + leap_year)).astype(np.int64)
    solar_date = np.where(solar, _year_start(year) + _days(offset), _NAT)

    week_start = today - dt.timedelta(days=today.weekday())
    solar_idx = np.flatnonzero(solar & in_register)
    picks = _disjoint_picks(rng, solar_idx, (max(2, round(0.02 * len(solar_idx))),) * 2)
    for week, chosen in enumerate(picks):
        for i, shift in zip(chosen, rng.integers(0, 7, len(chosen)), strict=True):
            target = week_start + dt.timedelta(days=7 * week + int(shift))
            y = int(year[i]) - (int(year[i]) % 4 if (target.month, target.day) == (2, 29) else 0)
            solar_date[i] = np.datetime64(dt.date(y, target.month, target.day), "D")

    leap_months = {y: LunarYear.fromYear(y).getLeapMonth()
                   for y in range(int(year.min()), int(year.max()) + 1)}
    month = rng.integers(1, 13, n)
    day = np.where(rng.random(n) < 0.06, 30, rng.integers(1, 30, n))
    year_leap = np.array([leap_months[y] for y in year.tolist()])
    leap = lunar & (year_leap > 0) & (rng.random(n) < 0.3)
    month = np.where(leap, year_leap, month)
    lunar_idx = np.flatnonzero(lunar)
    if len(lunar_idx) and not leap.any():
        # Keep one 闰月 birthday, in the leap year nearest the customer's own.
        i = lunar_idx[0]
        ly = min((y for y, m in leap_months.items() if m), key=lambda y: abs(y - int(year[i])))
        year[i], month[i], leap[i] = ly, leap_months[ly], True
    plain = lunar_idx[~leap[lunar_idx] & in_register[lunar_idx]]
    if len(plain):
        # And one lunar birthday in this ISO week.
        for shift in range(7):
            d = week_start + dt.timedelta(days=shift)
            lunar_date = Solar.fromYmd(d.year, d.month, d.day).getLunar()
            if lunar_date.getMonth() > 0:
                month[plain[-1]], day[plain[-1]] = lunar_date.getMonth(), lunar_date.getDay()
                break
    c.update(birth_solar=solar_date, birth_lunar=lunar, birth_year=year, lunar_month=month,
             lunar_day=day, lunar_leap=leap)


# ------------------------------------------------------------------ the contacts


def _greeting_days(start: dt.date, end: dt.date) -> list[tuple[dt.date, str]]:
    """Holidays (solar and lunar) and solar terms (节气) from start to end, inclusive."""
    days: dict[dt.date, str] = {}
    for year in range(start.year - 1, end.year + 1):
        for month, day, name in ((1, 1, "元旦"), (5, 1, "劳动节"), (6, 1, "儿童节"),
                                 (10, 1, "国庆节")):
            days[dt.date(year, month, day)] = name
        for month, day, name in ((1, 1, "春节"), (1, 15, "元宵节"), (5, 5, "端午节"),
                                 (7, 7, "七夕"), (8, 15, "中秋节"), (9, 9, "重阳节")):
            solar = Lunar.fromYmd(year, month, day).getSolar()
            days[dt.date(solar.getYear(), solar.getMonth(), solar.getDay())] = name
        for name, solar in Lunar.fromYmd(year, 6, 1).getJieQiTable().items():
            if not name.isascii():  # the table also keys neighbouring years' terms in pinyin
                days.setdefault(dt.date(solar.getYear(), solar.getMonth(), solar.getDay()), name)
    return sorted((d, name) for d, name in days.items() if start <= d <= end)


def _contact_counts(rng: np.random.Generator, c: dict[str, np.ndarray], part: np.ndarray,
                    per_customer: float) -> np.ndarray:
    """Contacts per customer: more for high grades; 1–4 on a card; at least 1 in the log."""
    n = len(part)
    weight = (np.array([2.5, 1.5, 0.8, 0.4])[c["grade_idx"]]
              * np.array([1.0, 1.2, 1.5, 0.8, 0.6, 0.8, 0.3])[c["stage"]])
    counts = np.zeros(n, dtype=np.int64)
    card, log, main = part == 1, part == 2, part == 0
    counts[card] = rng.choice([1, 2, 3, 4], size=int(card.sum()), p=[0.3, 0.3, 0.25, 0.15])
    if log.any():
        counts[log] = np.maximum(1, rng.poisson(per_customer * weight[log] / weight[log].mean()))
    target = max(0, round(n * per_customer) - int(counts[card].sum() + counts[log].sum()))
    if main.any():
        counts[main] = rng.poisson(target * weight[main] / weight[main].sum())
    # Declaring a customer lost (申请战败) is itself a follow-up.
    lost = main & (c["stage"] == _LOST)
    counts[lost] = np.maximum(counts[lost], 1)
    return counts


def _draw_contacts(
    c: dict[str, np.ndarray], part: np.ndarray, preset: _Preset, today: dt.date, seed: int,
    per_customer: float, n_agents: int,
) -> dict[str, np.ndarray]:
    """Every follow-up (跟进): who, when, how, what, and the one planned next."""
    rng = _rng(seed, "contacts")
    today64 = np.datetime64(today, "D")
    stage, main = c["stage"], part == 0
    counts = _contact_counts(rng, c, part, per_customer)
    who = np.repeat(np.arange(len(part)), counts)
    m = len(who)

    window_start = today64 - np.timedelta64(CONTACT_WINDOW_DAYS, "D")
    lo = np.where(part == 2, window_start, np.maximum(c["registered_at"], window_start))[who]
    day = lo + _days((rng.random(m) * ((today64 - lo).astype(np.int64) + 1)).astype(np.int64))
    # A card's groups are successive talks from the day the card was opened.
    first = np.r_[0, np.cumsum(counts)[:-1]][who]
    gaps = np.where(np.arange(m) == first, 0, rng.integers(2, 21, m))
    on_card = (part == 1)[who]
    card_day = np.minimum(c["registered_at"][who] + _days(_group_cumsum(gaps, first)), today64)
    day = np.where(on_card, card_day, day)

    method = np.select(
        [np.isin(stage, (_CALL, _OUTREACH))[who], np.isin(stage, (_SIGNED, _OWNER))[who]],
        [rng.choice(5, m, p=[0.6, 0.2, 0.2, 0.0, 0.0]),
         rng.choice(5, m, p=[0.35, 0.3, 0.25, 0.02, 0.08])],
        rng.choice(5, m, p=[0.45, 0.15, 0.22, 0.14, 0.04]),
    )
    minute = np.where(method == METHODS.index("来访"), rng.integers(10 * 60, 17 * 60, m),
                      rng.integers(9 * 60, 20 * 60 + 30, m))
    content = np.empty(m, dtype=object)
    for k, word in enumerate(METHODS):
        content[method == k] = _pick(rng, preset.contents[word], int((method == k).sum()))
    methods = np.asarray(METHODS, dtype=object)[method]

    # Thin notes (已联系), one text pasted across customers, greetings on holidays.
    free = np.flatnonzero(~on_card)
    short, pasted, greeting = _disjoint_picks(
        rng, free, (_at_least_one(m, 0.08), _at_least_one(m, 0.06), _at_least_one(m, 0.03)))
    content[short] = _pick(rng, _SHORT_CONTENTS, len(short))
    content[pasted] = _pick(rng, preset.copy_paste, len(pasted))
    days = _greeting_days(today - dt.timedelta(days=CONTACT_WINDOW_DAYS), today)
    if days and len(greeting):
        chosen = rng.integers(0, len(days), len(greeting))
        on = np.array([np.datetime64(days[k][0], "D") for k in chosen])
        ok = on >= lo[greeting]
        greeting, chosen = greeting[ok], chosen[ok]
        day[greeting] = on[ok]
        methods[greeting] = np.where(rng.random(len(greeting)) < 0.6, "短信", "微信")
        content[greeting] = [f"{days[k][1]}祝福：祝您{days[k][1]}快乐，阖家幸福！" for k in chosen]

    # Courtesy SMS the standards time: a thank-you after a visit, a congratulation on signing.
    thanks = np.flatnonzero((methods == "来访") & main[who] & (rng.random(m) < 0.5))
    signing = np.flatnonzero(main & (c["signed_at"] >= window_start)
                             & (rng.random(len(part)) < 0.7))
    who = np.concatenate([who, who[thanks], signing])
    day = np.concatenate([day, day[thanks], c["signed_at"][signing]])
    minute = np.concatenate([minute, minute[thanks] + rng.integers(5, 90, len(thanks)),
                             rng.integers(15 * 60, 20 * 60, len(signing))])
    methods = np.concatenate([methods, np.full(len(thanks) + len(signing), "短信", dtype=object)])
    content = np.concatenate([content, np.full(len(thanks), preset.thanks_sms, dtype=object),
                              np.full(len(signing), preset.congrats_sms, dtype=object)])

    at = day.astype("datetime64[m]") + minute.astype("timedelta64[m]")
    order = np.lexsort((at, who))
    who, at, methods, content = who[order], at[order], methods[order], content[order]
    m = len(who)
    starts = np.r_[True, who[1:] != who[:-1]] if m else np.zeros(0, dtype=bool)
    last = np.r_[starts[1:], True] if m else starts
    rank = np.arange(m) - np.maximum.accumulate(np.where(starts, np.arange(m), 0))
    # The grade written at each contact: today's grade, sometimes a notch lower earlier on.
    grade = c["grade_idx"][who]
    contact_grade = np.minimum(grade + ((~last) & (rng.random(m) < 0.35)), len(preset.grades) - 1)

    nxt = np.where(rng.random(m) < np.where(last & (grade <= 1), 0.6, 0.25),
                   at.astype("datetime64[D]") + _days(rng.integers(1, 15, m)), _NAT)
    week_start = np.datetime64(today - dt.timedelta(days=today.weekday()), "D")
    recent = np.flatnonzero(at.astype("datetime64[D]") >= week_start - np.timedelta64(14, "D"))
    planned = rng.choice(recent, size=_at_least_one(len(recent), 0.1), replace=False)
    nxt[planned] = np.maximum(at[planned].astype("datetime64[D]") + np.timedelta64(1, "D"),
                              week_start + _days(rng.integers(0, 7, len(planned))))

    # What a manager's check (主管核查) found: verified, a fake follow-up, a fake 战败.
    verification = np.where(rng.random(m) < 0.04, "已核实", None).astype(object)
    main_rows = np.flatnonzero(main[who])
    verification[rng.choice(main_rows, size=_at_least_one(len(main_rows), 0.01),
                            replace=False)] = "虚假跟进"
    lost = np.flatnonzero(last & (stage[who] == _LOST) & main[who])
    content[lost] = _pick(rng, preset.lost_notes, len(lost))
    verification[rng.choice(lost, size=_at_least_one(len(lost), 0.1), replace=False)] = "虚假战败"

    # A colleague sometimes covers a call; cards and the log are kept by the owner alone.
    agent = c["agent"][who].copy()
    covered = (rng.random(m) < 0.03) & main[who]
    agent[covered] = (agent[covered] + rng.integers(1, max(n_agents, 2), int(covered.sum()))
                      ) % n_agents
    return {"who": who, "at": at, "method": methods, "content": content, "next": nxt,
            "verification": verification, "agent": agent, "grade_idx": contact_grade,
            "rank": rank}


def _group_cumsum(values: np.ndarray, group_start: np.ndarray) -> np.ndarray:
    """Running sum of ``values`` restarting at each group's first element."""
    total = np.cumsum(values)
    return total - total[group_start] + values[group_start]


# ------------------------------------------------------------------ written forms


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


# ------------------------------------------------------------------ the files


@dataclass
class _Sample:
    """Everything one generate() call draws, before it is written."""

    preset: _Preset
    today: dt.date
    seed: int
    messy: bool
    agents: np.ndarray
    agent_phones: np.ndarray
    customers: dict[str, np.ndarray]
    part: np.ndarray  # per customer: 0 register, 1 card, 2 log
    contacts: dict[str, np.ndarray]
    book: _PhoneBook

    def rng(self, topic: str) -> np.random.Generator:
        return _rng(self.seed, topic)


class _Book:
    """One xlsxwriter workbook with the few formats a register uses."""

    def __init__(self, path: Path, rows: int, today: dt.date) -> None:
        self.book = xlsxwriter.Workbook(str(path), {
            "constant_memory": rows > CONSTANT_MEMORY_ROWS,
            "strings_to_formulas": False,  # a name like =HYPERLINK(...) stays text
            "strings_to_urls": False,
            "default_date_format": "yyyy/m/d",
        })
        self.book.set_properties({"created": dt.datetime.combine(today, dt.time())})
        self.title = self.book.add_format({"bold": True, "font_size": 14, "align": "center"})
        self.header = self.book.add_format({"bold": True, "text_wrap": True, "border": 1,
                                            "align": "center", "valign": "vcenter",
                                            "bg_color": "#DDEBF7"})
        self.datetime = self.book.add_format({"num_format": "yyyy/m/d h:mm"})

    def sheet(self, name: str, widths: Sequence[float]):
        sheet = self.book.add_worksheet(name)
        sheet.add_write_handler(dt.datetime, self._write_datetime)
        for col, width in enumerate(widths):
            sheet.set_column(col, col, width)
        return sheet

    def _write_datetime(self, sheet, row, col, value, cell_format=None):
        return sheet.write_datetime(row, col, value, cell_format or self.datetime)

    def header_row(self, sheet, row: int, headers: Sequence[str]) -> None:
        sheet.write_row(row, 0, headers, self.header)
        if any("\n" in h for h in headers):
            sheet.set_row(row, 32)

    def close(self) -> None:
        self.book.close()


def _write_rows(sheet, first_row: int, columns: Sequence[np.ndarray],
                shifted: dict[int, str] | None = None, at_col: int = 0) -> int:
    """Write column arrays as rows; a row in ``shifted`` gets that garbled cell at ``at_col``."""
    shifted = shifted or {}
    row = first_row
    for i, values in enumerate(zip(*(col.tolist() for col in columns), strict=True)):
        if i in shifted:
            values = (*values[:at_col], shifted[i], *values[at_col:])
        sheet.write_row(row, 0, values)
        row += 1
    return row


def _widths(headers: Sequence[str]) -> list[float]:
    return [min(24, max(8, 2.2 * max(len(h) for h in header.split("\n")))) for header in headers]


_REGISTERED_AGAIN_BLANK = (
    "age_shown", "address", "family", "occupation", "purpose", "needs", "living",
    "property_history", "relations", "position", "income", "character", "hobbies", "circle",
    *_MARK_KEYS, "contribution", "referred_visits", "referred_signups", "relationship",
    "lost_approved", "note", "purchase_window", "party_size",
)


def _register_rows(s: _Sample) -> dict[str, np.ndarray]:
    """The register's rows in registration order: each customer once, plus (when messy) a
    few registered twice by the same agent and a few phones registered again by another."""
    c, rng, preset = s.customers, s.rng("register"), s.preset
    main = np.flatnonzero(s.part == 0)
    n_agents = len(s.agents)
    share = _at_least_one(len(main), 0.01) if s.messy and len(main) >= 4 else 0
    dups, conflicts = _disjoint_picks(rng, main, (share, share))
    src = np.concatenate([main, dups, conflicts])
    kind = np.repeat([0, 1, 2], [len(main), len(dups), len(conflicts)])
    t = {k: v[src].copy() for k, v in c.items()}
    later, conflict = kind > 0, kind == 2
    t["registered_at"][later] = np.minimum(
        t["registered_at"][later] + _days(rng.integers(3, 60, int(later.sum()))),
        np.datetime64(s.today, "D"))
    # A second registration carries only what a first call records.
    for key in _REGISTERED_AGAIN_BLANK:
        if key in t:
            t[key][later] = None
    for key in ("signed_at", "handover_at", "outreach_at", "birth_solar"):
        t[key][later] = _NAT
    t["birth_lunar"][later] = False
    t["stage"][later] = np.where(rng.random(int(later.sum())) < 0.5, _CALL, _VISIT)
    t["stage_word"][later] = [preset.stage_words[k][0] for k in t["stage"][later]]
    t["visits"][later] = np.where(t["stage"][later] == _VISIT, 1, 0)
    t["agent"][conflict] = (t["agent"][conflict]
                            + rng.integers(1, max(n_agents, 2), int(conflict.sum()))) % n_agents
    honorific = np.where(t["gender"][conflict] == "女", "女士", "先生")  # 王先生: name not asked
    short_name = [name[0] + h for name, h in zip(t["name"][conflict], honorific, strict=True)]
    t["name"][conflict] = np.where(rng.random(int(conflict.sum())) < 0.5, t["name"][conflict],
                                   short_name)

    order = np.lexsort((kind, t["registered_at"]))
    t = {k: v[order] for k, v in t.items()}
    t["kind"], t["src"] = kind[order], src[order]
    t["seq"] = np.arange(1, len(order) + 1)
    t["customer_id"] = np.asarray([f"{preset.id_prefix}{i:06d}" for i in t["seq"].tolist()],
                                  dtype=object)
    first = t["kind"] == 0
    s.customers["customer_id"] = np.full(len(s.part), None, dtype=object)
    s.customers["customer_id"][t["src"][first]] = t["customer_id"][first]
    return t


def _register_cells(s: _Sample, t: dict[str, np.ndarray]) -> tuple[dict, dict[int, str]]:
    """The register's cells as written, and the rows shifted by a garbled cell."""
    rng, messy, preset = s.rng("register-cells"), s.messy, s.preset
    r = len(t["seq"])
    cells: dict[str, np.ndarray] = {key: t[key] for key in (
        "source", "enquiry", "address", "family", "occupation", "purpose", "needs", "living",
        "property_history", "relations", "position", "income", "character", "hobbies", "circle",
        "contribution", "referred_visits", "referred_signups", "relationship", "note",
        "purchase_window", "party_size") if key in t}
    cells.update(
        seq=t["seq"].astype(object),
        customer_id=t["customer_id"].copy(),
        name=t["name"].copy(),
        agent=s.agents[t["agent"]],
        stage=t["stage_word"] if messy else np.asarray(STAGES, dtype=object)[t["stage"]],
        visits=np.where((t["visits"] > 0) | (rng.random(r) < 0.5), t["visits"].astype(object),
                        None),
        age=t["age_shown"],
        staff_phone=s.agent_phones[t["agent"]].astype(str).astype(object),
    )
    phones = t["phone"].copy()
    # Rows of a customer registered twice keep a readable phone, so the repeat stays visible.
    twice = np.isin(t["src"], t["src"][t["kind"] > 0])
    shifted: dict[int, str] = {}
    if messy:
        plain = np.flatnonzero((t["kind"] == 0) & ~twice)
        n = len(plain)
        hyperlink, glued, moved, wide_id, spaced = _disjoint_picks(rng, plain, (
            1, _at_least_one(n, 0.01), min(n, 2 + int(rng.integers(0, 2))),
            _at_least_one(n, 0.005), _at_least_one(n, 0.02)))
        cells["name"][hyperlink] = '=HYPERLINK("http://x","点我")'
        cells["name"][glued] = [f"{name}{phone}" for name, phone in
                                zip(cells["name"][glued], phones[glued], strict=True)]
        phones[glued] = 0
        cells["customer_id"][wide_id] = [x.translate(_FULLWIDTH)
                                         for x in cells["customer_id"][wide_id]]
        _stray_spaces(cells["name"], spaced)
        cells["stage"] = np.where(rng.random(r) < 0.03, None, cells["stage"])
        shifted = {int(i): _GARBLED[k % len(_GARBLED)] for k, i in enumerate(sorted(moved))}
    # Every written form turns up at least once in a row that is not shifted.
    force = ~np.isin(np.arange(r), list(shifted))
    cells["phone"] = _render_phones(phones, rng, messy, s.book, force=force, keep_valid=twice)
    cells["gender"] = _render_words(t["gender"], _GENDER_WORDS, _GENDER_P, rng, messy, force=force)
    cells["grade"] = _render_grades(t["grade_shown"], preset, rng, messy, force=force)
    for key in (*_MARK_KEYS, "lost_approved"):
        cells[key] = _render_words(t[key], _MARK_WORDS, _MARK_P, rng, messy,
                                   force=force if key == "likes_product" else False)
    cells["registered_at"] = _render_dates(t["registered_at"], rng, messy, force=force)
    for key in ("signed_at", "handover_at", "outreach_at"):
        cells[key] = _render_dates(t[key], rng, messy)
    cells["birthday"], cells["birthday_type"] = _render_birthdays(t, rng, messy)
    return cells, shifted


def _contact_cells(s: _Sample, rows: np.ndarray, rng: np.random.Generator, *,
                   dates_only: bool = False) -> dict[str, np.ndarray]:
    """The cells of the contacts at ``rows`` (indices into s.contacts), phones still raw."""
    k, c, messy = s.contacts, s.customers, s.messy
    who = k["who"][rows]
    at = k["at"][rows].astype("datetime64[D]") if dates_only else k["at"][rows]
    grades = np.asarray(s.preset.grades, dtype=object)[k["grade_idx"][rows]]
    cells = {
        "customer_id": c.get("customer_id", np.full(len(c["name"]), None))[who].copy(),
        "name": c["name"][who].copy(),
        "agent": s.agents[k["agent"][rows]].copy(),
        "at": _render_dates(at, rng, messy, force=True),
        "method": _render_words(k["method"][rows], _METHOD_WORDS, _METHOD_P, rng, messy,
                                force=True),
        "content": k["content"][rows],
        "next": _render_dates(k["next"][rows], rng, messy, force=True),
        "verification": k["verification"][rows],
        "grade": _render_grades(grades, s.preset, rng, messy, force=True),
        "phone": c["phone"][who].copy(),
    }
    m = len(rows)
    if messy and m:
        has_id = cells["customer_id"] != None  # noqa: E711 (elementwise)
        cells["customer_id"][rng.random(m) < 0.08] = None
        cells["phone"][(rng.random(m) < 0.05) & has_id] = 0
        _stray_spaces(cells["name"], rng.choice(m, size=_at_least_one(m, 0.01), replace=False))
        trailing = rng.random(m) < 0.02
        cells["agent"][trailing] = [a + " " for a in cells["agent"][trailing]]
    return cells


def _unlinkable(s: _Sample, rng: np.random.Generator) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Contacts for people no register knows (a bogus 客户编号 or none, an unknown phone)."""
    m = _at_least_one(len(s.contacts["who"]), 0.003)
    today64 = np.datetime64(s.today, "D")
    at = ((today64 - _days(rng.integers(0, CONTACT_WINDOW_DAYS, m))).astype("datetime64[m]")
          + rng.integers(9 * 60, 20 * 60, m).astype("timedelta64[m]"))
    ids = [None if i % 2 else f"{s.preset.id_prefix}{len(s.part) + 900 + i:06d}" for i in range(m)]
    methods = _pick(rng, ("电话", "微信", "短信"), m)
    cells = {
        "customer_id": np.asarray(ids, dtype=object),
        "name": _names(rng, rng.random(m) < 0.5),
        "phone": s.book.take(m),
        "agent": s.agents[rng.integers(0, len(s.agents), m)],
        "at": at.astype(object),
        "method": methods,
        "content": np.asarray([s.preset.contents[x][0] for x in methods], dtype=object),
        "next": np.full(m, None, dtype=object),
        "verification": np.full(m, None, dtype=object),
    }
    return cells, at


def _write_register(path: Path, s: _Sample) -> None:
    """客户登记表.xlsx: customers, contacts, events and a sheet that fits no role."""
    preset, messy, today = s.preset, s.messy, s.today
    t = _register_rows(s)
    cells, shifted = _register_cells(s, t)
    columns = [(key, header) for key, header in preset.customer_columns if messy or key in FIELDS]
    headers = [header if messy else FIELDS[key].label for key, header in columns]

    rng = s.rng("contacts-sheet")
    rows = np.flatnonzero(s.part[s.contacts["who"]] == 0)
    contact = _contact_cells(s, rows, rng)
    at = s.contacts["at"][rows]
    if messy:
        extra, extra_at = _unlinkable(s, rng)
        contact = {key: np.concatenate([contact[key], extra[key]]) for key in extra}
        at = np.concatenate([at, extra_at])
    contact["phone"] = _render_phones(contact["phone"], rng, messy, s.book, force=True)
    order = np.argsort(at, kind="stable")
    contact_keys = ("customer_id", "name", "phone", "agent", "at", "method", "content", "next",
                    "verification")
    contact_headers = preset.contact_headers if messy else tuple(
        FIELDS[f].label for f in ("customer_id", "name", "phone", "agent", "contact_at", "method",
                                  "content", "next_contact_at", "verification"))

    book = _Book(path, len(t["seq"]) + len(order), today)
    sheet = book.sheet(preset.sheet_names[0], _widths(headers))
    row = 0
    if messy:
        title = preset.titles[0].format(year=today.year, month=today.month)
        sheet.merge_range(0, 0, 0, len(headers) - 1, title, book.title)
        layout = s.rng("layout")
        if layout.random() < 0.5:
            sheet.write_string(1, 0, "（填表要求：客户姓名、联系电话必填；"
                                     f"意向等级每周五前由{preset.agent_word}更新）")
        row = 2
        sheet.freeze_panes(row + 1, 3)
    book.header_row(sheet, row, headers)
    name_col = [key for key, _ in columns].index("name")
    row = _write_rows(sheet, row + 1, [cells[key] for key, _ in columns], shifted, name_col)
    if messy:
        row += 1 + int(layout.integers(0, 2))
        sheet.write_string(row, 0, f"制表人：{preset.manager}    审核：")
        sheet.write_string(row + 1, 0, "备注：本表每周五下班前更新，电话请勿外传。")

    sheet = book.sheet(preset.sheet_names[1], [*_widths(contact_headers[:4]), 16, 10, 40, 14, 10])
    row = 0
    if messy:
        sheet.merge_range(0, 0, 0, len(contact_headers) - 1, preset.titles[1], book.title)
        row = 1
    book.header_row(sheet, row, contact_headers)
    _write_rows(sheet, row + 1, [contact[key][order] for key in contact_keys])

    _write_events(book, s)
    if messy:
        sheet = book.sheet("说明", (60,))
        for i, line in enumerate(preset.instructions):
            sheet.write_string(i, 0, line)
    book.close()


def _write_events(book: _Book, s: _Sample) -> None:
    """3–6 company events around today, one in this ISO week and one in the last."""
    rng, preset = s.rng("events"), s.preset
    n = int(rng.integers(3, 7))
    chosen = rng.choice(len(preset.events), n, replace=False)
    events = np.asarray(preset.events, dtype=object)[chosen]
    week_start = np.datetime64(s.today - dt.timedelta(days=s.today.weekday()), "D")
    dates = np.datetime64(s.today, "D") + _days(rng.integers(-40, 30, n))
    dates[0] = week_start + np.timedelta64(int(rng.integers(0, 7)), "D")
    dates[1] = week_start - np.timedelta64(int(rng.integers(1, 8)), "D")
    order = np.argsort(dates)
    headers = preset.event_headers if s.messy else tuple(
        FIELDS[f].label for f in ("event_name", "event_date", "event_type", "event_target"))
    sheet = book.sheet(preset.sheet_names[2], (26, 12, 18, 22))
    book.header_row(sheet, 0, headers)
    written = dates[order].astype(object)
    if s.messy:  # one typed in by hand, never one of the two the weeks rely on
        typed = int(np.flatnonzero(order == 2)[0])
        day = written[typed]
        written[typed] = f"{day.year}年{day.month}月{day.day}日"
    _write_rows(sheet, 1, [events[order, 0], written, events[order, 1], events[order, 2]])


def _write_card(path: Path, s: _Sample) -> None:
    """意向客户管理卡.xlsx: one row per customer, follow-ups in repeated column groups."""
    preset, messy, c, k = s.preset, s.messy, s.customers, s.contacts
    rng = s.rng("card")
    people = np.flatnonzero(s.part == 1)
    people = people[np.argsort(c["registered_at"][people], kind="stable")]
    n = len(people)
    rows = np.flatnonzero(s.part[k["who"]] == 1)
    contact = _contact_cells(s, rows, rng, dates_only=True)
    slot = np.full(len(s.part), -1, dtype=np.int64)
    slot[people] = np.arange(n)
    groups = np.full((n, CARD_GROUPS, 4), None, dtype=object)
    for j, key in enumerate(("at", "grade", "content", "next")):
        groups[slot[k["who"][rows]], k["rank"][rows], j] = contact[key]
    lead = {
        "customer_id": [f"{preset.card_prefix}{i:05d}" for i in range(1, n + 1)],
        "name": c["name"][people],
        "gender": _render_words(c["gender"][people], _GENDER_WORDS, _GENDER_P, rng, messy,
                                force=True),
        "phone": _render_phones(c["phone"][people], rng, messy, s.book, force=True),
        "agent": s.agents[c["agent"][people]],
        "registered_at": _render_dates(c["registered_at"][people], rng, messy, force=True),
        "source": c["source"][people],
        "grade": _render_grades(c["grade"][people], preset, rng, messy),
    }
    columns = [np.asarray(v, dtype=object) for v in lead.values()]
    columns += [groups[:, g, j] for g in range(CARD_GROUPS) for j in range(4)]
    width = len(columns)

    book = _Book(path, 0, s.today)  # a card is small: never streamed, so merges are simple
    sheet = book.sheet("意向客户管理卡", [10, 10, 6, 14, 10, 12, 12, 10, *[12, 10, 30, 12] * 4])
    if messy:
        sheet.merge_range(0, 0, 0, width - 1, preset.titles[2], book.title)
        for col, text in enumerate(_CARD_HEADERS):
            sheet.merge_range(1, col, 2, col, text, book.header)
        for g, text in enumerate(preset.card_groups):
            first = len(lead) + 4 * g
            sheet.merge_range(1, first, 1, first + 3, text, book.header)
            sheet.write_row(2, first, _CARD_SUB_HEADERS, book.header)
        sheet.freeze_panes(3, 2)
        data_row = 3
    else:
        flat = [f"第{g + 1}次{sub}" for g in range(CARD_GROUPS)
                for sub in ("跟进日期", "意向等级", "跟进内容", "下次跟进时间")]
        book.header_row(sheet, 0, [*(FIELDS[key].label for key in lead), *flat])
        data_row = 1
    _write_rows(sheet, data_row, columns)
    book.close()


def _write_log(path: Path, s: _Sample) -> None:
    """跟进日志.csv (GB18030): one row per contact, the only record of these customers."""
    preset, messy, k = s.preset, s.messy, s.contacts
    rng = s.rng("log")
    rows = np.flatnonzero(s.part[k["who"]] == 2)
    rows = rows[np.argsort(k["at"][rows], kind="stable")]
    cells = _contact_cells(s, rows, rng)
    if messy and len(rows):
        glued = rng.choice(len(rows), size=_at_least_one(len(rows), 0.01), replace=False)
        cells["name"][glued] = [f"{name.strip()}{phone}" for name, phone in
                                zip(cells["name"][glued], cells["phone"][glued], strict=True)]
        cells["phone"][glued] = 0
    cells["phone"] = _render_phones(cells["phone"], rng, messy, s.book, force=True)
    keys = ("name", "phone", "agent", "grade", "at", "method", "content", "next")
    headers = preset.log_headers if messy else tuple(
        FIELDS[f].label for f in ("name", "phone", "agent", "grade", "contact_at", "method",
                                  "content", "next_contact_at"))
    with open(path, "w", encoding=LOG_ENCODING, newline="") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(headers)
        writer.writerows(zip(*([_csv_text(v) for v in cells[key].tolist()] for key in keys),
                             strict=True))


def _csv_text(value: object) -> object:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return "" if value is None else value


# ------------------------------------------------------------------ public API


def generate(out_dir: Path, *, customers: int = 200, contacts_per_customer: float = 5.0,
             preset: str = "real_estate", seed: int = 7, today: dt.date | None = None,
             messy: bool = True) -> list[Path]:
    """Write a set of sample registers into out_dir and return their paths."""
    if customers < 1:
        raise ValueError(f"客户数至少为 1，收到 {customers}")
    if not contacts_per_customer >= 0:
        raise ValueError(f"每个客户的跟进次数不能为负数，收到 {contacts_per_customer}")
    if preset not in PRESETS:
        raise ValueError(f"未知的行业预设 {preset!r}，可选：{'、'.join(PRESETS)}")
    today = today or dt.date.today()
    chosen = PRESETS[preset]
    n_main, n_card, n_log = _part_sizes(customers)
    part = np.repeat([0, 1, 2], [n_main, n_card, n_log])
    spare = 2000 + customers // 5 + int(customers * contacts_per_customer) // 20
    book = _PhoneBook(_rng(seed, "phones"), customers + spare)
    agents, agent_phones = _agents(seed, customers, book)
    people = _draw_customers(customers, chosen, today, seed, len(agents), book, part == 0)
    # A card is opened for a current prospect, within the last few months.
    opened = _rng(seed, "card-opened").integers(5, CONTACT_WINDOW_DAYS + 30, n_card)
    people["registered_at"][part == 1] = np.datetime64(today, "D") - _days(opened)
    contacts = _draw_contacts(people, part, chosen, today, seed, contacts_per_customer, len(agents))
    sample = _Sample(chosen, today, seed, messy, agents, agent_phones, people, part, contacts, book)

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / REGISTER_FILE, out_dir / CARD_FILE, out_dir / LOG_FILE]
    _write_register(paths[0], sample)
    _write_card(paths[1], sample)
    _write_log(paths[2], sample)
    return paths


def _positive_int(text: str) -> int:
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"应为正整数，收到 {text!r}")
    return int(text)


def _non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"应为不小于 0 的数，收到 {text!r}")
    return value


def _iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"日期格式应为 YYYY-MM-DD（例如 2026-11-26），收到 {text!r}") from None


def main(argv: list[str] | None = None) -> int:
    """CLI: python -m crm_batch.sample [--out DIR] [--customers N] [--contacts-per-customer X] [--preset real_estate|auto_dealer] [--seed N] [--today YYYY-MM-DD] [--clean]"""  # noqa: E501
    parser = argparse.ArgumentParser(
        prog="python -m crm_batch.sample",
        description="生成示例客户登记表：客户登记表.xlsx、意向客户管理卡.xlsx、跟进日志.csv。"
                    "同一种子、同一天生成的内容完全相同；默认带有真实登记表里常见的错漏和"
                    "不规范写法。",
    )
    parser.add_argument("--out", type=Path, default=Path("sample_data"), metavar="DIR",
                        help="输出文件夹（默认 sample_data）")
    parser.add_argument("--customers", type=_positive_int, default=200, metavar="N",
                        help="客户总数，三个文件合计（默认 200）")
    parser.add_argument("--contacts-per-customer", type=_non_negative_float, default=5.0,
                        metavar="X",
                        help="平均每个客户的跟进次数（默认 5）")
    parser.add_argument("--preset", choices=sorted(PRESETS), default="real_estate",
                        help="行业预设：real_estate 房地产（默认），auto_dealer 汽车4S店")
    parser.add_argument("--seed", type=int, default=7, metavar="N", help="随机种子（默认 7）")
    parser.add_argument("--today", type=_iso_date, default=None, metavar="YYYY-MM-DD",
                        help="把哪一天当作“今天”，格式 YYYY-MM-DD（默认今天）")
    parser.add_argument("--clean", action="store_true",
                        help="生成规范整洁的数据：单行标准表头、标准写法、不加入错漏")
    args = parser.parse_args(argv)
    try:
        paths = generate(args.out, customers=args.customers,
                         contacts_per_customer=args.contacts_per_customer, preset=args.preset,
                         seed=args.seed, today=args.today, messy=not args.clean)
    except OSError as exc:
        print(f"无法写入示例登记表到 {args.out}：{exc.strerror or exc}。"
              "请关闭已打开的文件，或用 --out 换一个文件夹。", file=sys.stderr)
        return 2
    style = "规范数据" if args.clean else "含常见错漏"
    print(f"已生成 {len(paths)} 个示例登记表（{PRESETS[args.preset].label}，"
          f"{args.customers} 个客户，{style}）：")
    for path in paths:
        print(f"  {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
