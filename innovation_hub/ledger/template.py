"""The ledger (台账) template: every sheet's columns, with how a cell is read and written, in one place."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ..catalogue import patent_numbers
from ..models import Category, District, Level, PatentKind, TitleState
from ..record_fields import (
    MAX_MEMBERS,
    MAX_NAME,
    MIN_YEAR,
    NOT_A_NUMBER,
    AmountError,
    FieldError,
    check_names,
    checked_wan,
    max_year,
    parse_wan,
    split_names,
    year_in_range,
)
from ..sheets import Column, SheetSpec

_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


class CellError(ValueError):
    """A cell value that cannot be read; the message (Chinese) does not repeat the column name."""


# ---------------------------------------------------------------- reading cells

def clean(value: Any) -> Any:
    """A raw cell value with text stripped and full-width digits made ASCII; blank becomes None."""
    if isinstance(value, str):
        return value.translate(_FULLWIDTH_DIGITS).strip() or None
    return value


def as_text(value: Any) -> str:
    """Any cell value as text: 2019.0 reads as "2019", a midnight datetime as its date."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _numeric_text(value: Any) -> str:
    return unicodedata.normalize("NFKC", as_text(value)).strip()


def text(max_length: int | None = None) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        result = as_text(value)
        if max_length and len(result) > max_length:
            raise CellError(f"不能超过 {max_length} 个字（现有 {len(result)} 个）")
        return result

    return parse


def choice(enum_cls, noun: str) -> Callable[[Any], Any]:
    """A member of enum_cls given by its Chinese label (or stored value)."""

    def parse(value: Any):
        raw = as_text(value)
        member = enum_cls.from_label(raw)
        if member is None:
            raise CellError(f"“{raw}”不是有效的{noun}（可选：{'、'.join(enum_cls.labels())}）")
        return member

    return parse


def _integer(value: Any, suffix: str = "") -> int | None:
    """An integer from 2019, 2019.0, "2019" or "2019<suffix>"; None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    raw = _numeric_text(value)
    if suffix:
        raw = raw.removesuffix(suffix).strip()
    match = re.fullmatch(r"[+-]?\d+(?:\.0*)?", raw)
    return int(float(raw)) if match else None


def year(value: Any) -> int:
    result = _integer(value, "年")
    if result is None:
        raise CellError(f"“{as_text(value)}”不是有效的年份（应为四位数字，如 2019）")
    if not year_in_range(result):
        raise CellError(f"年份 {result} 超出范围（{MIN_YEAR}–{max_year()}）")
    return result


def member_count(value: Any) -> int:
    result = _integer(value, "人")
    if result is None:
        raise CellError(f"“{as_text(value)}”不是整数")
    if not 1 <= result <= MAX_MEMBERS:
        raise CellError(f"成员人数应在 1 到 {MAX_MEMBERS} 之间（现为 {result}）")
    return result


def amount_wan(value: Any) -> Decimal:
    """A non-negative amount in 万元, rounded to 0.01 万元 as the database stores it."""
    raw = _numeric_text(value)
    try:
        if isinstance(value, bool):
            raise AmountError(NOT_A_NUMBER)
        if isinstance(value, int | float):
            result = checked_wan(Decimal(str(value)))  # str() gives the shortest form: 12.5, not 12.4999…
        else:
            result = parse_wan(raw)
            if result is None:
                raise AmountError(NOT_A_NUMBER)
    except AmountError as error:
        raise CellError(f"经济效益{error}（现为 {raw}）") from None
    # Rounded here, not by the database, so a second import compares equal and changes nothing.
    return result.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


_DATE_TEXT = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
)


def _to_date(value: Any, raw: str) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        if not float(value).is_integer():
            return None
        number = int(value)
        if 19000101 <= number <= 29991231:  # 20210305 typed as a number
            parts: tuple[str, ...] = (str(number)[:4], str(number)[4:6], str(number)[6:])
        elif 1 <= number <= 2958465:  # a date cell that lost its date format: Excel's day count
            from openpyxl.utils.datetime import from_excel  # openpyxl only when a ledger is read

            return from_excel(number).date()
        else:
            return None
    else:
        match = _DATE_TEXT.fullmatch(raw)
        if not match:
            return None
        parts = match.groups()
    try:
        return date(*(int(part) for part in parts))
    except ValueError:  # 2021-02-30
        return None


def a_date(value: Any) -> date:
    """A date from a date cell or text such as 2021-03-05, 2021/3/5, 2021.3.5, 2021年3月5日."""
    raw = _numeric_text(value)
    result = _to_date(value, raw)
    if result is None:
        raise CellError(f"“{raw}”不是有效的日期（可写作 2021-03-05、2021/3/5、2021.3.5 或 2021年3月5日）")
    if not year_in_range(result.year):
        raise CellError(f"日期 {result.isoformat()} 超出范围（{MIN_YEAR}–{max_year()} 年）")
    return result


def patent_number(value: Any) -> str:
    """The normalised application number; the message of a wrong one comes from patent_numbers."""
    try:
        return patent_numbers.normalise(as_text(value))
    except patent_numbers.PatentNumberError as error:
        raise CellError(str(error)) from None


def person_name(value: Any) -> str:
    result = as_text(value)
    if len(result) > MAX_NAME:
        raise CellError(f"姓名不能超过 {MAX_NAME} 个字")
    return result


def names(value: Any) -> list[str]:
    """Names in order, split as the forms and search split them (record_fields.NAME_SEPARATORS)."""
    result = split_names(as_text(value))
    if not result:
        raise CellError("未填写姓名")
    try:
        check_names(result)
    except FieldError as error:
        raise CellError(str(error)) from None
    return result


_HONOUR_SEPARATORS = re.compile(r"[、，,；;]+")
_HONOUR = re.compile(r"(?P<title>.+?)\s*(?:[（(]\s*(?P<y1>\d{4})\s*年?\s*[）)]|\s(?P<y2>\d{4})\s*年?)")


def honours(value: Any) -> list[tuple[str, int | None]]:
    """全国劳动模范（2015）、朝阳工匠(2019)、五一劳动奖章 2017、技术能手 → [(title, year or None)]."""
    result: list[tuple[str, int | None]] = []
    for item in _HONOUR_SEPARATORS.split(as_text(value)):
        item = item.strip()
        if not item:
            continue
        match = _HONOUR.fullmatch(item)  # not NFKC: a title keeps its own full-width brackets
        if match:
            title, given = match.group("title").strip(), int(match.group("y1") or match.group("y2"))
            if not year_in_range(given):
                raise CellError(f"荣誉“{item}”的年份 {given} 超出范围（{MIN_YEAR}–{max_year()}）")
        else:
            title, given = item, None
        if len(title) > 60:
            raise CellError(f"荣誉称号“{title[:10]}…”超过 60 个字")
        if (title, given) not in result:
            result.append((title, given))
    return result


# ---------------------------------------------------------------- writing cells

def label(member) -> str | None:
    return member.label if member is not None else None


def format_honours(person) -> str:
    """The leader's honours as 全国劳动模范（2015）、朝阳工匠（2019）."""
    return "、".join(h.display for h in person.honours) if person is not None else ""


def summary_title(studio) -> tuple[Level | None, int | None]:
    """The 级别 and 命名年份 the 工作室 sheet shows: the highest valid title.

    A studio whose titles are all revoked shows its highest revoked one, so its row still
    imports; the 工作室称号 sheet carries the revocation and wins on import.
    """
    if studio.level is not None:
        return studio.level, studio.named_year
    best = max(studio.titles, key=lambda t: (t.level.rank, t.year), default=None)
    return (best.level, best.year) if best else (None, None)


def _related_title(patent) -> str:
    # Only a public achievement is named: the export holds approved achievements only.
    related = patent.achievement
    return related.title if related is not None and related.is_public else ""


# ---------------------------------------------------------------- the sheets

def _choices(enum_cls) -> tuple[str, ...]:
    return tuple(enum_cls.labels())


STUDIOS = SheetSpec("工作室", (
    Column("name", "名称", True, text(120), lambda s: s.name, 30),
    Column("level", "级别", True, choice(Level, "级别"), lambda s: label(summary_title(s)[0]), 8,
           choices=_choices(Level)),
    Column("leader", "领办人", True, person_name, lambda s: s.leader.name if s.leader else None, 10),
    Column("honours", "领办人荣誉", False, honours, lambda s: format_honours(s.leader), 32, default=[]),
    Column("host_unit", "依托单位", True, text(120), lambda s: s.host_unit, 28),
    Column("industry", "行业", True, text(40), lambda s: s.industry, 12),
    Column("district", "所在地区", True, choice(District, "所在地区"), lambda s: label(s.district), 14,
           choices=_choices(District)),
    Column("named_year", "命名年份", True, year, lambda s: summary_title(s)[1], 10, "0"),
    Column("members", "成员人数", False, member_count, lambda s: s.members, 10, "0"),
    Column("intro", "简介", False, text(), lambda s: s.intro, 50, default=""),
))

ACHIEVEMENTS = SheetSpec("成果", (
    Column("title", "成果名称", True, text(200), lambda a: a.title, 36),
    Column("category", "类别", True, choice(Category, "类别"), lambda a: label(a.category), 12,
           choices=_choices(Category)),
    Column("studio", "所属工作室", True, text(120), lambda a: a.studio.name, 30),
    Column("completers", "完成人", True, names, lambda a: "、".join(p.name for p in a.completers), 24,
           default=[]),
    Column("year", "完成年份", True, year, lambda a: a.year, 10, "0"),
    Column("value_wan", "经济效益(万元)", False, amount_wan,
           lambda a: float(a.value_wan) if a.value_wan is not None else None, 14, "0.00",
           aliases=("经济效益", "经济效益(万)")),
    Column("summary", "摘要", False, text(), lambda a: a.summary, 50, default=""),
))

PATENTS = SheetSpec("专利", (
    Column("number", "专利号", True, patent_number, lambda p: p.display_number, 20,
           aliases=("申请号", "专利申请号")),
    Column("title", "专利名称", True, text(200), lambda p: p.title, 36),
    Column("kind", "专利类型", True, choice(PatentKind, "专利类型"), lambda p: label(p.kind), 10,
           choices=_choices(PatentKind)),
    Column("studio", "所属工作室", True, text(120), lambda p: p.studio.name, 30),
    Column("inventors", "发明人", True, names, lambda p: "、".join(x.name for x in p.inventors), 24,
           default=[]),
    Column("patentee", "专利权人", False, text(200), lambda p: p.patentee, 24, default=""),
    Column("filing_date", "申请日", False, a_date, lambda p: p.filing_date, 12, "yyyy-mm-dd"),
    Column("grant_date", "授权日", False, a_date, lambda p: p.grant_date, 12, "yyyy-mm-dd"),
    Column("achievement", "关联成果", False, text(200), _related_title, 30, default=""),
    Column("abstract", "摘要", False, text(), lambda p: p.abstract, 50, default=""),
))

# Optional: the full title history, so export → import keeps revoked and earlier titles.
TITLES = SheetSpec("工作室称号", (
    Column("studio", "工作室名称", True, text(120), lambda t: t.studio.name, 30),
    Column("level", "级别", True, choice(Level, "级别"), lambda t: label(t.level), 8,
           choices=_choices(Level)),
    Column("year", "年份", True, year, lambda t: t.year, 8, "0"),
    Column("conferred_by", "授予单位", False, text(120), lambda t: t.conferred_by, 24, default=""),
    Column("doc_number", "文号", False, text(80), lambda t: t.doc_number, 24, default=""),
    Column("state", "状态", False, choice(TitleState, "状态"), lambda t: label(t.state), 8,
           choices=_choices(TitleState), default=TitleState.VALID),
), required=False)

SHEETS = (STUDIOS, ACHIEVEMENTS, PATENTS, TITLES)


def header_key(header: Any) -> str:
    """A header as compared: NFKC (so （）＊ match ()*), no spaces, no trailing required mark."""
    normal = re.sub(r"\s+", "", unicodedata.normalize("NFKC", as_text(header) if header is not None else ""))
    return normal.rstrip("*")
