"""Judging: drafts, submission and its lock, reopening, conflicts (回避) and the assignment of entries."""

from collections import Counter

import pytest
from sqlalchemy import select

from innovation_hub.audit.models import AuditEntry
from innovation_hub.awards import assignment, judge_scores, lifecycle, queries
from innovation_hub.awards.assignment import is_conflicted
from innovation_hub.awards.models import Assignment, RoundJudge, Score
from innovation_hub.awards.services import AwardError
from innovation_hub.errors import PermissionDenied
from innovation_hub.extensions import db
from tests.awards import helpers
from tests.factories import gen_achievement, gen_judge, gen_round, gen_studio, gen_user


def points_of(a: Assignment) -> dict[str, str]:
    db.session.expire(a)
    return {s.criterion.name: str(s.points) for s in a.scores}


@pytest.fixture
def one(app):
    """A round in scoring: one entry, one judge, and the judge's assignment."""
    stage = helpers.build(entries=1, judges=1)
    return stage, stage.judges[0], helpers.assignments(stage.round)[0], {c.name: c.id for c in stage.round.criteria}


def test_a_draft_may_be_partial_and_submitting_needs_every_criterion(one):
    stage, judge, a, ids = one
    judge_scores.save_scores(judge, a, {ids["先进性"]: "18.5", ids["实用性"]: 15})
    assert points_of(a) == {"先进性": "18.50", "实用性": "15.00"} and not a.is_submitted
    with pytest.raises(AwardError, match="提交前请为以下指标打分：社会效益$"):
        judge_scores.save_scores(judge, a, {ids["经济效益"]: 30}, submit=True)
    assert points_of(a) == {"先进性": "18.50", "实用性": "15.00"}  # the refused call saved nothing
    judge_scores.save_scores(judge, a, {ids["实用性"]: "", ids["经济效益"]: 30})  # blank clears a draft score
    assert points_of(a) == {"先进性": "18.50", "经济效益": "30.00"}
    judge_scores.save_scores(judge, a, {ids["实用性"]: 16, ids["社会效益"]: 12}, submit=True)
    assert a.is_submitted
    assert {s.criterion.name: s.max_points for s in a.scores} == {"先进性": 20, "实用性": 20, "经济效益": 40,
                                                                  "社会效益": 20}


def test_each_score_lies_within_its_criterions_range(one):
    stage, judge, a, ids = one
    judge_scores.save_scores(judge, a, {ids["先进性"]: 10})
    for given, message in (({ids["经济效益"]: 41}, "“经济效益”的得分须在 0 到 40 分之间"),
                           ({ids["实用性"]: -1}, "“实用性”的得分须在 0 到 20 分之间"),
                           ({ids["实用性"]: "十"}, "“实用性”的得分须为数字"),
                           ({ids["实用性"]: "NaN"}, "“实用性”的得分须为数字"),
                           ({ids["实用性"]: "1.005"}, "“实用性”的得分最多保留 2 位小数"),
                           ({999999: 1}, "评分指标 999999 不属于")):
        with pytest.raises(AwardError, match=message):
            judge_scores.save_scores(judge, a, {ids["先进性"]: 20, **given})
    assert points_of(a) == {"先进性": "10.00"}


def test_a_submitted_score_is_locked_until_an_administrator_reopens_it(one):
    stage, judge, a, ids = one
    judge_scores.save_scores(judge, a, {i: 10 for i in ids.values()}, submit=True)
    with pytest.raises(AwardError, match="提交并锁定，不能再修改；如需更正，请联系管理员重新开放"):
        judge_scores.save_scores(judge, a, {ids["先进性"]: 20})
    with pytest.raises(AwardError, match="提交并锁定"):
        judge_scores.save_scores(judge, a, {ids["先进性"]: 20}, submit=True)
    assert points_of(a)["先进性"] == "10.00"
    with pytest.raises(PermissionDenied):
        judge_scores.reopen_score(judge, a, "我想改分")
    with pytest.raises(AwardError, match="重新开放评分须填写理由"):
        judge_scores.reopen_score(stage.admin, a, " ")
    judge_scores.reopen_score(stage.admin, a, "评委反映先进性一项录入有误")
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "award.score_reopen")).one()
    assert (entry.actor_id, entry.target_id) == (stage.admin.id, a.id)
    assert entry.detail == "评委 1 号；理由：评委反映先进性一项录入有误"
    judge_scores.save_scores(judge, a, {ids["先进性"]: 20}, submit=True)
    assert points_of(a)["先进性"] == "20.00" and a.is_submitted
    judge_scores.reopen_score(stage.admin, a, "再改一次")
    with pytest.raises(AwardError, match="尚未提交"):
        judge_scores.reopen_score(stage.admin, a, "再改一次")


def test_only_the_assigned_judge_scores_and_only_during_scoring(one):
    stage, judge, a, ids = one
    other = gen_judge()
    assignment.add_judge(stage.admin, stage.round, other)
    for actor in (other, stage.admin):
        with pytest.raises(PermissionDenied, match="只能为分配给您的成果评分"):
            judge_scores.save_scores(actor, a, {ids["先进性"]: 1})
    lifecycle.close_scoring(stage.admin, stage.round, force=True)
    with pytest.raises(AwardError, match="当前处于“评审结束”阶段，不能评分"):
        judge_scores.save_scores(judge, a, {ids["先进性"]: 1})
    assert points_of(a) == {}


def _conflict_round():
    """Entries of 甲 (hosted by 甲电力公司) and 乙; judges: one works in 甲, one at 甲电力公司, two unrelated."""
    admin = gen_user()
    award_round = gen_round(admin, judges_per_entry=2)
    jia, yi = gen_studio("甲工作室", host_unit="甲电力公司"), gen_studio("乙工作室", host_unit="乙机械厂")
    entries = [gen_achievement(jia, "甲的成果"), gen_achievement(yi, "乙的成果")]
    stage = helpers.Stage(admin, award_round, [jia, yi], entries)
    helpers.nominate_all(stage)
    helpers.qualify_all(stage)
    own_studio, own_unit = gen_judge("judge-jia", studio=jia), gen_judge("judge-unit", unit=" 甲电力公司 ")
    helpers.add_judges(stage, [own_studio, own_unit, gen_judge("judge-3"), gen_judge("judge-4")])
    return stage


def test_own_studio_and_own_host_unit_are_conflicts_everywhere(app):
    stage = _conflict_round()
    jia_entry, yi_entry = stage.nominations
    own_studio, own_unit, third, fourth = stage.judges
    assert is_conflicted(own_studio, jia_entry) and is_conflicted(own_unit, jia_entry)
    assert not is_conflicted(third, jia_entry) and not is_conflicted(own_studio, yi_entry)
    for judge in (own_studio, own_unit):
        with pytest.raises(AwardError, match="须回避《甲的成果》"):
            assignment.assign(stage.admin, jia_entry, judge)
    report = assignment.auto_assign(stage.admin, stage.round)
    given = {(a.nomination_id, a.judge_id) for a in helpers.assignments(stage.round)}
    assert {j for n, j in given if n == jia_entry.id} == {third.id, fourth.id}
    assert report.short == []
    lifecycle.start_scoring(stage.admin, stage.round)
    # 甲's entry, with two eligible judges, went first; 乙's then took the two judges still unloaded.
    for judge in (own_studio, own_unit):
        assert [e.title for e in queries.judge_assignments(judge, stage.round)] == ["乙的成果"]
    # An account changed after the assignment was made: the entry leaves the list and cannot be scored.
    a = next(a for a in helpers.assignments(stage.round, third) if a.nomination_id == jia_entry.id)
    from innovation_hub.database import write_transaction

    b = next(a for a in helpers.assignments(stage.round, fourth) if a.nomination_id == jia_entry.id)
    with write_transaction():
        third.unit = "甲电力公司"
        fourth.studio_id = stage.studios[0].id
    for judge, given in ((third, a), (fourth, b)):
        assert "甲的成果" not in [e.title for e in queries.judge_assignments(judge, stage.round)]
        with pytest.raises(PermissionDenied, match="须回避"):
            judge_scores.save_scores(judge, given, {stage.round.criteria[0].id: 5})
    assert db.session.scalar(select(Score.id)) is None


def test_a_declared_conflict_leaves_the_list_refuses_scores_and_asks_for_reassignment(app):
    stage = helpers.build(entries=2, judges=2, judges_per_entry=1)
    judge = stage.judges[0]
    mine = helpers.assignments(stage.round, judge)[0]
    title = mine.nomination.title
    with pytest.raises(PermissionDenied):
        assignment.declare_conflict(stage.judges[1], mine, "不是我的")
    with pytest.raises(AwardError, match="请填写回避理由"):
        assignment.declare_conflict(judge, mine, "")
    assignment.declare_conflict(judge, mine, "该成果完成人是我的亲属")
    assert title not in [e.title for e in queries.judge_assignments(judge, stage.round)]
    with pytest.raises(PermissionDenied, match="须回避"):
        judge_scores.save_scores(judge, mine, {stage.round.criteria[0].id: 5})
    flagged = next(p for p in queries.entry_progress(stage.round) if p.title == title)
    assert (flagged.assigned, flagged.conflicts, flagged.short) == (0, 1, True)
    with pytest.raises(AwardError, match="已对该成果回避"):
        assignment.assign(stage.admin, mine.nomination, judge)
    report = assignment.auto_assign(stage.admin, stage.round)  # reassigns it to the other judge
    assert {a.judge_id for a in helpers.assignments(stage.round) if a.nomination_id == mine.nomination_id} \
        == {stage.judges[1].id}
    assert report.short == []


def test_an_administrator_sets_a_conflict_and_the_judges_scores_stop_counting(app):
    stage = helpers.build(entries=1, judges=2)
    helpers.score_all(stage)
    entry, judge = stage.nominations[0], stage.judges[0]
    assert len(queries.ranking(stage.round).entries[0].judge_totals) == 2
    assignment.set_conflict(stage.admin, entry, judge, "经查与该工作室有业务往来")
    assert is_conflicted(judge, entry)
    assert set(queries.ranking(stage.round).entries[0].judge_totals) == {stage.judges[1].id}
    assert queries.judge_assignments(judge, stage.round) == []


def test_auto_assign_balances_loads_and_gives_each_entry_k_judges(app):
    stage = helpers.build(entries=20, judges=7, judges_per_entry=3, studios=4, until="qualifying")
    report = assignment.auto_assign(stage.admin, stage.round)
    rows = helpers.assignments(stage.round)
    per_entry = Counter(a.nomination_id for a in rows)
    per_judge = Counter(a.judge_id for a in rows)
    assert set(per_entry.values()) == {3} and len(per_entry) == 20
    assert max(per_judge.values()) - min(per_judge.values()) <= 1 and sum(per_judge.values()) == 60
    assert report.created == 60 and report.short == [] and sorted(report.loads.values()) == sorted(per_judge.values())


def test_auto_assign_avoids_conflicts_and_reports_entries_short_of_k(app):
    admin = gen_user()
    award_round = gen_round(admin, judges_per_entry=3)
    studios = [gen_studio(host_unit=f"单位{i}") for i in range(3)]
    stage = helpers.Stage(admin, award_round, studios, [gen_achievement(studios[i % 3]) for i in range(9)])
    helpers.nominate_all(stage)
    helpers.qualify_all(stage)
    # Judges 1-2 work at 单位0, so entries of studio 0 have only judges 3-4 left: fewer than k = 3.
    judges = [gen_judge(unit="单位0"), gen_judge(unit="单位0"), gen_judge(), gen_judge()]
    helpers.add_judges(stage, judges)
    report = assignment.auto_assign(admin, award_round)
    rows = helpers.assignments(award_round)
    assert not any(is_conflicted(db.session.get(type(admin), a.judge_id), a.nomination) for a in rows)
    short_ids = {n.id for n in stage.nominations if n.studio_id == studios[0].id}
    assert {(entry_id, given) for entry_id, _, given in report.short} == {(i, 2) for i in short_ids}
    per_entry = Counter(a.nomination_id for a in rows)
    assert all(per_entry[n.id] == (2 if n.id in short_ids else 3) for n in stage.nominations)
    loads = Counter(a.judge_id for a in rows)
    assert max(loads.values()) - min(loads.values()) <= 1  # 3×2 + 6×3 = 24 over 4 judges: 6 each


def test_auto_assign_keeps_scored_assignments(app):
    stage = helpers.build(entries=3, judges=3, judges_per_entry=2)
    judge = stage.judges[0]
    kept = helpers.assignments(stage.round, judge)[0]
    judge_scores.save_scores(judge, kept, {stage.round.criteria[0].id: 5})
    report = assignment.auto_assign(stage.admin, stage.round)
    assert report.kept == 1 and db.session.get(Assignment, kept.id) is not None
    assert db.session.scalar(select(Score.points).where(Score.assignment_id == kept.id)) == 5
    assert set(Counter(a.nomination_id for a in helpers.assignments(stage.round)).values()) == {2}


def test_unassign_refused_once_submitted(app):
    stage = helpers.build(entries=1, judges=2)
    first, second = helpers.assignments(stage.round)
    helpers.score_all(stage, submit=False)
    judge_scores.save_scores(db.session.get(type(stage.admin), first.judge_id), first, {}, submit=True)
    with pytest.raises(AwardError, match="已提交该成果的评分，不能撤销分配"):
        assignment.unassign(stage.admin, first)
    assignment.unassign(stage.admin, second)
    assert db.session.get(Assignment, second.id) is None
    assert db.session.scalar(select(Score.id).where(Score.assignment_id == second.id)) is None


def test_judges_keep_their_numbers_and_numbers_are_never_reused(app):
    stage = helpers.build(entries=1, judges=2)
    helpers.score_all(stage, submit=False)
    first, second = stage.round.judges
    judge_scores.save_scores(stage.judges[0], helpers.assignments(stage.round, stage.judges[0])[0], {}, submit=True)
    with pytest.raises(AwardError, match="评委 1 号已提交 1 份评分，不能移除"):
        assignment.remove_judge(stage.admin, first)
    assignment.remove_judge(stage.admin, second)
    assert helpers.assignments(stage.round, stage.judges[1]) == []
    newcomer = gen_judge()
    assert assignment.add_judge(stage.admin, stage.round, newcomer).number == 3
    assert db.session.scalars(select(RoundJudge.number).where(RoundJudge.round_id == stage.round.id)
                              .order_by(RoundJudge.number)).all() == [1, 3]
    with pytest.raises(AwardError, match="不是可用的评委账号"):
        assignment.add_judge(stage.admin, stage.round, gen_user(role="admin"))
    with pytest.raises(AwardError, match="已是本次评选的评委"):
        assignment.add_judge(stage.admin, stage.round, newcomer)
