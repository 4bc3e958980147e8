"""JSON shapes of the public API (DESIGN.md): records as plain dicts with Chinese labels."""

from __future__ import annotations

from decimal import Decimal

from flask import url_for

from ..catalogue.figures import HonestFigures
from ..catalogue.models import Achievement, Patent, Person, Studio
from ..catalogue.queries import CatalogueStats, PersonRecord


def money(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def label(member) -> str | None:
    return member.label if member is not None else None


def person_ref(person: Person) -> dict:
    return {"id": person.id, "name": person.name, "url": url_for("catalogue.person_detail", person_id=person.id)}


def studio_ref(studio: Studio) -> dict:
    return {"id": studio.id, "name": studio.name, "url": url_for("catalogue.studio_detail", studio_id=studio.id)}


def studio_summary(studio: Studio, counts: tuple[int, int] | None = None) -> dict:
    out = {
        **studio_ref(studio),
        "level": label(studio.level),
        "named_year": studio.named_year,
        "leader": person_ref(studio.leader) if studio.leader else None,
        "host_unit": studio.host_unit,
        "industry": studio.industry,
        "district": label(studio.district),
        "status": label(studio.status),
        "delisted_on": studio.delisted_on.isoformat() if studio.delisted_on else None,
    }
    if counts is not None:
        out["achievements"], out["patents"] = counts
    return out


def achievement_summary(a: Achievement) -> dict:
    return {
        "id": a.id,
        "title": a.title,
        "category": label(a.category),
        "year": a.year,
        "value_wan": money(a.value_wan),
        "url": url_for("catalogue.achievement_detail", achievement_id=a.id),
    }


def patent_summary(p: Patent) -> dict:
    return {
        "id": p.id,
        "number": p.display_number,
        "title": p.title,
        "kind": label(p.kind),
        "filing_date": p.filing_date.isoformat() if p.filing_date else None,
        "grant_date": p.grant_date.isoformat() if p.grant_date else None,
        "legal_status": label(p.legal_status),
        "url": url_for("catalogue.patent_detail", patent_id=p.id),
    }


def studio_detail(studio: Studio, achievements: list[Achievement], patents: list[Patent]) -> dict:
    return {
        **studio_summary(studio),
        "leader": person_detail_ref(studio.leader) if studio.leader else None,
        "members": studio.members,
        "intro": studio.intro,
        "titles": [
            {
                "level": t.level.label,
                "conferred_by": t.conferred_by,
                "year": t.year,
                "doc_number": t.doc_number,
                "state": t.state.label,
                "revoked_on": t.revoked_on.isoformat() if t.revoked_on else None,
            }
            for t in studio.titles
        ],
        "achievements": [achievement_summary(a) for a in achievements],
        "patents": [patent_summary(p) for p in patents],
    }


def person_detail_ref(person: Person) -> dict:
    return {**person_ref(person), "host_unit": person.host_unit, "honours": honours(person)}


def honours(person: Person) -> list[dict]:
    return [{"title": h.title, "year": h.year} for h in person.honours]


def achievement_detail(a: Achievement) -> dict:
    return {
        **achievement_summary(a),
        "studio": studio_ref(a.studio),
        "completers": [person_ref(p) for p in a.completers],
        "summary": a.summary,
        "patents": [patent_summary(p) for p in a.patents if p.is_public],
        "value_lines": [{"year": line.year, "amount_wan": money(line.amount_wan), "basis": line.basis,
                         "status": label(line.status)} for line in a.value_lines],
    }


def patent_detail(p: Patent) -> dict:
    related = p.achievement if p.achievement is not None and p.achievement.is_public else None
    return {
        **patent_summary(p),
        "studio": studio_ref(p.studio),
        "inventors": [person_ref(person) for person in p.inventors],
        "patentee": p.patentee,
        "term_end": p.term_end.isoformat() if p.term_end else None,
        "legal_status_code": p.legal_status.value,
        "legal_status_overridden": p.legal_status_override is not None,
        "legal_status_reason": p.legal_status_reason if p.legal_status_override is not None else "",
        "achievement": achievement_summary(related) if related else None,
        "abstract": p.abstract,
    }


def person_detail(record: PersonRecord) -> dict:
    return {
        **person_detail_ref(record.person),
        "studios_led": [studio_ref(s) for s in record.studios_led],
        "achievements": [achievement_summary(a) for a in record.achievements],
        "patents": [patent_summary(p) for p in record.patents],
    }


def stats(s: CatalogueStats, figures: HonestFigures) -> dict:
    """The contract's fields, then the honest parts (patents by legal status, value by verification)."""
    return {
        "studios": s.studios,  # 有效 studios; with include_delisted=1 the 摘牌 ones too
        "studios_by_level": {k.label: v for k, v in s.studios_by_level.items()},
        "achievements": s.achievements,
        "achievements_by_category": {k.label: v for k, v in s.achievements_by_category.items()},
        "patents": s.patents,
        "patents_by_kind": {k.label: v for k, v in s.patents_by_kind.items()},
        "value_wan": money(s.value_wan),
        "by_year": {str(k): v for k, v in s.by_year.items()},
        "by_industry": s.by_industry,
        "by_district": {k.label: v for k, v in s.by_district.items()},
        "patents_granted": figures.patents_granted,
        "patents_in_force": figures.patents_in_force,
        "patents_pending": figures.patents_pending,
        "patents_by_legal_status": {k.label: v for k, v in figures.patents_by_status.items()},
        "value_verified_wan": money(figures.value_verified_wan),
        "value_self_reported_wan": money(figures.value_self_reported_wan),
    }
