"""Password guessing: limits per account + address, per address and per account; equal work for every name;
the hash outside any write transaction; the atomic reservation; the trusted-proxy setting; login audit rows."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from innovation_hub import create_app
from innovation_hub.accounts import services
from innovation_hub.accounts.models import LoginThrottle, User
from innovation_hub.accounts.services import (
    MAX_FAILURES_PER_ACCOUNT,
    MAX_FAILURES_PER_ADDRESS,
    MAX_FAILURES_PER_PAIR,
    LoginRefused,
    authenticate,
)
from innovation_hub.audit.models import AuditEntry
from innovation_hub.database import write_transaction
from innovation_hub.extensions import db
from innovation_hub.models import utcnow
from tests.factories import PASSWORD, gen_user

OWNER, OUTSIDER = "10.0.0.2", "203.0.113.5"


def attempt(client, username: str, password: str = PASSWORD, address: str = OWNER, **headers):
    return client.post("/login", data={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address}, headers=headers)


def text(response) -> str:
    return response.get_data(as_text=True)


def fail(username: str, address: str, times: int = 1) -> None:
    for _ in range(times):
        with pytest.raises(LoginRefused):
            authenticate(username, "wrong-password-1", address)


def failures(scope: str, key: str) -> int:
    return db.session.scalar(select(LoginThrottle.failures).where(LoginThrottle.scope == scope,
                                                                  LoginThrottle.key == key))


# ------------------------------------------------------------------ who can lock whom out

def test_an_outsider_locks_out_only_their_own_address(client, app):
    gen_user("admin1")
    for _ in range(MAX_FAILURES_PER_PAIR):
        assert attempt(client, "admin1", "wrong-password1", OUTSIDER).status_code == 400
    refused = attempt(client, "admin1", PASSWORD, OUTSIDER)  # even the right password, from there
    assert refused.status_code == 400 and "已暂时锁定" in text(refused) and "分钟后再试" in text(refused)
    assert attempt(app.test_client(), "admin1", PASSWORD, OWNER).status_code == 302  # the owner is not locked out


def test_the_owner_locks_their_own_address_and_a_success_clears_it(client, app):
    gen_user("admin1")
    fail("admin1", OWNER, MAX_FAILURES_PER_PAIR - 1)
    authenticate("admin1", PASSWORD, OWNER)  # a typo or four, then the right password: the pair starts again
    fail("admin1", OWNER, MAX_FAILURES_PER_PAIR - 1)
    assert authenticate("admin1", PASSWORD, OWNER).username == "admin1"
    fail("admin1", OWNER, MAX_FAILURES_PER_PAIR)
    with pytest.raises(LoginRefused, match="该账号在此地址登录失败次数过多"):
        authenticate("admin1", PASSWORD, OWNER)


def test_one_address_is_limited_across_accounts(client, app):
    gen_user("admin1")
    for n in range(MAX_FAILURES_PER_ADDRESS):
        attempt(client, f"guess{n}", "wrong-password1", OUTSIDER)
    response = attempt(client, "admin1", PASSWORD, OUTSIDER)
    assert response.status_code == 400 and "此地址登录失败次数过多" in text(response)
    assert attempt(client, "admin1", PASSWORD, OWNER).status_code == 302


def test_the_account_ceiling_takes_many_addresses_and_refusals_cost_nothing(app):
    gen_user("admin1")
    addresses = [f"198.51.100.{n}" for n in range(MAX_FAILURES_PER_ACCOUNT // MAX_FAILURES_PER_PAIR)]
    for address in addresses[:-1]:
        fail("admin1", address, MAX_FAILURES_PER_PAIR + 3)  # the 3 beyond the pair limit are refused unchecked
    assert failures("account", "admin1") == MAX_FAILURES_PER_ACCOUNT - MAX_FAILURES_PER_PAIR
    assert authenticate("admin1", PASSWORD, OWNER)  # 19 addresses guessing are not enough to lock the owner out
    fail("admin1", addresses[-1], MAX_FAILURES_PER_PAIR)
    with pytest.raises(LoginRefused, match="该账号登录失败次数过多"):
        authenticate("admin1", PASSWORD, OWNER)
    # The refused attempts reserved nothing: the owner's own address is not locked on top.
    assert failures("pair", f"{OWNER} admin1") == 0


def test_a_lock_ends_when_its_window_has_passed(app, monkeypatch):
    gen_user("admin1")
    fail("admin1", OUTSIDER, MAX_FAILURES_PER_PAIR)
    with pytest.raises(LoginRefused, match="15 分钟后再试"):
        authenticate("admin1", PASSWORD, OUTSIDER)
    later = utcnow() + timedelta(minutes=10)
    monkeypatch.setattr(services, "utcnow", lambda: later)
    with pytest.raises(LoginRefused, match="5 分钟后再试"):
        authenticate("admin1", PASSWORD, OUTSIDER)
    much_later = utcnow() + timedelta(minutes=16)
    monkeypatch.setattr(services, "utcnow", lambda: much_later)
    assert authenticate("admin1", PASSWORD, OUTSIDER).username == "admin1"


def test_an_unknown_name_is_throttled_like_a_real_one(app):
    fail("nobody", OUTSIDER, MAX_FAILURES_PER_PAIR)
    with pytest.raises(LoginRefused, match="已暂时锁定"):  # the same answer: locking does not reveal existence
        authenticate("nobody", "wrong-password-1", OUTSIDER)


# ------------------------------------------------------------------ the hash: equal work, never inside a write

@pytest.fixture
def hashes(monkeypatch):
    """Every password check of the accounts services: the hash it compared against, and what it saw."""
    calls = []

    def spy(stored, password):
        session = db.session()
        can_write = None
        if db.engine.dialect.name == "sqlite":
            # Another connection can take the write lock at once: nothing holds it while the hash runs.
            other = sqlite3.connect(db.engine.url.database, timeout=0)
            try:
                other.execute("BEGIN IMMEDIATE")
                other.rollback()
                can_write = True
            except sqlite3.OperationalError:
                can_write = False
            finally:
                other.close()
        calls.append({"stored": stored, "in_write": bool(session.info.get("in_write")), "can_write": can_write})
        return check_password_hash(stored, password)

    monkeypatch.setattr(services, "check_password_hash", spy)
    return calls


def test_unknown_disabled_and_real_names_cost_one_hash_each(app, hashes):
    gen_user("admin1")
    gen_user("judge1", role="judge")
    with write_transaction():
        services.user_by_username("judge1").active = False
    for username, password in (("admin1", "wrong-password-1"), ("nobody", "wrong-password-1"),
                               ("judge1", PASSWORD), ("judge1", "wrong-password-1"), ("admin1", PASSWORD)):
        before = len(hashes)
        with contextlib.suppress(LoginRefused):
            authenticate(username, password, OWNER)
        assert len(hashes) == before + 1, username
    method = app.config["PASSWORD_HASH_METHOD"]
    unknown = hashes[1]["stored"]
    assert unknown.startswith(method + "$")  # a dummy made with the method real hashes use
    assert unknown != services.user_by_username("admin1").password_hash


def test_the_hash_runs_outside_any_write_transaction(app, hashes, client):
    gen_user("admin1")
    attempt(client, "admin1", "wrong-password-1")
    attempt(client, "nobody", "wrong-password-1")
    assert attempt(client, "admin1").status_code == 302
    assert len(hashes) == 3
    assert not any(call["in_write"] for call in hashes)
    if db.engine.dialect.name == "sqlite":
        assert all(call["can_write"] for call in hashes)


def test_new_passwords_are_hashed_outside_the_write_transaction(app, monkeypatch):
    seen = []
    real = services.generate_password_hash

    def spy(password, method):
        seen.append(bool(db.session().info.get("in_write")))
        return real(password, method=method)

    monkeypatch.setattr(services, "generate_password_hash", spy)
    user = gen_user("admin1")
    services.change_password(user, PASSWORD, "another-pass-7")
    assert seen == [False, False]


# ------------------------------------------------------------------ atomic reservation

def test_a_reservation_is_refused_at_the_limit(app):
    moment = utcnow()
    with write_transaction() as session:
        results = [services._reserve(session, "pair", "x y", 3, moment) for _ in range(5)]
    assert results == [True, True, True, False, False]
    assert failures("pair", "x y") == 3


def test_concurrent_wrong_passwords_check_no_more_than_the_limit(app, hashes):
    gen_user("admin1")
    start = threading.Barrier(12)
    outcomes: list[str] = []

    def guess():
        with app.app_context():
            start.wait()
            try:
                authenticate("admin1", "wrong-password-1", OUTSIDER)
            except LoginRefused as refused:
                outcomes.append(str(refused))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=guess) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(outcomes) == 12
    assert len(hashes) == MAX_FAILURES_PER_PAIR  # never more passwords checked than the limit
    assert sum("已暂时锁定" in o for o in outcomes) == 12 - MAX_FAILURES_PER_PAIR
    assert failures("pair", f"{OUTSIDER} admin1") == MAX_FAILURES_PER_PAIR


# ------------------------------------------------------------------ behind a proxy

def test_without_trusted_proxies_a_forged_forwarded_for_changes_nothing(client, app):
    gen_user("admin1")
    for n in range(MAX_FAILURES_PER_PAIR):
        attempt(client, "admin1", "wrong-password1", OUTSIDER, **{"X-Forwarded-For": f"192.0.2.{n}"})
    response = attempt(client, "admin1", PASSWORD, OUTSIDER, **{"X-Forwarded-For": "192.0.2.99"})
    assert response.status_code == 400 and "已暂时锁定" in text(response)


@pytest.fixture
def behind_proxies(app, monkeypatch):
    """The same instance as `app`, served behind N trusted proxies at 127.0.0.1."""
    monkeypatch.setenv("INNOVATION_HUB_INSTANCE", app.instance_path)

    made = []

    def make(proxies: int):
        proxied = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "TRUSTED_PROXIES": proxies,
                              "PASSWORD_HASH_METHOD": app.config["PASSWORD_HASH_METHOD"]})
        made.append(proxied)
        return proxied.test_client()

    yield make
    for proxied in made:
        with proxied.app_context():
            db.engine.dispose()


def test_behind_a_trusted_proxy_each_client_has_its_own_address(app, behind_proxies):
    gen_user("admin1")
    client = behind_proxies(1)
    for _ in range(MAX_FAILURES_PER_PAIR):
        attempt(client, "admin1", "wrong-password1", "127.0.0.1", **{"X-Forwarded-For": OUTSIDER})
    locked = attempt(client, "admin1", PASSWORD, "127.0.0.1", **{"X-Forwarded-For": OUTSIDER})
    assert locked.status_code == 400 and "已暂时锁定" in text(locked)
    assert attempt(client, "admin1", PASSWORD, "127.0.0.1", **{"X-Forwarded-For": OWNER}).status_code == 302
    details = db.session.scalars(select(AuditEntry.detail).where(AuditEntry.action.like("user.login%"))).all()
    assert details.count(f"地址：{OUTSIDER}；密码错误") == MAX_FAILURES_PER_PAIR
    assert f"地址：{OWNER}" in details


def test_only_the_entries_the_trusted_proxies_wrote_count(app, behind_proxies):
    gen_user("admin1")
    client = behind_proxies(2)  # e.g. the intranet gateway, then nginx: the client may prepend anything
    attempt(client, "admin1", "wrong-password1", "127.0.0.1",
            **{"X-Forwarded-For": f"192.0.2.77, {OUTSIDER}, 10.9.9.9"})
    detail = db.session.scalar(select(AuditEntry.detail).where(AuditEntry.action == "user.login_failed"))
    assert detail == f"地址：{OUTSIDER}；密码错误"


# ------------------------------------------------------------------ audit

def test_logins_are_audited_and_an_unknown_name_creates_nothing(client, app):
    admin = gen_user("admin1")
    users_before = db.session.scalar(select(func.count()).select_from(User))
    attempt(client, "admin1", "wrong-password1", OUTSIDER)
    attempt(client, "no-such-user", "wrong-password1", OUTSIDER)
    assert attempt(client, "admin1").status_code == 302
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action.like("user.login%"))
                                 .order_by(AuditEntry.id)).all()
    assert [(e.action, e.actor_id, e.actor_name, e.target_id, e.target_label, e.detail) for e in entries] == [
        ("user.login_failed", None, "访客", admin.id, "admin1", f"地址：{OUTSIDER}；密码错误"),
        ("user.login_failed", None, "访客", None, "no-such-user", f"地址：{OUTSIDER}；用户名不存在"),
        ("user.login", admin.id, "admin1", admin.id, "admin1", f"地址：{OWNER}"),
    ]
    assert db.session.scalar(select(func.count()).select_from(User)) == users_before

    html = text(client.get("/admin/audit"))
    assert '<option value="user.login_failed">登录失败</option>' in html
    assert '<option value="user.login">登录</option>' in html
    failed = text(client.get("/admin/audit?action=user.login_failed"))
    assert failed.split("<tbody>")[1].count("<tr>") == 2 and "no-such-user" in failed
    by_visitor = text(client.get("/admin/audit?actor=访客"))
    assert by_visitor.split("<tbody>")[1].count("<tr>") == 2
