"""Results: the ranking from stored scores, the frozen snapshot, certificates, the score sheet, disputed entries."""

import json
import math
from collections import defaultdict

from sqlalchemy import text

from innovation_hub.awards import assignment, judge_scores, lifecycle, objections_votes, queries, scoring, snapshot
from innovation_hub.awards.models import Certificate, RoundState, VoteStage
from innovation_hub.database import write_transaction
from innovation_hub.extensions import db
from tests.awards import helpers

MAXES = (20, 20, 40, 20)


def spread_points(j, n, c):
    """Varied points in tenths, different for every judge, entry and criterion."""
    return round(MAXES[c] * ((j * 37 + n * 11 + c * 7) % 10 + 1) / 10, 2)


def marks_from_the_tables(round_id):
    """The submitted, non-conflict scores read straight from the tables, without the award code."""
    rows = db.session.execute(text(
        "SELECT a.judge_id, a.nomination_id, s.criterion_id, s.points FROM award_scores s "
        "JOIN award_assignments a ON a.id = s.assignment_id "
        "WHERE a.round_id = :r AND a.submitted_at IS NOT NULL AND NOT a.conflict"), {"r": round_id}).all()
    return [scoring.Mark(j, e, c, p / 100) for j, e, c, p in rows]  # points are stored in hundredths


def criteria_from_the_tables(round_id):
    rows = db.session.execute(text("SELECT id, name, max_points, weight FROM award_criteria WHERE round_id = :r "
                                   "ORDER BY position, id"), {"r": round_id}).all()
    return [scoring.Criterion(i, name, float(m), w / 100) for i, name, m, w in rows]


def test_the_ranking_is_rank_entries_on_the_stored_submitted_scores(app):
    stage = helpers.build(entries=6, judges=5, trimmed=True, trim_from=5, normalise=True, quota=2)
    helpers.score_all(stage, spread_points)
    # Noise the ranking must ignore: a reopened (unsubmitted) assignment and a conflict set after scoring.
    rows = helpers.assignments(stage.round)
    judge_scores.reopen_score(stage.admin, rows[0], "复核")
    assignment.set_conflict(stage.admin, rows[-1].nomination, db.session.get(type(stage.admin), rows[-1].judge_id),
                            "事后发现利益关系")
    expected = scoring.rank_entries(
        criteria_from_the_tables(stage.round.id), marks_from_the_tables(stage.round.id),
        scoring.Method(trimmed=True, trim_from=5, normalise=True, quota=2),
        entry_ids=[n.id for n in stage.nominations])
    got = queries.ranking(stage.round)
    assert got == expected
    assert len(got.entries[0].judge_totals) == 5 and len(got.entries[0].dropped) == 2
    assert sum(len(r.judge_totals) == 4 for r in got.entries) == 2  # the two entries that lost a judge
    lifecycle.close_scoring(stage.admin, stage.round, force=True)
    lifecycle.publish(stage.admin, stage.round)
    frozen = snapshot.latest(stage.round, RoundState.PUBLICITY).data
    numbers = queries.judge_numbers(stage.round)
    assert [(e["id"], e["rank"], e["excellent"]) for e in frozen["entries"]] == [
        (r.entry_id, r.rank, r.excellent) for r in expected.entries]
    for entry, result in zip(frozen["entries"], expected.entries, strict=True):
        assert entry["final"] == result.final
        assert entry["judge_totals"] == {str(numbers[j]): t for j, t in sorted(
            result.judge_totals.items(), key=lambda kv: numbers[kv[0]])}


def test_public_votes_enter_the_final_score(app):
    stage = helpers.build(entries=2, judges=1, public_vote=True, vote_stage=VoteStage.SCORING, vote_weight="0.8")
    first, second = stage.nominations
    for i in range(4):
        objections_votes.cast_vote(stage.round, first, f"token-{i}", f"10.0.0.{i}")
    objections_votes.cast_vote(stage.round, second, "token-0", "10.0.0.9")
    helpers.score_all(stage, lambda j, n, c: MAXES[c] / 2)  # both entries 50 of 100
    by_id = {r.entry_id: r for r in queries.ranking(stage.round).entries}
    assert (by_id[first.id].votes, by_id[second.id].votes) == (4, 1)
    assert math.isclose(by_id[first.id].final, 50 * 0.8 + 100 * 0.2)
    assert math.isclose(by_id[second.id].final, 50 * 0.8 + 25 * 0.2)


def finished(entries=3, judges=3, quota=2):
    stage = helpers.build(entries=entries, judges=judges, quota=quota)
    helpers.to_publicity(stage, spread_points)
    helpers.end_publicity(stage.round)
    lifecycle.finalise(stage.admin, stage.round)
    return stage


def test_the_snapshot_does_not_change_when_records_are_edited_after_finalisation(app):
    stage = finished()
    final = snapshot.latest(stage.round, RoundState.FINAL)
    before = final.data_json
    titles = [e["title"] for e in final.data["entries"]]
    with write_transaction():
        for achievement in stage.achievements:
            achievement.title = "改名后的" + achievement.title
        stage.studios[0].name = "改名后的工作室"
    db.session.expire_all()
    final = snapshot.latest(stage.round, RoundState.FINAL)
    assert final.data_json == before
    assert [e["title"] for e in final.data["entries"]] == titles
    assert stage.studios[1].name in {e["studio"] for e in final.data["entries"]}
    assert {row.title for row in queries.score_sheet(stage.round)} == set(titles)
    assert "改名后的工作室" not in before


def test_finalising_issues_one_certificate_with_a_unique_serial_per_excellent_entry(app):
    stage = finished(entries=4, quota=2)
    data = snapshot.latest(stage.round, RoundState.FINAL).data
    excellent = [e for e in data["entries"] if e["excellent"]]
    certificates = db.session.scalars(db.select(Certificate).order_by(Certificate.id)).all()
    assert len(excellent) == len(certificates) == 2
    assert [c.nomination_id for c in certificates] == [e["id"] for e in excellent]
    assert [c.serial for c in certificates] == [e["certificate"] for e in excellent]
    assert len({c.serial for c in certificates}) == 2
    assert all("certificate" not in e for e in data["entries"] if not e["excellent"])


def test_the_score_sheet_recomputes_to_the_published_totals(app):
    stage = finished(entries=3, judges=3)
    sheet = queries.score_sheet(stage.round)
    assert len(sheet) == 3 * 3 * 4
    assert {(r.criterion, r.max_points, r.weight) for r in sheet} == {
        ("先进性", 20, 1.0), ("实用性", 20, 1.0), ("经济效益", 40, 1.0), ("社会效益", 20, 1.0)}
    totals = defaultdict(float)
    for row in sheet:
        totals[row.entry_id, str(row.judge_number)] += row.weight * row.points
    published = json.loads(snapshot.latest(stage.round).data_json)
    for entry in published["entries"]:
        for number, total in entry["judge_totals"].items():
            assert math.isclose(totals[entry["id"], number], total)
        assert math.isclose(entry["aggregate"], sum(entry["judge_totals"].values()) / 3)


def test_disputed_entries_are_those_whose_judges_disagree(app):
    stage = helpers.build(entries=2, judges=2)
    # Entry 0: judges give 100 and 40 (spread 60); entry 1: 70 and 72.
    helpers.score_all(stage, lambda j, n, c: round(MAXES[c] * ([1.0, 0.4] if n == 0 else [0.7, 0.72])[j], 2))
    flagged = queries.disputed_entries(stage.round)
    assert [(r.entry_id, round(r.spread, 6)) for r in flagged] == [(stage.nominations[0].id, 60.0)]
    assert queries.disputed_entries(stage.round, threshold=1) == flagged + [
        r for r in queries.ranking(stage.round).entries if r.entry_id == stage.nominations[1].id]


def test_progress_per_judge_and_per_entry(app):
    stage = helpers.build(entries=2, judges=2)
    first = helpers.assignments(stage.round, stage.judges[0])[0]
    judge_scores.save_scores(stage.judges[0], first, {c.id: 1 for c in stage.round.criteria}, submit=True)
    assert [(p.number, p.assigned, p.submitted) for p in queries.judge_progress(stage.round)] == [(1, 2, 1), (2, 2, 0)]
    assert [(p.assigned, p.submitted, p.short) for p in queries.entry_progress(stage.round)] == [
        (2, 1, False), (2, 0, False)]
    assert len(queries.missing_scores(stage.round)) == 3
    listed = queries.judge_assignments(stage.judges[0], stage.round)
    assert [(e.scored, e.criteria, e.submitted) for e in listed] == [(4, 4, True), (0, 4, False)]
    assert listed[0].studio_name == stage.nominations[0].studio.name


def test_a_blind_round_gives_judges_no_studio(app):
    stage = helpers.build(entries=1, judges=1, blind=True)
    # Not an empty field: the row has no studio field at all.
    assert [hasattr(e, "studio_name") for e in queries.judge_assignments(stage.judges[0], stage.round)] == [False]
