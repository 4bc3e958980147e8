"""Check-then-write services under concurrent requests: one decision wins, the rest are refused, nothing 500s.

On SQLite, BEGIN IMMEDIATE already runs writers one at a time; on PostgreSQL (TEST_DB=postgresql) these
found 4 approvals of one record and a UniqueViolation before the services took row locks.
"""

from __future__ import annotations

import threading
from collections import Counter

from sqlalchemy import func, select
from werkzeug.exceptions import HTTPException

from innovation_hub.accounts.models import User
from innovation_hub.audit.models import AuditEntry
from innovation_hub.awards import judge_scores
from innovation_hub.awards.models import Assignment, Score
from innovation_hub.catalogue.models import Achievement
from innovation_hub.catalogue.services import CatalogueError
from innovation_hub.extensions import db
from innovation_hub.models import RecordStatus
from innovation_hub.submissions import services
from tests.awards.helpers import assignments, build
from tests.factories import gen_studio, gen_user
from tests.review.helpers import submitted


def run_together(app, calls: list) -> Counter:
    """Run each call(session-bound loader) in its own thread and app context, all released at once.

    Returns how many ended "ok", refused with a message for the user (a 4xx), or with anything else.
    """
    barrier = threading.Barrier(len(calls))
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker(call):
        with app.app_context():
            try:
                prepared = call()
                barrier.wait(timeout=30)
                prepared()
                outcome = "ok"
            except (CatalogueError, HTTPException):
                outcome = "refused"
            except Exception as error:  # what a request would have turned into a 500
                outcome = f"error: {type(error).__name__}: {error}"
            finally:
                db.session.remove()
            with lock:
                outcomes.append(outcome)

    threads = [threading.Thread(target=worker, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    db.session.rollback()  # the caller reads what the threads wrote, not a snapshot from before
    return Counter(outcomes)


def _decide(record_id: int, admin_id: int, approve: bool):
    def prepare():
        admin = db.session.get(User, admin_id)
        record = db.session.get(Achievement, record_id)
        db.session.commit()  # like a view: the objects are loaded before the service runs
        if approve:
            return lambda: services.approve_record(admin, record)
        return lambda: services.return_record(admin, record, "材料不全")
    return prepare


def _audited(record_id: int) -> Counter:
    rows = db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.target_type == "achievement", AuditEntry.target_id == record_id,
        AuditEntry.action.in_(("record.approve", "record.return"))))
    return Counter(rows)


def test_ten_concurrent_approvals_of_one_record_approve_it_once(app):
    admins = [gen_user() for _ in range(10)]
    record = submitted(gen_studio(), "并发审核的成果")
    outcomes = run_together(app, [_decide(record.id, a.id, True) for a in admins])
    assert outcomes == Counter(ok=1, refused=9)
    assert _audited(record.id) == Counter({"record.approve": 1})


def test_approvals_and_returns_at_once_make_one_decision_that_the_log_agrees_with(app):
    admins = [gen_user() for _ in range(10)]
    record = submitted(gen_studio(), "同时通过与退回的成果")
    outcomes = run_together(app, [_decide(record.id, a.id, i % 2 == 0) for i, a in enumerate(admins)])
    assert outcomes == Counter(ok=1, refused=9)
    status = db.session.get(Achievement, record.id).status
    logged = _audited(record.id)
    assert sum(logged.values()) == 1
    assert logged["record.approve" if status is RecordStatus.APPROVED else "record.return"] == 1


def test_concurrent_draft_saves_of_one_judge_keep_one_score_per_criterion(app):
    stage = build(entries=1, judges=1)
    assignment = assignments(stage.round)[0]
    criteria = [c.id for c in stage.round.criteria]
    judge_id, assignment_id = assignment.judge_id, assignment.id

    def save(points: int):
        def prepare():
            judge = db.session.get(User, judge_id)
            target = db.session.get(Assignment, assignment_id)
            db.session.commit()
            return lambda: judge_scores.save_scores(judge, target, {c: points for c in criteria})
        return prepare

    outcomes = run_together(app, [save(i + 1) for i in range(8)])
    assert outcomes == Counter(ok=8)
    per_criterion = dict(db.session.execute(
        select(Score.criterion_id, func.count()).where(Score.assignment_id == assignment_id)
        .group_by(Score.criterion_id)).tuples().all())
    assert per_criterion == {c: 1 for c in criteria}


def test_two_studios_naming_the_same_new_person_at_once_both_save(app):
    from innovation_hub.catalogue.models import Person
    from innovation_hub.models import Category

    studios = [gen_studio(f"并发工作室{i}", host_unit="同一家工厂") for i in range(4)]
    owners = [gen_user(role="studio", studio=s) for s in studios]

    def save(owner_id: int, n: int):
        def prepare():
            owner = db.session.get(User, owner_id)
            owner.studio  # noqa: B018  (loaded before the race, like a view's current_user)
            db.session.commit()
            return lambda: services.save_achievement(owner, services.AchievementData(
                studio_name="", title=f"同时填报的成果{n}", category=Category.INNOVATION, year=2024,
                completers=["新同事甲", "新同事乙"]))
        return prepare

    outcomes = run_together(app, [save(o.id, i) for i, o in enumerate(owners)])
    assert outcomes == Counter(ok=4)
    names = db.session.scalars(select(Person.name).where(Person.host_unit == "同一家工厂", Person.name.like("新同事%")))
    assert sorted(names) == ["新同事乙", "新同事甲"]
