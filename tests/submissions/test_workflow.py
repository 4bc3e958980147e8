"""The submission workflow through its services: states, who may do what, the audit trail."""

from io import BytesIO

import pytest
from sqlalchemy import select

from innovation_hub.audit.models import AuditEntry
from innovation_hub.catalogue.services import AchievementData
from innovation_hub.errors import PermissionDenied
from innovation_hub.extensions import db
from innovation_hub.models import Category, RecordStatus
from innovation_hub.submissions import services
from innovation_hub.uploads import UploadRefused, check_upload
from tests.factories import gen_studio, gen_user

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def data(title="带电作业绝缘杆改进", **changes):
    values = dict(studio_name="", title=title, category=Category.INNOVATION, year=2024, completers=["王建国"],
                  summary="把绝缘杆改为伸缩式。")
    values.update(changes)
    return AchievementData(**values)


@pytest.fixture
def people(app):
    a, b = gen_studio("甲工作室"), gen_studio("乙工作室")
    return dict(a=a, b=b, studio_a=gen_user("studio-a", "studio", studio=a),
                studio_b=gen_user("studio-b", "studio", studio=b), admin=gen_user("admin1"),
                judge=gen_user("judge1", "judge"))


def test_draft_submit_return_resubmit_approve(people, client):
    studio_a, admin = people["studio_a"], people["admin"]
    record = services.save_achievement(studio_a, data())
    assert record.status is RecordStatus.DRAFT and record.studio_id == people["a"].id
    assert client.get(f"/api/v1/achievements/{record.id}").status_code == 404
    assert "带电作业绝缘杆改进" not in client.get(f"/studios/{people['a'].id}").get_data(as_text=True)
    services.submit_record(studio_a, record)
    assert record.status is RecordStatus.SUBMITTED and record.submitted_at is not None
    with pytest.raises(services.WorkflowError, match="退回理由"):
        services.return_record(admin, record, "  ")
    services.return_record(admin, record, "请补充经济效益证明")
    assert record.status is RecordStatus.RETURNED and record.return_reason == "请补充经济效益证明"
    services.save_achievement(studio_a, data(value_wan=12), record)
    services.submit_record(studio_a, record)
    services.approve_record(admin, record)
    assert record.status is RecordStatus.APPROVED and record.return_reason == ""
    assert client.get(f"/api/v1/achievements/{record.id}").status_code == 200
    assert "带电作业绝缘杆改进" in client.get(f"/studios/{people['a'].id}").get_data(as_text=True)
    assert client.get("/api/v1/search?q=绝缘杆").get_json()["total"] == 1
    actions = db.session.execute(select(AuditEntry.action).where(
        AuditEntry.target_type == "achievement", AuditEntry.target_id == record.id)
                                 .order_by(AuditEntry.id)).scalars().all()
    assert actions == ["record.create", "record.submit", "record.return", "record.edit", "record.submit",
                       "record.approve"]


def test_illegal_transitions_are_refused_with_a_reason(people):
    studio_a, admin = people["studio_a"], people["admin"]
    record = services.save_achievement(studio_a, data())
    with pytest.raises(services.WorkflowError, match="不在待审核队列"):
        services.approve_record(admin, record)
    services.submit_record(studio_a, record)
    with pytest.raises(services.WorkflowError, match="不能提交"):
        services.submit_record(studio_a, record)
    with pytest.raises(PermissionDenied):
        services.save_achievement(studio_a, data(summary="改"), record)  # submitted: locked


def test_only_the_owning_studio_edits_and_only_admins_review(people):
    record = services.save_achievement(people["studio_a"], data())
    for actor in (people["studio_b"], people["judge"], people["admin"]):
        with pytest.raises(PermissionDenied):
            services.save_achievement(actor, data(summary="篡改"), record)
    with pytest.raises(PermissionDenied):
        services.submit_record(people["studio_b"], record)
    services.submit_record(people["studio_a"], record)
    for actor in (people["studio_a"], people["judge"]):
        with pytest.raises(PermissionDenied):
            services.approve_record(actor, record)


def test_same_title_twice_in_one_studio_is_refused(people):
    services.save_achievement(people["studio_a"], data())
    with pytest.raises(services.WorkflowError, match="已有名为"):
        services.save_achievement(people["studio_a"], data())
    services.save_achievement(people["studio_b"], data())  # another studio may


@pytest.mark.parametrize("name, content, message", [
    ("证书.pdf", b"MZ\x90\x00" + b"\x00" * 100, "只接受"),  # a Windows executable renamed
    ("证书.jpg", b"<html><script>alert(1)</script></html>", "只接受"),
    ("empty.pdf", b"", "空的"),
    ("big.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024), "10 MB"),
])
def test_uploads_are_checked_by_content(name, content, message):
    with pytest.raises(UploadRefused, match=message):
        check_upload(name, BytesIO(content))


def test_an_upload_keeps_only_its_display_name(people, app):
    from pathlib import Path

    record = services.save_achievement(people["studio_a"], data())
    upload = check_upload("../../etc/C:\\Users\\x\\专利证书.pdf", BytesIO(PDF))
    proof = services.attach_file(people["studio_a"], record, upload)
    assert proof.original_name == "专利证书.pdf" and proof.content_type == "application/pdf"
    stored = Path(app.instance_path) / "uploads" / proof.stored_name
    assert stored.read_bytes() == PDF and "专利" not in proof.stored_name
    with pytest.raises(PermissionDenied):
        services.attach_file(people["studio_b"], record, upload)
    services.remove_file(people["studio_a"], proof)
    assert not stored.exists()
