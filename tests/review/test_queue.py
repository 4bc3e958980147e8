"""The review queue (资格审核): what waits, in which order, filters, the record page and the two decisions."""

from io import BytesIO

import pytest
from sqlalchemy import select

from innovation_hub.audit.models import AuditEntry
from innovation_hub.catalogue.services import AchievementData
from innovation_hub.extensions import db
from innovation_hub.models import Category, PatentKind, RecordStatus
from innovation_hub.submissions import services
from innovation_hub.uploads import check_upload
from tests.factories import gen_achievement, gen_patent

from .helpers import submitted, text

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def titles_in_order(html: str, titles: list[str]) -> list[str]:
    """The given titles that appear in the page, in the order they appear."""
    return sorted((t for t in titles if t in html), key=html.index)


def audit_actions(kind: str, record_id: int) -> list[str]:
    return db.session.execute(select(AuditEntry.action).where(
        AuditEntry.target_type == kind, AuditEntry.target_id == record_id).order_by(AuditEntry.id)).scalars().all()


@pytest.fixture
def queue(people):
    """Three records waiting (of two studios, both types) and three that must not be in the queue."""
    a, b = people.a, people.b
    return dict(
        oldest=submitted(a, "高炉风口小套更换工装研制", 60, category=Category.INVENTION),
        patent=submitted(b, "一种可调式齿轮检测装置", 30, patent=True, kind=PatentKind.UTILITY),
        newest=submitted(a, "变电站巡检机器人路径优化", 5, category=Category.BREAKTHROUGH),
        approved=gen_achievement(a, "已经公开的成果"),
        draft=gen_achievement(a, "尚未提交的草稿", status=RecordStatus.DRAFT),
        returned=gen_achievement(b, "被退回修改的成果", status=RecordStatus.RETURNED),
    )


def test_the_queue_shows_only_submitted_records_newest_first(queue, as_user):
    html = text(as_user("admin1").get("/admin/review"))
    order = titles_in_order(html, [r.title for r in queue.values()])
    assert order == ["变电站巡检机器人路径优化", "一种可调式齿轮检测装置", "高炉风口小套更换工装研制"]
    assert "待审核 3 条" in html and "审核队列（3）" in html  # the admin menu counts the queue too
    assert "甲创新工作室" in html and "乙创新工作室" in html  # each row names its studio
    assert f'/admin/review/patent/{queue["patent"].id}' in html  # and links to the record's review page
    assert "ZL" in html  # a patent row shows its number


@pytest.mark.parametrize("args, expected", [
    ("type=patent", ["一种可调式齿轮检测装置"]),
    ("type=成果", ["变电站巡检机器人路径优化", "高炉风口小套更换工装研制"]),
    ("category=breakthrough", ["变电站巡检机器人路径优化"]),
    ("category=发明创造", ["高炉风口小套更换工装研制"]),
    ("kind=utility", ["一种可调式齿轮检测装置"]),
    ("kind=invention", []),
    ("type=achievement&kind=utility", []),
    ("q=机器人", ["变电站巡检机器人路径优化"]),
    ("q=%25", []),  # a literal %, not a wildcard
    ("q=工装&type=patent", []),
])
def test_queue_filters(queue, as_user, args, expected):
    response = as_user("admin1").get(f"/admin/review?{args}")
    assert response.status_code == 200
    html = text(response)
    assert titles_in_order(html, [r.title for r in queue.values()]) == expected
    if not expected:
        assert "没有符合筛选条件的待审核记录" in html


def test_queue_filter_by_studio(queue, people, as_user):
    client = as_user("admin1")
    html = text(client.get(f"/admin/review?studio={people.b.id}"))
    assert titles_in_order(html, [r.title for r in queue.values()]) == ["一种可调式齿轮检测装置"]
    assert "乙创新工作室（1）" in html and "甲创新工作室（2）" in html  # the studio choice counts what waits


@pytest.mark.parametrize("args, message", [
    ("type=award", "类型“award”无效"), ("category=other", "成果类别“other”无效"), ("studio=abc", "不是整数"),
    ("page=0", "页码"), ("q=" + "长" * 101, "不能超过 100 个字"),
])
def test_bad_queue_filters_are_a_400_in_chinese(people, as_user, args, message):
    response = as_user("admin1").get(f"/admin/review?{args}")
    assert response.status_code == 400 and message in text(response)


def test_the_queue_is_paginated(people, as_user):
    for n in range(21):
        submitted(people.a, f"分页测试成果{n:02d}", 100 - n)
    client = as_user("admin1")
    first, second = text(client.get("/admin/review")), text(client.get("/admin/review?page=2"))
    assert first.count('class="record-title"') == 20 and "分页测试成果20" in first
    assert second.count('class="record-title"') == 1 and "分页测试成果00" in second
    assert "下一页" in first


def test_an_empty_queue_says_so(people, as_user):
    response = as_user("admin1").get("/admin/review")
    assert response.status_code == 200 and "审核队列是空的" in text(response)


def test_the_review_page_shows_the_record_as_filed(people, as_user):
    studio_user = people.studio_a
    record = services.save_achievement(studio_user, AchievementData(
        studio_name="", title="皮带机跑偏自动纠偏装置", category=Category.INNOVATION, year=2024,
        completers=["赵志强", "钱秀英"], value_wan=36, summary="在皮带机两侧加装纠偏托辊组。"))
    proof = services.attach_file(studio_user, record, check_upload("效益证明.pdf", BytesIO(PDF)))
    services.submit_record(studio_user, record)
    services.return_record(people.admin, record, "请补充财务部门的效益证明")
    services.submit_record(studio_user, record)

    html = text(as_user("admin1").get(f"/admin/review/achievement/{record.id}"))
    for shown in ("皮带机跑偏自动纠偏装置", "技术革新", "甲创新工作室", "赵志强、钱秀英", "2024 年", "36 万元",
                  "在皮带机两侧加装纠偏托辊组。", "效益证明.pdf", f'href="/files/{proof.id}"',
                  "此前退回 1 次", "请补充财务部门的效益证明", "提交审核", ">通过<", ">退回<", "退回理由"):
        assert shown in html, shown


def test_the_patent_review_page(people, as_user):
    patent = submitted(people.b, "一种绝缘子清扫装置", patent=True, inventors=("孙建华", "周丽"))
    html = text(as_user("admin1").get(f"/admin/review/patent/{patent.id}"))
    for shown in ("一种绝缘子清扫装置", patent.display_number, "实用新型", "孙建华、周丽", "专利权人", "申请日",
                  "工作室没有上传证明材料"):
        assert shown in html, shown


@pytest.mark.parametrize("path", ["/admin/review/award/1", "/admin/review/achievement/999",
                                  "/admin/review/patent/999"])
def test_unknown_records_are_404(people, as_user, path):
    assert as_user("admin1").get(path).status_code == 404


def test_approving_makes_the_record_public_and_audits_it(people, as_user, client):
    record = submitted(people.a, "绝缘子带电清扫机器人研制", summary="用机器人清扫带电绝缘子。")
    assert client.get(f"/api/v1/achievements/{record.id}").status_code == 404
    admin = as_user("admin1")
    back = "/admin/review?type=achievement"
    response = admin.post(f"/admin/review/achievement/{record.id}/approve", data={"next": back})
    assert response.status_code == 302 and response.headers["Location"] == back
    db.session.expire_all()
    assert record.status is RecordStatus.APPROVED
    assert client.get(f"/api/v1/achievements/{record.id}").status_code == 200
    hits = client.get("/api/v1/search?q=清扫机器人").get_json()["hits"]
    assert [(h["type"], h["id"]) for h in hits] == [("achievement", record.id)]
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "record.approve")).scalar_one()
    assert (entry.actor_id, entry.target_type, entry.target_id) == (people.admin.id, "achievement", record.id)
    assert "已通过成果“绝缘子带电清扫机器人研制”" in text(admin.get(back))  # the flash message

    # A second POST (a double click, another administrator): a clear message, nothing happens twice.
    again = admin.post(f"/admin/review/achievement/{record.id}/approve", follow_redirects=True)
    assert again.status_code == 200
    assert "当前状态为“已通过”，不在待审核队列中" in text(again)
    assert audit_actions("achievement", record.id).count("record.approve") == 1


def test_approving_a_patent(people, as_user, client):
    patent = submitted(people.b, "一种配电柜防凝露装置", patent=True)
    assert as_user("admin1").post(f"/admin/review/patent/{patent.id}/approve").status_code == 302
    assert client.get(f"/api/v1/patents/{patent.id}").status_code == 200


@pytest.mark.parametrize("reason", ["", "   \u3000 "])
def test_returning_without_a_reason_changes_nothing(people, as_user, reason):
    record = submitted(people.a, "空压机余热回收利用")
    response = as_user("admin1").post(f"/admin/review/achievement/{record.id}/return", data={"reason": reason})
    assert response.status_code == 400
    html = text(response)
    assert "请填写退回理由" in html and "空压机余热回收利用" in html  # the page again, with the message
    db.session.expire_all()
    assert record.status is RecordStatus.SUBMITTED and record.return_reason == ""
    assert "record.return" not in audit_actions("achievement", record.id)


def test_returning_with_a_reason_tells_the_studio(people, as_user):
    record = submitted(people.a, "轧机振动在线监测")
    reason = "经济效益测算缺少依据，请补充财务证明"
    response = as_user("admin1").post(f"/admin/review/achievement/{record.id}/return", data={"reason": reason})
    assert response.status_code == 302 and response.headers["Location"] == "/admin/review"
    db.session.expire_all()
    assert record.status is RecordStatus.RETURNED and record.return_reason == reason
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "record.return")).scalar_one()
    assert (entry.actor_name, entry.target_id, entry.detail) == ("admin1", record.id, reason)

    # Returning (or approving) it again is refused with a message, not an error.
    again = as_user("admin1").post(f"/admin/review/achievement/{record.id}/return", data={"reason": "再退一次"},
                                   follow_redirects=True)
    assert again.status_code == 200 and "当前状态为“已退回”，不在待审核队列中" in text(again)
    blank = as_user("admin1").post(f"/admin/review/achievement/{record.id}/return", data={"reason": ""},
                                   follow_redirects=True)
    assert blank.status_code == 200 and "不在待审核队列中" in text(blank)
    assert audit_actions("achievement", record.id).count("record.return") == 1


def test_a_decided_record_shows_its_state_without_forms(people, as_user):
    record = gen_achievement(people.a, "早已公开的成果")
    html = text(as_user("admin1").get(f"/admin/review/achievement/{record.id}"))
    assert "当前状态为“已通过”，不在待审核队列中" in html and f"/achievements/{record.id}" in html
    assert "/approve" not in html and "/return" not in html


def _routes(record_id: int) -> list[tuple[str, str]]:
    return [
        ("GET", "/admin/review"), ("GET", f"/admin/review/achievement/{record_id}"),
        ("POST", f"/admin/review/achievement/{record_id}/approve"),
        ("POST", f"/admin/review/achievement/{record_id}/return"), ("GET", "/admin/audit"),
    ]


def test_every_review_route_is_for_administrators_only(people, as_user, app):
    record = submitted(people.a, "权限测试成果")
    routes = _routes(record.id)
    # Every route of the blueprint is in the list above.
    rules = {(method, rule.rule) for rule in app.url_map.iter_rules() if rule.endpoint.startswith("review.")
             for method in rule.methods - {"HEAD", "OPTIONS"}}
    listed = {(method, path.replace(str(record.id), "<int:record_id>").replace("achievement", "<kind>"))
              for method, path in routes}
    assert rules == listed

    for method, path in routes:
        anonymous = as_user(None).open(path, method=method, data={"reason": "x"})
        assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/login"), path
        for username in ("studio-a", "judge1"):
            assert as_user(username).open(path, method=method, data={"reason": "x"}).status_code == 403, (
                username, path)
    db.session.expire_all()
    assert record.status is RecordStatus.SUBMITTED  # nobody but an administrator changed it

    admin = as_user("admin1")
    for method, path in routes:
        if method == "GET":
            assert admin.get(path).status_code == 200, path
    assert admin.post(routes[2][1]).status_code == 302
    db.session.expire_all()
    assert record.status is RecordStatus.APPROVED


def test_the_menu_count_costs_one_query_and_only_for_administrators(people, as_user, count_sql):
    submitted(people.a, "计数测试成果")
    gen_patent(people.b, status=RecordStatus.SUBMITTED)
    admin, studio = as_user("admin1"), as_user("studio-a")
    with count_sql() as counter:
        html = text(admin.get("/account/password"))
    assert "审核队列（2）" in html and "操作日志" in html
    assert sum("count(" in s.lower() for s in counter.statements) == 1
    with count_sql() as counter:
        html = text(studio.get("/account/password"))
    assert "审核队列" not in html
    assert not any("count(" in s.lower() for s in counter.statements)
