"""The record fields' rules (years, 万元 amounts, people's names, member counts): one place for the studio
forms, the ledger (台账) and search, so "张三;李四" is two people wherever it is typed.

Each caller words its own message around the rule (a form names its field, a ledger cell its column);
the limits, the parsing and the separators live only here.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation

MIN_YEAR = 1949
MAX_WAN = Decimal("10000000")  # 1000 亿元: anything larger is a typing slip (元 typed for 万元)
MAX_NAME = 50
MAX_PEOPLE = 30
MAX_MEMBERS = 100000
# 、，, and spaces, and semicolons: people paste lists from Word and Excel with any of them.
NAME_SEPARATORS = re.compile(r"[、，,;；\s]+")


class FieldError(ValueError):
    """A value a record field refuses; the Chinese message names no field (the caller adds that)."""


def max_year() -> int:
    """The latest year accepted: next year (a result finished this winter is filed in spring)."""
    return date.today().year + 1


def year_in_range(year: int) -> bool:
    return MIN_YEAR <= year <= max_year()


def numeric_text(text: str, *suffixes: str) -> str:
    """What was typed, with full-width digits made ASCII, thousands commas and a unit suffix removed."""
    cleaned = unicodedata.normalize("NFKC", text or "").strip().replace(",", "")
    for suffix in suffixes:
        cleaned = cleaned.removesuffix(suffix).strip()
    return cleaned


class AmountError(FieldError):
    """A 万元 amount refused; the message follows the field's name (经济效益…)."""


def parse_wan(text: str) -> Decimal | None:
    """An amount in 万元 ("12.5", "1,200", "１２.５万元"), not negative, at most MAX_WAN; None when blank."""
    raw = numeric_text(text, "万元", "万")
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise AmountError(NOT_A_NUMBER) from None
    return checked_wan(value)


NOT_A_NUMBER = "应为数字，如 12.5"


def checked_wan(value: Decimal) -> Decimal:
    if not value.is_finite():
        raise AmountError(NOT_A_NUMBER)
    if value < 0:
        raise AmountError("不能为负数")
    if value > MAX_WAN:
        raise AmountError(f"不能超过 {MAX_WAN} 万元，请核对单位（万元）")
    return value


def split_names(text: str) -> list[str]:
    """完成人, 发明人 or 领办人 in order, split on NAME_SEPARATORS (after full-width → half-width)."""
    return [name for name in NAME_SEPARATORS.split(unicodedata.normalize("NFKC", text or "").strip()) if name]


def check_names(names: list[str], noun: str = "") -> None:
    """Not too many, none too long, none twice (the caller says what an empty list means)."""
    if len(names) > MAX_PEOPLE:
        raise FieldError(f"{noun}最多 {MAX_PEOPLE} 人")
    for name in names:
        if len(name) > MAX_NAME:
            raise FieldError(f"姓名“{name[:10]}…”超过 {MAX_NAME} 个字，多个姓名请用“、”分隔")
    repeated = sorted({name for name in names if names.count(name) > 1}, key=names.index)
    if repeated:
        raise FieldError(f"“{'、'.join(repeated)}”重复填写了")
