"""The catalogue's tables: Studio, Person, Achievement and Patent (DESIGN.md's records and ledger), leader terms,
per-year value lines and the catalogue version."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, event
from sqlalchemy.ext.associationproxy import AssociationProxy, association_proxy
from sqlalchemy.ext.orderinglist import ordering_list
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from ..extensions import db
from ..models import (
    Category,
    District,
    Hundredths,
    LegalStatus,
    Level,
    PatentKind,
    RecordStatus,
    StudioStatus,
    TimestampMixin,
    TitleState,
    ValueStatus,
    enum_column,
    local_today,
)
from . import legal_status, patent_numbers

# A studio may change a record while it is a draft or has been returned to it.
EDITABLE = (RecordStatus.DRAFT, RecordStatus.RETURNED)


class SubmittedRecord:
    """What achievements and patents share as records a studio submits and administrators review."""

    NOUN: str  # 成果 / 专利, as messages name the kind
    AUDIT_TARGET: str  # the audit log's target type

    @property
    def label(self) -> str:
        """成果“…” / 专利“…”, as messages and the audit log name the record."""
        return f"{self.NOUN}“{self.title}”"

    @property
    def is_public(self) -> bool:
        return self.status is RecordStatus.APPROVED

    def can_view(self, user) -> bool:
        """The public sees approved records; a studio its own; administrators everything."""
        if self.status is RecordStatus.APPROVED:
            return True
        return user.is_authenticated and (user.is_admin or user.studio_id == self.studio_id)

    def can_edit(self, user) -> bool:
        """Only the owning studio, and only while a draft or returned."""
        return user.is_authenticated and user.studio_id == self.studio_id and self.status in EDITABLE

    def can_submit(self, user) -> bool:
        return self.can_edit(user)

    def can_review(self, user) -> bool:
        return user.is_authenticated and user.is_admin and self.status is RecordStatus.SUBMITTED


class Person(TimestampMixin, db.Model):
    """A worker; the same name in the same host unit is the same person."""

    __tablename__ = "people"
    __table_args__ = (UniqueConstraint("name", "host_unit", name="uq_people_name_host_unit"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    host_unit: Mapped[str] = mapped_column(String(120), default="")
    honours: Mapped[list[Honour]] = relationship(
        back_populates="person", cascade="all, delete-orphan",
        # Unknown years last on every database (SQLite sorts NULL first, PostgreSQL last).
        order_by=lambda: (Honour.year.asc().nulls_last(), Honour.id),
    )

    def __repr__(self) -> str:
        return f"<Person {self.name} @ {self.host_unit}>"


class Honour(db.Model):
    """An honour such as 全国劳模 or 五一劳动奖章, with the year it was given."""

    __tablename__ = "honours"
    __table_args__ = (UniqueConstraint("person_id", "title", "year", name="uq_honours_person_title_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(60))
    year: Mapped[int | None]
    person: Mapped[Person] = relationship(back_populates="honours")

    @property
    def display(self) -> str:
        return f"{self.title}（{self.year}）" if self.year else self.title


def highest_valid_title(titles):
    """The title a studio's 级别 shows: the highest valid one, the latest of equals; None when none is valid.

    Takes anything with level, year and state (StudioTitle rows, or the services' TitleData).
    """
    valid = [t for t in titles if t.state is TitleState.VALID]
    return max(valid, key=lambda t: (t.level.rank, t.year), default=None)


class Studio(TimestampMixin, db.Model):
    """A model-worker or craftsman innovation studio (创新工作室)."""

    __tablename__ = "studios"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    leader_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    host_unit: Mapped[str] = mapped_column(String(120))
    industry: Mapped[str] = mapped_column(String(40), index=True)
    district: Mapped[District] = mapped_column(enum_column(District), index=True)
    members: Mapped[int | None]
    intro: Mapped[str] = mapped_column(Text, default="")
    # The highest valid title's level and year, kept by refresh_level(): the list filters on it.
    level: Mapped[Level | None] = mapped_column(enum_column(Level), index=True)
    named_year: Mapped[int | None]
    # 有效 until the office 摘牌s the studio (studio lifecycle); lists and figures count 有效 studios by default.
    status: Mapped[StudioStatus] = mapped_column(
        enum_column(StudioStatus), default=StudioStatus.ACTIVE, server_default=StudioStatus.ACTIVE.value, index=True
    )
    delisted_on: Mapped[date | None]

    leader: Mapped[Person | None] = relationship(lazy="joined")
    titles: Mapped[list[StudioTitle]] = relationship(
        back_populates="studio", order_by="StudioTitle.year", cascade="all, delete-orphan"
    )
    achievements: Mapped[list[Achievement]] = relationship(back_populates="studio")
    patents: Mapped[list[Patent]] = relationship(back_populates="studio")

    def refresh_level(self) -> None:
        """Set level and named_year from the highest valid title (the latest of equals)."""
        best = highest_valid_title(self.titles)
        self.level = best.level if best else None
        self.named_year = best.year if best else None

    @property
    def is_delisted(self) -> bool:
        return self.status is StudioStatus.DELISTED

    def can_edit_profile(self, user) -> bool:
        return user.is_authenticated and (user.is_admin or user.studio_id == self.id)

    def __repr__(self) -> str:
        return f"<Studio {self.name}>"


class StudioTitle(db.Model):
    """One conferment of a studio title (市级 first, 省级 later, …)."""

    __tablename__ = "studio_titles"
    __table_args__ = (UniqueConstraint("studio_id", "level", "year", name="uq_studio_titles_level_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    studio_id: Mapped[int] = mapped_column(ForeignKey("studios.id", ondelete="CASCADE"), index=True)
    level: Mapped[Level] = mapped_column(enum_column(Level))
    conferred_by: Mapped[str] = mapped_column(String(120), default="")
    year: Mapped[int]
    doc_number: Mapped[str] = mapped_column(String(80), default="")
    state: Mapped[TitleState] = mapped_column(enum_column(TitleState), default=TitleState.VALID)
    # A revoked title (撤销, or every title at a 摘牌) keeps when, by which document and why.
    revoked_on: Mapped[date | None]
    revoke_doc_number: Mapped[str] = mapped_column(String(80), default="", server_default="")
    revoke_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    studio: Mapped[Studio] = relationship(back_populates="titles")

    @property
    def is_revoked(self) -> bool:
        return self.state is TitleState.REVOKED

    def revoke(self, on: date, doc_number: str, reason: str) -> None:
        """Mark the title 撤销; the caller refreshes the studio's level (Studio.refresh_level)."""
        self.state = TitleState.REVOKED
        self.revoked_on = on
        self.revoke_doc_number = doc_number.strip()
        self.revoke_reason = reason.strip()


class AchievementCompleter(db.Model):
    """Completer number `position` (0 first) of an achievement."""

    __tablename__ = "achievement_completers"

    achievement_id: Mapped[int] = mapped_column(
        ForeignKey("achievements.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    person: Mapped[Person] = relationship(lazy="joined")


class PatentInventor(db.Model):
    """Inventor number `position` (0 first) of a patent."""

    __tablename__ = "patent_inventors"

    patent_id: Mapped[int] = mapped_column(ForeignKey("patents.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    person: Mapped[Person] = relationship(lazy="joined")


class Achievement(SubmittedRecord, TimestampMixin, db.Model):
    """成果: an innovation result of a studio."""

    __tablename__ = "achievements"
    NOUN, AUDIT_TARGET = "成果", "achievement"
    __table_args__ = (
        UniqueConstraint("studio_id", "title", name="uq_achievements_studio_title"),
        Index("ix_achievements_status_year", "status", "year"),
        Index("ix_achievements_studio_status", "studio_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    studio_id: Mapped[int] = mapped_column(ForeignKey("studios.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    category: Mapped[Category] = mapped_column(enum_column(Category), index=True)
    year: Mapped[int]
    value_wan: Mapped[Decimal | None] = mapped_column(Hundredths)
    summary: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[RecordStatus] = mapped_column(enum_column(RecordStatus), default=RecordStatus.DRAFT)
    return_reason: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime | None]

    studio: Mapped[Studio] = relationship(back_populates="achievements")
    completer_links: Mapped[list[AchievementCompleter]] = relationship(
        order_by=AchievementCompleter.position,
        collection_class=ordering_list("position"),
        cascade="all, delete-orphan",
    )
    completers: AssociationProxy[list[Person]] = association_proxy(
        "completer_links", "person", creator=lambda person: AchievementCompleter(person=person)
    )
    patents: Mapped[list[Patent]] = relationship(back_populates="achievement")

    def __repr__(self) -> str:
        return f"<Achievement {self.title}>"


class Patent(SubmittedRecord, TimestampMixin, db.Model):
    """专利, stored under its normalised application number."""

    __tablename__ = "patents"
    NOUN, AUDIT_TARGET = "专利", "patent"
    __table_args__ = (
        Index("ix_patents_studio_status", "studio_id", "status"),
        # The legal-status filter and counts: granted or not, the term's last day against today, the override;
        # with the other facets' columns it covers the list's counts (100k patents: /patents?legal_status=in_force
        # 1785 → 469 ms uncached, counting by status 365 → 62 ms).
        Index("ix_patents_status_grant_term", "status", "grant_date", "term_end", "legal_status_override", "kind",
              "filing_date", "studio_id"),
        # The filing-year filter and facet of the public list.
        Index("ix_patents_status_filing", "status", "filing_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[PatentKind] = mapped_column(enum_column(PatentKind), index=True)
    studio_id: Mapped[int] = mapped_column(ForeignKey("studios.id"), index=True)
    patentee: Mapped[str] = mapped_column(String(200), default="")
    filing_date: Mapped[date | None]
    grant_date: Mapped[date | None]
    # The last day of protection, from kind and filing date (patent_numbers.term_end), kept on every ORM
    # write by _keep_term_end below and by catalogue/bulk.py: stored so the legal status filters in SQL.
    term_end: Mapped[date | None]
    # An administrator's 法律状态 (e.g. 失效 after unpaid fees) overriding the derived one, with the reason.
    legal_status_override: Mapped[LegalStatus | None] = mapped_column(enum_column(LegalStatus))
    legal_status_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    achievement_id: Mapped[int | None] = mapped_column(
        ForeignKey("achievements.id", ondelete="SET NULL"), index=True
    )
    abstract: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[RecordStatus] = mapped_column(
        enum_column(RecordStatus), default=RecordStatus.DRAFT, index=True
    )
    return_reason: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime | None]

    studio: Mapped[Studio] = relationship(back_populates="patents")
    achievement: Mapped[Achievement | None] = relationship(back_populates="patents")
    inventor_links: Mapped[list[PatentInventor]] = relationship(
        order_by=PatentInventor.position,
        collection_class=ordering_list("position"),
        cascade="all, delete-orphan",
    )
    inventors: AssociationProxy[list[Person]] = association_proxy(
        "inventor_links", "person", creator=lambda person: PatentInventor(person=person)
    )

    @property
    def display_number(self) -> str:
        return patent_numbers.display(self.number)

    @property
    def legal_status(self) -> LegalStatus:
        return legal_status.derive(self.grant_date, self.term_end, self.legal_status_override, local_today())

    @property
    def derived_legal_status(self) -> LegalStatus:
        """What the dates say, whatever an administrator set."""
        return legal_status.derive(self.grant_date, self.term_end, None, local_today())

    def __repr__(self) -> str:
        return f"<Patent {self.display_number}>"


class LeaderTerm(db.Model):
    """One term of a person as a studio's leader; ended_on is None while it runs."""

    __tablename__ = "studio_leader_terms"
    __table_args__ = (Index("ix_studio_leader_terms_studio_ended", "studio_id", "ended_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    studio_id: Mapped[int] = mapped_column(ForeignKey("studios.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    # None: began before the site kept terms (the migration's backfill, a studio first imported).
    started_on: Mapped[date | None]
    ended_on: Mapped[date | None]

    studio: Mapped[Studio] = relationship()
    person: Mapped[Person] = relationship(lazy="joined")

    @property
    def is_current(self) -> bool:
        return self.ended_on is None

    @property
    def years(self) -> str:
        """2016–2023, 2016 起, or 至 2023 when the start is not known."""
        start = str(self.started_on.year) if self.started_on else ""
        if self.ended_on is None:
            return f"{start} 起" if start else ""
        return f"{start}–{self.ended_on.year}" if start else f"至 {self.ended_on.year}"


# The lines of an achievement and their rules: catalogue/value_lines.py.
class ValueLine(TimestampMixin, db.Model):
    """One year's economic value of an achievement, with how it was measured and an optional evidence file."""

    __tablename__ = "value_lines"
    __table_args__ = (Index("ix_value_lines_achievement_status", "achievement_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    achievement_id: Mapped[int] = mapped_column(ForeignKey("achievements.id", ondelete="CASCADE"))
    year: Mapped[int]
    amount_wan: Mapped[Decimal] = mapped_column(Hundredths)
    basis: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ValueStatus] = mapped_column(
        enum_column(ValueStatus), default=ValueStatus.SELF_REPORTED, server_default=ValueStatus.SELF_REPORTED.value
    )
    # The evidence file, checked and stored as proof files are (innovation_hub/uploads.py).
    evidence_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    evidence_stored_name: Mapped[str | None] = mapped_column(String(80), unique=True)
    evidence_content_type: Mapped[str] = mapped_column(String(40), default="", server_default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verified_at: Mapped[datetime | None]

    achievement: Mapped[Achievement] = relationship(backref=backref(
        "value_lines", order_by=lambda: (ValueLine.year, ValueLine.id), cascade="all, delete-orphan"))
    verified_by = relationship("User", foreign_keys=[verified_by_id], lazy="joined")

    @property
    def is_verified(self) -> bool:
        return self.status is ValueStatus.VERIFIED

    @property
    def label(self) -> str:
        return f"{self.year} 年 {self.amount_wan} 万元"


# Bumped by catalogue/versioning.py's session listeners.
class CatalogueVersion(db.Model):
    """A single row (id 1) whose version grows with every committed catalogue change."""

    __tablename__ = "catalogue_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(default=1)


@event.listens_for(Patent, "before_insert")
@event.listens_for(Patent, "before_update")
def _keep_term_end(_mapper, _connection, patent: Patent) -> None:
    """Every ORM write of a patent (any service) keeps its term end agreeing with kind and filing date."""
    patent.term_end = patent_numbers.term_end(patent.kind, patent.filing_date)


