"""Account services: create, edit, authenticate (throttled in the database), passwords, resets, unlocking, disabling."""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from blinker import Signal
from flask import current_app
from sqlalchemy import case, delete, or_, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from ..audit.services import VISITOR, record
from ..catalogue.services import studio_by_name
from ..database import lock, write_transaction
from ..errors import PermissionDenied
from ..extensions import db
from ..models import utcnow
from .models import LoginThrottle, Role, User

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 128
# Shown on the forms.
PASSWORD_RULES = f"至少 {MIN_PASSWORD_LENGTH} 位，同时包含字母和数字，不能包含用户名，不能是常见密码"
# Refused whatever else they satisfy: the passwords every guessing list starts with (compared in lower case).
COMMON_PASSWORDS = frozenset({
    "password1234", "password123", "passw0rd123", "p@ssw0rd123", "password12345", "qwerty123456", "qwerty12345",
    "qwer123456", "qwert12345", "1qaz2wsx3edc", "1q2w3e4r5t", "1q2w3e4r5t6y", "q1w2e3r4t5", "a1b2c3d4e5",
    "abc1234567", "abcd123456", "abc123456789", "abcde12345", "a123456789", "aa123456789", "123456789a",
    "1234567890a", "12345678abc", "asdf123456", "asdfgh123456", "zxcvbnm123", "zxcv123456", "qazwsx123456",
    "admin12345", "admin123456", "administrator1", "root123456", "test123456", "welcome123", "iloveyou123",
    "woaini1314", "woaini520", "5201314abc", "huawei123456", "abcd1234567", "aaaa111111", "abc12345678",
})

# How password guessing is limited (failures counted over a 15-minute window, in the database):
# - 5 per account from one address. An outsider guessing the administrator's password locks only
#   themselves out: the owner, from another address, still logs in.
# - 20 per address over all accounts, so one machine cannot try a few passwords on many accounts.
# - 100 per account from all addresses together: a ceiling on distributed guessing. Since one
#   address can spend at most 5 of them on an account, locking the owner out this way takes 20
#   addresses guessing within 15 minutes, and it ends 15 minutes after the guessing stops.
# An attempt reserves its failure on all three counters (one conditional UPDATE each) before the
# password is hashed, and gives it back if the password was right: concurrent logins, on any
# database and any number of workers, can never check more passwords than the limits.
THROTTLE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_PAIR = 5
MAX_FAILURES_PER_ADDRESS = 20
MAX_FAILURES_PER_ACCOUNT = 100
# Counters untouched for this long are deleted (on a successful login).
THROTTLE_KEEP = timedelta(days=1)

# Sent as (actor, user=judge) inside the account change's transaction when a judge's 工作单位 changed; each
# receiver returns how many of its assignments it withdrew. The awards package connects in create_app:
# accounts, which awards builds on, never imports it.
judge_unit_changed = Signal("a judge's unit changed")


class AccountError(ValueError):
    """A request about accounts that cannot be carried out; the message is for the user, `field` the form field."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.field = field


class PasswordRuleError(AccountError):
    """The new password breaks a rule; the message says which."""


class LoginRefused(AccountError):
    pass


class StaleResetError(AccountError):
    """A reset asked from a page opened before the password last changed."""


def _hash(password: str) -> str:
    # The method is a setting so the test suite can use a cheap one; production keeps werkzeug's default.
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


@lru_cache(maxsize=4)
def _dummy_hash(method: str) -> str:
    """A hash no password is known for, checked for unknown and disabled names so they cost the same work."""
    return generate_password_hash("never a password: equal work for unknown names", method=method)


def check_password_rules(password: str, username: str = "") -> None:
    """The password rules of 等保 2.0's application items: length, letters and digits, not the name, not common."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordRuleError(f"密码至少 {MIN_PASSWORD_LENGTH} 位")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise PasswordRuleError(f"密码不能超过 {MAX_PASSWORD_LENGTH} 位")
    if not (any(ch.isdigit() for ch in password) and any(ch.isalpha() for ch in password)):
        raise PasswordRuleError("密码须同时包含字母和数字")
    if username.strip() and username.strip().lower() in password.lower():
        raise PasswordRuleError("密码不能包含用户名")
    if password.lower() in COMMON_PASSWORDS:
        raise PasswordRuleError("这个密码太常见，容易被猜中，请换一个")


def user_by_username(username: str) -> User | None:
    return db.session.execute(select(User).where(User.username == username.strip())).scalar_one_or_none()


def _studio_for(role: Role, studio_name: str):
    """The studio a studio account belongs to (required); other accounts are given none here.

    Many permission checks read `studio_id` alone, so the site never links a judge or an administrator
    to a studio (a judge's own studio, for 回避, can only come from outside the site, as before).
    """
    studio_name = studio_name.strip()
    if role is not Role.STUDIO:
        if studio_name:
            raise AccountError("只有工作室账号才属于某个工作室", "studio_name")
        return None
    studio = studio_by_name(studio_name) if studio_name else None
    if studio is None:
        raise AccountError(f"工作室账号须属于一个已有的工作室（“{studio_name}”不存在）" if studio_name
                           else "工作室账号须指定所属工作室", "studio_name")
    return studio


def _unit_for(role: Role, unit: str) -> str | None:
    """A judge's 工作单位 (for 回避); other accounts have none."""
    unit = unit.strip()
    if unit and role is not Role.JUDGE:
        raise AccountError("只有评委账号填写工作单位", "unit")
    return unit or None


def create_user(actor: User | None, username: str, password: str, role: Role, *, studio_name: str = "",
                display_name: str = "", unit: str = "") -> User:
    """A new account; a studio account belongs to exactly one studio, a judge has a 工作单位."""
    username = username.strip()
    if not username:
        raise AccountError("请填写用户名")
    check_password_rules(password, username)
    password_hash = _hash(password)  # before the write transaction: hashing is slow on purpose
    with write_transaction() as session:
        if user_by_username(username) is not None:
            raise AccountError(f"用户名“{username}”已被使用")
        studio = _studio_for(role, studio_name)
        user = User(username=username, display_name=display_name.strip(), role=role, studio=studio,
                    unit=_unit_for(role, unit), password_hash=password_hash)
        session.add(user)
        session.flush()
        record(actor, "user.create", "user", user.id, username, f"角色：{role.label}"
               + (f"，工作室：{studio.name}" if studio else "") + (f"，工作单位：{user.unit}" if user.unit else ""))
        return user


def _require_admin(actor: User | None) -> None:
    """The command line (actor None) or an administrator; the routes check too, the service again."""
    if actor is not None and not actor.is_admin:
        raise PermissionDenied("只有管理员可以管理账号")


def update_user(actor: User, user: User, *, display_name: str, unit: str, studio_name: str = "") -> list[str]:
    """Change an account's 姓名或单位, a judge's 工作单位, a studio account's studio; audited before → after.

    Returns the changes made. `studio_name` counts for studio accounts only (a judge's own studio stays).

    A judge's new unit counts at once for 回避: its open assignments to entries it must now avoid are
    withdrawn (by the receivers of judge_unit_changed: awards.assignment.drop_standing_conflicts), so it is
    never given them.
    """
    _require_admin(actor)
    with write_transaction():
        lock(user)
        studio = _studio_for(user.role, studio_name) if user.role is Role.STUDIO or studio_name.strip() \
            else user.studio
        new = {"姓名或单位": display_name.strip(), "工作单位": _unit_for(user.role, unit) or "",
               "所属工作室": studio.name if studio else ""}
        old = {"姓名或单位": user.display_name, "工作单位": user.unit or "",
               "所属工作室": user.studio.name if user.studio else ""}
        changes = [f"{k}：{old[k] or '（空）'} → {new[k] or '（空）'}" for k in new if old[k] != new[k]]
        if not changes:
            return []
        user.display_name, user.unit, user.studio = new["姓名或单位"], new["工作单位"] or None, studio
        withdrawn = 0
        if user.role is Role.JUDGE and old["工作单位"] != new["工作单位"]:
            withdrawn = sum(count for _receiver, count in judge_unit_changed.send(actor, user=user))
        record(actor, "user.edit", "user", user.id, user.username, "；".join(changes)
               + (f"；撤销须回避的评审分配 {withdrawn} 项" if withdrawn else ""))
        if withdrawn:
            changes.append(f"已撤销须回避的评审分配 {withdrawn} 项，请重新分配")
        return changes


# ------------------------------------------------------------------ login

def _insert_missing(session, scope: str, key: str, moment: datetime) -> None:
    """The counter row, if it is not there yet (INSERT … ON CONFLICT DO NOTHING on both databases)."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(insert(LoginThrottle).values(scope=scope, key=key, failures=0, window_start=moment)
                    .on_conflict_do_nothing())


def _reserve(session, scope: str, key: str, limit: int, moment: datetime) -> bool:
    """Count one failure in advance if the counter is under `limit` (a window that ran out starts again at 1).

    One UPDATE whose WHERE holds the limit: PostgreSQL re-checks it on the locked row when another
    transaction changed the row meanwhile, SQLite runs it alone, so the limit holds under concurrency.
    """
    _insert_missing(session, scope, key, moment)
    row = LoginThrottle
    expired = row.window_start <= moment - THROTTLE_WINDOW
    result = session.execute(
        update(row).where(row.scope == scope, row.key == key, or_(expired, row.failures < limit))
        .values(failures=case((expired, 1), else_=row.failures + 1),
                window_start=case((expired, moment), else_=row.window_start))
        .execution_options(synchronize_session=False))
    return result.rowcount == 1


def _minutes_left(session, scope: str, key: str, moment: datetime) -> int:
    start = session.execute(select(LoginThrottle.window_start)
                            .where(LoginThrottle.scope == scope, LoginThrottle.key == key)).scalar()
    return max(1, math.ceil((start + THROTTLE_WINDOW - moment).total_seconds() / 60))


def _counters(username: str, address: str) -> list[tuple[str, str, int, str]]:
    """(scope, key, limit, message) in the one order every login locks them in, so two never deadlock."""
    return [
        ("pair", f"{address} {username}", MAX_FAILURES_PER_PAIR,
         "该账号在此地址登录失败次数过多，已暂时锁定，请 {} 分钟后再试"),
        ("account", username, MAX_FAILURES_PER_ACCOUNT, "该账号登录失败次数过多，已暂时锁定，请 {} 分钟后再试"),
        ("address", address, MAX_FAILURES_PER_ADDRESS, "此地址登录失败次数过多，请 {} 分钟后再试"),
    ]


def _reserve_attempt(username: str, address: str) -> None:
    """A short write transaction: one failure reserved on every counter, or LoginRefused and none.

    Raising inside the transaction rolls back the counters already reserved: a refused attempt
    checks no password, so it counts against nothing (an owner retrying during an attack on the
    account ceiling does not lock their own address out as well).
    """
    moment = utcnow()
    with write_transaction() as session:
        for scope, key, limit, message in _counters(username, address):
            if not _reserve(session, scope, key, limit, moment):
                raise LoginRefused(message.format(_minutes_left(session, scope, key, moment)))


def _release_attempt(session, username: str, address: str) -> None:
    """The password was right: give the reservation back; the pair starts again from nothing."""
    row = LoginThrottle
    for scope, key, _limit, _message in _counters(username, address):
        failures = 0 if scope == "pair" else case((row.failures > 0, row.failures - 1), else_=0)
        session.execute(update(row).where(row.scope == scope, row.key == key).values(failures=failures)
                        .execution_options(synchronize_session=False))


def authenticate(username: str, password: str, address: str) -> User:
    """The user whose password this is, or LoginRefused with a message that reveals nothing more.

    Read the account, reserve the attempt in a short write transaction, hash outside any
    transaction, then record the outcome in a second short transaction. Every name costs one
    hash: an unknown one checks a dummy, a disabled one its own (so only someone who knows its
    password learns it is disabled), and the time taken does not tell which names exist.
    """
    username, address = username.strip()[:40], (address or "unknown")[:45]
    user = user_by_username(username)
    user_id, stored_hash, active = (user.id, user.password_hash, user.active) if user else (None, None, False)
    _reserve_attempt(username, address)
    method = current_app.config["PASSWORD_HASH_METHOD"]
    matches = check_password_hash(stored_hash or _dummy_hash(method), password) and user_id is not None
    with write_transaction() as session:
        user = session.get(User, user_id) if user_id is not None else None
        if matches and user is not None and user.active:
            _release_attempt(session, username, address)
            user.last_login_at = utcnow()
            session.execute(delete(LoginThrottle).where(LoginThrottle.window_start < utcnow() - THROTTLE_KEEP))
            record(user, "user.login", "user", user.id, user.username, f"地址：{address}")
            return user
        reason = "用户名不存在" if user is None else ("账号已停用" if not user.active else "密码错误")
        record(None, "user.login_failed", "user", user_id, username, f"地址：{address}；{reason}",
               actor_name=VISITOR)
    if matches and not active:  # only someone who knows the password learns the account is disabled
        raise LoginRefused("该账号已停用，请联系管理员")
    raise LoginRefused("用户名或密码不正确")


def end_sessions(user: User) -> None:
    """Void every session of this user (logout ends them all: a copied cookie no longer works)."""
    with write_transaction():
        user.session_version += 1


def change_password(user: User, old_password: str, new_password: str) -> None:
    """The owner's own change; it also ends a forced change after a reset (must_change_password)."""
    if not check_password_hash(user.password_hash, old_password):
        raise AccountError("原密码不正确", "old_password")
    if new_password == old_password:
        raise PasswordRuleError("新密码不能与原密码相同")
    check_password_rules(new_password, user.username)
    password_hash = _hash(new_password)  # outside the write transaction, like every hash
    with write_transaction():
        user.password_hash = password_hash
        user.session_version += 1
        user.must_change_password = False
        record(user, "user.password", "user", user.id, user.username)


# Readable at a glance and when read out over the phone: no 0/o, 1/l/i, 2/z, 5/s lookalikes.
TEMPORARY_LETTERS = "abcdefghjkmnpqrtuvwxy"
TEMPORARY_DIGITS = "346789"


def set_unit(actor: User, user: User, unit: str) -> list[str]:
    """Only the 工作单位 of an account (the judge form of an award round sets it)."""
    return update_user(actor, user, display_name=user.display_name, unit=unit)


def temporary_password(username: str = "") -> str:
    """A random one-time password like "kq7m-4hxt-p9wd": 12 characters of ~4.3 bits each, in groups of 4."""
    alphabet = TEMPORARY_LETTERS + TEMPORARY_DIGITS
    while True:
        password = "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(3))
        try:
            check_password_rules(password, username)
        except PasswordRuleError:
            continue  # no digit, no letter, or contains the name: draw again
        return password


def _clear_throttle(session, username: str) -> int:
    """Delete the account's own counters (the account and every address × account pair); the number deleted.

    The address counters stay: they belong to a machine, not to this account.
    """
    row = LoginThrottle
    result = session.execute(delete(row).where(or_(
        (row.scope == "account") & (row.key == username),
        (row.scope == "pair") & row.key.endswith(" " + username, autoescape=True),
    )).execution_options(synchronize_session=False))
    return result.rowcount


def password_stamp(user: User) -> str:
    """A short token that changes whenever the password does; the reset form carries it (see reset_password)."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def reset_password(actor: User | None, user: User, new_password: str | None = None, *,
                   stamp: str | None = None) -> str:
    """Set a new password for someone who lost theirs; the password set (shown once, never stored in clear).

    Without `new_password` a temporary one is drawn and must be changed at the next login. Every
    session of the user ends and its login counters are cleared, so it can log in at once. With
    `stamp` (the form's password_stamp), a reset whose form was opened before the password last
    changed is refused: reloading the result page, or a second administrator at the same moment,
    does not silently draw another password.
    """
    _require_admin(actor)
    if actor is not None and actor.id == user.id:
        raise AccountError("不能重置自己的密码，请用“修改密码”")
    temporary = new_password is None
    password = temporary_password(user.username) if temporary else new_password
    check_password_rules(password, user.username)
    password_hash = _hash(password)  # outside the write transaction, like every hash
    with write_transaction() as session:
        lock(user)
        if stamp is not None and stamp != password_stamp(user):
            raise StaleResetError("该账号的密码在此页面打开后已被重置或修改（刷新临时密码页面也会如此）。"
                                  "临时密码只显示一次；如需新的临时密码，请再点一次“重置密码”。")
        user.password_hash = password_hash
        user.session_version += 1
        user.must_change_password = temporary
        cleared = _clear_throttle(session, user.username)
        # The audit entry says what was done, never the password.
        record(actor, "user.reset_password", "user", user.id, user.username,
               ("临时密码，须在下次登录时修改" if temporary else "由命令行设定新密码")
               + ("；已解除登录锁定" if cleared else ""))
    return password


@dataclass(frozen=True)
class LockState:
    locked: bool
    failures: int  # in the current window, over all addresses


def lock_states(users) -> dict[int, LockState]:
    """Which of these accounts cannot log in now because of failed passwords (from some address or everywhere)."""
    names = {u.username: u.id for u in users}
    if not names:
        return {}
    moment = utcnow()
    row = LoginThrottle
    rows = db.session.execute(select(row).where(row.window_start > moment - THROTTLE_WINDOW, or_(
        (row.scope == "account") & row.key.in_(list(names)), row.scope == "pair"))).scalars()
    failures, locked = {}, set()
    for r in rows:
        name = r.key if r.scope == "account" else r.key.partition(" ")[2]
        if name not in names:
            continue
        if r.scope == "account":
            failures[name] = max(failures.get(name, 0), r.failures)
            if r.failures >= MAX_FAILURES_PER_ACCOUNT:
                locked.add(name)
        else:
            failures.setdefault(name, 0)
            if r.failures >= MAX_FAILURES_PER_PAIR:
                locked.add(name)
    return {names[n]: LockState(n in locked, failures.get(n, 0)) for n in names if failures.get(n)}


def unlock(actor: User | None, user: User) -> int:
    """Clear an account's failed-login counters, so it can log in at once; the number of failures cleared."""
    _require_admin(actor)
    with write_transaction() as session:
        lock(user)
        failures = session.execute(select(LoginThrottle.failures).where(
            LoginThrottle.scope == "account", LoginThrottle.key == user.username)).scalar() or 0
        if not _clear_throttle(session, user.username):
            raise AccountError(f"账号 {user.username} 没有被锁定")
        record(actor, "user.unlock", "user", user.id, user.username, f"清除登录失败 {failures} 次")
        return failures


def set_active(actor: User, user: User, active: bool) -> None:
    if user.id == actor.id and not active:
        raise AccountError("不能停用自己的账号")
    with write_transaction():
        if user.active == active:
            return
        user.active = active
        user.session_version += 1
        record(actor, "user.enable" if active else "user.disable", "user", user.id, user.username)
