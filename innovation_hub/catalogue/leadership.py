"""Leader terms (领办人任期): who led a studio from when to when, so a former leader keeps "曾领办".

Every path that sets Studio.leader goes through here: the office's leader change, upsert_studio
(seed, tests) and the bulk ledger import (catalogue/bulk.py), which writes rows without the ORM.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import insert, select, update

from ..extensions import db
from ..models import local_today
from .models import LeaderTerm, Person, Studio


def open_term(studio: Studio) -> LeaderTerm | None:
    return db.session.execute(
        select(LeaderTerm).where(LeaderTerm.studio_id == studio.id, LeaderTerm.ended_on.is_(None))
    ).scalars().first()


def set_leader(studio: Studio, person: Person, on: date | None, created: bool = False) -> bool:
    """Make `person` the leader from `on`: the running term ends that day and a new one starts.

    A new studio's first term has no start date unless given. Returns whether the leader changed.
    """
    session = db.session
    if not created and studio.leader is person:
        return False
    if studio.id is None:
        session.flush()
    if not created:
        current = open_term(studio)
        if current is not None:
            current.ended_on = on or local_today()
    studio.leader = person
    if person.id is None:
        session.flush()
    session.add(LeaderTerm(studio_id=studio.id, person_id=person.id, started_on=on))
    return True


def sync_terms_bulk(session, leaders: dict[int, int], created: set[int], on: date) -> None:
    """The bulk import's leaders {studio id: person id}: end the running term of a studio whose leader
    changed and start the new one; a created studio gets its first term (start unknown)."""
    if not leaders:
        return
    running = dict(session.execute(select(LeaderTerm.studio_id, LeaderTerm.person_id).where(
        LeaderTerm.studio_id.in_(list(leaders)), LeaderTerm.ended_on.is_(None))).all())
    changed = [sid for sid, pid in leaders.items() if sid not in created and running.get(sid) not in (None, pid)]
    if changed:
        session.execute(update(LeaderTerm).where(LeaderTerm.studio_id.in_(changed), LeaderTerm.ended_on.is_(None))
                        .values(ended_on=on))
    new = [{"studio_id": sid, "person_id": leaders[sid], "started_on": None if sid in created or sid not in running
            else on} for sid in leaders if sid in created or sid in changed or sid not in running]
    if new:
        session.execute(insert(LeaderTerm), new)


def terms_of_studio(studio_id: int) -> list[LeaderTerm]:
    """Every term, the current first, then the latest ended."""
    terms = db.session.execute(select(LeaderTerm).where(LeaderTerm.studio_id == studio_id)
                               .order_by(LeaderTerm.id.desc())).scalars().all()
    return sorted(terms, key=lambda t: (t.ended_on is not None, -(t.ended_on.toordinal() if t.ended_on else 0)))


def former_terms_of_person(person_id: int) -> list[LeaderTerm]:
    """The ended terms of a person (曾领办), latest first."""
    return list(db.session.execute(
        select(LeaderTerm).where(LeaderTerm.person_id == person_id, LeaderTerm.ended_on.is_not(None))
        .order_by(LeaderTerm.ended_on.desc())).scalars())
