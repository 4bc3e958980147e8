"""The public: votes (once per token per entry per day, per-address limits, bursts) and objections during 公示."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from innovation_hub.audit.models import AuditEntry
from innovation_hub.awards import lifecycle, objections_votes, queries
from innovation_hub.awards.models import CaptchaUse, Objection, Vote, VoteStage
from innovation_hub.awards.services import AwardError
from innovation_hub.database import write_transaction
from innovation_hub.errors import PermissionDenied
from innovation_hub.extensions import db
from tests.awards import helpers


class Clock:
    """utcnow() of the public services, moved by the test."""

    def __init__(self, monkeypatch, start=datetime(2024, 6, 1, 2, 0)):  # 10:00 北京时间
        self.now = start
        monkeypatch.setattr(objections_votes, "utcnow", lambda: self.now)

    def advance(self, **delta):
        self.now += timedelta(**delta)


@pytest.fixture
def voting(app):
    return helpers.build(entries=2, judges=1, public_vote=True, vote_stage=VoteStage.SCORING)


def votes() -> int:
    return db.session.scalar(select(func.count()).select_from(Vote))


def test_one_vote_per_token_per_entry_per_day(voting, monkeypatch):
    clock = Clock(monkeypatch)
    first, second = voting.nominations
    objections_votes.cast_vote(voting.round, first, "browser-a", "10.0.0.1")
    with pytest.raises(AwardError, match="您今天已为该成果投过票"):
        objections_votes.cast_vote(voting.round, first, "browser-a", "10.0.0.2")
    objections_votes.cast_vote(voting.round, second, "browser-a", "10.0.0.1")  # another entry
    objections_votes.cast_vote(voting.round, first, "browser-b", "10.0.0.1")  # another person
    clock.advance(hours=13, minutes=59)  # 23:59 北京时间: still the same day
    with pytest.raises(AwardError, match="您今天已为该成果投过票"):
        objections_votes.cast_vote(voting.round, first, "browser-a", "10.0.0.1")
    clock.advance(minutes=1)  # midnight in 北京时间 (16:00 UTC)
    objections_votes.cast_vote(voting.round, first, "browser-a", "10.0.0.1")
    assert queries.vote_counts(voting.round) == {first.id: 3, second.id: 1}
    assert votes() == 4


def test_the_database_itself_refuses_a_second_vote_on_the_same_day(voting):
    vote = objections_votes.cast_vote(voting.round, voting.nominations[0], "browser-a", "10.0.0.1")
    with pytest.raises(IntegrityError), write_transaction() as session:
        session.add(Vote(round_id=vote.round_id, nomination_id=vote.nomination_id, token_hash=vote.token_hash,
                         address="10.9.9.9", day=vote.day))
        session.flush()
    assert vote.token_hash != "browser-a" and len(vote.token_hash) == 64  # the token itself is not stored


def test_votes_per_address_are_limited_per_hour(voting, monkeypatch):
    clock = Clock(monkeypatch)
    entry = voting.nominations[0]
    for i in range(objections_votes.VOTES_PER_ADDRESS_PER_HOUR):
        objections_votes.cast_vote(voting.round, entry, f"browser-{i}", "10.0.0.1")
    with pytest.raises(objections_votes.TooManyRequests, match="投票过于频繁") as refused:
        objections_votes.cast_vote(voting.round, entry, "browser-new", "10.0.0.1")
    assert refused.value.code == 429
    objections_votes.cast_vote(voting.round, entry, "browser-new", "10.0.0.2")  # another address is not affected
    clock.advance(hours=1, seconds=1)
    objections_votes.cast_vote(voting.round, entry, "browser-newer", "10.0.0.1")
    assert votes() == objections_votes.VOTES_PER_ADDRESS_PER_HOUR + 2


def test_votes_only_in_rounds_with_a_vote_while_experts_score(app):
    stage = helpers.build(entries=1, judges=1)
    with pytest.raises(AwardError, match="本次评选不设公众投票"):
        objections_votes.cast_vote(stage.round, stage.nominations[0], "browser-a", "10.0.0.1")
    voting = helpers.build(entries=1, judges=1, public_vote=True, vote_stage=VoteStage.SCORING, until="qualifying")
    with pytest.raises(AwardError, match="当前不在投票期（评选处于“资格审核”阶段，公众投票将在“专家评审”阶段开放）"):
        objections_votes.cast_vote(voting.round, voting.nominations[0], "browser-a", "10.0.0.1")
    with pytest.raises(AwardError, match="投票凭证无效"):
        objections_votes.cast_vote(voting.round, voting.nominations[0], " ", "10.0.0.1")
    assert votes() == 0


def test_an_entry_of_another_round_cannot_be_voted_for(voting, app):
    other = helpers.build(entries=1, judges=1, public_vote=True, vote_stage=VoteStage.SCORING)
    with pytest.raises(AwardError, match="不是本次评选的参评成果"):
        objections_votes.cast_vote(voting.round, other.nominations[0], "browser-a", "10.0.0.1")


def test_bursts_of_votes_are_shown_to_administrators(voting, monkeypatch):
    clock = Clock(monkeypatch, datetime(2024, 6, 1, 2, 0))
    first, second = voting.nominations
    for i in range(6):  # six votes within one ten-minute window
        objections_votes.cast_vote(voting.round, first, f"burst-{i}", f"10.1.0.{i}")
        clock.advance(minutes=1)
    for i in range(3):  # three spread over half an hour
        objections_votes.cast_vote(voting.round, second, f"calm-{i}", f"10.2.0.{i}")
        clock.advance(minutes=10)
    bursts = queries.vote_bursts(voting.round, threshold=5)
    assert [(b.nomination_id, b.votes, b.window_start) for b in bursts] == [(first.id, 6, datetime(2024, 6, 1, 10, 0))]
    assert queries.vote_bursts(voting.round, threshold=7) == []


def test_objections_only_during_publicity_and_answered_by_an_administrator(app, monkeypatch):
    stage = helpers.build(entries=1, judges=1)
    entry = stage.nominations[0]
    with pytest.raises(AwardError, match="当前不在公示期"):
        objections_votes.file_objection(stage.round, entry, "张三", "13900000000", "数据有误", "10.0.0.1")
    helpers.to_publicity(stage)
    with pytest.raises(AwardError, match="请填写姓名；请填写异议理由"):
        objections_votes.file_objection(stage.round, entry, " ", "13900000000", "", "10.0.0.1")
    objection = objections_votes.file_objection(stage.round, entry, "张三", "13900000000", "经济效益数据有误",
                                                "10.0.0.1")
    assert (objection.nomination_id, objection.answered_at) == (entry.id, None)
    assert queries.objections(stage.round, unanswered_only=True) == [objection]
    with pytest.raises(PermissionDenied):
        objections_votes.answer_objection(stage.judges[0], objection, "无误")
    with pytest.raises(AwardError, match="请填写答复内容"):
        objections_votes.answer_objection(stage.admin, objection, "")
    objections_votes.answer_objection(stage.admin, objection, "经核实，数据无误")
    assert objection.answer == "经核实，数据无误" and objection.answered_by_id == stage.admin.id
    assert db.session.scalars(select(AuditEntry.detail).where(AuditEntry.action == "award.objection_answer")).all() \
        == ["经核实，数据无误"]
    helpers.end_publicity(stage.round)
    with pytest.raises(AwardError, match="公示已于 .* 结束"):
        objections_votes.file_objection(stage.round, None, "李四", "13800000000", "迟到的异议", "10.0.0.2")
    lifecycle.finalise(stage.admin, stage.round)
    assert db.session.scalar(select(func.count()).select_from(Objection)) == 1


def test_objections_per_address_are_limited(app):
    stage = helpers.build(entries=1, judges=1)
    helpers.to_publicity(stage)
    for i in range(objections_votes.OBJECTIONS_PER_ADDRESS_PER_DAY):
        objections_votes.file_objection(stage.round, None, f"市民{i}", "13900000000", "有异议", "10.0.0.1")
    with pytest.raises(objections_votes.TooManyRequests, match="提交异议过于频繁"):
        objections_votes.file_objection(stage.round, None, "市民", "13900000000", "有异议", "10.0.0.1")


def test_the_burst_detector_fires_below_what_the_per_address_limit_lets_through(voting, monkeypatch):
    """One person dropping the cookie: fresh tokens from one address for one entry, a vote a minute."""
    clock = Clock(monkeypatch)
    entry = voting.nominations[0]
    assert queries.ADDRESS_BURST_THRESHOLD < objections_votes.VOTES_PER_ADDRESS_PER_HOUR
    for i in range(queries.ADDRESS_BURST_THRESHOLD):
        objections_votes.cast_vote(voting.round, entry, f"dropped-cookie-{i}", "10.7.7.7")
        clock.advance(minutes=1)
    bursts = queries.vote_bursts(voting.round)
    assert [(b.nomination_id, b.address, b.votes) for b in bursts] == [
        (entry.id, "10.7.7.7", queries.ADDRESS_BURST_THRESHOLD)]
    for i in range(queries.ADDRESS_BURST_THRESHOLD, objections_votes.VOTES_PER_ADDRESS_PER_HOUR):
        objections_votes.cast_vote(voting.round, entry, f"dropped-cookie-{i}", "10.7.7.7")
        clock.advance(minutes=1)
    with pytest.raises(objections_votes.TooManyRequests):
        objections_votes.cast_vote(voting.round, entry, "dropped-cookie-last", "10.7.7.7")
    flagged = [b for b in queries.vote_bursts(voting.round) if b.address == "10.7.7.7"]
    # Every one of them in a flagged window.
    assert sum(b.votes for b in flagged) == objections_votes.VOTES_PER_ADDRESS_PER_HOUR


def test_votes_from_many_addresses_are_not_a_single_address_burst(voting, monkeypatch):
    Clock(monkeypatch)
    entry = voting.nominations[0]
    for i in range(queries.ADDRESS_BURST_THRESHOLD * 3):
        objections_votes.cast_vote(voting.round, entry, f"neighbour-{i}", f"10.8.0.{i}")
    assert queries.vote_bursts(voting.round) == []


def test_the_vote_runs_in_the_rounds_stage_and_days(app, monkeypatch):
    clock = Clock(monkeypatch, datetime(2024, 6, 1, 2, 0))  # 2024-06-01 in 北京时间
    stage = helpers.build(entries=1, judges=1, public_vote=True, vote_starts_on=datetime(2024, 6, 2).date(),
                          vote_ends_on=datetime(2024, 6, 3).date())  # the stage: 评审结束后、公示前
    entry = stage.nominations[0]
    with pytest.raises(AwardError, match="公众投票将在“评审结束”阶段开放"):
        objections_votes.cast_vote(stage.round, entry, "browser-a", "10.0.0.1")
    helpers.score_all(stage)
    lifecycle.close_scoring(stage.admin, stage.round)
    with pytest.raises(AwardError, match="公众投票将于 2024-06-02 开始"):
        objections_votes.cast_vote(stage.round, entry, "browser-a", "10.0.0.1")
    clock.advance(days=1)
    objections_votes.cast_vote(stage.round, entry, "browser-a", "10.0.0.1")
    with pytest.raises(AwardError, match="公众投票截至 2024-06-03，投票结束后才能发布公示"):
        lifecycle.publish(stage.admin, stage.round)
    clock.advance(days=2)
    with pytest.raises(AwardError, match="公众投票已于 2024-06-03 截止"):
        objections_votes.cast_vote(stage.round, entry, "browser-b", "10.0.0.1")
    report = lifecycle.publish(stage.admin, stage.round)
    assert "公众投票已结束，计入 1 票" in report.notes
    with pytest.raises(AwardError, match="公众投票已结束"):
        objections_votes.cast_vote(stage.round, entry, "browser-b", "10.0.0.1")


def test_a_blind_round_does_not_vote_while_it_is_scored_unless_it_says_so(app):
    blind = helpers.build(entries=1, judges=1, public_vote=True, blind=True)
    with pytest.raises(AwardError, match="公众投票将在“评审结束”阶段开放"):
        objections_votes.cast_vote(blind.round, blind.nominations[0], "browser-a", "10.0.0.1")
    allowed = helpers.build(entries=1, judges=1, public_vote=True, blind=True, vote_stage=VoteStage.SCORING)
    objections_votes.cast_vote(allowed.round, allowed.nominations[0], "browser-a", "10.0.0.1")
    assert not objections_votes.shows_studios(allowed.round)
    helpers.score_all(allowed)
    lifecycle.close_scoring(allowed.admin, allowed.round)
    assert objections_votes.shows_studios(allowed.round)  # the blind review is over


def test_a_captcha_question_is_spent_once_and_old_ones_are_pruned(app, monkeypatch):
    clock = Clock(monkeypatch)
    assert objections_votes.spend_captcha("nonce-1") is True
    assert objections_votes.spend_captcha("nonce-1") is False
    clock.advance(minutes=30)
    assert objections_votes.spend_captcha("nonce-2") is True
    assert db.session.scalars(select(CaptchaUse.nonce)).all() == ["nonce-2"]
