"""How each trade writes its registers: the word pools, the presets and the written forms.

Pure data: who says 置业顾问 or 销售顾问, which grades a trade uses, what its
headers look like, and how often each untidy spelling of a value turns up.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CONTACT_WINDOW_DAYS = 120  # contacts fall in the last ~4 months before "today"
CARD_GROUPS = 4

STAGES = ("来电", "来访", "意向", "成交", "业主", "外拓", "战败")
_CALL, _VISIT, _INTENT, _SIGNED, _OWNER, _OUTREACH, _LOST = range(len(STAGES))
METHODS = ("电话", "短信", "微信", "来访", "拜访")

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
