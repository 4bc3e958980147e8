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
from typing import ClassVar

from ..models import Category
from .models import Nomination
from .proof_files import judges_achievement

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
    name: str  # as shown: the original name, or for a blind reader "证明材料 N：" and the name redacted
    kind: str  # PDF, JPG, PNG
    downloadable: bool


@dataclass(frozen=True)
class EntryView:
    """One entry as a blind reader may see it: it has no studio, host unit or completer fields at all."""

    blind: ClassVar[bool] = True
    nomination_id: int
    title: str
    category: Category
    year: int
    value_wan: Decimal | None
    summary: str
    files: tuple[ProofView, ...]


@dataclass(frozen=True)
class NamedEntryView(EntryView):
    """One entry as a reader of an open round sees it: with its studio, host unit and completers."""

    blind: ClassVar[bool] = False
    studio: str
    host_unit: str | None
    completers: tuple[str, ...]


def entry_view(nomination: Nomination, blind: bool, reader=None) -> EntryView:
    """The entry for a blind reader (an EntryView) or not (a NamedEntryView); with its proof files when `reader`
    (the judge) is given, in a constant number of queries whatever their number."""
    achievement = nomination.achievement
    names = names_of(nomination) if blind else []
    files = _files(achievement, names, blind, reader) if reader is not None else ()
    common = dict(nomination_id=nomination.id, title=redact(achievement.title, names), category=achievement.category,
                  year=achievement.year, value_wan=achievement.value_wan,
                  summary=redact(achievement.summary or "", names), files=files)
    if blind:
        return EntryView(**common)
    return NamedEntryView(**common, studio=nomination.studio.name, host_unit=nomination.studio.host_unit,
                          completers=tuple(p.name for p in achievement.completers))


def _files(achievement, names: list[str], blind: bool, reader) -> tuple[ProofView, ...]:
    """The achievement's proof files, oldest first, as `reader` may open them: ProofFile.can_download, with the
    judge's rule (proof_files.judges_achievement) asked once for all of them rather than once per file."""
    proofs = sorted(achievement.proof_files, key=lambda f: (f.created_at or datetime.min, f.id))
    judging = bool(proofs) and judges_achievement(reader, achievement.id)
    shown = []
    for position, f in enumerate(proofs, start=1):
        name = f"证明材料 {position}：{_file_name(f.original_name, names)}" if blind else f.original_name
        shown.append(ProofView(f.id, name, KINDS.get(f.content_type, ""), judging or f.open_to(reader)))
    return tuple(shown)


def _file_name(name: str, names: list[str]) -> str:
    """A redacted file name; a name that was nothing but a name becomes 证明材料 plus its extension."""
    path = PurePath(name or "")
    stem = redact(path.stem, names)
    return (stem if stem.strip(MASK + " -_") else "证明材料") + path.suffix


def title_of(nomination: Nomination, blind: bool) -> str:
    """The entry's title as a blind reader (or not) may see it."""
    return redact(nomination.achievement.title, names_of(nomination) if blind else [])
