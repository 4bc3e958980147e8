"""Entity cards: a query that names a person, a studio or a host unit (依托单位) gets a card above the
records, linking to the person's page, the studio's page, or the studios of the unit.

Read from SQL, not the index: people by exact name (the people table's (name, host_unit) index),
studios by exact name (unique index) or the query inside the name or host unit (a LIKE over the
studios table: one row per studio, 4 % of the catalogue). Only what is public: a person with a public
trace (catalogue.queries.person_record's rule), any studio (摘牌 ones marked, as their pages are).
A query inside a name must be specific: 4+ characters, 2+ of them beyond the words every studio
or company name has (创新工作室, 有限公司, …), and at most MAX_CARDS studios or units hold it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask import url_for
from sqlalchemy import bindparam, func, or_, select

from ..catalogue.models import Achievement, AchievementCompleter, LeaderTerm, Patent, PatentInventor, Person, Studio
from ..catalogue.queries import record_counts
from ..extensions import db
from ..models import RecordStatus
from . import analysis

MAX_CARDS = 3  # of each kind; more studios or units holding the query: it names none of them
MAX_QUERY_CHARS = 60
MIN_CONTAINED_CHARS = 4
# Words in most studio and unit names: a query made of them alone names no one studio.
_GENERIC = re.compile(r"劳模|工匠|职工|技能大师|创新|工作室|股份|有限|责任|集团|公司|分公司")
_HAN = re.compile(r"[\u3400-\u9fff]")


@dataclass
class StudioLink:
    name: str
    url: str
    delisted: bool


@dataclass
class Entity:
    """One card: what the query names, where it leads, and a line of what it is."""

    type: str  # "person", "studio" or "host_unit"
    name: str
    url: str
    description: str
    delisted: bool = False
    studios: list[StudioLink] = field(default_factory=list)  # a host unit's studios

    @property
    def label(self) -> str:
        return {"person": "人物", "studio": "工作室", "host_unit": "依托单位"}[self.type]

    def as_json(self) -> dict:
        return {"type": self.type, "name": self.name, "url": self.url, "description": self.description,
                "delisted": self.delisted,
                "studios": [{"name": s.name, "url": s.url, "delisted": s.delisted} for s in self.studios]}


def _studio_link(studio: Studio) -> StudioLink:
    return StudioLink(studio.name, url_for("catalogue.studio_detail", studio_id=studio.id), studio.is_delisted)


def _public_count(link, owner, model):
    """A person's public records through a completer or inventor link, as a correlated subquery."""
    return (select(func.count(func.distinct(owner))).join(model, model.id == owner)
            .where(link.person_id == Person.id, model.status == RecordStatus.APPROVED)
            .correlate(Person).scalar_subquery())


# The statements are built once, with their lists as expanding parameters: building one per request
# (three correlated counts, a LIKE per text) cost more than SQLite's look-ups, for every query typed.
_PEOPLE = select(
    Person.id, Person.name, Person.host_unit,
    _public_count(AchievementCompleter, AchievementCompleter.achievement_id, Achievement),
    _public_count(PatentInventor, PatentInventor.patent_id, Patent),
    select(LeaderTerm.id).where(LeaderTerm.person_id == Person.id, LeaderTerm.ended_on.is_not(None))
    .correlate(Person).exists(),
).where(Person.name.in_(bindparam("names", expanding=True)))
_LED_BY = select(Studio).where(Studio.leader_id.in_(bindparam("ids", expanding=True))).order_by(Studio.id)
_NAMED = (Studio.name.in_(bindparam("texts", expanding=True)),
          Studio.host_unit.in_(bindparam("texts", expanding=True)))
_STUDIOS_NAMED = select(Studio.id).where(or_(*_NAMED)).order_by(Studio.id).limit(50)
# The query (as typed, and in simplified characters) inside a name or host unit, LIKE-escaped by _like().
_STUDIOS_CONTAINING = select(Studio.id).where(or_(*_NAMED, *(
    column.contains(bindparam(name), escape="\\")
    for name in ("inside_1", "inside_2") for column in (Studio.name, Studio.host_unit)))).order_by(Studio.id).limit(50)
_STUDIOS = select(Studio).where(Studio.id.in_(bindparam("ids", expanding=True))).order_by(Studio.id)


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _people(names: set[str]) -> list[Entity]:
    # One statement for the people and their counts, one for the studios they lead: a name that is
    # no one's costs a single look-up in the (name, host_unit) index.
    # Plain rows (the connection, not the session's ORM results): most queries name no one, and the
    # session's result handling was most of their cost.
    rows = db.session.connection().execute(_PEOPLE, {"names": list(names)}).all()
    if not rows:
        return []
    led: dict[int, list[Studio]] = {}
    for studio in db.session.execute(_LED_BY, {"ids": [r[0] for r in rows]}).scalars():
        led.setdefault(studio.leader_id, []).append(studio)
    cards = []
    for person_id, name, host_unit, n_achievements, n_patents, led_before in rows:
        studios = led.get(person_id, [])
        if not (studios or n_achievements or n_patents or led_before):
            continue  # known only from unpublished records: not public (person_record's rule)
        roles = [role for role, present in (("领办人", studios), ("完成人", n_achievements),
                                             ("发明人", n_patents)) if present] or ["原领办人"]
        parts = [" · ".join(roles)]
        if n_achievements:
            parts.append(f"{n_achievements} 项成果")
        if n_patents:
            parts.append(f"{n_patents} 项专利")
        parts.extend(s.name + ("（已摘牌）" if s.is_delisted else "") for s in studios)
        if not studios and host_unit:
            parts.append(host_unit)
        cards.append((n_achievements + n_patents + len(studios), Entity(
            "person", name, url_for("catalogue.person_detail", person_id=person_id), " · ".join(parts))))
    cards.sort(key=lambda pair: -pair[0])
    return [card for _, card in cards[:MAX_CARDS]]


def _specific(text: str) -> bool:
    return len(text) >= MIN_CONTAINED_CHARS and len(_GENERIC.sub("", text)) >= 2


def _studios(texts: set[str]) -> list[Entity]:
    contained = [t for t in texts if _specific(t)]
    if contained:
        inside = [_like(t) for t in contained] * 2  # one or two texts for the statement's two places
        ids = db.session.connection().execute(_STUDIOS_CONTAINING, {
            "texts": list(texts), "inside_1": inside[0], "inside_2": inside[1]}).scalars().all()
    else:
        ids = db.session.connection().execute(_STUDIOS_NAMED, {"texts": list(texts)}).scalars().all()
    studios = list(db.session.execute(_STUDIOS, {"ids": ids}).scalars()) if ids else []
    exact = [s for s in studios if s.name in texts]
    named = exact or [s for s in studios if any(t in s.name for t in contained)]
    units: dict[str, list[Studio]] = {}
    for studio in studios:
        if studio.host_unit in texts or any(t in studio.host_unit for t in contained):
            units.setdefault(studio.host_unit, []).append(studio)
    if not exact and len(named) > MAX_CARDS:
        named = []
    exact_units = {u: s for u, s in units.items() if u in texts}
    units = exact_units or (units if len(units) <= MAX_CARDS else {})
    cards = []
    counts = record_counts([s.id for s in named])
    for studio in named[:MAX_CARDS]:
        n_achievements, n_patents = counts[studio.id]
        parts = ["创新工作室", studio.host_unit]
        if studio.leader:
            parts.append(f"领办人 {studio.leader.name}")
        parts += [f"{n_achievements} 项成果", f"{n_patents} 项专利"]
        cards.append(Entity("studio", studio.name, url_for("catalogue.studio_detail", studio_id=studio.id),
                            " · ".join(parts), delisted=studio.is_delisted))
    for unit, members in list(units.items())[:MAX_CARDS]:
        if len(members) == 1 and members[0] in named:
            continue  # the studio's own card already says its unit
        delisted = any(s.is_delisted for s in members)  # the list hides 摘牌 studios unless asked
        cards.append(Entity("host_unit", unit, url_for("catalogue.studio_list", q=unit,
                                                       include_delisted=1 if delisted else None),
                            f"依托单位 · {len(members)} 个工作室",
                            studios=[_studio_link(s) for s in members[:MAX_CARDS]]))
    return cards


def find(text: str) -> list[Entity]:
    """The people, studios and host units the query names: cards, people first."""
    text = " ".join((text or "").split())
    if not text or len(text) > MAX_QUERY_CHARS or not _HAN.search(text):
        return []
    whole = {text, analysis.to_simplified(text)}
    names = whole | {analysis.to_simplified(word) for word in text.split()}
    return _people({n for n in names if 2 <= len(n) <= 50}) + _studios(whole)
