"""The canonical fields a register column can map to.

The field list is the data model, so it lives in code; how teams *spell* each
field in their headers is a word list and lives in the rules file
(``[headers]``). Every key below must have a synonym list there.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    """How a field's raw text is normalised."""

    TEXT = "text"
    NAME = "name"
    PHONE = "phone"
    GENDER = "gender"
    DATE = "date"
    INT = "int"
    NUMBER = "number"
    MARK = "mark"  # 是/否/部分
    GRADE = "grade"
    METHOD = "method"
    STAGE = "stage"
    BIRTHDAY = "birthday"  # solar or lunar text, parsed by the calendar module


class Role(StrEnum):
    """What a sheet holds, decided by its headers."""

    CUSTOMERS = "customers"
    CONTACTS = "contacts"
    EVENTS = "events"


ROLE_LABELS = {Role.CUSTOMERS: "客户档案", Role.CONTACTS: "跟进记录", Role.EVENTS: "活动"}


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    kind: Kind


def _fields(*rows: tuple[str, str, Kind]) -> dict[str, Field]:
    return {key: Field(key, label, kind) for key, label, kind in rows}


FIELDS: dict[str, Field] = _fields(
    # identity
    ("customer_id", "客户编号", Kind.TEXT),
    ("name", "客户姓名", Kind.NAME),
    ("phone", "联系电话", Kind.PHONE),
    ("agent", "经纪人", Kind.TEXT),
    # first-call profile
    ("gender", "性别", Kind.GENDER),
    ("source", "信息获知途径", Kind.TEXT),
    ("enquiry", "咨询内容", Kind.TEXT),
    # basic profile (1-2 visits)
    ("age", "年龄", Kind.INT),
    ("address", "联系地址", Kind.TEXT),
    ("family", "家庭结构", Kind.TEXT),
    ("occupation", "职业", Kind.TEXT),
    ("purpose", "置业目的", Kind.TEXT),
    ("needs", "置业需求", Kind.TEXT),
    # deep profile (3+ visits)
    ("living", "居住状况", Kind.TEXT),
    ("property_history", "置业历史", Kind.TEXT),
    ("relations", "家庭关系", Kind.TEXT),
    ("position", "职位", Kind.TEXT),
    ("income", "收入情况", Kind.TEXT),
    ("character", "性格特征", Kind.TEXT),
    ("hobbies", "兴趣爱好", Kind.TEXT),
    ("circle", "圈层属性", Kind.TEXT),
    # owners
    ("birthday", "生日", Kind.BIRTHDAY),
    ("birthday_type", "生日类型", Kind.TEXT),
    ("anniversary", "纪念日", Kind.BIRTHDAY),
    ("contribution", "贡献值", Kind.TEXT),
    # stage, grade and its criteria
    ("stage", "客户类型", Kind.STAGE),
    ("grade", "意向等级", Kind.GRADE),
    ("score", "意向得分", Kind.NUMBER),
    ("likes_product", "认同产品", Kind.MARK),
    ("likes_price", "认同价格", Kind.MARK),
    ("can_afford", "购买能力", Kind.MARK),
    ("unit_chosen", "意向落点", Kind.MARK),
    ("deciders_visited", "决策人来访", Kind.MARK),
    ("purchase_window", "预计购买时间", Kind.TEXT),
    ("visits", "来访次数", Kind.INT),
    ("registered_at", "登记日期", Kind.DATE),
    ("signed_at", "成交日期", Kind.DATE),
    ("handover_at", "交房日期", Kind.DATE),
    ("outreach_at", "外拓日期", Kind.DATE),
    # key accounts and relationship
    ("referred_visits", "转介绍来访", Kind.INT),
    ("referred_signups", "转介绍办卡", Kind.INT),
    ("key_account", "大客户", Kind.MARK),
    ("relationship", "关系亲疏", Kind.TEXT),
    ("lost_approved", "战败审批", Kind.MARK),
    ("verification", "主管核查", Kind.TEXT),
    ("note", "备注", Kind.TEXT),
    # contacts (跟进记录)
    ("contact_at", "跟进时间", Kind.DATE),
    ("method", "跟进方式", Kind.METHOD),
    ("content", "跟进内容", Kind.TEXT),
    ("next_contact_at", "下次跟进时间", Kind.DATE),
    # events (活动)
    ("event_name", "活动名称", Kind.TEXT),
    ("event_date", "活动日期", Kind.DATE),
    ("event_type", "活动类型", Kind.TEXT),
    ("event_target", "邀约对象", Kind.TEXT),
)

# Fields that identify a customer; a sheet without any of them holds no customers.
IDENTITY_FIELDS = ("customer_id", "name", "phone")

# Fields a wide follow-up card (意向客户管理卡) repeats per contact group.
CARD_GROUP_FIELDS = ("contact_at", "grade", "content", "next_contact_at", "method")


def label(key: str) -> str:
    """The Chinese name of a field, for every user-facing message."""
    return FIELDS[key].label if key in FIELDS else key
