"""Read side of the review area: the queue of submitted records, a record's history, the audit log."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, String, and_, false, func, literal_column, or_, select, union_all
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import MultiDict

from ..accounts.models import User
from ..audit.models import AuditEntry
from ..audit.services import ACTIONS, VISITOR
from ..catalogue.models import Achievement, Patent, Studio
from ..errors import BadRequest
from ..extensions import db
from ..models import LOCAL_OFFSET, Category, PatentKind, RecordStatus
from ..paging import Page
from ..request_args import enum_arg, int_arg

KINDS = {"achievement": Achievement, "patent": Patent}
KIND_LABELS = {"achievement": "成果", "patent": "专利"}
# What the audit log's target types are called; others (from later features) show as stored.
TARGET_TYPES = {"achievement": "成果", "patent": "专利", "studio": "工作室", "user": "账号", "award_round": "评选",
                "nomination": "参评成果", "assignment": "评审任务", "objection": "异议",
                "ledger_import": "台账", "review_year": "年度考核", "annual_report": "年度报告"}
SUBMITTED = RecordStatus.SUBMITTED
MAX_ID = 2**31 - 1


def kind_of(record: Achievement | Patent) -> str:
    return "achievement" if isinstance(record, Achievement) else "patent"


def _utc_start_of(day: date) -> datetime:
    return datetime.combine(day, time()) - LOCAL_OFFSET


def _text_arg(args: MultiDict, name: str, title: str, max_length: int) -> str:
    text = (args.get(name) or "").strip()
    if len(text) > max_length:
        raise BadRequest(f"{title}不能超过 {max_length} 个字")
    return text


def _choice_arg(args: MultiDict, name: str, title: str, choices: dict[str, str]) -> str | None:
    """A code from `choices` ({code: Chinese label}), given as the code or the label."""
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    if raw in choices:
        return raw
    by_label = {label: code for code, label in choices.items()}
    if raw in by_label:
        return by_label[raw]
    raise BadRequest(f"{title}“{raw}”无效，可选：{'、'.join(choices.values())}")


def _date_arg(args: MultiDict, name: str, title: str) -> date | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise BadRequest(f"{title}“{raw}”格式不对，应写成 2025-03-31 这样的日期") from None


def _as_args(filters) -> dict[str, str]:
    """The filters as query parameters (for links that keep them)."""
    out = {}
    for f in fields(filters):
        value = getattr(filters, f.name)
        if value is None or value == "":
            continue
        out[f.name] = value.value if hasattr(value, "value") else str(value)
    return out


# ---------------------------------------------------------------- the queue


@dataclass(frozen=True)
class QueueFilters:
    type: str | None = None
    studio: int | None = None
    category: Category | None = None
    kind: PatentKind | None = None
    q: str = ""

    @classmethod
    def from_args(cls, args: MultiDict) -> QueueFilters:
        return cls(
            type=_choice_arg(args, "type", "类型", KIND_LABELS),
            studio=int_arg(args, "studio", "工作室编号", 1, MAX_ID),
            category=enum_arg(args, "category", Category, "成果类别"),
            kind=enum_arg(args, "kind", PatentKind, "专利类型"),
            q=_text_arg(args, "q", "标题关键词", 100),
        )

    def includes(self, kind: str) -> bool:
        if self.type is not None and self.type != kind:
            return False
        # A category narrows the queue to achievements, a patent kind to patents.
        if kind == "patent" and self.category is not None:
            return False
        return not (kind == "achievement" and self.kind is not None)

    @property
    def active(self) -> bool:
        return bool(_as_args(self))

    def as_args(self) -> dict[str, str]:
        return _as_args(self)


@dataclass(frozen=True)
class QueueItem:
    kind: str
    record: Achievement | Patent
    times_returned: int

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def is_achievement(self) -> bool:
        return isinstance(self.record, Achievement)


def _queue_part(kind: str, filters: QueueFilters) -> Select:
    model = KINDS[kind]
    stmt = select(
        literal_column(f"'{kind}'", String).label("kind"), model.id.label("id"),
        model.submitted_at.label("submitted_at"),
    ).where(model.status == SUBMITTED)
    if filters.studio:
        stmt = stmt.where(model.studio_id == filters.studio)
    if filters.q:
        stmt = stmt.where(model.title.icontains(filters.q, autoescape=True))
    if kind == "achievement" and filters.category is not None:
        stmt = stmt.where(Achievement.category == filters.category)
    if kind == "patent" and filters.kind is not None:
        stmt = stmt.where(Patent.kind == filters.kind)
    return stmt


def queue_select(filters: QueueFilters) -> Select:
    """(kind, id, submitted_at) of every submitted record that passes the filters, newest submission first."""
    parts = [_queue_part(kind, filters) for kind in KINDS if filters.includes(kind)]
    if not parts:  # e.g. 类型=成果 with a patent kind: nothing can match
        parts = [_queue_part("achievement", filters).where(false())]
    rows = (union_all(*parts) if len(parts) > 1 else parts[0]).subquery("queue")
    return select(rows.c.kind, rows.c.id, rows.c.submitted_at).order_by(
        rows.c.submitted_at.desc().nulls_last(), rows.c.kind, rows.c.id.desc()
    )


def queue_page(filters: QueueFilters, page: int, per_page: int) -> Page:
    """One page of the queue; its items are QueueItems (4 statements, whatever the page size)."""
    stmt = queue_select(filters)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    shown = Page([], page, per_page, total)
    rows = db.session.execute(stmt.limit(per_page).offset(shown.offset)).all()
    ids: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        ids[row.kind].append(row.id)
    loaded = {}
    for kind, wanted in ids.items():
        model = KINDS[kind]
        for record in db.session.execute(
            select(model).where(model.id.in_(wanted)).options(joinedload(model.studio))
        ).scalars():
            loaded[kind, record.id] = record
    returns = _times_returned(ids)
    shown.items = [QueueItem(row.kind, loaded[row.kind, row.id], returns.get((row.kind, row.id), 0))
                   for row in rows if (row.kind, row.id) in loaded]
    return shown


def _times_returned(ids: dict[str, list[int]]) -> dict[tuple[str, int], int]:
    conditions = [and_(AuditEntry.target_type == kind, AuditEntry.target_id.in_(wanted))
                  for kind, wanted in ids.items() if wanted]
    if not conditions:
        return {}
    rows = db.session.execute(
        select(AuditEntry.target_type, AuditEntry.target_id, func.count())
        .where(AuditEntry.action == "record.return", or_(*conditions))
        .group_by(AuditEntry.target_type, AuditEntry.target_id)
    ).all()
    return {(kind, target_id): n for kind, target_id, n in rows}


def queue_studios(selected: int | None = None) -> list[tuple[int, str, int]]:
    """(id, name, records waiting) of every studio with something in the queue, and the selected one."""
    rows = union_all(*[select(model.studio_id.label("studio_id")).where(model.status == SUBMITTED)
                       for model in KINDS.values()]).subquery()
    options = [tuple(row) for row in db.session.execute(
        select(Studio.id, Studio.name, func.count()).join(rows, rows.c.studio_id == Studio.id)
        .group_by(Studio.id, Studio.name).order_by(Studio.name)
    ).all()]
    if selected and selected not in {option[0] for option in options}:
        studio = db.session.get(Studio, selected)
        if studio is not None:
            options.insert(0, (studio.id, studio.name, 0))
    return options


def queue_count() -> int:
    """How many records wait for review, in one statement (the admin navigation shows it on every page)."""
    counts = [select(func.count()).select_from(model).where(model.status == SUBMITTED).scalar_subquery()
              for model in KINDS.values()]
    return db.session.execute(select(counts[0] + counts[1])).scalar_one()


# ---------------------------------------------------------------- one record


def find_record(kind: str, record_id: int) -> Achievement | Patent | None:
    model = KINDS.get(kind)
    return db.session.get(model, record_id) if model is not None else None


def record_history(kind: str, record_id: int) -> list[AuditEntry]:
    """Everything the audit log holds about one record, oldest first."""
    return list(db.session.execute(
        select(AuditEntry).where(AuditEntry.target_type == kind, AuditEntry.target_id == record_id)
        .order_by(AuditEntry.created_at, AuditEntry.id)
    ).scalars())


# ---------------------------------------------------------------- the audit log


@dataclass(frozen=True)
class AuditFilters:
    actor: str = ""
    action: str | None = None
    target_type: str | None = None
    target_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None

    @classmethod
    def from_args(cls, args: MultiDict) -> AuditFilters:
        filters = cls(
            actor=_text_arg(args, "actor", "操作人", 80),
            action=_choice_arg(args, "action", "操作", ACTIONS),
            target_type=_choice_arg(args, "target_type", "对象类型", TARGET_TYPES),
            target_id=int_arg(args, "target_id", "对象编号", 1, MAX_ID),
            date_from=_date_arg(args, "date_from", "开始日期"),
            date_to=_date_arg(args, "date_to", "结束日期"),
        )
        if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
            raise BadRequest("开始日期不能晚于结束日期")
        return filters

    def apply(self, stmt: Select) -> Select:
        if self.actor:
            stmt = stmt.where(AuditEntry.actor_name == self.actor)
        if self.action:
            stmt = stmt.where(AuditEntry.action == self.action)
        if self.target_type:
            stmt = stmt.where(AuditEntry.target_type == self.target_type)
        if self.target_id:
            stmt = stmt.where(AuditEntry.target_id == self.target_id)
        # Dates are days in 北京时间: 2025-03-31 runs from 2025-03-30 16:00 to 2025-03-31 16:00 UTC.
        if self.date_from:
            stmt = stmt.where(AuditEntry.created_at >= _utc_start_of(self.date_from))
        if self.date_to:
            stmt = stmt.where(AuditEntry.created_at < _utc_start_of(self.date_to + timedelta(days=1)))
        return stmt

    @property
    def active(self) -> bool:
        return bool(_as_args(self))


def audit_select(filters: AuditFilters) -> Select:
    return filters.apply(select(AuditEntry)).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())


def target_states(entries: list[AuditEntry]) -> dict[tuple[str, int], RecordStatus | None]:
    """What each entry's target is now: a record's status, None for a studio or account; absent when deleted."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for entry in entries:
        if entry.target_id is not None:
            wanted[entry.target_type].add(entry.target_id)
    states: dict[tuple[str, int], RecordStatus | None] = {}
    for kind, model in KINDS.items():
        if wanted.get(kind):
            for record_id, status in db.session.execute(
                    select(model.id, model.status).where(model.id.in_(wanted[kind]))):
                states[kind, record_id] = status
    for target_type, model in (("studio", Studio), ("user", User)):
        if wanted.get(target_type):
            for (target_id,) in db.session.execute(select(model.id).where(model.id.in_(wanted[target_type]))):
                states[target_type, target_id] = None
    return states


def actor_names() -> list[str]:
    """Suggestions for the actor filter: every account, the command line, and 访客 (failed logins)."""
    return [*db.session.execute(select(User.username).order_by(User.username)).scalars(), "命令行",
            VISITOR]
