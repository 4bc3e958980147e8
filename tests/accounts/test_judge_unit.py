"""A judge's 工作单位 in /admin/users and on a round's judge form, edits audited before → after, and 回避."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from innovation_hub.accounts.models import User
from innovation_hub.audit.models import AuditEntry
from innovation_hub.awards import assignment
from innovation_hub.awards.services import AwardError
from innovation_hub.extensions import db
from tests.awards.helpers import assignments, build
from tests.factories import gen_judge, gen_round, gen_studio, gen_user, login


def text(response) -> str:
    return response.get_data(as_text=True)


def as_admin(app, admin) -> object:
    client = app.test_client()
    assert login(client, admin.username).status_code == 302
    return client


def audit(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


@pytest.fixture
def admin_client(app):
    return as_admin(app, gen_user("admin1"))


def test_a_judge_is_created_with_a_unit_and_shown_with_it(admin_client):
    response = admin_client.post("/admin/users", data={
        "username": "li", "display_name": "李工", "role": "judge", "unit": "示例机械厂", "studio_name": "",
        "password": "judge-pass-2024"})
    assert response.status_code == 302
    judge = db.session.scalar(select(User).where(User.username == "li"))
    assert judge.unit == "示例机械厂"
    assert "示例机械厂" in text(admin_client.get("/admin/users"))
    assert "工作单位：示例机械厂" in audit("user.create")[-1].detail


def test_only_judges_have_a_unit(admin_client):
    gen_studio("甲工作室")
    response = admin_client.post("/admin/users", data={
        "username": "jia", "role": "studio", "unit": "某单位", "studio_name": "甲工作室",
        "password": "studio-pass-2024"})
    assert response.status_code == 400 and "只有评委账号填写工作单位" in text(response)
    assert db.session.scalar(select(User).where(User.username == "jia")) is None


def test_editing_an_account_is_audited_before_and_after(admin_client):
    own = gen_studio("乙工作室")
    judge = gen_judge("li", unit="旧单位", studio=own)
    page = admin_client.get(f"/admin/users/{judge.id}")
    assert page.status_code == 200 and 'value="旧单位"' in text(page) and "本人所在工作室：乙工作室" in text(page)
    response = admin_client.post(f"/admin/users/{judge.id}", data={"display_name": "李工", "unit": "新单位"})
    assert response.status_code == 302
    db.session.expire_all()
    judge = db.session.get(User, judge.id)
    assert (judge.display_name, judge.unit, judge.studio_id) == ("李工", "新单位", own.id)  # its own studio stays
    entry = audit("user.edit")[-1]
    assert entry.actor_name == "admin1" and entry.target_label == "li"
    assert entry.detail == "姓名或单位：（空） → 李工；工作单位：旧单位 → 新单位"


def test_a_studio_account_moves_to_another_studio(admin_client):
    account = gen_user("jia", "studio", studio=gen_studio("甲工作室"))
    other = gen_studio("乙工作室")
    response = admin_client.post(f"/admin/users/{account.id}", data={"display_name": "", "unit": "",
                                                                       "studio_name": "乙工作室"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, account.id).studio_id == other.id
    assert audit("user.edit")[-1].detail == "所属工作室：甲工作室 → 乙工作室"


def test_a_bad_edit_is_refused_with_a_message_and_changes_nothing(admin_client):
    judge = gen_judge("li", unit="旧单位")
    response = admin_client.post(f"/admin/users/{judge.id}", data={
        "display_name": "李工", "unit": "新单位", "studio_name": "甲工作室"})
    assert response.status_code == 400 and "只有工作室账号才属于某个工作室" in text(response)
    db.session.expire_all()
    assert db.session.get(User, judge.id).unit == "旧单位"
    assert not audit("user.edit")
    studio_account = gen_user("jia", "studio", studio=gen_studio("甲工作室"))
    response = admin_client.post(f"/admin/users/{studio_account.id}", data={"display_name": "", "unit": "",
                                                                           "studio_name": ""})
    assert response.status_code == 400 and "工作室账号须指定所属工作室" in text(response)
    response = admin_client.post(f"/admin/users/{studio_account.id}", data={"display_name": "", "unit": "",
                                                                           "studio_name": "不存在的工作室"})
    assert response.status_code == 400 and "“不存在的工作室”不存在" in text(response)


def test_a_judge_whose_unit_becomes_a_studios_host_unit_is_never_assigned_its_entries(app):
    stage = build(entries=4, judges=2, until="qualifying", studios=2, judges_per_entry=2)
    host = stage.studios[0]
    judge = stage.judges[0]
    assignment.auto_assign(stage.admin, stage.round)
    own_entries = {n.id for n in stage.nominations if n.studio_id == host.id}
    assert own_entries <= {a.nomination_id for a in assignments(stage.round, judge)}

    client = as_admin(app, stage.admin)
    response = client.post(f"/admin/users/{judge.id}", data={
        "display_name": "", "unit": host.host_unit, "studio_name": ""}, follow_redirects=True)
    assert "已撤销须回避的评审分配 2 项" in text(response)
    db.session.expire_all()
    assert not own_entries & {a.nomination_id for a in assignments(stage.round, judge)}

    report = assignment.auto_assign(stage.admin, stage.round)  # redone: the judge is still left out
    assert not own_entries & {a.nomination_id for a in assignments(stage.round, judge)}
    assert {nid for nid, _title, _given in report.short} == own_entries  # only one judge left for them
    withdrawn = [e for e in audit("award.unassign") if "须回避" in e.detail]
    assert len(withdrawn) == 2 and "本人工作单位为该工作室的依托单位" in withdrawn[0].detail


def test_the_round_judge_form_shows_and_sets_the_unit(app):
    admin = gen_user("admin1")
    award_round = gen_round(admin)
    judge = gen_judge("li", unit="")
    client = as_admin(app, admin)
    page = text(client.get(f"/admin/awards/{award_round.id}/judges"))
    assert "工作单位：未填写" in page and 'name="unit"' in page
    response = client.post(f"/admin/awards/{award_round.id}/judges", data={"user": str(judge.id), "unit": "示例机械厂"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, judge.id).unit == "示例机械厂"
    assert "工作单位：（空） → 示例机械厂" in audit("user.edit")[-1].detail
    assert "示例机械厂" in text(client.get(f"/admin/awards/{award_round.id}/judges"))


def test_a_refused_judge_add_does_not_change_the_unit(app):
    admin = gen_user("admin1")
    award_round = gen_round(admin)
    judge = gen_judge("li", unit="旧单位")
    assignment.add_judge(admin, award_round, judge)
    with pytest.raises(AwardError):  # already a judge of the round: the unit typed with it is not kept either
        assignment.add_judge(admin, award_round, judge, unit="新单位")
    db.session.expire_all()
    assert db.session.get(User, judge.id).unit == "旧单位" and not audit("user.edit")


def test_create_user_on_the_command_line_takes_a_judges_unit(app, runner):
    result = runner.invoke(args=["create-user", "li", "--role", "judge", "--unit", "示例机械厂",
                                 "--password", "judge-pass-2024"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User.unit).where(User.username == "li")) == "示例机械厂"
