"""Query-string parameters read into values, with a clear Chinese 400 for a bad one (lists, filters, the API)."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from .errors import BadRequest
from .record_fields import MIN_YEAR

# A year filter spans every year a record may carry, and a little beyond: asking for 2030 finds nothing, not a 400.
MAX_YEAR = 2100


def enum_arg(args: MultiDict, name: str, enum_cls, title: str):
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    member = enum_cls.from_label(raw)
    if member is None:
        raise BadRequest(f"{title}“{raw}”无效，可选：{'、'.join(enum_cls.labels())}")
    return member


def int_arg(args: MultiDict, name: str, title: str, low: int = MIN_YEAR, high: int = MAX_YEAR) -> int | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"{title}“{raw}”不是整数") from None
    if not low <= value <= high:
        raise BadRequest(f"{title}应在 {low} 到 {high} 之间")
    return value


def page_arg(args: MultiDict) -> int:
    return int_arg(args, "page", "页码", 1, 100000) or 1


def per_page_arg(args: MultiDict, default: int) -> int:
    return int_arg(args, "per_page", "每页条数", 1, 100) or default


def flag_arg(args: MultiDict, name: str, title: str) -> bool:
    """A checkbox or switch parameter: ticked (1/on/true) or not (absent, 0/off/false)."""
    return bool_arg(args, name, title) or False


def bool_arg(args: MultiDict, name: str, title: str) -> bool | None:
    """A yes/no parameter: True, False, or None when absent (no filter)."""
    raw = (args.get(name) or "").strip().lower()
    if not raw:
        return None
    if raw in ("1", "on", "true", "yes", "是"):
        return True
    if raw in ("0", "off", "false", "no", "否"):
        return False
    raise BadRequest(f"{title}“{raw}”无效，可选：1（是）、0（否）")
