"""Proof files (证明材料) over HTTP: uploads checked by content, stored under generated names, served safely."""

from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from innovation_hub.catalogue.models import Achievement
from innovation_hub.extensions import db
from innovation_hub.models import Category
from innovation_hub.submissions import services
from innovation_hub.submissions.models import ProofFile
from innovation_hub.uploads import check_upload
from tests.factories import PASSWORD, login

from .helpers import PDF, PNG, closed, text, uploads


def draft(user, title="带电作业绝缘杆改进") -> Achievement:
    return services.save_achievement(user, services.AchievementData(
        studio_name="", title=title, category=Category.INNOVATION, year=2024, completers=["王建国"]))


def attach(user, record, name="专利证书.pdf", content=PDF, public=False) -> ProofFile:
    return services.attach_file(user, record, check_upload(name, BytesIO(content)), public=public)


def upload(client, record, name, content, public=False, kind="achievements", **fields):
    """A multipart POST encoded in memory (the test client would spool a large body to an unclosed temp file)."""
    values = {"file": FileStorage(BytesIO(content), name), **fields}
    if public:
        values["public"] = "y"
    boundary, body = encode_multipart(values)
    return closed(client.post(f"/studio/{kind}/{record.id}/files", data=body,
                              content_type=f"multipart/form-data; boundary={boundary}"))


def fetch(client, url):
    return closed(client.get(url))


def file_rows() -> int:
    db.session.rollback()  # a fresh snapshot: the requests committed on their own connections
    return db.session.execute(select(func.count()).select_from(ProofFile)).scalar()


def test_upload_shows_the_file_with_its_public_flag(world, studio_client):
    record = draft(world.user_a)
    response = upload(studio_client, record, "专利证书.pdf", PDF, public=True)
    assert response.status_code == 302 and response.headers["Location"] == f"/studio/achievements/{record.id}"
    upload(studio_client, record, "现场照片.png", PNG)
    page = text(studio_client.get(f"/studio/achievements/{record.id}"))
    assert "专利证书.pdf" in page and "现场照片.png" in page
    assert page.count(">公开</span>") == 1 and page.count(">不公开</span>") == 1
    assert "证明材料 2 份" in text(studio_client.get("/studio/"))
    proofs = db.session.execute(select(ProofFile).order_by(ProofFile.id)).scalars().all()
    assert [(p.content_type, p.public) for p in proofs] == [("application/pdf", True), ("image/png", False)]


@pytest.mark.parametrize("name, content, message", [
    ("证书.pdf", b"MZ\x90\x00\x03" + b"\x00" * 200, "只接受 PDF、JPG、PNG 文件"),  # a Windows executable, renamed
    ("photo.jpg", b"<html><script>alert(document.cookie)</script></html>", "只接受 PDF、JPG、PNG 文件"),
    ("image.png", b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "只接受 PDF、JPG、PNG 文件"),
    ("big.pdf", b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024), "文件超过 10 MB"),
    ("empty.pdf", b"", "文件是空的"),
])
def test_upload_attacks_are_refused_and_nothing_is_kept(world, studio_client, name, content, message):
    record = draft(world.user_a)
    before = uploads()
    response = upload(studio_client, record, name, content)
    assert response.status_code == 400
    assert message in text(response)
    assert uploads() == before and file_rows() == 0


def test_an_upload_without_a_file_is_refused(world, studio_client):
    record = draft(world.user_a)
    response = closed(studio_client.post(f"/studio/achievements/{record.id}/files", data={},
                                         content_type="multipart/form-data"))
    assert response.status_code == 400 and "请选择要上传的文件" in text(response)
    assert file_rows() == 0


def test_a_body_over_the_request_limit_is_a_413_with_a_message(world, studio_client):
    record = draft(world.user_a)
    response = upload(studio_client, record, "huge.pdf", b"%PDF-" + b"0" * (13 * 1024 * 1024))
    assert response.status_code == 413 and "不能超过 10 MB" in text(response)
    assert uploads() == set() and file_rows() == 0


def test_a_path_in_the_file_name_is_only_a_name(world, studio_client, app):
    record = draft(world.user_a)
    response = upload(studio_client, record, "../../x.pdf", PDF)
    assert response.status_code == 302
    stored = uploads()
    assert len(stored) == 1
    (stored_name,) = stored
    assert re.fullmatch(r"[0-9a-f]{32}\.pdf", stored_name)
    instance = Path(app.instance_path)
    assert not (instance / "x.pdf").exists() and not (instance.parent / "x.pdf").exists()
    proof = db.session.execute(select(ProofFile)).scalar_one()
    assert proof.original_name == "x.pdf" and proof.stored_name == stored_name
    assert ">x.pdf</a>" in text(studio_client.get(f"/studio/achievements/{record.id}"))


def test_files_of_a_submitted_record_cannot_change(world, studio_client):
    record = draft(world.user_a)
    proof = attach(world.user_a, record)
    services.submit_record(world.user_a, record)
    before = uploads()
    assert upload(studio_client, record, "more.pdf", PDF).status_code == 403
    assert studio_client.post(f"/studio/files/{proof.id}/delete").status_code == 403
    assert uploads() == before and file_rows() == 1


def test_the_owner_deletes_a_file_of_a_draft(world, studio_client):
    record = draft(world.user_a)
    proof = attach(world.user_a, record)
    stored = proof.stored_name
    response = studio_client.post(f"/studio/files/{proof.id}/delete")
    assert response.status_code == 302 and response.headers["Location"] == f"/studio/achievements/{record.id}"
    assert file_rows() == 0 and stored not in uploads()


def test_another_studio_cannot_touch_a_studios_files(world, studio_client):
    theirs = draft(world.user_b, "乙的草稿")
    proof = attach(world.user_b, theirs, "乙的证书.pdf")
    before = uploads()
    assert fetch(studio_client, f"/files/{proof.id}").status_code == 404
    assert studio_client.post(f"/studio/files/{proof.id}/delete").status_code == 404
    assert upload(studio_client, theirs, "x.pdf", PDF).status_code == 404
    assert upload(studio_client, theirs, "x.pdf", PDF, kind="patents").status_code == 404
    assert uploads() == before and file_rows() == 1


def test_download_rules(app, world, studio_client):
    record = draft(world.user_a)
    public = attach(world.user_a, record, "专利证书.pdf", PDF, public=True)
    private = attach(world.user_a, record, "内部照片.png", PNG, public=False)

    owner = fetch(studio_client, f"/files/{public.id}")
    assert owner.status_code == 200 and owner.data == PDF
    assert owner.headers["Content-Type"] == "application/pdf"
    assert owner.headers["X-Content-Type-Options"] == "nosniff"
    assert owner.headers["Content-Security-Policy"] == "sandbox; frame-ancestors 'none'"
    assert "filename*=UTF-8''%E4%B8%93%E5%88%A9%E8%AF%81%E4%B9%A6.pdf" in owner.headers["Content-Disposition"]
    assert owner.headers["Content-Disposition"].startswith("inline")

    other = app.test_client()
    login(other, "studio-b", PASSWORD)
    anonymous = app.test_client()
    admin = app.test_client()
    login(admin, "admin1")
    for proof in (public, private):
        assert fetch(other, f"/files/{proof.id}").status_code == 404
        assert fetch(anonymous, f"/files/{proof.id}").status_code == 404
        assert fetch(admin, f"/files/{proof.id}").status_code == 200
    assert fetch(anonymous, "/files/99999").status_code == 404

    services.submit_record(world.user_a, record)
    assert fetch(anonymous, f"/files/{public.id}").status_code == 404  # submitted is not approved
    services.approve_record(world.admin, db.session.get(Achievement, record.id))
    response = fetch(anonymous, f"/files/{public.id}")
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert fetch(anonymous, f"/files/{private.id}").status_code == 404
    image = fetch(studio_client, f"/files/{private.id}")
    assert image.headers["Content-Type"] == "image/png" and image.headers["X-Content-Type-Options"] == "nosniff"
    # the approved record's public page lists the public file only
    page = text(anonymous.get(f"/achievements/{record.id}"))
    assert "专利证书.pdf" in page and "内部照片.png" not in page


def test_a_download_name_keeps_the_real_type(world, studio_client):
    record = draft(world.user_a)
    proof = attach(world.user_a, record, "证书.exe", PDF)
    response = fetch(studio_client, f"/files/{proof.id}")
    assert response.headers["Content-Type"] == "application/pdf"
    assert "%E8%AF%81%E4%B9%A6.exe.pdf" in response.headers["Content-Disposition"]


def test_an_upload_without_a_csrf_token_is_refused(app, world, monkeypatch):
    from innovation_hub import create_app

    monkeypatch.setenv("INNOVATION_HUB_INSTANCE", app.instance_path)
    strict = create_app({"TESTING": True})  # CSRF on, as in production
    client = strict.test_client()
    page = client.get("/login")
    token = text(page).split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    assert client.post("/login", data={"username": "studio-a", "password": PASSWORD,
                                       "csrf_token": token}).status_code == 302
    record = draft(world.user_a)
    response = upload(client, record, "a.pdf", PDF)
    assert response.status_code == 400 and "安全校验失败" in text(response)
    assert uploads() == set() and file_rows() == 0
    page = text(client.get(f"/studio/achievements/{record.id}"))
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = upload(client, record, "a.pdf", PDF, csrf_token=token)
    assert response.status_code == 302 and file_rows() == 1
