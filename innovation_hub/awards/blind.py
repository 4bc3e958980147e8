"""匿名评审: entries as a blind round's judges (and the public, while it is scored) may read them.

The view objects here are what the judge's pages and the vote page render. For a blind reader they carry no
studio, host unit or completer fields at all, and every text they do carry (title, summary, proof file names) has
the names of the entry's completers, the studio's leader, the studio and its host unit replaced by MASK, so
"张三操作法" by 张三 reads "××操作法". Redaction happens here, in one place, never in a template.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import PurePath

from ..models import Category
from .models import Nomination

MASK = "××"
KINDS = {"application/pdf": "PDF", "image/jpeg": "JPG", "image/png": "PNG"}


def names_of(nomination: Nomination) -> list[str]:
    """The names a blind reader must not see: studio, host unit, leader, completers (2+ characters), longest first
    (so 张三丰 is masked whole before 张三 is looked for)."""
    studio, achievement = nomination.studio, nomination.achievement
    names = {studio.name, studio.host_unit, *(person.name for person in achievement.completers)}
    if studio.leader is not None:
        names.add(studio.leader.name)
    return sorted({n.strip() for n in names if n and len(n.strip()) >= 2}, key=lambda n: (-len(n), n))


def redact(text: str, names: list[str]) -> str:
    """`text` with every occurrence of each name replaced by MASK."""
    if not text or not names:
        return text or ""
    return re.sub("|".join(re.escape(n) for n in names), MASK, text)


@dataclass(frozen=True)
class ProofView:
    id: int
    name: str  # the original name, redacted for a blind reader
    kind: str  # PDF, JPG, PNG
    downloadable: bool


@dataclass(frozen=True)
class EntryView:
    """One entry as its reader may see it; studio, host_unit and completers are None for a blind reader."""

    nomination_id: int
    title: str
    category: Category
    year: int
    value_wan: Decimal | None
    summary: str
    blind: bool
    studio: str | None = None
    host_unit: str | None = None
    completers: tuple[str, ...] | None = None
    files: tuple[ProofView, ...] = ()


def entry_view(nomination: Nomination, blind: bool, reader=None) -> EntryView:
    """The entry for a blind reader or not; with its proof files when `reader` (the judge) is given."""
    achievement = nomination.achievement
    names = names_of(nomination) if blind else []
    files: tuple[ProofView, ...] = ()
    if reader is not None:
        proofs = sorted(achievement.proof_files, key=lambda f: (f.created_at or datetime.min, f.id))
        files = tuple(ProofView(f.id, _file_name(f.original_name, names) if blind else f.original_name,
                                KINDS.get(f.content_type, ""), f.can_download(reader)) for f in proofs)
    common = dict(nomination_id=nomination.id, title=redact(achievement.title, names), category=achievement.category,
                  year=achievement.year, value_wan=achievement.value_wan,
                  summary=redact(achievement.summary or "", names), blind=blind, files=files)
    if blind:
        return EntryView(**common)
    return EntryView(**common, studio=nomination.studio.name, host_unit=nomination.studio.host_unit,
                     completers=tuple(p.name for p in achievement.completers))


def _file_name(name: str, names: list[str]) -> str:
    """A redacted file name; a name that was nothing but a name becomes 证明材料 plus its extension."""
    path = PurePath(name or "")
    stem = redact(path.stem, names)
    return (stem if stem.strip(MASK + " -_") else "证明材料") + path.suffix


def title_of(nomination: Nomination, blind: bool) -> str:
    """The entry's title as a blind reader (or not) may see it."""
    return redact(nomination.achievement.title, names_of(nomination) if blind else [])
