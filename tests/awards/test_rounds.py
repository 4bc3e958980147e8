"""A round's settings, criteria and state machine through the services: the legal path and every refusal."""

import pytest
from sqlalchemy import select

from innovation_hub.audit.models import AuditEntry
from innovation_hub.awards import assignment, lifecycle, nominating, objections_votes, services
from innovation_hub.awards.models import Certificate, ResultSnapshot, RoundState
from innovation_hub.awards.services import AwardError, CriterionData, RoundData
from innovation_hub.errors import PermissionDenied
from innovation_hub.extensions import db
from tests.awards import helpers
from tests.factories import gen_judge, gen_round, gen_studio, gen_user

S = RoundState


def audit_details(round_id, action="award.transition"):
    return list(db.session.scalars(select(AuditEntry.detail).where(
        AuditEntry.action == action, AuditEntry.target_type == "award_round", AuditEntry.target_id == round_id)
        .order_by(AuditEntry.id)))


def test_legal_path_end_to_end(app):
    stage = helpers.build(entries=3, judges=2, quota=1)
    admin, award_round = stage.admin, stage.round
    assert award_round.state is S.SCORING
    helpers.score_all(stage, lambda j, n, c: [18, 12, 6][n] if c != 2 else [36, 24, 12][n])
    assert lifecycle.close_scoring(admin, award_round).missing == []
    lifecycle.publish(admin, award_round)
    assert award_round.state is S.PUBLICITY and award_round.publicity_ends_at is not None
    assert (award_round.publicity_ends_at - award_round.publicity_starts_at).days == award_round.publicity_days
    helpers.end_publicity(award_round)
    report = lifecycle.finalise(admin, award_round)
    assert award_round.state is S.FINAL and award_round.finalised_at is not None
    assert "颁发证书 1 张" in report.notes
    details = audit_details(award_round.id)
    assert details[:4] == ["筹备中 → 推荐申报", "推荐申报 → 资格审核；共收到 3 项推荐，待资格审核",
                           "资格审核 → 专家评审", "专家评审 → 评审结束"]
    assert details[4].startswith("评审结束 → 成果公示；公示至 ")
    assert details[5:] == ["成果公示 → 已表彰；颁发证书 1 张"]
    stages = db.session.scalars(select(ResultSnapshot.stage).where(ResultSnapshot.round_id == award_round.id)
                                .order_by(ResultSnapshot.id)).all()
    assert stages == [S.PUBLICITY, S.FINAL]
    certificate = db.session.scalars(select(Certificate)).one()
    assert certificate.nomination_id == stage.nominations[0].id


def _round_in(state: RoundState):
    """A round brought to `state` by the legal path, and its administrator."""
    if state is S.DRAFT:
        admin = gen_user()
        return admin, gen_round(admin)
    until = {S.NOMINATING: "nominating", S.QUALIFYING: "qualifying"}.get(state, "scoring")
    stage = helpers.build(entries=2, judges=1, until=until)
    if state.rank >= S.CLOSED.rank:
        helpers.score_all(stage)
        lifecycle.close_scoring(stage.admin, stage.round)
    if state.rank >= S.PUBLICITY.rank:
        lifecycle.publish(stage.admin, stage.round)
    if state is S.FINAL:
        helpers.end_publicity(stage.round)
        lifecycle.finalise(stage.admin, stage.round)
    assert stage.round.state is state
    return stage.admin, stage.round


@pytest.mark.parametrize("state", list(RoundState))
def test_every_illegal_transition_is_refused_naming_the_state_and_what_is_allowed(app, state):
    admin, award_round = _round_in(state)
    allowed = lifecycle.allowed_transitions(state)
    for target in RoundState:
        if target in {t for t, _ in allowed}:
            continue
        with pytest.raises(AwardError) as refused:
            lifecycle.change_state(admin, award_round, target)
        message = refused.value.description
        assert f"当前处于“{state.label}”阶段，不能转入“{target.label}”阶段" in message
        for _, verb in allowed:
            assert verb in message
        if not allowed:
            assert "无（评选已结束）" in message
        assert award_round.state is state
    # The named steps refuse the same way, by their names.
    for step, source, verb in ((lifecycle.open_nominations, S.DRAFT, "开始推荐申报"),
                               (lifecycle.close_scoring, S.SCORING, "结束评审"),
                               (lifecycle.publish, S.CLOSED, "发布公示"),
                               (lifecycle.finalise, S.PUBLICITY, "结束公示并表彰")):
        if state is not source:
            with pytest.raises(AwardError, match=f"当前处于“{state.label}”阶段，不能{verb}；当前可以"):
                step(admin, award_round)
    assert award_round.state is state


def test_the_transition_table_is_the_documented_procedure():
    assert {(s.value, t.value) for s, t in lifecycle.TRANSITIONS} == {
        ("draft", "nominating"), ("nominating", "draft"), ("nominating", "qualifying"), ("qualifying", "scoring"),
        ("scoring", "closed"), ("closed", "scoring"), ("closed", "publicity"), ("publicity", "closed"),
        ("publicity", "final")}


def test_open_nominations_needs_criteria_with_positive_weights(app):
    admin = gen_user()
    award_round = gen_round(admin, criteria=())
    with pytest.raises(AwardError, match="请先添加至少一项评分指标"):
        lifecycle.open_nominations(admin, award_round)
    with pytest.raises(AwardError, match="权重须大于 0"):
        services.add_criterion(admin, award_round, CriterionData("先进性", 20, 0))
    services.add_criterion(admin, award_round, CriterionData("先进性", 20, 1))
    lifecycle.open_nominations(admin, award_round)
    assert award_round.state is S.NOMINATING


def test_back_to_draft_only_without_nominations(app):
    stage = helpers.build(entries=1, until="nominating")
    with pytest.raises(AwardError, match="已有 1 项成果被推荐"):
        lifecycle.back_to_draft(stage.admin, stage.round)
    nominating.withdraw(stage.admin, stage.nominations[0])
    lifecycle.back_to_draft(stage.admin, stage.round)
    assert stage.round.state is S.DRAFT


def test_start_scoring_conditions(app):
    stage = helpers.build(entries=2, judges=0, until="nominating")
    lifecycle.close_nominations(stage.admin, stage.round)
    with pytest.raises(AwardError, match="还有 2 项推荐未完成资格审核"):
        lifecycle.start_scoring(stage.admin, stage.round)
    nominating.qualify(stage.admin, stage.nominations[0], False, "不属于技术创新成果")
    nominating.qualify(stage.admin, stage.nominations[1], False, "材料不全")
    with pytest.raises(AwardError, match="没有审核通过的参评成果"):
        lifecycle.start_scoring(stage.admin, stage.round)
    nominating.qualify(stage.admin, stage.nominations[1], True)
    with pytest.raises(AwardError, match="请先添加评委"):
        lifecycle.start_scoring(stage.admin, stage.round)
    judge = gen_judge()
    assignment.add_judge(stage.admin, stage.round, judge)
    with pytest.raises(AwardError, match="还有 1 项成果没有分配评委：《参评成果2》"):
        lifecycle.start_scoring(stage.admin, stage.round)
    assignment.assign(stage.admin, stage.nominations[1], judge)
    lifecycle.start_scoring(stage.admin, stage.round)
    assert stage.round.state is S.SCORING


def test_close_scoring_reports_missing_scores_and_force_records_the_count(app):
    stage = helpers.build(entries=2, judges=2)
    first = helpers.assignments(stage.round)[0]
    helpers.score_all(stage, submit=False)
    from innovation_hub.awards import judge_scores

    judge_scores.save_scores(db.session.get(type(stage.admin), first.judge_id), first, {}, submit=True)
    with pytest.raises(AwardError, match="还有 3 份评审未提交（评委 1 号：《参评成果2》；评委 2 号：《参评成果1》"):
        lifecycle.close_scoring(stage.admin, stage.round)
    assert stage.round.state is S.SCORING
    report = lifecycle.close_scoring(stage.admin, stage.round, force=True)
    assert len(report.missing) == 3 and stage.round.state is S.CLOSED
    assert audit_details(stage.round.id)[-1] == "专家评审 → 评审结束；强制结束：3 份评审未提交，不计入结果"


def test_backward_steps_need_a_reason_and_publish_needs_scores(app):
    stage = helpers.build(entries=1, judges=1)
    lifecycle.close_scoring(stage.admin, stage.round, force=True)
    with pytest.raises(AwardError, match="还没有任何已提交的评分"):
        lifecycle.publish(stage.admin, stage.round)
    with pytest.raises(AwardError, match="重新开放评审须填写理由"):
        lifecycle.reopen_scoring(stage.admin, stage.round, " ")
    lifecycle.reopen_scoring(stage.admin, stage.round, "评委 1 号补交评分")
    helpers.to_publicity(stage)
    with pytest.raises(AwardError, match="撤回公示须填写理由"):
        lifecycle.withdraw_publicity(stage.admin, stage.round, "")
    lifecycle.withdraw_publicity(stage.admin, stage.round, "异议成立，复核评分")
    assert stage.round.state is S.CLOSED and stage.round.publicity_ends_at is None
    assert "理由：异议成立，复核评分" in audit_details(stage.round.id)[-1]


def test_finalise_waits_for_the_publicity_period_and_answered_objections(app):
    stage = helpers.build(entries=1, judges=1)
    helpers.to_publicity(stage)
    with pytest.raises(AwardError, match="公示期满后才能表彰"):
        lifecycle.finalise(stage.admin, stage.round)
    objection = objections_votes.file_objection(stage.round, None, "张三", "13900000000", "成果数据有误", "10.0.0.1")
    helpers.end_publicity(stage.round)
    with pytest.raises(AwardError, match="还有 1 条异议未答复"):
        lifecycle.finalise(stage.admin, stage.round)
    objections_votes.answer_objection(stage.admin, objection, "经核实，数据无误")
    lifecycle.finalise(stage.admin, stage.round)
    assert stage.round.state is S.FINAL


def test_only_administrators_manage_rounds(app):
    admin = gen_user()
    award_round = gen_round(admin)
    studio = gen_studio()
    for actor in (gen_judge(), gen_user(role="studio", studio=studio)):
        with pytest.raises(PermissionDenied):
            services.create_round(actor, RoundData(name="越权评选", year=2024))
        with pytest.raises(PermissionDenied):
            lifecycle.open_nominations(actor, award_round)
        with pytest.raises(PermissionDenied):
            services.add_criterion(actor, award_round, CriterionData("创新性", 10))
    assert award_round.state is S.DRAFT


def test_round_settings_are_checked(app):
    admin = gen_user()
    gen_round(admin, "年度评选")
    for data, message in (
        (RoundData(name="年度评选", year=2024), "已有名为“年度评选”的评选"),
        (RoundData(name=" ", year=2024), "请填写评选名称"),
        (RoundData(name="甲", year=2024, trim_from=2), "至少需要 3 位评委"),
        (RoundData(name="甲", year=2024, vote_weight="1.5"), "专家评分权重须在 0 到 1 之间"),
        (RoundData(name="甲", year=2024, quota=0), "优秀名额须在 1 到 1000 之间"),
    ):
        with pytest.raises(AwardError, match=message):
            services.create_round(admin, data)


def test_method_and_criteria_are_frozen_once_scoring_starts(app):
    stage = helpers.build(entries=1, judges=1, quota=10)
    award_round, admin = stage.round, stage.admin

    def settings(**changes):
        values = {name: getattr(award_round, name) for name in RoundData.__dataclass_fields__}
        values.update(changes)
        return RoundData(**values)

    with pytest.raises(AwardError, match="以下设置已不能修改：优秀名额、去掉最高分和最低分"):
        services.update_round(admin, award_round, settings(quota=5, trimmed=True))
    assert award_round.quota == 10 and award_round.trimmed is False
    assert services.update_round(admin, award_round, settings(name="更名后的评选")) == ["名称"]
    criterion = award_round.criteria[0]
    with pytest.raises(AwardError, match="不能修改评分指标"):
        services.update_criterion(admin, criterion, CriterionData(criterion.name, 50))
    with pytest.raises(AwardError, match="不能修改评分指标"):
        services.add_criterion(admin, award_round, CriterionData("新指标", 10))
    with pytest.raises(AwardError, match="不能修改评分指标"):
        services.remove_criterion(admin, criterion)
    assert criterion.max_points == 20 and len(award_round.criteria) == 4


def test_criteria_are_edited_reordered_and_unique_by_name(app):
    admin = gen_user()
    award_round = gen_round(admin)
    first, second = award_round.criteria[:2]
    with pytest.raises(AwardError, match="已有名为“实用性”的指标"):
        services.update_criterion(admin, first, CriterionData("实用性", 20))
    services.update_criterion(admin, first, CriterionData("创新性", 30, "1.5", "新颖程度"))
    assert (first.name, first.max_points, str(first.weight)) == ("创新性", 30, "1.50")
    ids = [c.id for c in award_round.criteria]
    services.reorder_criteria(admin, award_round, list(reversed(ids)))
    db.session.expire(award_round)
    assert [c.id for c in award_round.criteria] == list(reversed(ids))
    with pytest.raises(AwardError, match="每一项指标"):
        services.reorder_criteria(admin, award_round, ids[:2])
    services.remove_criterion(admin, second)
    assert [c.name for c in award_round.criteria] == ["社会效益", "经济效益", "创新性"]
