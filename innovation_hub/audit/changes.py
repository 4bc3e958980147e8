"""Before → after text for the audit log: one helper for every service that records what it changed.

A service takes a snapshot (a dict of Chinese field name → shown value) before and after its
change; diff() gives the lines "字段：旧值 → 新值" of the fields that differ.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import Enum

EMPTY = "（空）"
LONG = 40  # characters of a long text shown in the log; the full text stays on the record


def shown(value) -> str:
    """A value as the office reads it in the log."""
    if value is None or value == "" or value == []:
        return EMPTY
    if isinstance(value, Enum):
        return getattr(value, "label", str(value.value))
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "、".join(shown(v) for v in value)
    text = " ".join(str(value).split())
    return text if len(text) <= LONG else text[:LONG] + "…"


def diff(before: dict, after: dict) -> list[str]:
    """The lines "字段：旧值 → 新值" for every field whose shown value changed, in `after`'s order (a field only
    `before` has, as for a deletion, is shown → （空）)."""
    lines = []
    for name in [*after, *(key for key in before if key not in after)]:
        old, new = shown(before.get(name)), shown(after.get(name))
        if old != new:
            lines.append(f"{name}：{old} → {new}")
    return lines


def changed_fields(detail: str) -> list[str]:
    """The field names of a detail written from diff() (the public 修改记录 shows names, not values)."""
    return [line.split("：", 1)[0] for line in detail.splitlines() if "：" in line and "→" in line]


def studio_fields(studio) -> dict:
    return {"名称": studio.name, "依托单位": studio.host_unit, "行业": studio.industry, "所在地区": studio.district,
            "成员人数": studio.members, "简介": studio.intro}


def achievement_fields(achievement) -> dict:
    return {"成果名称": achievement.title, "类别": achievement.category, "完成年份": achievement.year,
            "完成人": [p.name for p in achievement.completers], "经济效益（万元）": achievement.value_wan,
            "成果摘要": achievement.summary}


def patent_fields(patent) -> dict:
    return {"专利号": patent.display_number, "专利名称": patent.title, "专利类型": patent.kind,
            "发明人": [p.name for p in patent.inventors], "专利权人": patent.patentee, "申请日": patent.filing_date,
            "授权日": patent.grant_date, "关联成果": patent.achievement.title if patent.achievement else "",
            "摘要": patent.abstract}
