"""The public: votes (once per token per entry per day, per-address limits, bursts) and objections during 公示."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from innovation_hub.audit.models import AuditEntry
from innovation_hub.awards import lifecycle, public, queries
from innovation_hub.awards.models import Objection, Vote, VoteStage
from innovation_hub.awards.services import AwardError
from innovation_hub.database import write_transaction
from innovation_hub.errors import PermissionDenied
from innovation_hub.extensions import db
from tests.awards import helpers


class Clock:
    """utcnow() of the public services, moved by the test."""

    def __init__(self, monkeypatch, start=datetime(2024, 6, 1, 2, 0)):  # 10:00 北京时间
        self.now = start
        monkeypatch.setattr(public, "utcnow", lambda: self.now)

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
    public.cast_vote(voting.round, first, "browser-a", "10.0.0.1")
    with pytest.raises(AwardError, match="您今天已为该成果投过票"):
        public.cast_vote(voting.round, first, "browser-a", "10.0.0.2")
    public.cast_vote(voting.round, second, "browser-a", "10.0.0.1")  # another entry
    public.cast_vote(voting.round, first, "browser-b", "10.0.0.1")  # another person
    clock.advance(hours=13, minutes=59)  # 23:59 北京时间: still the same day
    with pytest.raises(AwardError, match="您今天已为该成果投过票"):
        public.cast_vote(voting.round, first, "browser-a", "10.0.0.1")
    clock.advance(minutes=1)  # midnight in 北京时间 (16:00 UTC)
    public.cast_vote(voting.round, first, "browser-a", "10.0.0.1")
    assert queries.vote_counts(voting.round) == {first.id: 3, second.id: 1}
    assert votes() == 4


def test_the_database_itself_refuses_a_second_vote_on_the_same_day(voting):
    vote = public.cast_vote(voting.round, voting.nominations[0], "browser-a", "10.0.0.1")
    with pytest.raises(IntegrityError), write_transaction() as session:
        session.add(Vote(round_id=vote.round_id, nomination_id=vote.nomination_id, token_hash=vote.token_hash,
                         address="10.9.9.9", day=vote.day))
        session.flush()
    assert vote.token_hash != "browser-a" and len(vote.token_hash) == 64  # the token itself is not stored


def test_votes_per_address_are_limited_per_hour(voting, monkeypatch):
    clock = Clock(monkeypatch)
    entry = voting.nominations[0]
    for i in range(public.VOTES_PER_ADDRESS_PER_HOUR):
        public.cast_vote(voting.round, entry, f"browser-{i}", "10.0.0.1")
    with pytest.raises(public.TooManyRequests, match="投票过于频繁") as refused:
        public.cast_vote(voting.round, entry, "browser-new", "10.0.0.1")
    assert refused.value.code == 429
    public.cast_vote(voting.round, entry, "browser-new", "10.0.0.2")  # another address is not affected
    clock.advance(hours=1, seconds=1)
    public.cast_vote(voting.round, entry, "browser-newer", "10.0.0.1")
    assert votes() == public.VOTES_PER_ADDRESS_PER_HOUR + 2


def test_votes_only_in_rounds_with_a_vote_while_experts_score(app):
    stage = helpers.build(entries=1, judges=1)
    with pytest.raises(AwardError, match="本次评选不设公众投票"):
        public.cast_vote(stage.round, stage.nominations[0], "browser-a", "10.0.0.1")
    voting = helpers.build(entries=1, judges=1, public_vote=True, vote_stage=VoteStage.SCORING, until="qualifying")
    with pytest.raises(AwardError, match="当前不在投票期（评选处于“资格审核”阶段，公众投票将在“专家评审”阶段开放）"):
        public.cast_vote(voting.round, voting.nominations[0], "browser-a", "10.0.0.1")
    with pytest.raises(AwardError, match="投票凭证无效"):
        public.cast_vote(voting.round, voting.nominations[0], " ", "10.0.0.1")
    assert votes() == 0


def test_an_entry_of_another_round_cannot_be_voted_for(voting, app):
    other = helpers.build(entries=1, judges=1, public_vote=True, vote_stage=VoteStage.SCORING)
    with pytest.raises(AwardError, match="不是本次评选的参评成果"):
        public.cast_vote(voting.round, other.nominations[0], "browser-a", "10.0.0.1")


def test_bursts_of_votes_are_shown_to_administrators(voting, monkeypatch):
    clock = Clock(monkeypatch, datetime(2024, 6, 1, 2, 0))
    first, second = voting.nominations
    for i in range(6):  # six votes within one ten-minute window
        public.cast_vote(voting.round, first, f"burst-{i}", f"10.1.0.{i}")
        clock.advance(minutes=1)
    for i in range(3):  # three spread over half an hour
        public.cast_vote(voting.round, second, f"calm-{i}", f"10.2.0.{i}")
        clock.advance(minutes=10)
    bursts = queries.vote_bursts(voting.round, threshold=5)
    assert [(b.nomination_id, b.votes, b.window_start) for b in bursts] == [(first.id, 6, datetime(2024, 6, 1, 10, 0))]
    assert queries.vote_bursts(voting.round, threshold=7) == []


def test_objections_only_during_publicity_and_answered_by_an_administrator(app, monkeypatch):
    stage = helpers.build(entries=1, judges=1)
    entry = stage.nominations[0]
    with pytest.raises(AwardError, match="当前不在公示期"):
        public.file_objection(stage.round, entry, "张三", "13900000000", "数据有误", "10.0.0.1")
    helpers.to_publicity(stage)
    with pytest.raises(AwardError, match="请填写姓名；请填写异议理由"):
        public.file_objection(stage.round, entry, " ", "13900000000", "", "10.0.0.1")
    objection = public.file_objection(stage.round, entry, "张三", "13900000000", "经济效益数据有误", "10.0.0.1")
    assert (objection.nomination_id, objection.answered_at) == (entry.id, None)
    assert queries.objections(stage.round, unanswered_only=True) == [objection]
    with pytest.raises(PermissionDenied):
        public.answer_objection(stage.judges[0], objection, "无误")
    with pytest.raises(AwardError, match="请填写答复内容"):
        public.answer_objection(stage.admin, objection, "")
    public.answer_objection(stage.admin, objection, "经核实，数据无误")
    assert objection.answer == "经核实，数据无误" and objection.answered_by_id == stage.admin.id
    assert db.session.scalars(select(AuditEntry.detail).where(AuditEntry.action == "award.objection_answer")).all() \
        == ["经核实，数据无误"]
    helpers.end_publicity(stage.round)
    with pytest.raises(AwardError, match="公示已于 .* 结束"):
        public.file_objection(stage.round, None, "李四", "13800000000", "迟到的异议", "10.0.0.2")
    lifecycle.finalise(stage.admin, stage.round)
    assert db.session.scalar(select(func.count()).select_from(Objection)) == 1


def test_objections_per_address_are_limited(app):
    stage = helpers.build(entries=1, judges=1)
    helpers.to_publicity(stage)
    for i in range(public.OBJECTIONS_PER_ADDRESS_PER_DAY):
        public.file_objection(stage.round, None, f"市民{i}", "13900000000", "有异议", "10.0.0.1")
    with pytest.raises(public.TooManyRequests, match="提交异议过于频繁"):
        public.file_objection(stage.round, None, "市民", "13900000000", "有异议", "10.0.0.1")
