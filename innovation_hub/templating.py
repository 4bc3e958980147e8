"""Jinja filters and globals: how figures and labels are written for people."""

from __future__ import annotations

from decimal import Decimal

from flask import Flask, request, url_for

from .models import local_time


def format_wan(value) -> str:
    """An amount in 万元, written in 亿元 from 1 亿 up (12000 → 1.2 亿元)."""
    if value is None:
        return "—"
    amount = Decimal(value)
    if amount >= 10000:
        return f"{(amount / 10000).normalize():f} 亿元"
    text = f"{amount.quantize(Decimal('0.01')):f}".rstrip("0").rstrip(".")
    return f"{text} 万元"


def format_wan_exact(value) -> str:
    """An amount always in 万元, without trailing zeros (a part next to a headline written in 亿元)."""
    if value is None:
        return "—"
    text = f"{Decimal(value).quantize(Decimal('0.01')):f}".rstrip("0").rstrip(".")
    return f"{text} 万元"


def url_with(**changes) -> str:
    """The current URL with some query parameters changed (None removes one); page resets."""
    args = request.args.to_dict()
    if "page" not in changes:
        args.pop("page", None)
    for key, value in changes.items():
        if value is None or value == "":
            args.pop(key, None)
        else:
            args[key] = value
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def format_local_time(value, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored UTC time written in 北京时间, or a dash."""
    return local_time(value).strftime(fmt) if value else "—"


def figure_part(item: tuple, endpoint: str, arg: str) -> tuple[str, str]:
    """(label and count, URL of the list filtered to it) for one part of a home-page figure."""
    member, count = item
    return f"{member.label} {count}", url_for(endpoint, **{arg: member.value})


def register(app: Flask) -> None:
    app.jinja_env.filters["wan"] = format_wan
    app.jinja_env.filters["wan_exact"] = format_wan_exact
    app.jinja_env.filters["figure_part"] = figure_part
    app.jinja_env.filters["local_time"] = format_local_time
    app.jinja_env.globals["url_with"] = url_with
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def site_names():
        return {
            "site_name": app.config["SITE_NAME"],
            "short_site_name": app.config["SHORT_SITE_NAME"],
            "org_name": app.config["ORG_NAME"],
        }
