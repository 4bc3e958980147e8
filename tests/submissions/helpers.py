"""Form data, sample files and small helpers for the studio-area tests."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from flask import current_app

from innovation_hub.catalogue import patent_numbers
from innovation_hub.models import PatentKind

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def closed(response):
    """The response read and closed: a streamed file or a spooled upload must not be left open."""
    response.get_data()
    response.close()
    return response


def text(response) -> str:
    return response.get_data(as_text=True)


def achievement_form(**changes) -> dict:
    values = {"title": "带电作业绝缘杆伸缩式改进", "category": "innovation", "year": "2023",
              "completers": "王建国、李红", "value_wan": "12.5", "summary": "把绝缘杆改为伸缩式，便于携带。"}
    values.update(changes)
    return values


def patent_number(kind: PatentKind = PatentKind.UTILITY, serial: int = 123456, year: int = 2021) -> str:
    return patent_numbers.make_number(year, kind, serial)


def patent_form(**changes) -> dict:
    values = {"number": "ZL" + patent_number(), "title": "一种伸缩式绝缘操作杆", "kind": "utility",
              "inventors": "王建国 李红", "patentee": "示例机械厂", "filing_date": "2021-03-01",
              "grant_date": "2021-09-10", "achievement": "", "abstract": "本实用新型公开了一种伸缩式绝缘操作杆。"}
    values.update(changes)
    return values


def uploads() -> set[str]:
    folder = Path(current_app.instance_path) / "uploads"
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


def next_year() -> int:
    return date.today().year + 1
