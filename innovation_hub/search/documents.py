"""Search documents built from the database, the source of truth, with a few set-based queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta

from sqlalchemy import func, select

from ..catalogue.models import Achievement, AchievementCompleter, Patent, PatentInventor, Person, Studio
from ..extensions import db
from ..models import RecordStatus
from . import analysis

CHUNK = 500  # ids per IN (…) list


def _chunks(ids: list[int] | None) -> Iterator[list[int] | None]:
    if ids is None:
        yield None
        return
    for i in range(0, len(ids), CHUNK):
        yield ids[i:i + CHUNK]


def _names(link, owner_column, ids: list[int] | None) -> dict[int, list[str]]:
    stmt = select(owner_column, Person.name).join(Person, Person.id == link.person_id).order_by(
        owner_column, link.position
    )
    if ids is not None:
        stmt = stmt.where(owner_column.in_(ids))
    out: dict[int, list[str]] = defaultdict(list)
    for owner, name in db.session.execute(stmt):
        out[owner].append(name)
    return out


def _value(member) -> str:
    return member.value if member is not None else ""


_EPOCH = datetime(1970, 1, 1)


def version(updated_at: datetime | None) -> int:
    """A record's updated_at as the integer a document keeps (microseconds since 1970, UTC)."""
    return (updated_at.replace(tzinfo=None) - _EPOCH) // timedelta(microseconds=1) if updated_at else 0


TEXT_ENCODING = "utf-16-le"  # body_runs: read back as one str, where a character's offset is its byte offset / 2


def _text_fields(title: str, body: str | None) -> dict:
    body = body or ""
    return {"title": title, "title_grams": title, "title_pinyin": title, "title_len": len(title), "body_len": len(body),
            "title_runs": analysis.run_text(title).encode(), "body_runs": analysis.run_text(body).encode(TEXT_ENCODING)}


def _people_fields(names: list[str]) -> dict:
    people = "、".join(names)
    return {"people": people, "people_pinyin": people}


def _studio_fields(studio_id, level, industry, district) -> dict:
    # A record's studio is found by its name or host unit through the studio's own document (queries.py),
    # so records do not repeat the studio's words: 9 % of all postings.
    return {"studio_id": studio_id, "studio": "", "level": _value(level), "industry": industry or "",
            "district": _value(district)}


def achievement_docs(ids: list[int] | None = None) -> Iterator[dict]:
    for chunk in _chunks(ids):
        stmt = (
            select(Achievement.id, Achievement.updated_at, Achievement.title, Achievement.summary,
                   Achievement.category, Achievement.year, Studio.id, Studio.level, Studio.industry, Studio.district)
            .join(Studio, Studio.id == Achievement.studio_id)
            .where(Achievement.status == RecordStatus.APPROVED)
        )
        if chunk is not None:
            stmt = stmt.where(Achievement.id.in_(chunk))
        people = _names(AchievementCompleter, AchievementCompleter.achievement_id, chunk)
        for rid, updated_at, title, summary, category, year, *studio in db.session.execute(stmt):
            yield {
                "key": f"achievement:{rid}", "type": "achievement", "record_id": rid, "version": version(updated_at),
                **_text_fields(title, summary),
                **_people_fields(people.get(rid, [])), "category": _value(category), "kind": "",
                "year": year, "newest": year * 10000 + 1231, "number": "", **_studio_fields(*studio),
            }


def patent_docs(ids: list[int] | None = None) -> Iterator[dict]:
    for chunk in _chunks(ids):
        stmt = (
            select(Patent.id, Patent.updated_at, Patent.title, Patent.abstract, Patent.kind, Patent.number,
                   Patent.filing_date, Studio.id, Studio.level, Studio.industry, Studio.district)
            .join(Studio, Studio.id == Patent.studio_id)
            .where(Patent.status == RecordStatus.APPROVED)
        )
        if chunk is not None:
            stmt = stmt.where(Patent.id.in_(chunk))
        people = _names(PatentInventor, PatentInventor.patent_id, chunk)
        for rid, updated_at, title, abstract, kind, number, filed, *studio in db.session.execute(stmt):
            yield {
                "key": f"patent:{rid}", "type": "patent", "record_id": rid, "version": version(updated_at),
                **_text_fields(title, abstract),
                **_people_fields(people.get(rid, [])), "category": "", "kind": _value(kind),
                "number": number, "number_grams": number, "year": filed.year if filed else 0,
                "newest": int(filed.strftime("%Y%m%d")) if filed else 0, **_studio_fields(*studio),
            }


def studio_docs(ids: list[int] | None = None) -> Iterator[dict]:
    for chunk in _chunks(ids):
        stmt = select(Studio.id, Studio.updated_at, Studio.name, Studio.intro, Studio.named_year, Person.name,
                      Studio.host_unit, Studio.id, Studio.level, Studio.industry, Studio.district
                      ).outerjoin(Person, Person.id == Studio.leader_id)
        if chunk is not None:
            stmt = stmt.where(Studio.id.in_(chunk))
        for rid, updated_at, name, intro, year, leader, host_unit, *studio in db.session.execute(stmt):
            fields = _studio_fields(*studio)
            fields["studio"] = host_unit  # the name is the title
            yield {
                "key": f"studio:{rid}", "type": "studio", "record_id": rid, "version": version(updated_at),
                **_text_fields(name, intro),
                **_people_fields([leader] if leader else []), "category": "", "kind": "", "number": "",
                "year": year or 0, "newest": (year or 0) * 10000 + 1231, **fields,
                # In pinyin a studio is found by its host unit and industry too (dianli → the 电力 studios),
                # as its Chinese words are; the space keeps initials from running across them.
                "title_pinyin": " ".join(filter(None, (name, host_unit, fields["industry"]))),
            }


BUILDERS = {"achievement": achievement_docs, "patent": patent_docs, "studio": studio_docs}


def count_all() -> int:
    """How many documents a full rebuild writes."""
    return sum(db.session.execute(stmt).scalar() for stmt in (
        select(func.count()).select_from(Studio),
        select(func.count()).select_from(Achievement).where(Achievement.status == RecordStatus.APPROVED),
        select(func.count()).select_from(Patent).where(Patent.status == RecordStatus.APPROVED),
    ))


def all_ids() -> dict[str, list[int]]:
    """The ids of every record a full rebuild writes, by kind, in id order."""
    return {
        "studio": list(db.session.execute(select(Studio.id).order_by(Studio.id)).scalars()),
        "achievement": list(db.session.execute(select(Achievement.id).where(
            Achievement.status == RecordStatus.APPROVED).order_by(Achievement.id)).scalars()),
        "patent": list(db.session.execute(select(Patent.id).where(
            Patent.status == RecordStatus.APPROVED).order_by(Patent.id)).scalars()),
    }


def all_documents() -> Iterator[dict]:
    for build in BUILDERS.values():
        yield from build()


def expand(jobs: Iterable[tuple[str, int]]) -> dict[str, set[int]]:
    """The records to re-index for a set of jobs: a studio's or person's change reaches their records."""
    targets: dict[str, set[int]] = {"achievement": set(), "patent": set(), "studio": set()}
    studios = {rid for kind, rid in jobs if kind == "studio"}
    people = {rid for kind, rid in jobs if kind == "person"}
    for kind, rid in jobs:
        if kind in targets:
            targets[kind].add(rid)
    if studios:
        targets["studio"] |= studios
        ids = list(studios)
        targets["achievement"] |= set(db.session.execute(
            select(Achievement.id).where(Achievement.studio_id.in_(ids))).scalars())
        targets["patent"] |= set(db.session.execute(select(Patent.id).where(Patent.studio_id.in_(ids))).scalars())
    if people:
        ids = list(people)
        targets["studio"] |= set(db.session.execute(select(Studio.id).where(Studio.leader_id.in_(ids))).scalars())
        targets["achievement"] |= set(db.session.execute(select(AchievementCompleter.achievement_id).where(
            AchievementCompleter.person_id.in_(ids))).scalars())
        targets["patent"] |= set(db.session.execute(select(PatentInventor.patent_id).where(
            PatentInventor.person_id.in_(ids))).scalars())
    return targets


def public_versions() -> dict[tuple[str, int], tuple[int, str]]:
    """(kind, id) -> (version, title) of every record the index should hold."""
    out = {}
    for kind, model, title in (("studio", Studio, Studio.name), ("achievement", Achievement, Achievement.title),
                               ("patent", Patent, Patent.title)):
        stmt = select(model.id, model.updated_at, title)
        if model is not Studio:
            stmt = stmt.where(model.status == RecordStatus.APPROVED)
        for rid, updated_at, name in db.session.execute(stmt):
            out[(kind, rid)] = (version(updated_at), name)
    return out


def statuses(kind: str, ids: list[int]) -> dict[int, RecordStatus]:
    """The status of each of `ids` that still exists (achievements and patents)."""
    model = {"achievement": Achievement, "patent": Patent}[kind]
    out = {}
    for chunk in _chunks(sorted(ids)):
        out.update(db.session.execute(select(model.id, model.status).where(model.id.in_(chunk))).all())
    return out
