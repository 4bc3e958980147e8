"""The studio lifecycle end to end: a 年度考核 year from opening to 摘牌, the public pages and figures after it."""

from __future__ import annotations

from datetime import timedelta

from innovation_hub.audit.models import AuditEntry
from innovation_hub.catalogue.models import Studio
from innovation_hub.catalogue.services import TitleData
from innovation_hub.extensions import db
from innovation_hub.lifecycle import services
from innovation_hub.lifecycle.models import AnnualReport, Grade, ReportStatus
from innovation_hub.models import Level, StudioStatus, TitleState
from tests.factories import gen_achievement, gen_patent, gen_studio, gen_user, login


def _actions() -> list[str]:
    return list(db.session.execute(db.select(AuditEntry.action).order_by(AuditEntry.id)).scalars())


def _studio(name: str) -> Studio:
    return db.session.execute(db.select(Studio).where(Studio.name == name)).scalar_one()


def test_a_year_from_opening_to_delisting_changes_the_public_pages_and_figures(app):
    year = services.today().year - 1
    a = gen_studio("甲电力创新工作室", titles=[TitleData(Level.CITY, 2016, "市总工会"),
                                            TitleData(Level.PROVINCIAL, 2020, "省总工会")])
    gen_studio("乙钢铁创新工作室")
    gen_achievement(a, "变压器在线监测装置", year=year)
    gen_achievement(a, "往年的成果", year=year - 3)
    gen_patent(a, "一种绝缘子清扫装置", year=year)
    gen_user("office")
    gen_user("studio-a", "studio", studio=a)
    office, studio_a, public = app.test_client(), app.test_client(), app.test_client()
    login(office, "office")
    login(studio_a, "studio-a")
    assert public.get("/api/v1/stats").json["studios"] == 2

    # The office opens the year.
    r = office.post("/admin/lifecycle/years", data={"year": year, "deadline": services.today().isoformat()})
    assert r.status_code == 302
    assert "开启" in office.get(r.headers["Location"]).get_data(as_text=True)

    # The studio sees its year in the catalogue, saves and submits its report.
    page = studio_a.get(f"/studio/annual-review/{year}").get_data(as_text=True)
    assert "变压器在线监测装置" in page and "一种绝缘子清扫装置" in page and "往年的成果" not in page
    assert "成果 1 项" in page and "专利 1 件" in page
    form = {"value_wan": "35.5", "training_sessions": "6", "apprentices": "4", "activities": "开展带电作业培训。"}
    assert studio_a.post(f"/studio/annual-review/{year}", data=form).status_code == 302
    assert studio_a.post(f"/studio/annual-review/{year}/submit").status_code == 302
    report = db.session.execute(db.select(AnnualReport)).scalar_one()
    assert (report.status, report.achievement_count, report.patent_count) == (ReportStatus.SUBMITTED, 1, 1)
    assert str(report.value_wan) == "35.50"
    # Submitted: no more changes by the studio.
    r = studio_a.post(f"/studio/annual-review/{year}", data={**form, "activities": "改了"})
    assert r.status_code == 400 and "已提交" in r.get_data(as_text=True)
    db.session.expire_all()
    assert report.activities == "开展带电作业培训。"

    # The office sees the progress, returns it; the studio corrects and submits again.
    progress = office.get(f"/admin/lifecycle/years/{year}").get_data(as_text=True)
    assert "甲电力创新工作室" in progress and "乙钢铁创新工作室" in progress and "未填报" in progress
    unfiled = office.get(f"/admin/lifecycle/years/{year}?show=unfiled").get_data(as_text=True)
    assert "乙钢铁创新工作室" in unfiled and "甲电力创新工作室" not in unfiled.split('id="progress-table"')[1]
    assert office.get(f"/admin/lifecycle/years/{year}?show=some").status_code == 400
    r = office.post(f"/admin/lifecycle/reports/{report.id}/return", data={"reason": "请补充测算依据"})
    assert r.status_code == 302
    assert "请补充测算依据" in studio_a.get(f"/studio/annual-review/{year}").get_data(as_text=True)
    assert studio_a.post(f"/studio/annual-review/{year}", data=form).status_code == 302
    assert studio_a.post(f"/studio/annual-review/{year}/submit").status_code == 302

    # Grading: 不合格 needs a comment; closing needs every filed report graded.
    assert office.post(f"/admin/lifecycle/years/{year}/close").status_code == 400
    r = office.post(f"/admin/lifecycle/reports/{report.id}/grade", data={"grade": Grade.FAIL.value, "comment": ""})
    assert r.status_code == 400 and "必须填写评语" in r.get_data(as_text=True)
    r = office.post(f"/admin/lifecycle/reports/{report.id}/grade",
                    data={"grade": Grade.FAIL.value, "comment": "全年无新增攻关项目"})
    assert r.status_code == 302
    # Grades are not public while the year is open.
    assert "全年无新增攻关项目" not in public.get(f"/studios/{a.id}").get_data(as_text=True)
    assert office.post(f"/admin/lifecycle/years/{year}/close").status_code == 302
    page = public.get(f"/studios/{a.id}").get_data(as_text=True)
    assert f"{year}年度考核：不合格" in page and "全年无新增攻关项目" in page

    # 摘牌.
    r = office.post(f"/admin/lifecycle/studios/{a.id}/delist", data={
        "decided_on": services.today().isoformat(), "cause": "review", "doc_number": "朝工发〔2026〕3号",
        "reason": "年度考核不合格且整改不到位"})
    assert r.status_code == 302
    studio = _studio("甲电力创新工作室")
    assert studio.status is StudioStatus.DELISTED and studio.delisted_on == services.today()
    assert {t.state for t in studio.titles} == {TitleState.REVOKED} and studio.level is None

    # The public sees one studio fewer, unless asked; the page and the API say 摘牌; the records stay public.
    assert public.get("/api/v1/stats").json["studios"] == 1
    assert public.get("/api/v1/stats?include_delisted=1").json["studios"] == 2
    assert public.get("/api/v1/studios").json["total"] == 1
    assert public.get("/api/v1/studios?include_delisted=1").json["total"] == 2
    assert public.get(f"/api/v1/studios/{a.id}").json["status"] == "摘牌"
    assert "甲电力创新工作室" not in public.get("/studios").get_data(as_text=True)
    listed = public.get("/studios?include_delisted=1").get_data(as_text=True)
    assert "甲电力创新工作室" in listed and "已摘牌" in listed
    home = public.get("/").get_data(as_text=True)
    assert "有效工作室 1 个，另有 1 个已摘牌" in home
    page = public.get(f"/studios/{a.id}").get_data(as_text=True)
    assert "已摘牌" in page and "年度考核不合格且整改不到位" in page and "朝工发〔2026〕3号" in page
    assert "变压器在线监测装置" in page
    assert public.get("/achievements").get_data(as_text=True).count("变压器在线监测装置") == 1
    # Search still finds the studio, marked.
    hits = public.get("/api/v1/search?q=甲电力&type=studio").json["hits"]
    assert [h["id"] for h in hits] == [a.id]
    assert "已摘牌" in public.get("/search?q=甲电力&type=studio").get_data(as_text=True)

    # 恢复 gives back the titles the 摘牌 revoked.
    assert office.post(f"/admin/lifecycle/studios/{a.id}/restore", data={
        "decided_on": services.today().isoformat(), "reason": "整改验收合格"}).status_code == 302
    db.session.expire_all()
    studio = _studio("甲电力创新工作室")
    assert studio.status is StudioStatus.ACTIVE and studio.level is Level.PROVINCIAL
    assert public.get("/api/v1/stats").json["studios"] == 2
    assert "恢复" in public.get(f"/studios/{a.id}").get_data(as_text=True)
    assert _actions()[-10:] == [
        "lifecycle.year_open", "lifecycle.report_save", "lifecycle.report_submit", "lifecycle.report_return",
        "lifecycle.report_save", "lifecycle.report_submit", "lifecycle.report_grade", "lifecycle.year_close",
        "studio.delist", "studio.restore"]


def test_a_year_cannot_be_opened_twice_and_a_bad_date_is_a_400(app, client):
    gen_user("office")
    login(client, "office")
    assert client.post("/admin/lifecycle/years", data={"year": "2025", "deadline": "2026-03-31"}).status_code == 302
    r = client.post("/admin/lifecycle/years", data={"year": "2025", "deadline": "2026-03-31"})
    assert r.status_code == 400 and "不能重复开启" in r.get_data(as_text=True)
    r = client.post("/admin/lifecycle/years", data={"year": "2026", "deadline": "明年春天"})
    assert r.status_code == 400 and "应为有效日期" in r.get_data(as_text=True)


def test_a_delisted_studio_files_no_report_and_a_closed_year_takes_none(app):
    office = gen_user("office")
    a = gen_studio("甲工作室")
    studio_a = gen_user("studio-a", "studio", studio=a)
    review_year = services.open_year(office, 2025, services.today())
    data = services.ReportData(None, 0, 0, "活动")
    services.save_report(studio_a, review_year, data)
    services.close_year(office, review_year)
    try:
        services.save_report(studio_a, review_year, data)
    except services.LifecycleError as error:
        assert "已经结束" in str(error)
    else:
        raise AssertionError("a closed year took a report")
    next_year = services.open_year(office, 2026, services.today())
    services.delist_studio(office, a, services.DelistData(services.today(), services.DelistCause.OTHER, "撤并"))
    try:
        services.save_report(studio_a, next_year, data)
    except services.LifecycleError as error:
        assert "已摘牌" in str(error)
    else:
        raise AssertionError("a delisted studio filed a report")
    # The closed year's unfiled report shows as such on the studio's page.
    assert "2025年度考核：未报送年度报告" in app.test_client().get(f"/studios/{a.id}").get_data(as_text=True)


def test_rechecks_due_after_n_years_and_a_failed_one_leads_to_delisting(app, client):
    this_year = services.today().year
    old = gen_studio("老站工作室", titles=[TitleData(Level.CITY, this_year - 3, "市总工会")])
    gen_studio("近站工作室", titles=[TitleData(Level.CITY, this_year - 2, "市总工会")])
    failing = gen_studio("待复核工作室", titles=[TitleData(Level.CITY, this_year - 5, "市总工会")])
    gen_user("office")
    login(client, "office")
    page = client.get("/admin/lifecycle/rechecks").get_data(as_text=True)
    assert "老站工作室" in page and "待复核工作室" in page and "近站工作室" not in page

    today = services.today().isoformat()
    assert client.post(f"/admin/lifecycle/studios/{old.id}/recheck",
                       data={"decided_on": today, "outcome": "passed", "doc_number": "朝工发〔2026〕8号"}
                       ).status_code == 302
    r = client.post(f"/admin/lifecycle/studios/{failing.id}/recheck", data={"decided_on": today, "outcome": "failed"})
    assert r.status_code == 400 and "必须填写原因" in r.get_data(as_text=True)
    future = (services.today() + timedelta(days=3)).isoformat()
    r = client.post(f"/admin/lifecycle/studios/{failing.id}/recheck",
                    data={"decided_on": future, "outcome": "passed"})
    assert r.status_code == 400 and "不能晚于今天" in r.get_data(as_text=True)
    r = client.post(f"/admin/lifecycle/studios/{failing.id}/recheck",
                    data={"decided_on": today, "outcome": "failed", "reason": "三年无成果"})
    assert r.status_code == 302 and "/delist" in r.headers["Location"]
    form = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "复核不通过：三年无成果" in form  # the 摘牌 form comes filled in from the 复核

    page = client.get("/admin/lifecycle/rechecks").get_data(as_text=True)
    due = page.split('id="due-table"')[1].split("最近的复核记录")[0]
    assert "老站工作室" not in due and "待复核工作室" not in due  # passed: clock restarted; failed: listed apart
    assert "确认摘牌" in page.split('id="due-table"')[0] and "待复核工作室" in page.split('id="due-table"')[0]
    assert "复核通过" in app.test_client().get(f"/studios/{old.id}").get_data(as_text=True)

    assert client.post(f"/admin/lifecycle/studios/{failing.id}/delist", data={
        "decided_on": today, "cause": "recheck", "reason": "复核不通过：三年无成果"}).status_code == 302
    pending = client.get("/admin/lifecycle/rechecks").get_data(as_text=True).split('id="pending"')[1]
    assert "待复核工作室" not in pending.split('id="due-table"')[0]
    r = client.post(f"/admin/lifecycle/studios/{failing.id}/delist", data={
        "decided_on": today, "cause": "recheck", "reason": "再来一次"})
    assert r.status_code == 400 and "已于" in r.get_data(as_text=True)


def test_two_failed_years_suggest_delisting(app, client):
    office = gen_user("office")
    a = gen_studio("屡次不合格工作室")
    studio_a = gen_user("studio-a", "studio", studio=a)
    for year in (2023, 2024):
        review_year = services.open_year(office, year, services.today())
        report = services.save_report(studio_a, review_year, services.ReportData(None, 0, 0, "无"))
        services.submit_report(studio_a, report)
        services.grade_report(office, report, Grade.FAIL, "未开展活动")
        services.close_year(office, review_year)
    login(client, "office")
    page = client.get("/admin/lifecycle/").get_data(as_text=True)
    assert "建议摘牌" in page and "屡次不合格工作室" in page and "不合格 2 次" in page


def test_a_studio_files_only_its_own_report_and_only_the_office_grades(app):
    office = gen_user("office")
    a, b = gen_studio("甲工作室"), gen_studio("乙工作室")
    gen_user("studio-a", "studio", studio=a)
    studio_b_user = gen_user("studio-b", "studio", studio=b)
    review_year = services.open_year(office, 2025, services.today())
    report_b = services.save_report(studio_b_user, review_year, services.ReportData(None, 1, 2, "乙的报告内容"))
    services.submit_report(studio_b_user, report_b)
    studio_a = app.test_client()
    login(studio_a, "studio-a")
    # Studio A's page of the year is its own (empty) report, never B's.
    assert "乙的报告内容" not in studio_a.get("/studio/annual-review/2025").get_data(as_text=True)
    assert studio_a.get(f"/admin/lifecycle/reports/{report_b.id}").status_code == 403
    assert studio_a.post(f"/admin/lifecycle/reports/{report_b.id}/grade",
                         data={"grade": "pass"}).status_code == 403
    assert studio_a.post(f"/admin/lifecycle/studios/{b.id}/delist", data={
        "decided_on": services.today().isoformat(), "cause": "other", "reason": "恶意"}).status_code == 403
    try:
        services.submit_report(gen_user("studio-a2", "studio", studio=a), report_b)
    except Exception as error:  # PermissionDenied
        assert "本工作室" in str(error.description)
    else:
        raise AssertionError("studio A submitted B's report")
    db.session.expire_all()
    assert db.session.get(Studio, b.id).status is StudioStatus.ACTIVE and report_b.grade is None
