"""Settings a site on several app servers relies on: a shared secret key, shared uploads, races answered 409."""

from __future__ import annotations

from io import BytesIO

import pytest
from sqlalchemy.exc import IntegrityError

from innovation_hub import create_app
from innovation_hub.models import Category
from innovation_hub.submissions import services
from innovation_hub.uploads import check_upload
from tests.factories import PASSWORD, gen_studio, gen_user, login
from tests.submissions.helpers import PDF, closed


def test_a_database_server_without_a_shared_secret_key_refuses_to_start(tmp_path, monkeypatch):
    monkeypatch.setenv("INNOVATION_HUB_INSTANCE", str(tmp_path / "instance"))
    monkeypatch.delenv("FLASK_SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://site@127.0.0.1:1/site"})
    assert not (tmp_path / "instance" / "secret_key").exists()
    configured = create_app({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://site@127.0.0.1:1/site",
                             "SECRET_KEY": "shared-by-every-server"})
    assert configured.secret_key == "shared-by-every-server"


def test_a_file_uploaded_on_one_server_downloads_on_the_other(app, tmp_path, monkeypatch):
    shared = tmp_path / "shared-uploads"
    app.config["UPLOADS_FOLDER"] = str(shared)
    studio = gen_studio("甲工作室")
    owner = gen_user("studio-a", "studio", studio=studio)
    gen_user("admin-b")
    record = services.save_achievement(owner, services.AchievementData(
        studio_name="", title="两台服务器共用的证明材料", category=Category.INNOVATION, year=2024,
        completers=["王建国"]))
    proof = services.attach_file(owner, record, check_upload("证书.pdf", BytesIO(PDF)))
    assert [p.name for p in shared.iterdir()] == [proof.stored_name]  # no temporary file left beside it

    monkeypatch.setenv("INNOVATION_HUB_INSTANCE", str(tmp_path / "second-server"))
    other = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                        "UPLOADS_FOLDER": str(shared)})
    client = other.test_client()
    assert login(client, "admin-b", PASSWORD).status_code == 302
    response = closed(client.get(f"/files/{proof.id}"))
    assert response.status_code == 200 and response.data == PDF


def test_a_write_that_lost_a_race_is_a_409_with_a_message(app):
    def clash():
        raise IntegrityError("INSERT INTO users …", {}, Exception("UNIQUE constraint failed: users.username"))

    app.add_url_rule("/_clash", "clash", clash)
    app.add_url_rule("/api/_clash", "api_clash", clash)
    page = app.test_client().get("/_clash")
    assert page.status_code == 409 and "请刷新页面后重试" in page.get_data(as_text=True)
    api = app.test_client().get("/api/_clash")
    assert api.status_code == 409 and "请刷新页面后重试" in api.get_json()["error"]
