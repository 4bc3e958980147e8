"""seed-demo's logins and the demo studio's records: a newcomer sees the review workflow at once."""

from decimal import Decimal

from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from innovation_hub.accounts.models import Role, User
from innovation_hub.accounts.services import change_password
from innovation_hub.audit.models import AuditEntry
from innovation_hub.catalogue.models import Achievement, Patent
from innovation_hub.catalogue.patent_numbers import make_number
from innovation_hub.catalogue.services import AchievementData, PatentData
from innovation_hub.database import write_transaction
from innovation_hub.demo.accounts import DEMO_ACCOUNTS, ReviewPlan, demo_logins, load_demo_accounts
from innovation_hub.extensions import db
from innovation_hub.models import Category, Level, PatentKind, RecordStatus
from innovation_hub.review.queries import queue_count
from tests.factories import gen_studio, gen_user, login

from .helpers import text


def test_seed_demo_creates_the_logins_and_a_queue(app, runner, demo_seed):
    result = demo_seed  # the session's one `flask seed-demo` run, on a copy of its site
    assert result.exit_code == 0, result.output
    assert "示例账号：admin、judge、studio" in result.output

    users = {u.username: u for u in db.session.execute(select(User)).scalars()}
    judges = {f"评委{n:02d}": Role.JUDGE for n in range(1, 8)}  # the demo award rounds' other judges
    assert {name: u.role for name, u in users.items()} == {"admin": Role.ADMIN, "judge": Role.JUDGE,
                                                           "studio": Role.STUDIO, **judges}
    studio = users["studio"].studio
    assert studio.level is Level.PROVINCIAL
    approved = db.session.scalar(select(func.count()).select_from(Achievement).where(
        Achievement.studio_id == studio.id, Achievement.status == RecordStatus.APPROVED))
    assert approved >= 5

    # The studio's own records in every state; the public figures stay the report's.
    states = db.session.execute(
        select(Achievement.status, func.count()).where(Achievement.studio_id == studio.id)
        .where(Achievement.status != RecordStatus.APPROVED).group_by(Achievement.status)).all()
    assert dict(states) == {RecordStatus.SUBMITTED: 1, RecordStatus.RETURNED: 1, RecordStatus.DRAFT: 1}
    returned = db.session.execute(select(Achievement).where(Achievement.status == RecordStatus.RETURNED)).scalar_one()
    assert "效益证明" in returned.return_reason
    assert queue_count() >= 2
    waiting = db.session.execute(select(Achievement).where(Achievement.status == RecordStatus.SUBMITTED)).scalar_one()
    assert waiting.submitted_at is not None and len(waiting.proof_files) == 1
    stats = app.test_client().get("/api/v1/stats").get_json()
    assert (stats["achievements"], stats["patents"]) == (1031, 315)

    # Every documented password works; the administrator sees the queue and decides.
    for account in DEMO_ACCOUNTS:
        assert login(app.test_client(), account.username, account.password).status_code == 302, account.username
    admin = app.test_client()
    login(admin, "admin", "guanli-2024")
    html = text(admin.get("/admin/review"))
    assert "待审核 2 条" in html and waiting.title in html
    patent = db.session.execute(select(Patent).where(Patent.status == RecordStatus.SUBMITTED)).scalar_one()
    assert html.index(patent.title) < html.index(waiting.title)  # submitted last, shown first
    page = text(admin.get(f"/admin/review/achievement/{waiting.id}"))
    assert waiting.title in page and "成果应用证明（示例）.pdf" in page
    assert admin.post(f"/admin/review/achievement/{waiting.id}/approve").status_code == 302
    assert app.test_client().get(f"/api/v1/achievements/{waiting.id}").status_code == 200

    # demo-logins lists the accounts that still have their documented password.
    listed = runner.invoke(args=["demo-logins"])
    assert listed.exit_code == 0
    for account in DEMO_ACCOUNTS:
        assert f"{account.username:<8}/ {account.password}" in listed.output
    assert studio.name in listed.output
    change_password(users["judge"], "pingwei-2024", "private-pass-9")
    listed = runner.invoke(args=["demo-logins"])
    assert "guanli-2024" in listed.output and "pingwei-2024" not in listed.output


def test_demo_logins_without_demo_accounts(runner, app):
    result = runner.invoke(args=["demo-logins"])
    assert result.exit_code == 0 and "没有可用的示例账号" in result.output


def test_demo_logins_never_take_over_an_existing_account(app):
    """A site whose administrator made `admin` before seeding keeps it; the demo uses it to return a record."""
    studio = gen_studio("示例省级工作室")
    own_admin = gen_user("admin", password="own-secret-1")

    def record(title):
        return AchievementData(studio_name=studio.name, title=title, category=Category.INNOVATION, year=2025,
                               completers=["王建国"], value_wan=Decimal("12.5"), summary="示例摘要。")

    plan = ReviewPlan(
        studio_name=studio.name, submitted=record("待审核的示例成果"), returned=record("被退回的示例成果"),
        draft=record("示例草稿"), return_reason="请补充证明",
        patent=PatentData(number=make_number(2025, PatentKind.UTILITY, 3000001), title="一种示例装置",
                          kind=PatentKind.UTILITY, studio_name=studio.name, inventors=["王建国"]),
    )
    with write_transaction():
        logins = load_demo_accounts(plan)
    assert (logins.created, logins.skipped, logins.queued) == (["judge", "studio"], ["admin"], 2)
    assert check_password_hash(own_admin.password_hash, "own-secret-1")
    assert [account.username for account, _ in demo_logins()] == ["judge", "studio"]
    returned = db.session.execute(select(AuditEntry).where(AuditEntry.action == "record.return")).scalar_one()
    assert returned.actor_id == own_admin.id and returned.detail == "请补充证明"
    assert queue_count() == 2
