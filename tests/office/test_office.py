"""Catalogue administration: each office service stores, audits before → after, and reaches search at once."""

from datetime import date
from io import BytesIO

import pytest
from sqlalchemy import select

from innovation_hub.accounts.models import User
from innovation_hub.audit.changes import diff
from innovation_hub.audit.models import AuditEntry
from innovation_hub.catalogue.bulk import upsert_all
from innovation_hub.catalogue.models import Achievement, LeaderTerm, Patent, Studio
from innovation_hub.catalogue.services import AchievementData, StudioData, TitleData, upsert_studio
from innovation_hub.database import write_transaction
from innovation_hub.errors import PermissionDenied
from innovation_hub.extensions import db
from innovation_hub.models import Category, District, Level, RecordStatus, TitleState
from innovation_hub.office import services
from innovation_hub.submissions import services as submissions
from innovation_hub.submissions.models import ChangeRequest, ControlledField, RequestState
from innovation_hub.uploads import check_upload, path_of
from tests.factories import gen_achievement, gen_patent, gen_studio, gen_user, login

PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture
def world(app):
    a = gen_studio("甲创新工作室", leader="王建国")
    return dict(a=a, admin=gen_user("admin1"), studio_user=gen_user("studio-a", "studio", studio=a))


@pytest.fixture
def admin_client(app, world):
    client = app.test_client()
    assert login(client, "admin1").status_code == 302
    return client


def text(response) -> str:
    return response.get_data(as_text=True)


def found(client, q: str) -> list[str]:
    return [hit["title"] for hit in client.get("/api/v1/search", query_string={"q": q}).get_json()["hits"]]


def last_audit(action: str) -> AuditEntry:
    return db.session.execute(select(AuditEntry).where(AuditEntry.action == action)
                              .order_by(AuditEntry.id.desc())).scalars().first()


def test_diff_lists_changed_fields_old_to_new():
    assert diff({"行业": "电力", "成员人数": 12, "简介": "同"}, {"行业": "机械", "成员人数": None, "简介": "同"}) == [
        "行业：电力 → 机械", "成员人数：12 → （空）"]


def test_services_refuse_non_admins(world):
    with pytest.raises(PermissionDenied):
        services.edit_studio(world["studio_user"], world["a"], services.StudioEdit(
            "改名", "单位", "电力", District.SHUANGTA, 1, ""))
    with pytest.raises(PermissionDenied):
        services.unpublish_record(None, gen_achievement(world["a"]), "理由")


def test_admin_creates_a_studio_with_a_title(world, admin_client, client):
    response = admin_client.post("/admin/catalogue/studios/new", data={
        "name": "李明电气焊接创新工作室", "host_unit": "示例电力公司", "industry": "电力", "district": "longcheng",
        "members": "9", "intro": "焊接工艺攻关。", "leader": "李明", "leader_honours": "省劳动模范（2020）",
        "level": "provincial", "conferred_by": "省总工会", "year": "2021", "doc_number": "辽工发〔2021〕5号"})
    assert response.status_code == 302
    studio = db.session.execute(select(Studio).where(Studio.name == "李明电气焊接创新工作室")).scalar_one()
    assert studio.level is Level.PROVINCIAL and studio.leader.name == "李明" and studio.district is District.LONGCHENG
    entry = last_audit("catalogue.studio_create")
    assert entry.actor_name == "admin1" and "行业：（空） → 电力" in entry.detail
    assert "辽工发〔2021〕5号" in entry.detail
    assert "李明电气焊接创新工作室" in found(client, "电气焊接")
    again = admin_client.post("/admin/catalogue/studios/new", data={
        "name": "李明电气焊接创新工作室", "host_unit": "x", "industry": "电力", "district": "longcheng",
        "leader": "李明", "level": "city", "year": "2022"})
    assert again.status_code == 400 and "已有名为" in text(again)


def test_edit_studio_audits_before_and_after(world, admin_client, client):
    a = world["a"]
    response = admin_client.post(f"/admin/catalogue/studios/{a.id}/edit", data={
        "name": "甲焊接创新工作室", "host_unit": a.host_unit, "industry": "电力", "district": a.district.value,
        "members": "15", "intro": a.intro})
    assert response.status_code == 302
    detail = last_audit("catalogue.studio_edit").detail
    assert "名称：甲创新工作室 → 甲焊接创新工作室" in detail and "行业：机械制造 → 电力" in detail
    assert "成员人数：12 → 15" in detail and "简介" not in detail
    assert "甲焊接创新工作室" in found(client, "甲焊接")


def test_title_add_and_revoke_with_history(world, admin_client, client):
    a = world["a"]
    assert admin_client.post(f"/admin/catalogue/studios/{a.id}/titles/new", data={
        "level": "provincial", "conferred_by": "省总工会", "year": "2020", "doc_number": "辽工发〔2020〕8号"}
    ).status_code == 302
    db.session.expire_all()
    a = db.session.get(Studio, a.id)
    assert a.level is Level.PROVINCIAL
    title = next(t for t in a.titles if t.level is Level.PROVINCIAL)
    response = admin_client.post(f"/admin/catalogue/titles/{title.id}/revoke", data={
        "revoked_on": "2024-05-06", "doc_number": "辽工发〔2024〕3号", "reason": ""})
    assert response.status_code == 400 and "请填写撤销理由" in text(response)
    assert admin_client.post(f"/admin/catalogue/titles/{title.id}/revoke", data={
        "revoked_on": "2024-05-06", "doc_number": "辽工发〔2024〕3号", "reason": "复核不合格"}).status_code == 302
    db.session.expire_all()
    a = db.session.get(Studio, a.id)
    assert a.level is Level.CITY and title.state is TitleState.REVOKED and title.revoke_reason == "复核不合格"
    detail = last_audit("catalogue.title_revoke").detail
    assert "状态：有效 → 撤销" in detail and "级别：省级 → 市级" in detail and "辽工发〔2024〕3号" in detail
    page = text(client.get(f"/studios/{a.id}"))
    assert "辽工发〔2020〕8号" in page and "撤销：2024-05-06 · 辽工发〔2024〕3号 · 复核不合格" in page
    again = admin_client.post(f"/admin/catalogue/titles/{title.id}/revoke", data={
        "revoked_on": "2024-05-07", "reason": "再撤一次"})
    assert again.status_code == 400 and "已于 2024-05-06 撤销" in text(again)


def test_leader_change_keeps_the_former_leader(world, admin_client, client):
    a = world["a"]
    old_leader = a.leader
    response = admin_client.post(f"/admin/catalogue/studios/{a.id}/leader", data={
        "name": "赵新", "honours": "朝阳工匠（2023）", "on": "2023-07-01"})
    assert response.status_code == 302
    db.session.expire_all()
    a = db.session.get(Studio, a.id)
    assert a.leader.name == "赵新"
    terms = db.session.execute(select(LeaderTerm).where(LeaderTerm.studio_id == a.id)
                               .order_by(LeaderTerm.id)).scalars().all()
    assert [(t.person.name, t.ended_on, t.started_on) for t in terms] == [
        ("王建国", date(2023, 7, 1), None), ("赵新", None, date(2023, 7, 1))]
    assert "领办人：王建国 → 赵新" in last_audit("catalogue.leader_change").detail
    assert "曾领办" in text(client.get(f"/people/{old_leader.id}")) and "至 2023" in text(
        client.get(f"/people/{old_leader.id}"))
    assert "历任领办人" in text(client.get(f"/studios/{a.id}"))
    assert "赵新" in text(client.get("/api/v1/search?q=赵新"))


def test_imports_keep_leader_history(world):
    a = world["a"]
    upsert_studio(StudioData(name=a.name, host_unit=a.host_unit, industry=a.industry, district=a.district,
                             leader_name="钱进", titles=[TitleData(Level.CITY, 2018)]))
    upsert_all([StudioData(name=a.name, host_unit=a.host_unit, industry=a.industry, district=a.district,
                           leader_name="孙强", titles=[TitleData(Level.CITY, 2018)]),
                StudioData(name="新导入工作室", host_unit="某厂", industry="电力", district=District.JIANPING,
                           leader_name="周明", titles=[TitleData(Level.CITY, 2022)])], [], [])
    names = lambda sid: [(t.person.name, t.ended_on is None) for t in db.session.execute(  # noqa: E731
        select(LeaderTerm).where(LeaderTerm.studio_id == sid).order_by(LeaderTerm.id)).scalars()]
    assert names(a.id) == [("王建国", False), ("钱进", False), ("孙强", True)]
    new = db.session.execute(select(Studio).where(Studio.name == "新导入工作室")).scalar_one()
    assert names(new.id) == [("周明", True)]


def test_edit_approved_achievement_stays_public_with_revisions(world, admin_client, client):
    achievement = gen_achievement(world["a"], "旧的成果名称甲", summary="旧摘要")
    response = admin_client.post(f"/admin/catalogue/achievements/{achievement.id}/edit", data={
        "title": "液压支架快速检修法", "category": "operation", "year": "2021", "completers": "王建国、李红",
        "value_wan": "12.50", "summary": "旧摘要"})
    assert response.status_code == 302
    db.session.expire_all()
    achievement = db.session.get(Achievement, achievement.id)
    assert achievement.status is RecordStatus.APPROVED and achievement.title == "液压支架快速检修法"
    detail = last_audit("catalogue.achievement_edit").detail
    assert "成果名称：旧的成果名称甲 → 液压支架快速检修法" in detail and "类别：技术革新 → 先进操作法" in detail
    assert "液压支架快速检修法" in found(client, "快速检修") and not found(client, "旧的成果名称甲")
    page = text(client.get(f"/achievements/{achievement.id}"))
    assert "修改记录" in page and "修改了成果名称、类别" in page and "旧的成果名称甲" not in page
    bad = admin_client.post(f"/admin/catalogue/achievements/{achievement.id}/edit", data={
        "title": "", "category": "operation", "year": "2021", "completers": "王建国"})
    assert bad.status_code == 400 and "请填写成果名称" in text(bad)


def test_edit_patent_checks_the_number(world, admin_client):
    patent = gen_patent(world["a"], "一种旧名称的夹具")
    response = admin_client.post(f"/admin/catalogue/patents/{patent.id}/edit", data={
        "number": patent.display_number, "title": "一种快速夹具", "kind": "invention", "inventors": "王建国"})
    assert response.status_code == 400 and "不符" in text(response)
    response = admin_client.post(f"/admin/catalogue/patents/{patent.id}/edit", data={
        "number": patent.display_number, "title": "一种快速夹具", "kind": "utility", "inventors": "王建国",
        "achievement": ""})
    assert response.status_code == 302
    assert "专利名称：一种旧名称的夹具 → 一种快速夹具" in last_audit("catalogue.patent_edit").detail


def test_unpublish_and_republish_a_patent(world, admin_client, client):
    patent = gen_patent(world["a"], "一种管道清扫机器人")
    assert found(client, "清扫机器人") == ["一种管道清扫机器人"]
    response = admin_client.post(f"/admin/catalogue/patents/{patent.id}/unpublish", data={"reason": ""})
    assert response.status_code == 400 and "请填写理由" in text(response)
    response = admin_client.post(f"/admin/catalogue/patents/{patent.id}/unpublish", data={"reason": "专利权已转让"})
    assert response.status_code == 302
    assert not found(client, "清扫机器人") and client.get(f"/patents/{patent.id}").status_code == 404
    assert client.get(f"/api/v1/patents/{patent.id}").status_code == 404
    log = text(admin_client.get("/admin/audit", query_string={"action": "catalogue.record_unpublish"}))
    assert "撤下记录" in log and "<div>状态：已通过 → 已撤下</div>" in log
    assert "状态：已通过 → 已撤下" in last_audit("catalogue.record_unpublish").detail
    studio = app_client_for(client, "studio-a")
    page = text(studio.get("/studio/"))
    assert "已撤下" in page and "专利权已转让" in page
    assert admin_client.post(f"/admin/catalogue/patents/{patent.id}/republish").status_code == 302
    assert found(client, "清扫机器人") == ["一种管道清扫机器人"]


def app_client_for(client, username):
    other = client.application.test_client()
    assert login(other, username).status_code == 302
    return other


def test_delete_with_confirmation_removes_files(world, admin_client, client):
    studio_user = world["studio_user"]
    draft = submissions.save_achievement(studio_user, AchievementData("", "待删除的焊接成果", Category.INNOVATION, 2023,
                                                                      ["王建国"]))
    proof = submissions.attach_file(studio_user, draft, check_upload("证明.pdf", BytesIO(PDF)))
    stored = path_of(proof.stored_name)
    assert stored.exists()
    page = admin_client.get(f"/admin/catalogue/achievements/{draft.id}/delete")
    assert page.status_code == 200 and "证明.pdf" in text(page) and "确认删除" in text(page)
    assert admin_client.post(f"/admin/catalogue/achievements/{draft.id}/delete").status_code == 302
    assert db.session.get(Achievement, draft.id) is None and not stored.exists()
    assert "成果名称：待删除的焊接成果 → （空）" in last_audit("catalogue.record_delete").detail
    patent = gen_patent(world["a"], "一种要删除的装置")
    assert found(client, "要删除的装置")
    assert admin_client.post(f"/admin/catalogue/patents/{patent.id}/delete").status_code == 302
    assert db.session.get(Patent, patent.id) is None and not found(client, "要删除的装置")


def test_a_nominated_achievement_is_not_deleted(world, admin_client):
    from innovation_hub.awards.models import Nomination
    from tests.factories import gen_round

    achievement = gen_achievement(world["a"], "参评的成果")
    award_round = gen_round(world["admin"], "2024 年职工技术创新成果评选")
    with write_transaction() as session:
        session.add(Nomination(round_id=award_round.id, achievement_id=achievement.id, studio_id=world["a"].id))
    response = admin_client.post(f"/admin/catalogue/achievements/{achievement.id}/delete")
    assert response.status_code == 400 and "已被推荐参加评选“2024 年职工技术创新成果评选”" in text(response)
    assert "撤下" in text(response) and db.session.get(Achievement, achievement.id) is not None


def test_merge_moves_records_titles_and_accounts(world, admin_client, client):
    kept, dup = world["a"], gen_studio("甲创新工作室（重复）", titles=[TitleData(Level.PROVINCIAL, 2021),
                                                                 TitleData(Level.CITY, 2018)])
    a1 = gen_achievement(dup, "重复室的成果")
    p1 = gen_patent(dup, "重复室的专利")
    dup_user = gen_user("studio-dup", "studio", studio=dup)
    page = admin_client.get(f"/admin/catalogue/studios/{kept.id}/merge?duplicate={dup.id}")
    assert page.status_code == 200 and "成果 1 项" in text(page) and "账号 1 条" in text(page)
    response = admin_client.post(f"/admin/catalogue/studios/{kept.id}/merge", data={"duplicate": str(dup.id)})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Studio, dup.id) is None
    kept = db.session.get(Studio, kept.id)
    assert db.session.get(Achievement, a1.id).studio_id == kept.id
    assert db.session.get(Patent, p1.id).studio_id == kept.id
    assert db.session.get(User, dup_user.id).studio_id == kept.id
    assert kept.level is Level.PROVINCIAL and len(kept.titles) == 2
    assert "并入重复工作室：甲创新工作室（重复）" in last_audit("catalogue.studio_merge").detail
    hit = client.get("/api/v1/search", query_string={"q": "重复室的成果"}).get_json()["hits"][0]
    assert hit["studio"] == kept.name


def test_merge_refuses_same_titled_achievements(world, admin_client):
    dup = gen_studio("甲工作室副本")
    gen_achievement(world["a"], "同名成果")
    gen_achievement(dup, "同名成果")
    response = admin_client.post(f"/admin/catalogue/studios/{world['a'].id}/merge", data={"duplicate": str(dup.id)})
    assert response.status_code == 400 and "同名成果" in text(response)
    assert db.session.get(Studio, dup.id) is not None


def test_profile_change_requests_approved_or_refused(world, admin_client, client):
    studio = app_client_for(client, "studio-a")
    a = world["a"]
    response = studio.post("/studio/profile", data={"intro": "新简介", "members": "20", "industry": "机械加工业",
                                                     "district": "shuangta", "host_unit": "示例重工集团"})
    assert response.status_code == 302
    db.session.expire_all()
    a = db.session.get(Studio, a.id)
    assert a.industry == "机械制造" and a.host_unit == "示例机械厂" and a.intro == "新简介"
    assert client.get("/api/v1/search", query_string={"industry": "机械加工业"}).get_json()["total"] == 0
    page = text(studio.get("/studio/profile"))
    assert "行业：机械制造 → 机械加工业" in page and "待审核" in page
    queue = admin_client.get("/admin/catalogue/requests")
    assert "机械加工业" in text(queue) and "示例重工集团" in text(queue)
    industry, host = sorted(db.session.execute(select(ChangeRequest)).scalars(),
                            key=lambda r: r.field is not ControlledField.INDUSTRY)
    assert admin_client.post(f"/admin/catalogue/requests/{industry.id}/approve").status_code == 302
    response = admin_client.post(f"/admin/catalogue/requests/{host.id}/refuse", data={"reason": ""})
    assert response.status_code == 400
    assert admin_client.post(f"/admin/catalogue/requests/{host.id}/refuse",
                             data={"reason": "请附单位变更文件"}).status_code == 302
    db.session.expire_all()
    a = db.session.get(Studio, a.id)
    assert a.industry == "机械加工业" and a.host_unit == "示例机械厂"
    assert db.session.get(ChangeRequest, host.id).state is RequestState.REFUSED
    assert "行业：机械制造 → 机械加工业" in last_audit("catalogue.studio_edit").detail
    assert "请附单位变更文件" in text(studio.get("/studio/profile"))
    assert client.get("/api/v1/search", query_string={"industry": "机械加工业"}).get_json()["total"] >= 1


def test_profile_shows_the_requested_value_and_typing_the_current_one_withdraws(world, client):
    studio = app_client_for(client, "studio-a")
    data = {"intro": "简介", "members": "12", "industry": "电力", "district": "shuangta"}
    assert studio.post("/studio/profile", data=data).status_code == 302
    page = text(studio.get("/studio/profile"))
    assert 'value="电力"' in page and "待审核" in page
    assert studio.post("/studio/profile", data=data).status_code == 302  # saved again: still one request
    assert len(db.session.execute(select(ChangeRequest)).scalars().all()) == 1
    assert studio.post("/studio/profile", data={**data, "industry": "机械制造"}).status_code == 302
    assert db.session.execute(select(ChangeRequest)).scalars().all() == []
    assert "行业：机械制造 → 电力（撤回）" in last_audit("studio.change_withdraw").detail


def test_revoke_date_not_before_the_title(world, admin_client):
    title = world["a"].titles[0]
    response = admin_client.post(f"/admin/catalogue/titles/{title.id}/revoke", data={
        "revoked_on": "2010-01-01", "reason": "测试"})
    assert response.status_code == 400 and "撤销日期不能早于命名年份 2018 年" in text(response)
