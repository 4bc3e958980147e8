"""Session lifetimes (idle and absolute, kept in the signed cookie) and the password rules on every path."""

from __future__ import annotations

import pytest

from innovation_hub import security
from innovation_hub.accounts.services import PasswordRuleError, check_password_rules
from tests.factories import PASSWORD, gen_studio, gen_user, login


def text(response) -> str:
    return response.get_data(as_text=True)


class Clock:
    """The time security.now() reads, moved by the test."""

    def __init__(self):
        self.value = 1_800_000_000.0

    def __call__(self) -> float:
        return self.value

    def advance(self, minutes: float) -> None:
        self.value += minutes * 60


@pytest.fixture
def clock(monkeypatch):
    frozen = Clock()
    monkeypatch.setattr(security, "now", frozen)
    return frozen


def test_flask_login_keeps_the_user_id_where_has_login_reads_it(client, app):
    """security.has_login() (and the page cache) read the session key without loading the user."""
    from flask import session
    from flask_login import login_user, logout_user
    from flask_login.config import SESSION_KEYS

    assert security.LOGIN_SESSION_KEY in SESSION_KEYS
    user = gen_user("keycheck", role="admin")
    with app.test_request_context():
        assert not security.has_login()
        login_user(user)
        assert session[security.LOGIN_SESSION_KEY] == user.get_id() and security.has_login()
        logout_user()
        assert not security.has_login()
    login(client, "keycheck")
    with client.session_transaction() as stored:
        assert stored[security.LOGIN_SESSION_KEY] == user.get_id()


def test_a_session_idle_too_long_ends(client, app, clock):
    gen_user("admin1")
    login(client, "admin1")
    clock.advance(29)
    assert client.get("/admin/users").status_code == 200  # a request resets the idle clock
    clock.advance(29)
    assert client.get("/admin/users").status_code == 200
    clock.advance(31)
    response = client.get("/admin/users")
    assert response.status_code == 302 and "/login?next=" in response.headers["Location"]
    page = text(client.get(response.headers["Location"]))
    assert page.count("登录已超时，请重新登录") == 1 and "请先登录" not in page
    clock.advance(1)
    assert client.get("/admin/users").status_code == 302  # it stays ended


def test_a_copied_cookie_ages_like_the_original(app, clock):
    gen_user("admin1")
    first = app.test_client()
    login(first, "admin1")
    copy = app.test_client()
    copy.set_cookie("session", first.get_cookie("session").value)
    clock.advance(31)
    assert copy.get("/admin/users").status_code == 302


def test_a_session_ends_after_its_absolute_lifetime_however_busy(client, app, clock):
    app.config["SESSION_MAX_HOURS"] = 2
    gen_user("admin1")
    login(client, "admin1")
    for _ in range(5):  # a request every 20 minutes: never idle, 100 minutes in all
        clock.advance(20)
        assert client.get("/admin/users").status_code == 200
    clock.advance(21)  # 121 minutes after logging in
    assert client.get("/admin/users").status_code == 302
    assert login(client, "admin1").status_code == 302  # logging in again starts a new lifetime
    assert client.get("/admin/users").status_code == 200


def test_the_session_clock_costs_no_database_write(client, app, clock, count_sql):
    gen_user("admin1")
    login(client, "admin1")
    clock.advance(5)
    with count_sql() as counter:
        assert client.get("/account/password").status_code == 200
    writes = [s for s in counter.statements if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert writes == []


def test_an_anonymous_visitor_is_not_told_of_a_timeout(client, app, clock):
    clock.advance(120)
    assert "登录已超时" not in text(client.get("/login"))


# ------------------------------------------------------------------ password rules

@pytest.mark.parametrize("password, message", [
    ("short-pw1", "至少 10 位"),
    ("x" * 120 + "12345678a", "不能超过 128 位"),
    ("onlyletterslong", "字母和数字"),
    ("12345678901", "字母和数字"),
    ("my-admin1-pass", "不能包含用户名"),
    ("MY-ADMIN1-PASS", "不能包含用户名"),
    ("Password1234", "太常见"),
    ("1qaz2wsx3edc", "太常见"),
])
def test_password_rules(password, message):
    with pytest.raises(PasswordRuleError, match=message):
        check_password_rules(password, "admin1")


def test_a_good_password_passes():
    check_password_rules("煤矿安全2024ok", "admin1")
    check_password_rules("long-enough-7", "")


@pytest.mark.parametrize("new, confirm, message", [
    ("short1", "short1", "至少 10 位"), ("onlyletters", "onlyletters", "字母和数字"),
    ("admin1-new-2025", "admin1-new-2025", "不能包含用户名"), ("password123", "password123", "太常见"),
    ("new-pass-2025", "other-2025", "不一致"),
])
def test_password_change_follows_the_rules(client, app, new, confirm, message):
    gen_user("admin1")
    login(client, "admin1")
    response = client.post("/account/password", data={"old_password": PASSWORD, "new_password": new,
                                                      "confirm": confirm})
    assert response.status_code == 400 and message in text(response)
    assert login(app.test_client(), "admin1").status_code == 302  # the old password still works


def test_the_administrators_user_form_follows_the_rules(client, app):
    gen_user("admin1")
    login(client, "admin1")
    page = text(client.get("/admin/users"))
    assert "至少 10 位，同时包含字母和数字，不能包含用户名" in page
    for password, message in (("judge-b-2025x", "不能包含用户名"), ("short-1", "至少 10 位"),
                              ("abcd123456", "太常见")):
        response = client.post("/admin/users", data={"username": "judge-b", "role": "judge", "password": password})
        html = text(response)
        assert response.status_code == 400 and message in html
        # Under the password field, not the name.
        password_field = html.split('name="password"')[1].split('class="mb-3"')[0]
        assert message in password_field
        assert 'class="form-control is-invalid" id="username"' not in html
    assert client.post("/admin/users", data={"username": "judge-b", "role": "judge",
                                             "password": "scoring-desk-9"}).status_code == 302


def test_create_user_command_follows_the_rules(runner, app):
    studio = gen_studio("丙工作室")
    refused = runner.invoke(args=["create-user", "studio-c", "--role", "studio", "--studio", studio.name],
                            input="studio-c-2024\nstudio-c-2024\n")
    assert refused.exit_code != 0 and "不能包含用户名" in refused.output
    too_short = runner.invoke(args=["create-user", "studio-c", "--role", "studio", "--studio", studio.name],
                              input="abc12345\nabc12345\n")
    assert too_short.exit_code != 0 and "至少 10 位" in too_short.output
