"""The studio's award page: rules, eligibility with reasons, nominating, withdrawing, limits, states and results."""

import re

import pytest
from sqlalchemy import select

from innovation_hub.awards import lifecycle, nominating
from innovation_hub.awards.models import Nomination, NominationState
from innovation_hub.extensions import db
from innovation_hub.models import RecordStatus
from tests.awards import helpers
from tests.factories import gen_achievement, gen_round, gen_studio, gen_user, login


@pytest.fixture
def open_round(app, client):
    """A round open for nominations (近 3 年, at most 2 per studio); studio 甲 logged in, studio 乙 beside it."""
    admin = gen_user()
    award_round = gen_round(admin, "年度职工技术创新成果评选", year=2024, recent_years=3, max_per_studio=2)
    lifecycle.open_nominations(admin, award_round)
    jia, yi = gen_studio("甲工作室"), gen_studio("乙工作室")
    gen_user("studio-jia", "studio", studio=jia)
    login(client, "studio-jia")
    return dict(admin=admin, round=award_round, jia=jia, yi=yi)


def candidate(page: str, round_id: int, achievement_id: int) -> str:
    """The HTML of one achievement's row under one open round."""
    match = re.search(rf'<li class="list-group-item candidate[^"]*" id="candidate-{round_id}-{achievement_id}">(.*?)'
                      r'</li>\s*(?=<li class="list-group-item candidate|</ul>\s*</div>)', page, re.S)
    assert match, f"achievement {achievement_id} is not listed"
    return match.group(1)


def nominations_of(award_round) -> list[tuple[str, NominationState]]:
    db.session.expire_all()
    return [(n.title, n.state) for n in db.session.scalars(
        select(Nomination).where(Nomination.round_id == award_round.id).order_by(Nomination.id))]


def nominate_url(award_round, achievement) -> str:
    return f"/studio/awards/rounds/{award_round.id}/achievements/{achievement.id}/nominate"


def test_the_rules_and_each_achievements_eligibility_are_shown_before_nominating(open_round, client):
    r = open_round["round"]
    new, old = gen_achievement(open_round["jia"], "新成果", year=2023), gen_achievement(open_round["jia"], "旧成果",
                                                                                      year=2015)
    draft = gen_achievement(open_round["jia"], "草稿成果", status=RecordStatus.DRAFT)
    gen_achievement(open_round["yi"], "乙的成果")
    page = client.get("/studio/awards/").get_data(as_text=True)
    assert "只接受近 3 年（2021 年及以后）完成的成果" in page
    assert "每个工作室最多推荐 2 项，本工作室已推荐 <strong>0</strong> 项，还可推荐 2 项" in page
    eligible = candidate(page, r.id, new.id)
    assert nominate_url(r, new) in eligible and "推荐参评" in eligible and "data-confirm" in eligible
    ineligible = candidate(page, r.id, old.id)
    assert "成果完成于 2015 年，本次评选只接受近 3 年（2021 年及以后）完成的成果" in ineligible
    assert "推荐参评" not in ineligible and nominate_url(r, old) not in page
    assert "草稿成果" not in page and "乙的成果" not in page and f"candidate-{r.id}-{draft.id}" not in page
    assert nominations_of(r) == []  # looking nominated nothing


def test_nominate_then_withdraw(open_round, client):
    r = open_round["round"]
    achievement = gen_achievement(open_round["jia"], "新成果", year=2023)
    response = client.post(nominate_url(r, achievement), follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "已将《新成果》推荐参加" in page
    assert nominations_of(r) == [("新成果", NominationState.NOMINATED)]
    assert "该成果已推荐到本次评选（已推荐），每项成果只能推荐一次" in candidate(page, r.id, achievement.id)
    assert "本工作室已推荐 <strong>1</strong> 项" in page
    nomination = db.session.scalars(select(Nomination)).one()
    row = page.split(f'id="nomination-{nomination.id}"', 1)[1].split("</tr>", 1)[0]
    assert "已推荐" in row and f"/studio/awards/nominations/{nomination.id}/withdraw" in row

    response = client.post(f"/studio/awards/nominations/{nomination.id}/withdraw", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "已撤回《新成果》的推荐" in page
    assert nominations_of(r) == [("新成果", NominationState.WITHDRAWN)]
    row = page.split(f'id="nomination-{nomination.id}"', 1)[1].split("</tr>", 1)[0]
    assert "已撤回" in row and "/withdraw" not in row
    assert "推荐参评" in candidate(page, r.id, achievement.id)  # it may be nominated again


def test_withdrawing_after_the_deadline_or_for_another_studio_is_refused(open_round, client):
    r = open_round["round"]
    theirs = nominating.nominate(open_round["admin"], r, gen_achievement(open_round["yi"], "乙的成果"))
    response = client.post(f"/studio/awards/nominations/{theirs.id}/withdraw")
    assert response.status_code == 403 and "只能撤回本工作室的推荐" in response.get_data(as_text=True)
    ours = nominating.nominate(open_round["admin"], r, gen_achievement(open_round["jia"], "甲的成果"))
    lifecycle.close_nominations(open_round["admin"], r)
    response = client.post(f"/studio/awards/nominations/{ours.id}/withdraw")
    assert response.status_code == 400 and "不能撤回推荐" in response.get_data(as_text=True)
    assert nominations_of(r) == [("乙的成果", NominationState.NOMINATED), ("甲的成果", NominationState.NOMINATED)]


def test_the_per_studio_limit_is_shown_and_enforced(open_round, client):
    r = open_round["round"]
    first, second, third = (gen_achievement(open_round["jia"], f"成果{i}", year=2023) for i in range(3))
    nominating.nominate(open_round["admin"], r, gen_achievement(open_round["yi"], "乙的成果"))  # not ours: not counted
    for achievement in (first, second):
        assert client.post(nominate_url(r, achievement)).status_code == 302
    page = client.get("/studio/awards/").get_data(as_text=True)
    assert "本工作室已推荐 <strong>2</strong> 项，已达上限" in page
    assert "已达上限（每个工作室最多 2 项）" in candidate(page, r.id, third.id)
    response = client.post(nominate_url(r, third))
    assert response.status_code == 400
    assert "不能推荐该成果：本工作室在本次评选中已推荐 2 项，已达上限" in response.get_data(as_text=True)
    assert [t for t, _ in nominations_of(r)] == ["乙的成果", "成果0", "成果1"]


def test_another_studios_or_an_ineligible_achievement_is_refused(open_round, client):
    r = open_round["round"]
    theirs = gen_achievement(open_round["yi"], "乙的成果")
    response = client.post(nominate_url(r, theirs))
    assert response.status_code == 403 and "只能推荐本工作室的成果" in response.get_data(as_text=True)
    old = gen_achievement(open_round["jia"], "旧成果", year=2015)
    response = client.post(nominate_url(r, old))
    assert response.status_code == 400
    assert "不能推荐该成果：成果完成于 2015 年" in response.get_data(as_text=True)
    draft = gen_achievement(open_round["jia"], "草稿成果", status=RecordStatus.DRAFT)
    response = client.post(nominate_url(r, draft))
    assert response.status_code == 400 and "成果尚未审核通过" in response.get_data(as_text=True)
    assert client.post(f"/studio/awards/rounds/{r.id}/achievements/999999/nominate").status_code == 404
    assert nominations_of(r) == []


def test_a_rejection_shows_its_reason(open_round, client):
    r, admin = open_round["round"], open_round["admin"]
    nomination = nominating.nominate(admin, r, gen_achievement(open_round["jia"], "甲的成果"))
    lifecycle.close_nominations(admin, r)
    nominating.qualify(admin, nomination, False, "证明材料不全，缺少应用证明")
    page = client.get("/studio/awards/").get_data(as_text=True)
    row = page.split(f'id="nomination-{nomination.id}"', 1)[1].split("</tr>", 1)[0]
    assert "未通过" in row and "理由：证明材料不全，缺少应用证明" in row
    assert "目前没有正在推荐申报的评选" in page


def test_once_published_the_studio_sees_which_entries_are_excellent(app, client):
    # Entry 1 scores highest; quota 1. Studio 0 holds entries 1 and 3.
    stage = helpers.build(entries=4, judges=2, quota=1)
    gen_user("studio-0", "studio", studio=stage.studios[0])
    login(client, "studio-0")
    best, other = stage.nominations[0], stage.nominations[2]
    page = client.get("/studio/awards/").get_data(as_text=True)
    assert "审核通过" in page and "结果公示后显示" in page and "优秀" not in page

    helpers.to_publicity(stage, lambda judge, entry, criterion: 15 if entry == 0 else 10)
    page = client.get("/studio/awards/").get_data(as_text=True)
    outcome = {n.id: page.split(f'id="nomination-{n.id}"', 1)[1].split("</tr>", 1)[0] for n in (best, other)}
    assert "拟评为优秀成果（公示中）" in outcome[best.id] and "未获评优秀" in outcome[other.id]
    assert f'id="nomination-{stage.nominations[1].id}"' not in page  # studio 1's entry

    helpers.end_publicity(stage.round)
    lifecycle.finalise(stage.admin, stage.round)
    page = client.get("/studio/awards/").get_data(as_text=True)
    row = page.split(f'id="nomination-{best.id}"', 1)[1].split("</tr>", 1)[0]
    assert "优秀成果" in row and "公示中" not in row
