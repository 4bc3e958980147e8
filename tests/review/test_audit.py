"""The audit log page (操作日志): newest first, Chinese action names, links to targets, filters; read-only."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from innovation_hub.audit.models import AuditEntry
from innovation_hub.audit.services import record
from innovation_hub.catalogue.services import AchievementData
from innovation_hub.database import write_transaction
from innovation_hub.extensions import db
from innovation_hub.models import Category, utcnow
from innovation_hub.submissions import services

from .helpers import submitted, text


def rows(html: str) -> int:
    return html.split("<tbody>")[1].count("<tr>") if "<tbody>" in html else 0


@pytest.fixture
def history(people):
    """user.create ×3 (命令行), then the studio files two records; the admin returns one and approves a patent."""
    draft = services.save_achievement(people.studio_a, AchievementData(
        studio_name="", title="数控机床刀具寿命管理", category=Category.INNOVATION, year=2024, completers=["王建国"]))
    services.submit_record(people.studio_a, draft)
    services.return_record(people.admin, draft, "请补充应用数据")
    patent = submitted(people.b, "一种可拆卸检修平台", patent=True)
    services.approve_record(people.admin, patent)
    return dict(draft=draft, patent=patent)


def test_the_audit_log_lists_newest_first_in_chinese_with_links(history, people, as_user):
    html = text(as_user("admin1").get("/admin/audit"))
    table = html.split("<tbody>")[1]  # the filter's select lists every action too
    order = [table.index(label) for label in ("审核通过", "退回", "提交审核", "新建草稿", "创建账号")]
    assert order == sorted(order)
    assert "请补充应用数据" in html  # the detail (a return reason)
    assert "命令行" in html and "studio-a" in html and "admin1" in html
    assert f'href="/patents/{history["patent"].id}"' in html  # public now: its public page
    assert f'href="/admin/review/achievement/{history["draft"].id}"' in html  # not public: its review page
    assert 'href="/admin/users"' in html  # an account
    assert "record.approve" not in table  # the Chinese name, never the code


@pytest.mark.parametrize("args, expected_actions", [
    ("actor=admin1", {"record.return", "record.approve", "user.login"}),  # the login that opened the page too
    ("actor=命令行", {"user.create"}),
    ("action=record.return", {"record.return"}),
    ("action=退回", {"record.return"}),
    ("target_type=patent", {"record.approve"}),
    ("target_type=专利&action=record.return", set()),
    ("actor=nobody", set()),
])
def test_audit_filters(history, as_user, args, expected_actions):
    response = as_user("admin1").get(f"/admin/audit?{args}")
    assert response.status_code == 200
    html = text(response)
    expected = db.session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars().all()
    kept = [e for e in expected if e.action in expected_actions]
    assert rows(html) == len(kept)
    if not kept:
        assert "没有符合条件的操作记录" in html


def test_audit_filter_by_target(history, as_user):
    draft = history["draft"]
    html = text(as_user("admin1").get(f"/admin/audit?target_type=achievement&target_id={draft.id}"))
    assert rows(html) == 3  # create, submit, return
    assert f"编号 {draft.id} 的记录" in html


def test_audit_filter_by_date_in_beijing_time(history, as_user):
    client = as_user("admin1")
    today = (utcnow() + timedelta(hours=8)).date()
    total = db.session.query(AuditEntry).count()
    assert rows(text(client.get(f"/admin/audit?date_from={today}&date_to={today}"))) == total
    assert rows(text(client.get(f"/admin/audit?date_to={today - timedelta(days=1)}"))) == 0
    assert rows(text(client.get(f"/admin/audit?date_from={today + timedelta(days=1)}"))) == 0

    # 15:30 UTC is 23:30 in Beijing: still that day there; the next Beijing day starts at 16:00 UTC.
    with write_transaction():
        entry = db.session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars().first()
        entry.created_at = utcnow().replace(year=2024, month=3, day=1, hour=15, minute=30)  # 2024-03-01 23:30 北京
    assert rows(text(client.get("/admin/audit?date_from=2024-03-01&date_to=2024-03-01"))) == 1
    assert rows(text(client.get("/admin/audit?date_from=2024-03-02&date_to=2024-03-02"))) == 0


@pytest.mark.parametrize("args, message", [
    ("date_from=2024-13-01", "格式不对"), ("date_from=2024-03-02&date_to=2024-03-01", "开始日期不能晚于结束日期"),
    ("action=record.delete", "操作“record.delete”无效"), ("target_type=award", "对象类型“award”无效"),
    ("target_id=x", "不是整数"),
])
def test_bad_audit_filters_are_a_400_in_chinese(people, as_user, args, message):
    response = as_user("admin1").get(f"/admin/audit?{args}")
    assert response.status_code == 400 and message in text(response)


def test_the_audit_log_is_paginated_and_read_only(people, as_user):
    with write_transaction():
        for n in range(50):
            record(people.admin, "studio.edit", "studio", people.a.id, people.a.name, f"第 {n} 次修改")
    client = as_user("admin1")
    total = db.session.query(AuditEntry).count()  # 50 edits, 3 accounts created and admin1's login
    assert rows(text(client.get("/admin/audit"))) == 50
    assert rows(text(client.get("/admin/audit?page=2"))) == total - 50 == 4
    assert client.post("/admin/audit").status_code == 405
    assert client.delete("/admin/audit").status_code == 405
