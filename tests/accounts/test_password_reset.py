"""Account recovery: the administrator's reset (a temporary password shown once, changed at next login),
unlocking a locked-out account, and `flask reset-password` on the command line."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from innovation_hub.accounts import services
from innovation_hub.accounts.models import User
from innovation_hub.accounts.services import MAX_FAILURES_PER_PAIR, check_password_rules, temporary_password
from innovation_hub.audit.models import AuditEntry
from innovation_hub.errors import PermissionDenied
from innovation_hub.extensions import db
from tests.factories import PASSWORD, gen_studio, gen_user, login

NEW_PASSWORD = "my-own-pass-77"


def text(response) -> str:
    return response.get_data(as_text=True)


def reset(admin_client, user) -> str:
    page = text(admin_client.get(f"/admin/users/{user.id}"))
    stamp = re.search(r'name="stamp" value="([0-9a-f]+)"', page).group(1)
    response = admin_client.post(f"/admin/users/{user.id}/reset-password", data={"stamp": stamp})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    return re.search(r'id="temporary-password">([^<]+)<', text(response)).group(1)


def session_contents(app, client) -> str:
    cookie = client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
    if cookie is None:
        return ""
    return str(app.session_interface.get_signing_serializer(app).loads(cookie.value))


@pytest.fixture
def admin_client(app):
    gen_user("admin1")
    client = app.test_client()
    assert login(client, "admin1").status_code == 302
    return client


def test_temporary_passwords_are_readable_random_and_keep_the_rules():
    drawn = {temporary_password("kq") for _ in range(50)}
    assert len(drawn) == 50
    for password in drawn:
        assert re.fullmatch(r"[a-z3-9]{4}-[a-z3-9]{4}-[a-z3-9]{4}", password)
        assert not set(password) & set("0o1li2z5s")  # nothing to misread
        assert "kq" not in password
        check_password_rules(password, "kq")


def test_the_reset_password_is_shown_once_and_kept_nowhere(app, admin_client):
    gen_user("zhang", "judge")
    user = db.session.scalar(select(User).where(User.username == "zhang"))
    password = reset(admin_client, user)

    # Not on any page afterwards, not in the administrator's cookie session (no flash), not stored in clear.
    for page in ("/admin/users", f"/admin/users/{user.id}", "/admin/audit"):
        assert password not in text(admin_client.get(page, follow_redirects=True))
    assert password not in session_contents(app, admin_client)
    db.session.expire_all()
    assert password not in user.password_hash
    details = db.session.scalars(select(AuditEntry.detail).where(AuditEntry.target_label == "zhang")).all()
    assert details and not any(password in d for d in details)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.reset_password"))
    assert entry.actor_name == "admin1" and "临时密码" in entry.detail
    assert user.must_change_password
    assert "待修改临时密码" in text(admin_client.get("/admin/users"))


def test_resubmitting_the_reset_form_draws_no_new_password(app, admin_client):
    user = gen_user("zhang", "judge")
    stamp = services.password_stamp(user)
    first = admin_client.post(f"/admin/users/{user.id}/reset-password", data={"stamp": stamp})
    password = re.search(r'id="temporary-password">([^<]+)<', text(first)).group(1)
    again = admin_client.post(f"/admin/users/{user.id}/reset-password", data={"stamp": stamp},
                              follow_redirects=True)  # a reload of the result page posts the same form
    assert "临时密码只显示一次" in text(again) and password not in text(again)
    assert 'id="temporary-password"' not in text(again)
    assert login(app.test_client(), "zhang", password).status_code == 302  # the first one still works
    assert len(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "user.reset_password")).all()) == 1


def test_after_a_reset_the_old_password_and_the_old_sessions_stop_working(app, admin_client):
    user = gen_user("zhang", "judge")
    own = app.test_client()
    assert login(own, "zhang").status_code == 302
    assert own.get("/judge/").status_code == 200
    reset(admin_client, user)
    assert "/login" in own.get("/judge/").headers["Location"]  # the session that was open has ended
    assert login(app.test_client(), "zhang", PASSWORD).status_code == 400


def test_a_temporary_password_leads_every_page_to_the_password_change_until_changed(app, admin_client):
    user = gen_user("zhang", "studio", studio=gen_studio("甲工作室"))
    password = reset(admin_client, user)
    own = app.test_client()
    response = login(own, "zhang", password, next="/studio/")
    assert response.headers["Location"].startswith("/account/password?next=/studio/")

    for url in ("/", "/studios", "/studio/", "/studio/achievements/new", "/admin/users"):
        response = own.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/account/password")
    assert own.post("/studio/profile", data={}).headers["Location"] == "/account/password"
    with own.get("/static/css/site.css") as static:  # closes the file
        assert static.status_code == 200
    page = own.get("/account/password?next=/studio/")
    assert page.status_code == 200 and "管理员已为您重置密码" in text(page)

    # The temporary password cannot simply be kept.
    same = own.post("/account/password?next=/studio/", data={
        "old_password": password, "new_password": password, "confirm": password})
    assert same.status_code == 400 and "新密码不能与原密码相同" in text(same)
    changed = own.post("/account/password?next=/studio/", data={
        "old_password": password, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert changed.status_code == 302 and changed.headers["Location"] == "/studio/"
    assert own.get("/studio/").status_code == 200
    db.session.expire_all()
    assert not db.session.get(User, user.id).must_change_password
    assert login(app.test_client(), "zhang", NEW_PASSWORD).status_code == 302


def test_a_user_with_a_temporary_password_can_log_out(app, admin_client):
    user = gen_user("zhang", "judge")
    password = reset(admin_client, user)
    own = app.test_client()
    login(own, "zhang", password)
    assert own.post("/logout").headers["Location"] == "/"
    assert "/login" in own.get("/account/password").headers["Location"]


def test_the_next_after_a_forced_change_stays_on_this_site(app, admin_client):
    user = gen_user("zhang", "judge")
    password = reset(admin_client, user)
    own = app.test_client()
    login(own, "zhang", password)
    changed = own.post("/account/password?next=//evil.example/x", data={
        "old_password": password, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert changed.headers["Location"] == "/"


def test_only_an_administrator_resets_and_not_their_own_password(app, admin_client):
    admin = db.session.scalar(select(User).where(User.username == "admin1"))
    judge = gen_user("zhang", "judge")
    with pytest.raises(PermissionDenied):
        services.reset_password(judge, admin)
    with pytest.raises(PermissionDenied):
        services.unlock(judge, admin)
    response = admin_client.post(f"/admin/users/{admin.id}/reset-password",
                                 data={"stamp": services.password_stamp(admin)}, follow_redirects=True)
    assert "不能重置自己的密码" in text(response)
    assert login(app.test_client(), "admin1").status_code == 302


# ------------------------------------------------------------------ unlocking

def lock_out(client, username: str) -> None:
    for _ in range(MAX_FAILURES_PER_PAIR):
        assert login(client, username, "wrong-password-1").status_code == 400
    assert login(client, username).status_code == 400  # the right password too, now


def test_unlocking_lets_the_user_log_in_at_once(app, admin_client):
    user = gen_user("zhang", "judge")
    own = app.test_client()
    lock_out(own, "zhang")
    listing = text(admin_client.get("/admin/users"))
    assert f"已锁定（{MAX_FAILURES_PER_PAIR} 次失败）" in listing and "解锁" in listing

    response = admin_client.post(f"/admin/users/{user.id}/unlock", follow_redirects=True)
    assert "已解锁账号 zhang" in text(response) and "已锁定（" not in text(response)
    assert login(own, "zhang").status_code == 302
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.unlock"))
    assert entry.actor_name == "admin1" and entry.target_label == "zhang"
    assert "已锁定（" not in text(admin_client.get("/admin/users"))


def test_unlocking_clears_only_that_account(app, admin_client):
    user, other = gen_user("zhang", "judge"), gen_user("zhang2", "judge")
    lock_out(app.test_client(), "zhang")
    lock_out(app.test_client(), "zhang2")
    admin_client.post(f"/admin/users/{user.id}/unlock")
    states = services.lock_states([user, other])
    assert user.id not in states and states[other.id].locked
    again = admin_client.post(f"/admin/users/{user.id}/unlock", follow_redirects=True)
    assert "没有被锁定" in text(again)


def test_a_reset_also_unlocks(app, admin_client):
    user = gen_user("zhang", "judge")
    own = app.test_client()
    lock_out(own, "zhang")
    password = reset(admin_client, user)
    assert login(own, "zhang", password).status_code == 302


# ------------------------------------------------------------------ command line

def test_reset_password_on_the_command_line_asks_twice_unlocks_and_is_audited(app, runner):
    gen_user("zhang", "judge")
    lock_out(app.test_client(), "zhang")
    mismatch = runner.invoke(args=["reset-password", "zhang"], input=f"{NEW_PASSWORD}\nsomething-else-1\n"
                             f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n")
    assert mismatch.exit_code == 0, mismatch.output  # asked again after the mismatch
    assert "已重置账号 zhang 的密码" in mismatch.output
    assert login(app.test_client(), "zhang", PASSWORD).status_code == 400
    own = app.test_client()
    assert login(own, "zhang", NEW_PASSWORD).status_code == 302
    assert own.get("/judge/").status_code == 200  # a password the owner chose: no forced change
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.reset_password"))
    assert entry.actor_name == "命令行" and NEW_PASSWORD not in entry.detail


def test_reset_password_temporary_on_the_command_line(app, runner):
    gen_user("zhang", "judge")
    result = runner.invoke(args=["reset-password", "zhang", "--temporary"])
    assert result.exit_code == 0, result.output
    password = re.search(r"临时密码（只显示这一次）：(\S+)", result.output).group(1)
    own = app.test_client()
    assert login(own, "zhang", password).headers["Location"].startswith("/account/password")
    details = db.session.scalars(select(AuditEntry.detail)).all()
    assert not any(password in d for d in details)


def test_reset_password_on_the_command_line_refuses_bad_input(app, runner):
    gen_user("zhang", "judge")
    unknown = runner.invoke(args=["reset-password", "nobody", "--temporary"])
    assert unknown.exit_code != 0 and "没有用户名为“nobody”的账号" in unknown.output
    weak = runner.invoke(args=["reset-password", "zhang"], input="short1\nshort1\n")
    assert weak.exit_code != 0 and "密码至少 10 位" in weak.output
    assert login(app.test_client(), "zhang").status_code == 302  # nothing changed
