"""The administrator's award pages: what each step shows, and refusals that say why (4xx) and change nothing."""

import re
from datetime import datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update

from innovation_hub.audit.models import AuditEntry
from innovation_hub.awards import judge_scores, lifecycle, objections_votes, queries
from innovation_hub.awards.models import (
    Assignment,
    AwardRound,
    Criterion,
    NominationState,
    PublicityShows,
    RoundState,
    Vote,
    VoteMode,
    VoteStage,
)
from innovation_hub.database import write_transaction
from innovation_hub.extensions import db
from tests.awards import helpers
from tests.factories import gen_achievement, gen_judge, gen_round, gen_studio, gen_user, login

S = RoundState
BASE = "/admin/awards"


def page(response) -> str:
    return response.get_data(as_text=True)


def signed_in(client, admin):
    assert login(client, admin.username).status_code == 302
    return client


def fresh(obj):
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)


def round_settings(**changes) -> dict:
    data = {"name": "2025 年度职工技术创新成果评选", "year": "2025", "quota": "3", "publicity_days": "7",
            "trim_from": "5", "judges_per_entry": "5", "vote_weight": "0.8", "publicity_shows": "score",
            "vote_mode": "open", "vote_stage": "closed", "ballot_choices": "1"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


# ---------------------------------------------------------------- rounds


def test_round_list_shows_each_round_with_state_counts_and_progress(app, client):
    stage = helpers.build(entries=3, judges=2)
    judge_scores.save_scores(stage.judges[0], helpers.assignments(stage.round, stage.judges[0])[0],
                        {c.id: 10 for c in stage.round.criteria}, submit=True)
    text = page(signed_in(client, stage.admin).get(f"{BASE}/"))
    assert stage.round.name in text and "专家评审" in text
    assert "3 / 3 项" in text and "2 位" in text
    assert "已提交 1 / 6" in text
    assert "新建评选" in text


def test_a_new_round_offers_every_setting_labelled_and_explained(app, client):
    text = page(signed_in(client, gen_user()).get(f"{BASE}/new"))
    for label in ("评选名称", "优秀名额", "推荐截止日期", "评审截止日期", "公示天数", "匿名评审",
                  "去掉一个最高分和一个最低分", "去掉最高最低分的最少评委数", "评委分数标准化", "每项成果评委数（k）",
                  "公众投票", "专家评分权重（w）", "公示显示", "申报条件：近 N 年完成",
                  "申报条件：每个工作室最多推荐 M 项"):
        assert label in text
    assert "综合得分 = 专家得分 × w + 投票得分 × (1 − w)" in text  # a help text


def test_creating_a_round_saves_its_settings_and_leads_to_the_criteria(app, client):
    signed_in(client, gen_user())
    response = client.post(f"{BASE}/new", data=round_settings(
        trimmed="y", public_vote="y", vote_weight="0.7", publicity_shows="rank", recent_years="3",
        max_per_studio="2", nomination_deadline="2025-06-30"))
    award_round = db.session.scalars(select(AwardRound)).one()
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/{award_round.id}/criteria")
    assert (award_round.quota, award_round.trimmed, award_round.public_vote, award_round.vote_weight) == (
        3, True, True, Decimal("0.70"))
    assert (award_round.publicity_shows, award_round.recent_years, award_round.max_per_studio) == (
        PublicityShows.RANK, 3, 2)
    assert award_round.state is S.DRAFT and award_round.blind is False


@pytest.mark.parametrize("changes, message", [
    ({"name": ""}, "请填写评选名称"),
    ({"vote_weight": "1.5"}, "专家评分权重须在 0 到 1 之间"),
    ({"trim_from": "2"}, "去掉最高最低分至少需要 3 位评委"),
    ({"quota": "很多"}, "优秀名额应为整数"),
])
def test_a_refused_new_round_shows_why_and_creates_nothing(app, client, changes, message):
    signed_in(client, gen_user())
    response = client.post(f"{BASE}/new", data=round_settings(**changes))
    assert response.status_code == 400 and message in page(response)
    assert db.session.scalar(select(func.count()).select_from(AwardRound)) == 0


def test_a_round_name_is_unique(app, client):
    admin = gen_user()
    gen_round(admin, "2025 年度职工技术创新成果评选")
    response = signed_in(client, admin).post(f"{BASE}/new", data=round_settings())
    assert response.status_code == 400 and "已有名为“2025 年度职工技术创新成果评选”的评选" in page(response)
    assert db.session.scalar(select(func.count()).select_from(AwardRound)) == 1


def test_settings_frozen_by_the_stage_are_read_only_with_the_reason(app, client):
    stage = helpers.build(entries=2, judges=1, quota=2)
    signed_in(client, stage.admin)
    text = page(client.get(f"{BASE}/{stage.round.id}/edit"))
    assert 'name="quota"' in text and "专家评审开始后，评审办法不能再改" in text
    quota_input = text[text.index('name="quota"') - 200:text.index('name="quota"') + 200]
    assert "disabled" in quota_input
    name_input = text[text.index('id="name"'):text.index('id="name"') + 200]
    assert "disabled" not in name_input
    # What a browser sends: the editable fields only.
    response = client.post(f"{BASE}/{stage.round.id}/edit", data={
        "name": "改名后的评选", "publicity_days": "10", "publicity_shows": "rank", "scoring_deadline": ""})
    assert response.status_code == 302
    award_round = fresh(stage.round)
    assert (award_round.name, award_round.publicity_days, award_round.quota) == ("改名后的评选", 10, 2)
    # A crafted value for a frozen setting is refused by the service, and nothing changes.
    response = client.post(f"{BASE}/{stage.round.id}/edit", data={
        "name": "又改名", "publicity_days": "10", "publicity_shows": "rank", "quota": "1"})
    assert response.status_code == 400 and "以下设置已不能修改：优秀名额" in page(response)
    assert (fresh(stage.round).name, fresh(stage.round).quota) == ("改名后的评选", 2)


# ---------------------------------------------------------------- criteria


def test_the_criteria_editor_adds_edits_reorders_and_removes_and_shows_full_marks(app, client):
    admin = gen_user()
    award_round = gen_round(admin)
    url = f"{BASE}/{award_round.id}/criteria"
    text = page(signed_in(client, admin).get(url))
    assert "先进性" in text and "经济效益的评分指引" in text and '<strong class="full-marks">100</strong>' in text
    assert client.post(url, data={"name": "创新性", "max_points": "10", "weight": "2", "guide": "是否首创"}
                       ).status_code == 302
    assert '<strong class="full-marks">120</strong>' in page(client.get(url))

    first, second, *_, last = fresh(award_round).criteria
    assert client.post(f"{url}/{first.id}", data={f"c{first.id}-name": "技术先进性", f"c{first.id}-max_points": "30",
                                                  f"c{first.id}-weight": "1", f"c{first.id}-guide": ""}
                       ).status_code == 302
    assert client.post(f"{url}/{last.id}/move", data={"direction": "up"}).status_code == 302
    assert client.post(f"{url}/{second.id}/remove").status_code == 302
    names = [c.name for c in fresh(award_round).criteria]
    assert names == ["技术先进性", "经济效益", "创新性", "社会效益"]
    assert '<strong class="full-marks">110</strong>' in page(client.get(url))


def test_a_refused_criterion_keeps_the_page_and_changes_nothing(app, client):
    admin = gen_user()
    award_round = gen_round(admin)
    url = f"{BASE}/{award_round.id}/criteria"
    signed_in(client, admin)
    response = client.post(url, data={"name": "创新性", "max_points": "十", "weight": "1"})
    assert response.status_code == 400 and "满分应为整数" in page(response)
    response = client.post(url, data={"name": "先进性", "max_points": "10", "weight": "1"})
    assert response.status_code == 400 and "本次评选已有名为“先进性”的指标" in page(response)
    response = client.post(url, data={"name": "创新性", "max_points": "10", "weight": "0"})
    assert response.status_code == 400 and "权重须大于 0" in page(response)
    assert len(fresh(award_round).criteria) == 4


def test_criteria_are_frozen_once_scoring_starts(app, client):
    stage = helpers.build(entries=1, judges=1)
    url = f"{BASE}/{stage.round.id}/criteria"
    text = page(signed_in(client, stage.admin).get(url))
    assert "评分指标不能再修改" in text and "添加指标" not in text
    response = client.post(url, data={"name": "创新性", "max_points": "10", "weight": "1"})
    assert response.status_code == 400 and "当前处于“专家评审”阶段，不能修改评分指标" in page(response)
    criterion = stage.round.criteria[0]
    response = client.post(f"{url}/{criterion.id}/remove")
    assert response.status_code == 400 and "不能修改评分指标" in page(response)
    assert len(fresh(stage.round).criteria) == 4


def test_objects_of_another_round_are_not_found(app, client):
    admin = gen_user()
    one, other = gen_round(admin), gen_round(admin)
    signed_in(client, admin)
    assert client.post(f"{BASE}/{other.id}/criteria/{one.criteria[0].id}/remove").status_code == 404
    assert client.get(f"{BASE}/99999").status_code == 404
    assert len(fresh(one).criteria) == 4


# ---------------------------------------------------------------- the procedure


def test_the_dashboard_offers_the_allowed_steps_with_what_they_do(app, client):
    admin = gen_user()
    award_round = gen_round(admin)
    text = page(signed_in(client, admin).get(f"{BASE}/{award_round.id}"))
    assert "开始推荐申报" in text and "工作室即可向本次评选推荐成果" in text
    assert 'value="nominating"' in text and 'value="final"' not in text
    response = client.post(f"{BASE}/{award_round.id}/transition", data={"target": "nominating"})
    assert response.status_code == 302
    assert fresh(award_round).state is S.NOMINATING
    text = page(client.get(f"{BASE}/{award_round.id}"))
    assert "已开始推荐申报：筹备中 → 推荐申报" in text
    assert "截止申报并开始资格审核" in text and "退回筹备" in text


def test_an_illegal_step_is_refused_with_the_services_message(app, client):
    admin = gen_user()
    award_round = gen_round(admin)
    signed_in(client, admin)
    response = client.post(f"{BASE}/{award_round.id}/transition", data={"target": "final"})
    assert response.status_code == 400
    assert "当前处于“筹备中”阶段，不能转入“已表彰”阶段；当前可以：开始推荐申报" in page(response)
    response = client.post(f"{BASE}/{award_round.id}/transition", data={"target": "nonsense"})
    assert response.status_code == 400 and "未知的评选阶段" in page(response)
    assert fresh(award_round).state is S.DRAFT


def test_closing_scoring_with_missing_scores_asks_again_and_then_forces(app, client):
    stage = helpers.build(entries=2, judges=2)
    for a in helpers.assignments(stage.round, stage.judges[0]):
        judge_scores.save_scores(stage.judges[0], a, {c.id: 10 for c in stage.round.criteria}, submit=True)
    url = f"{BASE}/{stage.round.id}/transition"
    signed_in(client, stage.admin)
    response = client.post(url, data={"target": "closed"})
    text = page(response)
    assert response.status_code == 400 and "还有 2 份评审未提交" in text
    assert "仍然结束评审" in text and "评委 2 号：《参评成果1》" in text
    assert fresh(stage.round).state is S.SCORING
    assert client.post(url, data={"target": "closed", "force": "1"}).status_code == 302
    assert fresh(stage.round).state is S.CLOSED
    text = page(client.get(f"{BASE}/{stage.round.id}"))
    assert "未提交、不计入结果的评审 2 份" in text and "强制结束：2 份评审未提交" in text
    # Back to scoring needs a reason.
    response = client.post(url, data={"target": "scoring", "reason": " "})
    assert response.status_code == 400 and "重新开放评审须填写理由" in page(response)
    assert fresh(stage.round).state is S.CLOSED
    assert client.post(url, data={"target": "scoring", "reason": "评委 2 号补评"}).status_code == 302
    assert fresh(stage.round).state is S.SCORING
    details = db.session.scalars(select(AuditEntry.detail).where(AuditEntry.action == "award.transition")).all()
    assert any("理由：评委 2 号补评" in d for d in details)


def test_publicity_objections_and_finalising_through_the_pages(app, client):
    stage = helpers.build(entries=2, judges=1, quota=1)
    helpers.score_all(stage, lambda j, n, c: stage.round.criteria[c].max_points * (1 if n == 0 else 0.5))
    lifecycle.close_scoring(stage.admin, stage.round)
    url = f"{BASE}/{stage.round.id}/transition"
    signed_in(client, stage.admin)
    assert client.post(url, data={"target": "publicity"}).status_code == 302
    assert "公示至" in page(client.get(f"{BASE}/{stage.round.id}"))
    response = client.post(url, data={"target": "closed"})
    assert response.status_code == 400 and "撤回公示须填写理由" in page(response)
    response = client.post(url, data={"target": "final"})
    assert response.status_code == 400 and "公示期满后才能表彰" in page(response)
    objection = objections_votes.file_objection(fresh(stage.round), stage.nominations[0], "李四", "13900000000",
                                      "该成果的经济效益证明不足", "10.0.0.1")
    helpers.end_publicity(fresh(stage.round))
    response = client.post(url, data={"target": "final"})
    assert response.status_code == 400 and "还有 1 条异议未答复" in page(response)
    assert fresh(stage.round).state is S.PUBLICITY

    objections_url = f"{BASE}/{stage.round.id}/objections"
    text = page(client.get(objections_url))
    assert "该成果的经济效益证明不足" in text and "《参评成果1》" in text and "待答复 1 条" in text
    response = client.post(f"{objections_url}/{objection.id}", data={"answer": ""})
    assert response.status_code == 400 and "请填写答复内容" in page(response)
    assert client.post(f"{objections_url}/{objection.id}", data={"answer": "经核实，证明材料齐全"}
                       ).status_code == 302
    assert "经核实，证明材料齐全" in page(client.get(objections_url))
    assert client.post(url, data={"target": "final"}).status_code == 302
    assert fresh(stage.round).state is S.FINAL
    text = page(client.get(f"{BASE}/{stage.round.id}"))
    assert "颁发证书 1 张" in text and "流程已结束" in text


# ---------------------------------------------------------------- 资格审核, judges, assignment


def test_qualification_review_shows_the_entries_and_needs_a_reason_to_reject(app, client):
    stage = helpers.build(entries=3, judges=0, until="nominating", recent_years=3)
    url = f"{BASE}/{stage.round.id}/nominations"
    nomination = stage.nominations[0]
    signed_in(client, stage.admin)
    response = client.post(f"{url}/{nomination.id}", data={"decision": "qualify"})
    assert response.status_code == 400 and "不能进行资格审核" in page(response)
    lifecycle.close_nominations(stage.admin, stage.round)
    with write_transaction():
        stage.achievements[1].year = 2015  # changed after nominating: the reviewer should see it
    text = page(client.get(url))
    assert f"成果ID {stage.achievements[0].id}" in text and stage.studios[0].name in text and "2021 年完成" in text
    assert "完成于 2015 年，早于申报条件（近 3 年）" in text
    response = client.post(f"{url}/{nomination.id}", data={"decision": "reject", "reason": ""})
    assert response.status_code == 400 and "资格审核不通过时必须填写理由" in page(response)
    assert fresh(nomination).state is NominationState.NOMINATED
    assert client.post(f"{url}/{nomination.id}", data={"decision": "reject", "reason": "材料不全"}).status_code == 302
    assert fresh(nomination).state is NominationState.REJECTED
    assert "不通过理由：材料不全" in page(client.get(url))
    assert client.post(f"{url}/{stage.nominations[1].id}", data={"decision": "qualify"}).status_code == 302
    assert fresh(stage.nominations[1]).state is NominationState.QUALIFIED


def test_judges_are_added_from_judge_accounts_with_their_unit_and_removed(app, client):
    stage = helpers.build(entries=2, judges=1, until="qualifying")
    extra = gen_judge("judge-extra", unit="朝阳重型机械厂")
    url = f"{BASE}/{stage.round.id}/judges"
    text = page(signed_in(client, stage.admin).get(url))
    assert "工作单位：朝阳重型机械厂" in text
    assert client.post(url, data={"user": str(extra.id)}).status_code == 302
    text = page(client.get(url))
    assert "已添加评委 2 号" in text and "朝阳重型机械厂" in text
    response = client.post(url, data={"user": str(stage.admin.id)})  # not a judge account
    assert response.status_code == 400 and "请从列表中选择评委账号" in page(response)
    judge = fresh(stage.round).judges[1]
    assert client.post(f"{url}/{judge.id}/remove").status_code == 302
    assert [j.user_id for j in fresh(stage.round).judges] == [stage.judges[0].id]


def test_a_judge_who_submitted_cannot_be_removed(app, client):
    stage = helpers.build(entries=1, judges=1)
    helpers.score_all(stage)
    judge = stage.round.judges[0]
    response = signed_in(client, stage.admin).post(f"{BASE}/{stage.round.id}/judges/{judge.id}/remove")
    assert response.status_code == 400 and "评委 1 号已提交 1 份评分，不能移除" in page(response)
    assert len(fresh(stage.round).judges) == 1


def test_assignment_automatic_manual_conflicts_and_unassigning(app, client):
    stage = helpers.build(entries=3, judges=3, until="qualifying", judges_per_entry=2)
    url = f"{BASE}/{stage.round.id}/assignments"
    signed_in(client, stage.admin)
    text = page(client.get(url))
    assert "自动分配评审？" in text and "评委不足：0 / 2" in text
    assert client.post(f"{url}/auto").status_code == 302
    text = page(client.get(url))
    assert "自动分配完成：新分配 6 项" in text
    assert "各评委分配数：1 号 2 项，2 号 2 项，3 号 2 项" in text
    assert "评委不足" not in text and "1 号 未评" in text

    # A judge from the host unit of the first studio must avoid its entries: refused with the reason.
    insider = gen_judge("insider", unit=stage.studios[0].host_unit)
    client.post(f"{BASE}/{stage.round.id}/judges", data={"user": str(insider.id)})
    before = len(helpers.assignments(stage.round))
    response = client.post(f"{url}/assign", data={"nomination": str(stage.nominations[0].id),
                                                  "judge": str(insider.id)})
    assert response.status_code == 400 and "评委 4 号须回避《参评成果1》" in page(response)
    assert len(helpers.assignments(fresh(stage.round))) == before
    assert client.post(f"{url}/assign", data={"nomination": str(stage.nominations[1].id),
                                              "judge": str(insider.id)}).status_code == 302

    row = helpers.assignments(stage.round, stage.judges[0])[0]
    response = client.post(f"{url}/conflict", data={"nomination": str(row.nomination_id),
                                                    "judge": str(stage.judges[0].id), "reason": ""})
    assert response.status_code == 400 and "请填写回避理由" in page(response)
    assert client.post(f"{url}/conflict", data={"nomination": str(row.nomination_id),
                                                "judge": str(stage.judges[0].id), "reason": "曾参与研发"}
                       ).status_code == 302
    assert fresh(row).conflict is True and "1 号 回避" in page(client.get(url))
    response = client.post(f"{url}/{row.id}/unassign")
    assert response.status_code == 400 and "回避记录不能撤销" in page(response)
    other = helpers.assignments(stage.round, stage.judges[1])[0]
    assert client.post(f"{url}/{other.id}/unassign").status_code == 302
    assert db.session.get(Assignment, other.id) is None


def test_reassigning_during_scoring_is_confirmed_and_keeps_scored_work(app, client):
    stage = helpers.build(entries=2, judges=2)
    scored = helpers.assignments(stage.round, stage.judges[0])[0]
    judge_scores.save_scores(stage.judges[0], scored, {stage.round.criteria[0].id: 5})
    url = f"{BASE}/{stage.round.id}/assignments"
    text = page(signed_in(client, stage.admin).get(url))
    assert "重新分配评审？" in text and "评审已开始" in text and "1 号 草稿" in text
    assert client.post(f"{url}/auto").status_code == 302
    assert "保留已评分的 1 项" in page(client.get(url))
    assert db.session.get(Assignment, scored.id) is not None


# ---------------------------------------------------------------- progress, ranking, drill-down


def test_progress_flags_disputed_entries_drafts_and_missing_scores(app, client):
    stage = helpers.build(entries=2, judges=3)
    criteria = stage.round.criteria
    for j, fraction in enumerate((1.0, 0.9, 0.3)):  # entry 1: totals 100, 90, 30
        a = [a for a in helpers.assignments(stage.round, stage.judges[j])
             if a.nomination_id == stage.nominations[0].id][0]
        judge_scores.save_scores(stage.judges[j], a, {c.id: round(c.max_points * fraction, 2) for c in criteria},
                            submit=True)
    draft = [a for a in helpers.assignments(stage.round, stage.judges[1])
             if a.nomination_id == stage.nominations[1].id][0]
    judge_scores.save_scores(stage.judges[1], draft, {criteria[0].id: 12})
    text = page(signed_in(client, stage.admin).get(f"{BASE}/{stage.round.id}/progress"))
    assert "分歧较大的成果" in text and "相差 <strong class=\"text-danger\">70.00</strong> 分" in text
    assert text.count("分歧大") == 1
    assert "未提交的评审（3 份）" in text and "评委 2 号：《参评成果2》" in text
    row = text[text.index("2 号 <span"):]
    row = row[:row.index("</tr>")]
    assert re.findall(r'<td class="text-end">(\d+)</td>', row) == ["2", "1", "1", "0"]  # assigned, submitted, drafts


def trimmed_stage():
    """Five judges, trimmed mean: entry 1 gets totals 90, 80, 70, 60, 50 (trimmed mean 70), entry 2 gets 60 each."""
    studio = gen_studio("无关的工作室")  # achievements never nominated: achievement ids ≠ nomination ids
    for i in range(3):
        gen_achievement(studio, f"未参评的成果{i}")
    stage = helpers.build(entries=2, judges=5, trimmed=True, trim_from=5, quota=1)
    fractions = (0.9, 0.8, 0.7, 0.6, 0.5)
    helpers.score_all(stage, lambda j, n, c: round(stage.round.criteria[c].max_points
                                                   * (fractions[j] if n == 0 else 0.6), 2))
    return stage


def test_the_ranking_shows_each_judges_total_the_dropped_ones_and_the_result(app, client):
    stage = trimmed_stage()
    text = page(signed_in(client, stage.admin).get(f"{BASE}/{stage.round.id}/ranking"))
    assert "评委1</th>" in text and "评委5</th>" in text
    first_row = text[text.index(stage.achievements[0].title) - 400:text.index(stage.achievements[1].title)]
    assert "<del title=\"去掉的最高分或最低分\">90.00</del>" in first_row
    assert "<del title=\"去掉的最高分或最低分\">50.00</del>" in first_row
    assert "80.00" in first_row and "70.00" in first_row and "优秀</span>" in first_row
    assert f"<td>{stage.achievements[0].id}</td>" in first_row  # 成果ID is the achievement's id
    assert "下载评分明细（Excel）" in text and "下载排名（Excel）" in text
    assert "按目前已提交的评分实时计算" in text


def test_the_drill_down_traces_every_figure_and_reopens_a_score_with_a_reason(app, client):
    stage = trimmed_stage()
    url = f"{BASE}/{stage.round.id}/entries/{stage.achievements[0].id}"
    text = page(signed_in(client, stage.admin).get(url))
    assert text.count('class="table table-sm mb-0 score-sheet"') == 5
    sheet = text[text.index('data-judge="1"'):text.index('data-judge="2"')]
    assert "<td>经济效益</td><td class=\"text-end\">36.00</td><td class=\"text-end\">40</td>" in sheet
    assert "90.00" in sheet and "去掉" in sheet
    assert "70.0000" in text  # the trimmed mean
    row = [a for a in helpers.assignments(stage.round, stage.judges[0])
           if a.nomination_id == stage.nominations[0].id][0]
    response = client.post(f"{BASE}/{stage.round.id}/assignments/{row.id}/reopen", data={"reason": ""})
    assert response.status_code == 400 and "请填写理由" in page(response)
    assert fresh(row).is_submitted
    response = client.post(f"{BASE}/{stage.round.id}/assignments/{row.id}/reopen", data={"reason": "分数录入错误"})
    assert response.status_code == 302 and response.headers["Location"].endswith(url)
    assert not fresh(row).is_submitted
    assert "评委 1 号；理由：分数录入错误" in db.session.scalars(
        select(AuditEntry.detail).where(AuditEntry.action == "award.score_reopen")).one()
    response = client.post(f"{BASE}/{stage.round.id}/assignments/{row.id}/reopen", data={"reason": "再开一次"})
    assert response.status_code == 400 and "该评分尚未提交，无需重新开放" in page(response)


def test_the_ranking_during_publicity_is_the_frozen_snapshot(app, client):
    stage = trimmed_stage()
    lifecycle.close_scoring(stage.admin, stage.round)
    lifecycle.publish(stage.admin, stage.round)
    old_title = stage.achievements[0].title
    with write_transaction():
        stage.achievements[0].title = "公示后改名的成果"
    text = page(signed_in(client, stage.admin).get(f"{BASE}/{stage.round.id}/ranking"))
    assert "已冻结" in text and old_title in text and "公示后改名的成果" not in text


def test_before_scoring_there_is_no_ranking_and_no_export(app, client):
    admin = gen_user()
    award_round = gen_round(admin)
    signed_in(client, admin)
    response = client.get(f"{BASE}/{award_round.id}/ranking")
    assert response.status_code == 200 and "专家评审开始后才有排名" in page(response)
    response = client.get(f"{BASE}/{award_round.id}/export/all.xlsx")
    assert response.status_code == 400 and "专家评审开始后才有评分和排名" in page(response)


def test_vote_bursts_are_shown_when_the_round_has_a_vote(app, client):
    stage = helpers.build(entries=2, judges=1, public_vote=True, vote_stage=VoteStage.SCORING)
    for i in range(50):
        objections_votes.cast_vote(stage.round, stage.nominations[1], f"token-{i}", f"10.0.{i // 25}.{i}")
    objections_votes.cast_vote(stage.round, stage.nominations[0], "token-x", "10.1.0.1")
    with write_transaction() as session:  # all in one fixed ten-minute window, whatever the clock says
        session.execute(update(Vote).values(created_at=datetime(2025, 5, 1, 2, 1)))
    text = page(signed_in(client, stage.admin).get(f"{BASE}/{stage.round.id}/objections"))
    assert "公众投票" in text
    bursts = text[text.index("vote-bursts"):]
    assert "参评成果2" in bursts and "2025-05-01 10:00" in bursts and '<td class="text-end">50</td>' in bursts
    assert "参评成果2：50 票" in text and "参评成果1：1 票" in text
    assert "全部地址" in bursts and "同一地址" not in bursts
    for i in range(queries.ADDRESS_BURST_THRESHOLD):  # one person dropping its cookie
        objections_votes.cast_vote(stage.round, stage.nominations[0], f"dropped-{i}", "10.9.9.9")
    bursts = page(client.get(f"{BASE}/{stage.round.id}/objections")).split("vote-bursts", 1)[1]
    assert re.search(r'参评成果1.*同一地址 <span class="font-monospace">10.9.9.9</span></td><td class="text-end">'
                     rf'{queries.ADDRESS_BURST_THRESHOLD}</td>', bursts)
    plain = helpers.build(entries=1, judges=1)
    assert "公众投票" not in page(client.get(f"{BASE}/{plain.round.id}/objections"))


def test_criterion_records_are_untouched_by_a_refused_edit(app, client):
    stage = helpers.build(entries=1, judges=1)
    criterion = stage.round.criteria[0]
    prefix = f"c{criterion.id}-"
    response = signed_in(client, stage.admin).post(
        f"{BASE}/{stage.round.id}/criteria/{criterion.id}",
        data={prefix + "name": "新名字", prefix + "max_points": "50", prefix + "weight": "1"})
    assert response.status_code == 400 and "不能修改评分指标" in page(response)
    assert (fresh(criterion).name, fresh(criterion).max_points) == ("先进性", 20)
    assert isinstance(fresh(criterion), Criterion)


def test_round_pages_use_a_constant_number_of_statements(app, client, count_sql):
    """No N+1: a round of 6 entries and one of 12 are read with the same number of statements."""
    small, large = helpers.build(entries=6, studios=3), helpers.build(entries=12, studios=6)
    helpers.score_all(small)
    helpers.score_all(large)
    signed_in(client, small.admin)

    def statements(stage) -> dict[str, int]:
        counts = {}
        for part in ("nominations", "assignments", "progress", "ranking"):
            with count_sql() as counter:
                assert client.get(f"/admin/awards/{stage.round.id}/{part}").status_code == 200, part
            counts[part] = counter.count
        return counts

    assert statements(large) == statements(small)


def test_the_vote_settings_are_saved_and_checked(app, client):
    signed_in(client, gen_user())
    text = page(client.get(f"{BASE}/new"))
    for label in ("投票方式", "投票阶段", "投票开始日期", "投票截止日期", "每张选票可选成果数",
                  "投票码（每码一张选票）", "评审结束后、公示前"):
        assert label in text
    refused = client.post(f"{BASE}/new", data=round_settings(
        public_vote="y", vote_starts_on="2025-06-10", vote_ends_on="2025-06-01"))
    assert refused.status_code == 400 and "投票截止日期不能早于投票开始日期" in page(refused)
    response = client.post(f"{BASE}/new", data=round_settings(
        public_vote="y", vote_mode="ballot", vote_stage="scoring", ballot_choices="3", vote_starts_on="2025-06-01",
        vote_ends_on="2025年6月10日"))
    assert response.status_code == 302
    award_round = db.session.scalars(select(AwardRound)).one()
    assert (award_round.vote_mode, award_round.vote_stage, award_round.ballot_choices) == (
        VoteMode.BALLOT, VoteStage.SCORING, 3)
    assert (str(award_round.vote_starts_on), str(award_round.vote_ends_on)) == ("2025-06-01", "2025-06-10")
    dashboard = page(client.get(f"{BASE}/{award_round.id}"))
    assert "专家评审期间，2025-06-01 至 2025-06-10，凭投票码投票（每码一次，最多选 3 项）" in dashboard
    assert f"{BASE}/{award_round.id}/ballots" in dashboard
