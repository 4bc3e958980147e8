"""Ballot codes (投票码): issued in batches, stored hashed, each spent once by one conditional UPDATE, wrong codes
limited per address, voided batches refused and no longer counted."""

import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import event, func, select

from innovation_hub.audit.models import AuditEntry
from innovation_hub.awards import ballots, lifecycle, objections_votes, queries
from innovation_hub.awards.models import BallotCode, BallotFailure, Nomination, Vote, VoteMode, VoteStage
from innovation_hub.awards.services import AwardError
from innovation_hub.errors import PermissionDenied
from innovation_hub.extensions import db
from tests.awards import helpers


class Clock:
    """The clock of the vote services (public and ballots), moved by the test."""

    def __init__(self, monkeypatch, start=datetime(2024, 6, 1, 2, 0)):  # 10:00 北京时间
        self.now = start
        monkeypatch.setattr(objections_votes, "utcnow", lambda: self.now)
        monkeypatch.setattr(ballots, "utcnow", lambda: self.now)

    def advance(self, **delta):
        self.now += timedelta(**delta)


def ballot_round(entries=3, choices=2, **settings) -> helpers.Stage:
    """A round in 专家评审 whose public vote, open now, takes ballot codes (unless settings say otherwise)."""
    settings = {"vote_mode": VoteMode.BALLOT, "vote_stage": VoteStage.SCORING, **settings}
    return helpers.build(entries=entries, judges=1, public_vote=True, ballot_choices=choices, **settings)


@pytest.fixture
def stage(app):
    return ballot_round()


def codes(stage, size=3, label="市电力公司工会"):
    batch = ballots.issue_batch(stage.admin, stage.round, size, label)
    return batch, [row.code for row in ballots.reveal_codes(stage.admin, batch, "打印")]


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


# ---------------------------------------------------------------- issuing


def test_a_batch_is_issued_stored_hashed_and_printed_again_alike(stage):
    batch, printed = codes(stage, size=25)
    assert len(printed) == len(set(printed)) == 25
    for code in printed:
        assert len(code) == 14 and code[4] == code[9] == "-"  # XXXX-XXXX-XXXX
        assert set(code.replace("-", "")) <= set(ballots.ALPHABET) and not set(code) & set("01OIL")
    assert [r.code for r in ballots.reveal_codes(stage.admin, batch, "下载")] == printed
    stored = db.session.scalars(select(BallotCode.code_hash).where(BallotCode.batch_id == batch.id)).all()
    assert len(stored) == 25
    plain = {c.replace("-", "") for c in printed}
    assert not plain & set(stored) and all(len(h) == 64 for h in stored)  # only keyed hashes are kept
    assert not any(code in (batch.seed, batch.label) for code in plain)
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("award.ballots%"))
                                 .order_by(AuditEntry.id)).all()
    assert actions == ["award.ballots_issue", "award.ballots_reveal", "award.ballots_reveal"]


def test_issuing_needs_an_administrator_a_ballot_round_and_sane_numbers(stage, app):
    with pytest.raises(PermissionDenied):
        ballots.issue_batch(stage.judges[0], stage.round, 3, "某单位")
    with pytest.raises(AwardError, match="请填写批次名称"):
        ballots.issue_batch(stage.admin, stage.round, 3, "  ")
    with pytest.raises(AwardError, match="每批投票码数量须在 1 到 5000 之间"):
        ballots.issue_batch(stage.admin, stage.round, ballots.BATCH_MAX + 1, "某单位")
    open_vote = helpers.build(entries=1, judges=1, public_vote=True, vote_stage=VoteStage.SCORING)
    with pytest.raises(AwardError, match="不是凭投票码投票"):
        ballots.issue_batch(open_vote.admin, open_vote.round, 3, "某单位")
    assert count(BallotCode) == 0


# ---------------------------------------------------------------- a ballot


def test_a_code_votes_once_for_up_to_the_rounds_number_of_entries(stage, monkeypatch):
    Clock(monkeypatch)
    _batch, (first, second, *_rest) = codes(stage)
    a, b, c = stage.nominations
    cast = ballots.cast_ballot(stage.round, first.lower().replace("-", " "), [a, b], "10.0.0.1")  # as typed
    assert sorted(v.nomination_id for v in cast) == sorted([a.id, b.id])
    with pytest.raises(AwardError, match="该投票码已于 2024-06-01 10:00 投过票，每个投票码只能投一次"):
        ballots.cast_ballot(stage.round, first, [c], "10.0.0.2")
    with pytest.raises(AwardError, match="每张选票最多选 2 项成果，您选了 3 项"):
        ballots.cast_ballot(stage.round, second, [a, b, c], "10.0.0.1")
    with pytest.raises(AwardError, match="同一项成果只能选一次"):
        ballots.cast_ballot(stage.round, second, [a, a], "10.0.0.1")
    with pytest.raises(AwardError, match="请至少选择一项成果"):
        ballots.cast_ballot(stage.round, second, [], "10.0.0.1")
    ballots.cast_ballot(stage.round, second, [c], "10.0.0.1")
    assert queries.vote_counts(stage.round) == {a.id: 1, b.id: 1, c.id: 1}
    used = db.session.scalars(select(BallotCode).where(BallotCode.used_at.is_not(None))).all()
    assert len(used) == 2 and {u.used_address for u in used} == {"10.0.0.1"}
    assert count(BallotFailure) == 1  # the used code; the refused choices spent nothing


def test_a_code_is_good_only_in_its_round_and_while_its_vote_runs(stage, app):
    _batch, (code, *_rest) = codes(stage)
    other = ballot_round(entries=1)
    with pytest.raises(AwardError, match="投票码不正确"):
        ballots.cast_ballot(other.round, code, other.nominations, "10.0.0.1")
    with pytest.raises(AwardError, match="不是本次评选的参评成果"):
        ballots.cast_ballot(stage.round, code, other.nominations, "10.0.0.1")
    helpers.score_all(stage)
    lifecycle.close_scoring(stage.admin, stage.round)
    with pytest.raises(AwardError, match="当前不在投票期"):
        ballots.cast_ballot(stage.round, code, stage.nominations[:1], "10.0.0.1")
    assert count(Vote) == 0 and count(BallotCode, BallotCode.used_at.is_not(None)) == 0


def test_a_malformed_code_is_explained_and_not_counted_as_a_guess(stage):
    for typed in ("", "ABCD-EFGH", "ABCD-EFGH-JK0O", "ABCD-EFGH-JKMN-P"):
        with pytest.raises(AwardError, match="投票码应为 12 位"):
            ballots.cast_ballot(stage.round, typed, stage.nominations[:1], "10.0.0.1")
    assert count(BallotFailure) == 0


def test_wrong_codes_are_limited_per_address_in_the_database(stage, monkeypatch):
    clock = Clock(monkeypatch)
    _batch, (code, *_rest) = codes(stage)
    entry = stage.nominations[:1]
    for i in range(ballots.FAILURES_PER_ADDRESS_PER_HOUR):
        left = ballots.FAILURES_PER_ADDRESS_PER_HOUR - i - 1
        with pytest.raises(AwardError, match=f"投票码不正确.*还可输错 {left} 次"):
            ballots.cast_ballot(stage.round, "2222-3333-4444", entry, "10.0.0.9")
    with pytest.raises(objections_votes.TooManyRequests, match="输错投票码的次数过多") as refused:
        ballots.cast_ballot(stage.round, code, entry, "10.0.0.9")  # even a right code, for the rest of the hour
    assert refused.value.code == 429
    assert count(BallotFailure, BallotFailure.address == "10.0.0.9") == ballots.FAILURES_PER_ADDRESS_PER_HOUR
    clock.advance(hours=1, seconds=1)
    ballots.cast_ballot(stage.round, code, entry, "10.0.0.9")
    assert count(Vote) == 1


# ---------------------------------------------------------------- voiding


def test_a_voided_batch_is_refused_and_its_votes_stop_counting(stage):
    void, (cast_early, unused) = codes(stage, size=2, label="已泄露的批次")
    kept, (good, *_rest) = codes(stage, size=2, label="正常批次")
    a, b, _c = stage.nominations
    ballots.cast_ballot(stage.round, cast_early, [a], "10.0.0.1")
    ballots.cast_ballot(stage.round, good, [b], "10.0.0.1")
    with pytest.raises(AwardError, match="请填写作废理由"):
        ballots.void_batch(stage.admin, void, "")
    assert ballots.void_batch(stage.admin, void, "投票码在网上被公开") == 1
    with pytest.raises(AwardError, match="所属的批次已作废"):
        ballots.cast_ballot(stage.round, unused, [a], "10.0.0.1")
    assert queries.vote_counts(stage.round) == {b.id: 1}
    assert [(s.batch.label, s.used, s.votes) for s in ballots.batches(stage.round)] == [
        ("正常批次", 1, 1), ("已泄露的批次", 1, 1)]
    with pytest.raises(AwardError, match="已于 .* 作废"):
        ballots.void_batch(stage.admin, void, "再次作废")
    assert db.session.scalars(select(AuditEntry.detail).where(AuditEntry.action == "award.ballots_void")).all() == [
        f"已泄露的批次（批次 {void.id}）：投票码在网上被公开；不再计入 1 票"]


def test_after_publicity_the_codes_are_frozen(app):
    stage = ballot_round(entries=2)
    batch, (code, *_rest) = codes(stage)
    ballots.cast_ballot(stage.round, code, stage.nominations[:1], "10.0.0.1")
    helpers.to_publicity(stage)
    with pytest.raises(AwardError, match="投票结果已随公示冻结"):
        ballots.void_batch(stage.admin, batch, "太晚了")
    with pytest.raises(AwardError, match="不能再发放投票码"):
        ballots.issue_batch(stage.admin, stage.round, 3, "太晚的批次")


# ---------------------------------------------------------------- one conditional statement, and races


def test_the_spend_is_one_conditional_update(stage, count_sql):
    _batch, (code, *_rest) = codes(stage)
    with count_sql() as counter:
        ballots.cast_ballot(stage.round, code, stage.nominations[:2], "10.0.0.1")
    touching = [s for s in counter.statements if "award_ballot_codes" in s]
    assert len(touching) == 1, touching
    spend = " ".join(touching[0].split())
    assert spend.startswith("UPDATE award_ballot_codes SET used_at=")
    assert "used_at IS NULL" in spend and "voided_at IS NULL" in spend


def test_a_code_spent_by_another_transaction_just_before_the_update_counts_once(stage):
    """A planted race: the moment before the spend, another ballot with the same code commits (as PostgreSQL's READ
    COMMITTED lets a concurrent transaction do). Only the condition in the UPDATE itself can still refuse it."""
    _batch, (code, *_rest) = codes(stage)
    target = db.session.scalars(select(BallotCode).where(
        BallotCode.code_hash == ballots.code_hash(stage.round.id, code.replace("-", "")))).one()
    planted = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("UPDATE award_ballot_codes") and not planted:
            planted.append(statement)
            cursor.execute(f"UPDATE award_ballot_codes SET used_at = '2024-06-01 01:59:00', "
                           f"used_address = '10.6.6.6' WHERE id = {target.id}")

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        with pytest.raises(AwardError, match="该投票码已于 .* 投过票"):
            ballots.cast_ballot(stage.round, code, stage.nominations[:1], "10.0.0.1")
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
    assert planted and count(Vote) == 0


def _in_threads(app, n, work):
    """Run work(i) in n threads at once, each in its own app context (its own session and connection)."""
    barrier = threading.Barrier(n)
    outcomes = [None] * n

    def run(i):
        with app.app_context():
            barrier.wait()
            try:
                outcomes[i] = work(i)
            except AwardError as refused:
                outcomes[i] = refused
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def test_two_sessions_using_one_code_at_once_count_once(app, stage):
    _batch, (code, *_rest) = codes(stage)
    round_id, entry_ids = stage.round.id, [n.id for n in stage.nominations[:2]]
    db.session.remove()

    def use(i):
        award_round = db.session.get(type(stage.round), round_id)
        return ballots.cast_ballot(award_round, code, [db.session.get(Nomination, e) for e in entry_ids],
                                   f"10.0.1.{i}")

    outcomes = _in_threads(app, 4, use)
    assert sum(isinstance(o, list) for o in outcomes) == 1
    assert all("只能投一次" in o.description for o in outcomes if isinstance(o, AwardError))
    assert count(Vote) == 2 and count(BallotCode, BallotCode.used_at.is_not(None)) == 1


def test_concurrent_open_votes_from_one_address_stop_at_its_limit(app, monkeypatch):
    stage = helpers.build(entries=1, judges=1, public_vote=True, vote_stage=VoteStage.SCORING)
    monkeypatch.setattr(objections_votes, "VOTES_PER_ADDRESS_PER_HOUR", 3)
    round_id, entry_id = stage.round.id, stage.nominations[0].id
    db.session.remove()

    def vote(i):
        return objections_votes.cast_vote(db.session.get(type(stage.round), round_id),
                                          db.session.get(Nomination, entry_id), f"browser-{i}", "10.0.2.1")

    outcomes = _in_threads(app, 8, vote)
    assert sum(isinstance(o, Vote) for o in outcomes) == 3
    assert count(Vote) == 3
