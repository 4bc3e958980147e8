"""Shared model mixins and column types, and the enums that carry the site's Chinese titles."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Enum, Integer
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# Times are stored in UTC; the city reads them in 北京时间 (UTC+8 all year, no daylight saving).
LOCAL_OFFSET = timedelta(hours=8)


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def local_time(value: datetime | None) -> datetime | None:
    """A stored UTC time as the users read it (北京时间)."""
    return value + LOCAL_OFFSET if value is not None else None


def local_today() -> date:
    """Today in 北京时间: a patent's term ends on the city's calendar day, not UTC's."""
    return (utcnow() + LOCAL_OFFSET).date()


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


def enum_column(enum_cls):
    """Store an enum by its value (not its Python name) in a plain VARCHAR."""
    return Enum(
        enum_cls,
        values_callable=lambda e: [m.value for m in e],
        native_enum=False,
        length=20,
        validate_strings=True,
    )


class Hundredths(TypeDecorator):
    """A decimal with two places stored as an integer count of 0.01: SUM() is exact everywhere, and SQLite
    needs no Numeric (which warns). 万元 amounts here; points and weights in awards."""

    impl = Integer
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return int((Decimal(value) * 100).to_integral_value())

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return (Decimal(value) / 100).quantize(Decimal("0.01"))


class LabelledEnum(enum.Enum):
    """An enum whose value is stored and whose Chinese label is shown."""

    def __new__(cls, value: str, label: str, rank: int = 0):
        member = object.__new__(cls)
        member._value_ = value
        member.label = label
        member.rank = rank
        return member

    @classmethod
    def from_label(cls, label: str):
        """The member whose Chinese label (or stored value) is `label`, else None."""
        text = (label or "").strip()
        for member in cls:
            if text in (member.label, member.value):
                return member
        return None

    @classmethod
    def labels(cls) -> list[str]:
        return [m.label for m in cls]

    def __str__(self) -> str:
        return self.label


class Level(LabelledEnum):
    """级别 of a studio title; rank orders them (higher outranks)."""

    NATIONAL = "national", "国家级", 3
    PROVINCIAL = "provincial", "省级", 2
    CITY = "city", "市级", 1


class TitleState(LabelledEnum):
    VALID = "valid", "有效"
    REVOKED = "revoked", "撤销"


class StudioStatus(LabelledEnum):
    """Whether a studio still holds its place in the catalogue: 摘牌 ends it (the records stay public)."""

    ACTIVE = "active", "有效"
    DELISTED = "delisted", "摘牌"


class Category(LabelledEnum):
    """类别 of an achievement."""

    INNOVATION = "innovation", "技术革新"
    BREAKTHROUGH = "breakthrough", "技术攻关"
    INVENTION = "invention", "发明创造"
    OPERATION = "operation", "先进操作法"


class PatentKind(LabelledEnum):
    """专利类型; rank is the type digit of an application number."""

    INVENTION = "invention", "发明", 1
    UTILITY = "utility", "实用新型", 2
    DESIGN = "design", "外观设计", 3


class RecordStatus(LabelledEnum):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "待审核"
    RETURNED = "returned", "已退回"
    APPROVED = "approved", "已通过"
    # Taken down by the office (市总工会) with a reason the studio reads: not public, out of search at once.
    UNPUBLISHED = "unpublished", "已撤下"


class District(LabelledEnum):
    """所在地区: the city's districts, counties and county-level cities."""

    SHUANGTA = "shuangta", "双塔区"
    LONGCHENG = "longcheng", "龙城区"
    BEIPIAO = "beipiao", "北票市"
    LINGYUAN = "lingyuan", "凌源市"
    CHAOYANG_COUNTY = "chaoyang_county", "朝阳县"
    JIANPING = "jianping", "建平县"
    KAZUO = "kazuo", "喀喇沁左翼蒙古族自治县"


class LegalStatus(LabelledEnum):
    """法律状态 of a patent: derived from its grant date and term end; 失效 only by an administrator's override."""

    PENDING = "pending", "申请中"
    IN_FORCE = "in_force", "有效"
    EXPIRED = "expired", "届满"
    LAPSED = "lapsed", "失效"


class ValueStatus(LabelledEnum):
    """Whether a per-year value line is the studio's own figure or checked by the office."""

    SELF_REPORTED = "self_reported", "自报"
    VERIFIED = "verified", "已核实"
