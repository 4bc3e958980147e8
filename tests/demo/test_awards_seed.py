"""seed-demo's award rounds: a finished round in 公示 with 10 优秀, an open one where the demo judge has work to do."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from innovation_hub.accounts.models import User
from innovation_hub.awards import queries, scoring, snapshot
from innovation_hub.awards.models import (
    Assignment,
    AwardRound,
    NominationState,
    Objection,
    RoundState,
    Score,
)
from innovation_hub.catalogue.models import Studio
from innovation_hub.demo.accounts import demo_judge_note, demo_logins
from innovation_hub.demo.awards import (
    CRITERIA,
    FINISHED_ROUND,
    OPEN_ROUND,
    QUOTA_GAP,
    settle_quota,
)
from innovation_hub.demo.seed import AS_OF
from innovation_hub.extensions import db
from innovation_hub.models import RecordStatus, utcnow
from tests.databases import TEST_CONFIG, demo_app, demo_site

JUDGES = [f"评委{n:02d}" for n in range(1, 8)]


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    """One copy of the session's demo site for the module: an app context, and seed_demo's summary."""
    with demo_app(tmp_path_factory.mktemp("awards-demo") / "instance", TEST_CONFIG) as app, app.app_context():
        yield demo_site.record.summary
        db.session.remove()
        db.engine.dispose()


def _round(name: str) -> AwardRound:
    return db.session.execute(select(AwardRound).where(AwardRound.name == name)).scalar_one()


def _assignments(award_round: AwardRound, conflict: bool = False) -> list[Assignment]:
    return list(db.session.scalars(select(Assignment).where(
        Assignment.round_id == award_round.id, Assignment.conflict.is_(conflict))))


def _rankings() -> dict[str, list[tuple]]:
    published = snapshot.latest(_round(FINISHED_ROUND), RoundState.PUBLICITY).data["entries"]
    live = queries.ranking(_round(OPEN_ROUND)).entries
    titles = {n.id: (n.title, n.studio.name) for n in queries.qualified(_round(OPEN_ROUND))}
    return {
        FINISHED_ROUND: [(e["rank"], e["title"], e["studio"], round(e["final"], 6), e["excellent"]) for e in published],
        OPEN_ROUND: [(r.rank, *titles[r.entry_id], r.final and round(r.final, 6)) for r in live],
    }


def test_the_finished_round_has_the_rules_of_an_annual_round(seeded):
    award_round = _round(FINISHED_ROUND)
    assert award_round.state is RoundState.PUBLICITY
    assert award_round.year == AS_OF.year - 1  # the catalogue's latest full year
    assert [(c.name, c.max_points, c.weight) for c in award_round.criteria] == [
        ("先进性", 20, Decimal("1.00")), ("实用性", 20, Decimal("1.00")), ("经济效益", 40, Decimal("1.00")),
        ("社会效益", 20, Decimal("1.00"))]
    assert all(c.guide for c in award_round.criteria)
    assert (award_round.quota, award_round.judges_per_entry, award_round.trimmed, award_round.trim_from) == \
        (10, 5, True, 5)
    # 公示 runs for 7 days from seeding.
    assert award_round.publicity_ends_at - award_round.publicity_starts_at == timedelta(days=7)
    assert utcnow() - timedelta(hours=1) < award_round.publicity_starts_at <= utcnow()

    nominations = queries.nominations(award_round)
    assert len(nominations) == 111 and {n.state for n in nominations} == {NominationState.QUALIFIED}
    # The round's own rules held: approved, completed in its last N years, at most M per studio.
    assert all(n.achievement.status is RecordStatus.APPROVED for n in nominations)
    assert all(award_round.year - award_round.recent_years <= n.achievement.year <= award_round.year
               for n in nominations)
    assert max(Counter(n.studio_id for n in nominations).values()) <= award_round.max_per_studio
    # The demo studio's account nominated its own entry.
    studio_account = db.session.execute(select(User).where(User.username == "studio")).scalar_one()
    own = [n for n in nominations if n.studio_id == studio_account.studio_id]
    assert own and all(n.nominated_by_id == studio_account.id for n in own)

    judges = [j.user for j in award_round.judges]
    assert [u.username for u in judges] == JUDGES and [j.number for j in award_round.judges] == list(range(1, 8))
    host_units = set(db.session.scalars(select(Studio.host_unit)))
    assert all(u.unit in host_units and u.display_name and u.display_name != u.username for u in judges)


def test_every_assignment_of_the_finished_round_is_scored_and_submitted(seeded):
    award_round = _round(FINISHED_ROUND)
    rows = _assignments(award_round)
    assert Counter(a.nomination_id for a in rows) == {n.id: 5 for n in queries.nominations(award_round)}
    assert all(a.is_submitted for a in rows)
    loads = Counter(a.judge_id for a in rows)
    assert len(loads) == 7 and max(loads.values()) - min(loads.values()) <= 1
    scores = db.session.scalars(select(Score).join(Score.assignment).where(
        Assignment.round_id == award_round.id, Assignment.conflict.is_(False))).all()
    assert len(scores) == len(rows) * len(CRITERIA)
    assert all(0 <= s.points <= s.max_points and s.points * 2 == int(s.points * 2) for s in scores)
    assert len({s.points for s in scores}) > 20  # judges differ: not one score copied everywhere
    declared = _assignments(award_round, conflict=True)
    assert len(declared) == 1 and not declared[0].scores
    assert queries.missing_scores(award_round) == []


def test_the_published_ranking_has_ten_excellent_and_a_clear_boundary(seeded):
    award_round = _round(FINISHED_ROUND)
    data = snapshot.latest(award_round, RoundState.PUBLICITY).data
    entries = data["entries"]
    assert len(entries) == 111 and all(e["rank"] is not None for e in entries)
    assert [e["rank"] for e in entries if e["excellent"]] == list(range(1, 11))
    assert data["warnings"] == []
    assert entries[9]["final"] - entries[10]["final"] >= QUOTA_GAP - 1e-9
    assert all(len(e["judge_totals"]) == 5 and len(e["dropped"]) == 2 for e in entries)  # trimmed mean
    # What was published is what the scores give now.
    assert [(r.entry_id, r.rank) for r in queries.ranking(award_round).entries] == \
        [(e["id"], e["rank"]) for e in entries]
    # Two objections, one answered, so the administrator has one to answer before 表彰.
    objections = db.session.scalars(select(Objection).where(Objection.round_id == award_round.id)).all()
    assert sorted(o.answered_at is not None for o in objections) == [False, True]


def test_no_judge_is_given_an_entry_of_its_own_studio_or_host_unit(seeded):
    clashes = 0
    for name in (FINISHED_ROUND, OPEN_ROUND):
        award_round = _round(name)
        for a in _assignments(award_round):
            studio = a.nomination.studio
            assert a.judge.unit != studio.host_unit and a.judge.studio_id != studio.id, (name, a.id)
        units = {j.user.unit for j in award_round.judges}
        clashes += sum(n.studio.host_unit in units for n in queries.nominations(award_round))
    assert clashes >= 3  # the judges' units host some entries: auto_assign had conflicts to avoid


def test_the_open_round_leaves_the_demo_judge_entries_to_score(seeded):
    award_round = _round(OPEN_ROUND)
    assert award_round.state is RoundState.SCORING
    assert len(queries.nominations(award_round)) == 20 and award_round.judges_per_entry == 3
    judge = db.session.execute(select(User).where(User.username == "judge")).scalar_one()
    assert judge.id in {j.user_id for j in award_round.judges}
    listed = queries.judge_assignments(judge, award_round)
    unscored = [e for e in listed if e.scored == 0 and not e.submitted]
    assert len(unscored) >= 5
    assert listed[0] in unscored  # the first entry on its list is still to do
    assert any(e.submitted for e in listed) and any(0 < e.scored < e.criteria for e in listed)
    # Other judges are part way: progress pages have something to show.
    progress = {p.number: (p.submitted, p.assigned) for p in queries.judge_progress(award_round)}
    done = [submitted for submitted, assigned in progress.values()]
    assert any(s == a for s, a in progress.values()) and 0 < sum(done) < 60


def test_the_demo_judges_are_not_demo_logins(seeded):
    assert [account.username for account, _ in demo_logins()] == ["admin", "judge", "studio"]
    text = seeded.describe()
    assert FINISHED_ROUND in text and OPEN_ROUND in text and "评委01…评委07 不能登录" in text
    assert "评委01…评委07" in demo_judge_note() and "不能登录" in demo_judge_note()


def test_settle_quota_separates_a_tie_at_the_boundary():
    # Entries 0 and 1 tie on every tie-break; with a quota of 1 one of them must drop below the other by the gap.
    same = [Decimal(15), Decimal(15), Decimal(30), Decimal(15)]
    points = {(entry, judge): list(same) for entry in range(3) for judge in range(3)}
    points[2, 0][2] = Decimal(10)
    method = scoring.Method(quota=1)
    steps = settle_quota(points, method)
    assert steps >= 1
    criteria = [scoring.Criterion(i, name, float(top)) for i, (name, top, _) in enumerate(CRITERIA)]
    marks = [scoring.Mark(j, e, c.id, float(p[c.id])) for (e, j), p in points.items() for c in criteria]
    ranked = scoring.rank_entries(criteria, marks, method).entries
    assert ranked[0].final - ranked[1].final >= QUOTA_GAP - 1e-9
    assert settle_quota(points, method) == 0  # already clear: nothing changes
