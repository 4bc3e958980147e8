"""Accounts: login, sessions that really end, roles, the account list, create-user."""

import pytest
from sqlalchemy import select

from innovation_hub.audit.models import AuditEntry
from innovation_hub.extensions import db
from innovation_hub.security import safe_next
from tests.factories import PASSWORD, gen_studio, gen_user, login


def text(response) -> str:
    return response.get_data(as_text=True)


def test_login_and_logout(client, app):
    gen_user("admin1")
    response = login(client, "admin1")
    assert response.status_code == 302 and response.headers["Location"] == "/admin/users"
    assert "admin1" in text(client.get("/admin/users"))
    assert "退出登录" in text(client.get("/"))  # a logged-in user is not served the anonymous cached page
    client.post("/logout")
    assert client.get("/admin/users").status_code == 302


def test_wrong_password_is_400_with_a_message_that_reveals_nothing(client, app):
    gen_user("admin1")
    for username, password in (("admin1", "wrong-password1"), ("nobody", "wrong-password1")):
        response = login(client, username, password)
        assert response.status_code == 400 and "用户名或密码不正确" in text(response)


def test_a_cookie_copied_before_logout_no_longer_opens_pages(app):
    gen_user("admin1")
    first = app.test_client()
    login(first, "admin1")
    copy = app.test_client()
    cookie = first.get_cookie("session")
    copy.set_cookie("session", cookie.value)
    assert copy.get("/admin/users").status_code == 200
    first.post("/logout")
    assert copy.get("/admin/users").status_code == 302


def test_password_change_ends_other_sessions_and_keeps_this_one(app):
    gen_user("admin1")
    here, elsewhere = app.test_client(), app.test_client()
    login(here, "admin1")
    login(elsewhere, "admin1")
    response = here.post("/account/password", data={"old_password": PASSWORD, "new_password": "new-pass-2025",
                                                    "confirm": "new-pass-2025"})
    assert response.status_code == 302
    assert here.get("/admin/users").status_code == 200
    assert elsewhere.get("/admin/users").status_code == 302
    assert login(app.test_client(), "admin1", "new-pass-2025").status_code == 302


def test_disabling_an_account_ends_its_session_and_refuses_login(app):
    admin = gen_user("admin1")
    user = gen_user("judge1", role="judge")
    judge_client, admin_client = app.test_client(), app.test_client()
    login(judge_client, "judge1")
    assert judge_client.get("/account/password").status_code == 200
    login(admin_client, "admin1")
    assert admin_client.post(f"/admin/users/{user.id}/active", data={"active": "0"}).status_code == 302
    assert judge_client.get("/account/password").status_code == 302
    response = login(app.test_client(), "judge1")
    assert response.status_code == 400 and "已停用" in text(response)
    actions = db.session.execute(select(AuditEntry.action, AuditEntry.actor_id)).all()
    assert ("user.disable", admin.id) in actions


def test_roles_on_the_account_list(app):
    studio = gen_studio()
    gen_user("admin1")
    gen_user("studio1", role="studio", studio=studio)
    anonymous = app.test_client().get("/admin/users")
    assert anonymous.status_code == 302 and "/login?next=" in anonymous.headers["Location"]
    studio_client = app.test_client()
    login(studio_client, "studio1")
    assert studio_client.get("/admin/users").status_code == 403
    assert studio_client.post("/admin/users", data={"username": "x"}).status_code == 403


def test_administrator_creates_accounts_with_clear_errors(client, app):
    studio = gen_studio("甲工作室")
    gen_user("admin1")
    login(client, "admin1")
    ok = client.post("/admin/users", data={"username": "studio-a", "role": "studio", "studio_name": "甲工作室",
                                           "password": "start-pass-1"})
    assert ok.status_code == 302
    assert login(client.application.test_client(), "studio-a", "start-pass-1").status_code == 302
    for data, message in (
        ({"username": "studio-a", "role": "judge", "password": "start-pass-1"}, "已被使用"),
        ({"username": "studio-b", "role": "studio", "password": "start-pass-1"}, "须指定所属工作室"),
        ({"username": "studio-c", "role": "studio", "studio_name": "不存在", "password": "start-pass-1"}, "不存在"),
        ({"username": "judge-x", "role": "judge", "password": "1234567890"}, "字母和数字"),
    ):
        response = client.post("/admin/users", data=data)
        assert response.status_code == 400 and message in text(response), data
    entries = db.session.execute(select(AuditEntry).where(AuditEntry.action == "user.create")).scalars().all()
    created = [e for e in entries if e.actor_name == "admin1"]
    assert [e.target_label for e in created] == ["studio-a"]
    assert studio.name in created[0].detail


@pytest.mark.parametrize("target, expected", [
    ("/admin/users", "/admin/users"), ("/studios?level=city", "/studios?level=city"),
    ("https://evil.example/", "/"), ("//evil.example/x", "/"), ("/\\evil.example", "/"), ("javascript:alert(1)", "/"),
    ("", "/"), (None, "/"), ("\\\\evil", "/"),
])
def test_next_only_to_this_site(target, expected):
    assert safe_next(target, "/") == expected


def test_login_redirects_to_next_on_this_site_only(client, app):
    gen_user("admin1")
    assert login(client, "admin1", next="/studios").headers["Location"] == "/studios"
    client.post("/logout")
    assert login(client, "admin1", next="//evil.example").headers["Location"] == "/admin/users"


def test_session_cookie_flags(client, app):
    gen_user("admin1")
    response = login(client, "admin1")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_create_user_command_asks_twice(runner, app):
    studio = gen_studio("乙工作室")
    result = runner.invoke(args=["create-user", "studio-b", "--role", "studio", "--studio", studio.name],
                           input="good-pass-1\ngood-pass-1\n")
    assert result.exit_code == 0 and "已创建工作室账号 studio-b" in result.output
    mismatch = runner.invoke(args=["create-user", "judge-b", "--role", "judge"],
                             input="good-pass-1\nother-pass-1\ngood-pass-1\ngood-pass-1\n")
    assert mismatch.exit_code == 0 and mismatch.output.count("密码") >= 4  # asked again after the mismatch
    refused = runner.invoke(args=["create-user", "studio-c", "--role", "studio"], input="good-pass-1\ngood-pass-1\n")
    assert refused.exit_code != 0 and "须指定所属工作室" in refused.output


def test_a_post_without_a_valid_csrf_token_is_refused(app, monkeypatch):
    from innovation_hub import create_app

    monkeypatch.setenv("INNOVATION_HUB_INSTANCE", app.instance_path)
    strict = create_app({"TESTING": True})  # CSRF on, as in production
    client = strict.test_client()
    gen_user("admin1")
    for data in ({"username": "admin1", "password": PASSWORD}, {"username": "admin1", "password": PASSWORD,
                                                                "csrf_token": "forged"}):
        response = client.post("/login", data=data)
        assert response.status_code == 400 and "安全校验失败" in text(response)
    page = client.get("/login")
    token = page.get_data(as_text=True).split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    assert client.post("/login", data={"username": "admin1", "password": PASSWORD,
                                       "csrf_token": token}).status_code == 302
    with strict.app_context():
        db.engine.dispose()  # its own engine: close its connections now, not when garbage collected
