"""The judge's pages: list and progress, the score form and its lock, 回避, conflicts on every route, blind rounds."""

import re
from io import BytesIO

import pytest

from innovation_hub.awards import assignment, judge_scores, lifecycle
from innovation_hub.awards.models import Assignment
from innovation_hub.database import write_transaction
from innovation_hub.extensions import db
from innovation_hub.models import RecordStatus
from innovation_hub.submissions.services import approve_record, attach_file, submit_record
from innovation_hub.uploads import check_upload
from tests.awards import helpers
from tests.factories import gen_achievement, gen_judge, gen_round, gen_studio, gen_user, login

# Weighted: full marks 20×1.5 + 20 + 40×0.5 + 20 = 90.
WEIGHTED = (("先进性", 20, "1.5"), ("实用性", 20, "1"), ("经济效益", 40, "0.5"), ("社会效益", 20, "1"))
PDF = b"%PDF-1.4\n%%EOF\n"


def points_of(a: Assignment) -> dict[str, str]:
    db.session.expire_all()
    return {s.criterion.name: str(s.points) for s in a.scores}


def fields(stage, **points) -> dict[str, str]:
    """Form data naming criteria by their Chinese names: fields(stage, 先进性="18") → {"c<id>": "18"}."""
    ids = {c.name: c.id for c in stage.round.criteria}
    return {f"c{ids[name]}": value for name, value in points.items()}


@pytest.fixture
def stage(app):
    """A round in scoring with weighted criteria: 4 entries of 2 studios, each given to both judges."""
    return helpers.build(entries=4, judges=2, criteria=WEIGHTED)


@pytest.fixture
def judge(stage, client):
    login(client, stage.judges[0].username)
    return stage.judges[0]


def mine(stage, judge, index: int) -> Assignment:
    nomination = stage.nominations[index]
    return next(a for a in helpers.assignments(stage.round, judge) if a.nomination_id == nomination.id)


def routes(client, nomination_id: int, data=None) -> list[int]:
    """The answers of every judge route about one entry: the page, saving scores, declaring 回避."""
    data = data or {}
    return [client.get(f"/judge/entries/{nomination_id}").status_code,
            client.post(f"/judge/entries/{nomination_id}/scores", data=data).status_code,
            client.post(f"/judge/entries/{nomination_id}/conflict", data={"reason": "测试"}).status_code]


# ------------------------------------------------------------------ list and progress


def test_home_and_list_show_progress_and_status(stage, judge, client):
    judge_scores.save_scores(judge, mine(stage, judge, 0), {stage.round.criteria[0].id: 10})
    judge_scores.save_scores(judge, mine(stage, judge, 1), {c.id: 10 for c in stage.round.criteria}, submit=True)
    home = client.get("/judge/").get_data(as_text=True)
    assert stage.round.name in home
    assert re.search(r"已提交 <strong>1</strong> / 4 项，草稿 1 项，未评分 2 项", home)
    page = client.get(f"/judge/rounds/{stage.round.id}").get_data(as_text=True)
    statuses = re.findall(r'class="badge entry-status [^"]+">([^<]+)<', page)
    assert statuses == ["草稿", "已提交", "未评分", "未评分"]
    assert all(f"参评成果{i}" in page for i in range(1, 5))


def test_the_list_leaves_out_every_kind_of_conflict(stage, judge, client):
    entry1, entry2, entry3, _ = stage.nominations
    assignment.declare_conflict(judge, mine(stage, judge, 0), "曾参与该成果的鉴定")
    assignment.set_conflict(stage.admin, entry2, judge, "与完成人系亲属")
    with write_transaction():  # the judge's unit became the host unit of the studio of 参评成果3
        judge.unit = entry3.studio.host_unit
    page = client.get(f"/judge/rounds/{stage.round.id}").get_data(as_text=True)
    assert "参评成果4" in page
    for title in ("参评成果1", "参评成果2", "参评成果3"):
        assert title not in page
    assert "您已申报回避 2 项" in page


def test_a_judge_not_on_the_round_gets_404_for_its_list(stage, client):
    outsider = gen_judge()
    login(client, outsider.username)
    assert client.get(f"/judge/rounds/{stage.round.id}").status_code == 404
    assert stage.round.name not in client.get("/judge/").get_data(as_text=True)


# ------------------------------------------------------------------ conflicts on every route


def test_conflicts_and_unassigned_entries_answer_404_on_every_route(stage, judge, client):
    entry1, entry2, entry3, entry4 = stage.nominations
    data = {**fields(stage, 先进性="20"), "save_draft": "1"}
    assert client.get(f"/judge/entries/{entry4.id}").status_code == 200  # the control: its own entry opens

    assignment.set_conflict(stage.admin, entry1, judge, "与完成人系亲属")  # declared by the administrator
    with write_transaction():
        judge.unit = entry2.studio.host_unit  # own host unit (the studio of entries 2 and 4)
    assert routes(client, entry1.id, data) == [404, 404, 404]
    assert routes(client, entry2.id, data) == [404, 404, 404]
    assert routes(client, entry4.id, data) == [404, 404, 404]
    with write_transaction():
        judge.unit, judge.studio_id = "", entry3.studio_id  # own studio
    assert routes(client, entry3.id, data) == [404, 404, 404]

    outsider = gen_judge()  # on the round, but given nothing
    assignment.add_judge(stage.admin, stage.round, outsider)
    client.post("/logout")
    login(client, outsider.username)
    assert routes(client, entry4.id, data) == [404, 404, 404]
    every = helpers.assignments(stage.round) + helpers.assignments(stage.round, conflict=True)
    assert [points_of(a) for a in every] == [{}] * len(every)  # nothing was saved
    assert [a.judge_id for a in helpers.assignments(stage.round, conflict=True)] == [judge.id]  # the admin's only


def test_a_judge_never_sees_another_judges_scores(stage, judge, client):
    other = stage.judges[1]
    judge_scores.save_scores(other, mine(stage, other, 0), {c.id: "13.5" for c in stage.round.criteria}, submit=True)
    page = client.get(f"/judge/entries/{stage.nominations[0].id}").get_data(as_text=True)
    assert "13.5" not in page and "未评分" in page
    assert "排名" not in page


# ------------------------------------------------------------------ the score form


def test_a_draft_then_a_submission_store_what_was_typed(stage, judge, client):
    entry = stage.nominations[0]
    typed = fields(stage, 先进性="18.5", 实用性="15", 经济效益="", 社会效益="")
    response = client.post(f"/judge/entries/{entry.id}/scores", data={**typed, "save_draft": "1"})
    assert response.status_code == 302
    a = mine(stage, judge, 0)
    assert points_of(a) == {"先进性": "18.50", "实用性": "15.00"} and not a.is_submitted
    page = client.get(f"/judge/entries/{entry.id}").get_data(as_text=True)
    assert 'value="18.5"' in page and 'value="15"' in page and "草稿" in page

    response = client.post(f"/judge/entries/{entry.id}/scores", data={
        **fields(stage, 先进性="19", 实用性="15", 经济效益="30.5", 社会效益="12"), "submit_scores": "1"})
    assert response.status_code == 302
    assert points_of(a) == {"先进性": "19.00", "实用性": "15.00", "经济效益": "30.50", "社会效益": "12.00"}
    assert a.is_submitted


def test_the_weighted_total_is_shown_after_saving(stage, judge, client):
    entry = stage.nominations[0]
    client.post(f"/judge/entries/{entry.id}/scores",
                data={**fields(stage, 先进性="18", 实用性="15", 经济效益="30"), "save_draft": "1"})
    page = client.get(f"/judge/entries/{entry.id}").get_data(as_text=True)
    # 18 × 1.5 + 15 × 1 + 30 × 0.5 = 57, of 90
    assert re.search(r'id="weighted-total">57<', page) and "满分 90" in page
    assert re.search(r'id="scored-count">3<', page)
    assert 'data-weight="1.50"' in page and 'step="0.5"' in page and 'max="40"' in page


@pytest.mark.parametrize("typed, message", [
    ({"先进性": "25", "实用性": "15"}, "“先进性”的得分须在 0 到 20 分之间"),
    ({"先进性": "abc"}, "“先进性”的得分须为数字"),
])
def test_a_refused_value_keeps_what_was_typed_and_saves_nothing(stage, judge, client, typed, message):
    entry = stage.nominations[0]
    judge_scores.save_scores(judge, mine(stage, judge, 0), {stage.round.criteria[1].id: 10})
    response = client.post(f"/judge/entries/{entry.id}/scores", data={**fields(stage, **typed), "save_draft": "1"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert all(f'value="{value}"' in page for value in typed.values())
    assert points_of(mine(stage, judge, 0)) == {"实用性": "10.00"}


def test_submitting_an_incomplete_form_is_refused_with_the_missing_criteria(stage, judge, client):
    entry = stage.nominations[0]
    response = client.post(f"/judge/entries/{entry.id}/scores",
                           data={**fields(stage, 先进性="18", 实用性="15"), "submit_scores": "1"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "提交前请为以下指标打分：经济效益、社会效益" in page and 'value="18"' in page
    a = mine(stage, judge, 0)
    assert points_of(a) == {} and not a.is_submitted


def test_a_submitted_score_is_locked_against_the_form_and_a_direct_post(stage, judge, client):
    entry = stage.nominations[0]
    full = fields(stage, 先进性="16", 实用性="16", 经济效益="32", 社会效益="16")
    assert client.post(f"/judge/entries/{entry.id}/scores", data={**full, "submit_scores": "1"}).status_code == 302
    page = client.get(f"/judge/entries/{entry.id}").get_data(as_text=True)
    assert "已提交，如需修改请联系管理员" in page
    assert not re.search(r'<input[^>]+name="c\d+"', page) and "提交评分" not in page  # nothing left to edit
    assert "申报回避" not in page
    assert re.search(r'id="weighted-total">72<', page)  # 16 × 1.5 + 16 + 32 × 0.5 + 16

    for button in ("save_draft", "submit_scores"):
        response = client.post(f"/judge/entries/{entry.id}/scores",
                               data={**fields(stage, 先进性="20", 实用性="20", 经济效益="40", 社会效益="20"),
                                     button: "1"})
        assert response.status_code == 400
        text = response.get_data(as_text=True)
        assert "提交并锁定，不能再修改" in text and "您本次填写的内容未保存：先进性 20" in text
    assert points_of(mine(stage, judge, 0)) == {"先进性": "16.00", "实用性": "16.00", "经济效益": "32.00",
                                                 "社会效益": "16.00"}


def test_scoring_outside_the_scoring_stage_is_refused(stage, judge, client):
    lifecycle.close_scoring(stage.admin, stage.round, force=True)
    entry = stage.nominations[0]
    page = client.get(f"/judge/entries/{entry.id}").get_data(as_text=True)
    assert "评审已结束" in page and not re.search(r'<input[^>]+name="c\d+"', page)
    response = client.post(f"/judge/entries/{entry.id}/scores",
                           data={**fields(stage, 先进性="18"), "save_draft": "1"})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "当前处于“评审结束”阶段，不能评分" in text and "您本次填写的内容未保存：先进性 18" in text
    assert points_of(mine(stage, judge, 0)) == {}


def test_a_post_without_a_button_saves_nothing(stage, judge, client):
    judge_scores.save_scores(judge, mine(stage, judge, 0), {stage.round.criteria[0].id: 10})
    response = client.post(f"/judge/entries/{stage.nominations[0].id}/scores", data=fields(stage, 先进性=""))
    assert response.status_code == 400 and "请点击“保存草稿”或“提交评分”" in response.get_data(as_text=True)
    assert points_of(mine(stage, judge, 0)) == {"先进性": "10.00"}


# ------------------------------------------------------------------ 回避


def test_declaring_a_conflict_needs_a_reason_then_removes_the_entry(stage, judge, client):
    entry = stage.nominations[0]
    response = client.post(f"/judge/entries/{entry.id}/conflict", data={"reason": "  "})
    assert response.status_code == 400 and "请填写回避理由" in response.get_data(as_text=True)
    assert not mine(stage, judge, 0).conflict

    response = client.post(f"/judge/entries/{entry.id}/conflict", data={"reason": "本人曾参与该成果的试验"},
                           follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "管理员将重新分配评委" in page
    assert "参评成果1" not in page.split("judge-entries", 1)[1]  # not in the table any more
    conflict = db.session.scalars(db.select(Assignment).where(
        Assignment.nomination_id == entry.id, Assignment.judge_id == judge.id)).one()
    assert conflict.conflict and conflict.conflict_reason == "本人曾参与该成果的试验"
    assert client.get(f"/judge/entries/{entry.id}").status_code == 404


# ------------------------------------------------------------------ blind rounds and proof files


def _entry_with_proof(blind: bool):
    """A round in scoring with one entry of a studio whose names are easy to find; its proof file is private."""
    admin = gen_user()
    award_round = gen_round(admin, blind=blind, judges_per_entry=1)
    studio = gen_studio("盲评测试工作室", host_unit="盲评依托单位有限公司", leader="孙领办")
    account = gen_user("studio-blind", "studio", studio=studio)
    achievement = gen_achievement(studio, "一种输煤皮带纠偏装置", completers=("赵盲评", "钱隐名"),
                                  summary="由盲评测试工作室赵盲评、钱隐名完成，孙领办指导，依托盲评依托单位有限公司试制。",
                                  status=RecordStatus.DRAFT)
    proof = attach_file(account, achievement, check_upload("盲评测试工作室验收报告.pdf", BytesIO(PDF)))
    submit_record(account, achievement)
    approve_record(admin, achievement)
    stage = helpers.Stage(admin, award_round, [studio], [achievement])
    helpers.nominate_all(stage)
    helpers.qualify_all(stage)
    helpers.add_judges(stage, [gen_judge("judge-blind")])
    assignment.auto_assign(admin, award_round)
    lifecycle.start_scoring(admin, award_round)
    return stage, proof


NAMES = ("盲评测试工作室", "盲评依托单位有限公司", "赵盲评", "钱隐名", "孙领办")


@pytest.mark.parametrize("blind", [True, False])
def test_a_blind_round_names_no_studio_unit_or_person_on_any_judge_page(app, client, blind):
    stage, proof = _entry_with_proof(blind)
    login(client, "judge-blind")
    pages = {"home": client.get("/judge/"), "list": client.get(f"/judge/rounds/{stage.round.id}"),
             "entry": client.get(f"/judge/entries/{stage.nominations[0].id}")}
    pages["refused"] = client.post(f"/judge/entries/{stage.nominations[0].id}/scores",
                                   data={**fields(stage, 先进性="999"), "save_draft": "1"})
    for name, response in pages.items():
        html = response.get_data(as_text=True)
        assert "一种输煤皮带纠偏装置" in html or name == "home"
        found = [n for n in NAMES if n in html]
        if blind:
            assert found == [], f"{name} page names {found}"
    entry = pages["entry"].get_data(as_text=True)
    if blind:
        assert "证明材料 1：××验收报告.pdf" in entry and "匿名评审" in entry
        assert "由××××、××完成，××指导，依托××试制" in entry
    else:  # the control: the same pages of an open round do name them
        assert all(n in entry for n in NAMES) and "盲评测试工作室" in pages["list"].get_data(as_text=True)
    assert f"/files/{proof.id}" in entry


def test_the_assigned_judge_downloads_private_proof_only_while_scoring(app, client):
    stage, proof = _entry_with_proof(False)
    assert client.get(f"/files/{proof.id}").status_code == 404
    outsider = gen_judge("judge-outside")
    assignment.add_judge(stage.admin, stage.round, outsider)
    login(client, outsider.username)
    assert client.get(f"/files/{proof.id}").status_code == 404  # on the round, not given this entry
    client.post("/logout")
    login(client, "judge-blind")
    with client.get(f"/files/{proof.id}") as response:  # closes the file it sends
        assert response.status_code == 200 and response.data == PDF
    lifecycle.close_scoring(stage.admin, stage.round, force=True)
    assert client.get(f"/files/{proof.id}").status_code == 404
    page = client.get(f"/judge/entries/{stage.nominations[0].id}").get_data(as_text=True)
    assert f"/files/{proof.id}" not in page


def test_a_judge_with_a_conflict_cannot_download_the_proof(app, client):
    stage, proof = _entry_with_proof(False)
    judge = stage.judges[0]
    assignment.declare_conflict(judge, helpers.assignments(stage.round, judge)[0], "曾在该单位工作")
    login(client, judge.username)
    assert client.get(f"/files/{proof.id}").status_code == 404
