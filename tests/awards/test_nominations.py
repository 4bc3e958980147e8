"""Nominations: eligibility reasons in plain Chinese, one per achievement, the per-studio cap, review."""

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from innovation_hub.audit.models import AuditEntry
from innovation_hub.awards import lifecycle, nominating, services
from innovation_hub.awards.models import Nomination, NominationState
from innovation_hub.awards.nominating import eligibility as reasons_for
from innovation_hub.awards.services import AwardError, RoundData
from innovation_hub.database import write_transaction
from innovation_hub.errors import PermissionDenied
from innovation_hub.extensions import db
from innovation_hub.models import RecordStatus, local_time, utcnow
from tests.awards import helpers
from tests.factories import gen_achievement, gen_round, gen_studio, gen_user


@pytest.fixture
def open_round(app):
    admin = gen_user()
    award_round = gen_round(admin, year=2024, recent_years=3, max_per_studio=2)
    lifecycle.open_nominations(admin, award_round)
    studio = gen_studio("甲工作室")
    return dict(admin=admin, round=award_round, studio=studio, account=gen_user("studio-a", "studio", studio=studio))


def test_an_eligible_achievement_has_no_reasons_and_is_nominated(open_round):
    achievement = gen_achievement(open_round["studio"], year=2021)
    assert reasons_for(open_round["round"], achievement) == []
    nomination = nominating.nominate(open_round["account"], open_round["round"], achievement)
    assert nomination.state is NominationState.NOMINATED and nomination.studio_id == open_round["studio"].id
    assert nomination.nominated_by_id == open_round["account"].id
    assert db.session.scalars(select(AuditEntry.action).where(AuditEntry.target_type == "nomination")).all() \
        == ["award.nominate"]


def test_each_rule_gives_its_reason(open_round):
    award_round, studio = open_round["round"], open_round["studio"]
    old = gen_achievement(studio, year=2020)
    assert reasons_for(award_round, old) == ["成果完成于 2020 年，本次评选只接受近 3 年（2021 年及以后）完成的成果"]
    draft = gen_achievement(studio, year=2023, status=RecordStatus.SUBMITTED)
    assert reasons_for(award_round, draft) == ["成果尚未审核通过（当前状态：待审核），只有审核通过的成果才能推荐"]
    closed = gen_round(open_round["admin"])
    assert reasons_for(closed, gen_achievement(studio)) == [f"评选“{closed.name}”当前处于“筹备中”阶段，不在推荐申报期"]
    yesterday = local_time(utcnow()).date() - timedelta(days=1)
    values = {name: getattr(award_round, name) for name in RoundData.__dataclass_fields__}
    services.update_round(open_round["admin"], award_round, RoundData(**{**values, "nomination_deadline": yesterday}))
    assert reasons_for(award_round, gen_achievement(studio)) == [f"推荐申报已于 {yesterday:%Y-%m-%d} 截止"]


def test_nominate_refuses_with_the_reasons_and_saves_nothing(open_round):
    old = gen_achievement(open_round["studio"], year=2015)
    with pytest.raises(AwardError, match="不能推荐该成果：成果完成于 2015 年"):
        nominating.nominate(open_round["account"], open_round["round"], old)
    assert db.session.scalar(select(Nomination.id)) is None


def test_only_the_achievements_own_studio_nominates(open_round):
    other = gen_user("studio-b", "studio", studio=gen_studio("乙工作室"))
    achievement = gen_achievement(open_round["studio"])
    with pytest.raises(PermissionDenied):
        nominating.nominate(other, open_round["round"], achievement)
    with pytest.raises(PermissionDenied):
        nominating.nominate(gen_user(role="judge"), open_round["round"], achievement)


def test_one_nomination_per_achievement(open_round):
    achievement = gen_achievement(open_round["studio"])
    nominating.nominate(open_round["account"], open_round["round"], achievement)
    with pytest.raises(AwardError, match="该成果已推荐到本次评选（已推荐），每项成果只能推荐一次"):
        nominating.nominate(open_round["account"], open_round["round"], achievement)
    # The database holds the rule too, whatever code writes the row.
    with pytest.raises(IntegrityError), write_transaction() as session:
        session.add(Nomination(round_id=open_round["round"].id, achievement_id=achievement.id,
                               studio_id=achievement.studio_id))
        session.flush()


def test_at_most_m_per_studio_and_a_withdrawal_frees_a_place(open_round):
    award_round, account = open_round["round"], open_round["account"]
    first, second, third = (gen_achievement(open_round["studio"]) for _ in range(3))
    nominating.nominate(account, award_round, first)
    held = nominating.nominate(account, award_round, second)
    assert reasons_for(award_round, third) == ["本工作室在本次评选中已推荐 2 项，已达上限（每个工作室最多 2 项）"]
    with pytest.raises(AwardError, match="已达上限"):
        nominating.nominate(account, award_round, third)
    nominating.withdraw(account, held)
    assert held.state is NominationState.WITHDRAWN
    nominating.nominate(account, award_round, third)
    # The withdrawn one may come back only when a place is free again, and then it reuses its row.
    assert "已达上限" in reasons_for(award_round, second)[0]
    nominating.withdraw(account, db.session.scalars(select(Nomination).where(
        Nomination.achievement_id == third.id)).one())
    again = nominating.nominate(account, award_round, second)
    assert again.id == held.id and again.state is NominationState.NOMINATED


def test_not_again_after_being_excellent_in_an_earlier_round(app):
    stage = helpers.build(entries=2, judges=1, quota=1)
    helpers.to_publicity(stage, lambda j, n, c: 10 if n == 0 else 5)
    helpers.end_publicity(stage.round)
    lifecycle.finalise(stage.admin, stage.round)
    later = gen_round(stage.admin, "下一年度评选", year=2025)
    lifecycle.open_nominations(stage.admin, later)
    winner, other = stage.achievements
    assert reasons_for(later, winner) == [f"该成果已在“{stage.round.name}”中获评优秀成果，不能再次参评"]
    assert reasons_for(later, other) == []


def test_withdraw_only_while_nominating(app):
    stage = helpers.build(entries=1, until="qualifying")
    with pytest.raises(AwardError, match="当前处于“资格审核”阶段，不能撤回推荐"):
        nominating.withdraw(stage.admin, stage.nominations[0])


def test_qualification_needs_a_reason_to_reject_and_happens_while_qualifying(app):
    stage = helpers.build(entries=2, until="nominating")
    first, second = stage.nominations
    with pytest.raises(AwardError, match="不能进行资格审核"):
        nominating.qualify(stage.admin, first, True)
    lifecycle.close_nominations(stage.admin, stage.round)
    with pytest.raises(AwardError, match="必须填写理由"):
        nominating.qualify(stage.admin, first, False, "  ")
    nominating.qualify(stage.admin, first, False, "不属于技术创新成果")
    nominating.qualify(stage.admin, second, True)
    assert (first.state, first.reject_reason) == (NominationState.REJECTED, "不属于技术创新成果")
    assert second.state is NominationState.QUALIFIED and second.decided_by_id == stage.admin.id
    with pytest.raises(PermissionDenied):
        nominating.qualify(gen_user(role="judge"), second, False, "越权")
