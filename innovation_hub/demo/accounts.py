"""Demo logins (示例账号) and the demo studio's own records in every state, so the review workflow shows at once.

The records go through the submissions services as the demo studio account (and the demo
administrator returns one), so the queue, the audit log and the studio's view hold what real
use would leave there.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from werkzeug.security import check_password_hash

from ..accounts.models import Role, User
from ..accounts.services import create_user, user_by_username
from ..catalogue.services import AchievementData, PatentData
from ..extensions import db
from ..submissions import services as submissions
from ..uploads import CheckedUpload


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: Role
    password: str  # documented in the README and printed by `flask demo-logins`: demo use only
    display_name: str


DEMO_ACCOUNTS = (
    DemoAccount("admin", Role.ADMIN, "guanli-2024", "示例管理员"),
    DemoAccount("judge", Role.JUDGE, "pingwei-2024", "示例评委"),
    DemoAccount("studio", Role.STUDIO, "gongzuoshi-2024", ""),  # shown under its studio's name
)


@dataclass
class ReviewPlan:
    """The demo studio's records besides its approved catalogue, planned with the rest of the demo."""

    studio_name: str
    submitted: AchievementData  # waiting for review
    returned: AchievementData  # submitted, then returned with `return_reason`
    draft: AchievementData  # not submitted yet
    patent: PatentData  # waiting for review, the newest in the queue
    return_reason: str


@dataclass
class DemoLogins:
    created: list[str]  # usernames created now
    skipped: list[str]  # usernames already taken by someone else's account, left untouched
    queued: int  # records the demo studio left in the review queue


def load_demo_accounts(plan: ReviewPlan) -> DemoLogins:
    """Create the demo logins (inside the caller's transaction), then the studio's records through the services."""
    created: dict[str, User] = {}
    skipped = []
    for account in DEMO_ACCOUNTS:
        if user_by_username(account.username) is not None:
            skipped.append(account.username)  # an account of the site's own: never overwritten
            continue
        studio_name = plan.studio_name if account.role is Role.STUDIO else ""
        created[account.username] = create_user(
            None, account.username, account.password, account.role, studio_name=studio_name,
            display_name=account.display_name or studio_name,
        )
    studio = created.get("studio")
    # The returning administrator: the demo one, or else the site's own first administrator.
    admin = created.get("admin") or db.session.execute(
        select(User).where(User.role == Role.ADMIN, User.active.is_(True)).order_by(User.id).limit(1)).scalar()
    if studio is None or admin is None:
        return DemoLogins(list(created), skipped, 0)

    returned = submissions.save_achievement(studio, plan.returned)
    submissions.submit_record(studio, returned)
    submissions.return_record(admin, returned, plan.return_reason)
    submissions.save_achievement(studio, plan.draft)
    waiting = submissions.save_achievement(studio, plan.submitted)
    submissions.attach_file(studio, waiting, CheckedUpload("成果应用证明（示例）.pdf", "application/pdf",
                                                          demo_proof_pdf(plan.submitted.title)))
    submissions.submit_record(studio, waiting)
    patent = submissions.save_patent(studio, plan.patent)
    submissions.submit_record(studio, patent)
    return DemoLogins(list(created), skipped, 2)


def demo_logins() -> list[tuple[DemoAccount, User]]:
    """The demo accounts that exist, are active and still have their documented password."""
    users = {user.username: user for user in db.session.execute(
        select(User).where(User.username.in_([a.username for a in DEMO_ACCOUNTS]))).scalars()}
    found = []
    for account in DEMO_ACCOUNTS:
        user = users.get(account.username)
        if user is not None and user.active and user.role is account.role \
                and check_password_hash(user.password_hash, account.password):
            found.append((account, user))
    return found


def demo_judge_note() -> str:
    """For demo-logins: the demo rounds' judges (评委01…) exist but have no documented password; "" if none exist."""
    from .awards import JUDGE_COUNT, JUDGE_USERNAME

    names = [JUDGE_USERNAME.format(n) for n in range(1, JUDGE_COUNT + 1)]
    if db.session.scalars(select(User.id).where(User.username.in_(names), User.role == Role.JUDGE)).first() is None:
        return ""
    return f"示例评选的评委账号 {names[0]}…{names[-1]} 只用于示例数据，不能登录；评委页面请用 judge 账号查看。"


def demo_proof_pdf(title: str) -> bytes:
    """A one-page PDF saying it is a fictional demo proof; Chinese in the viewer's built-in 宋体 (STSong-Light)."""
    lines = ["示例证明材料（虚构，仅供演示）", f"成果：{title}", "本文件由 seed-demo 生成，不是真实的证明。"]
    text = "".join(
        f"BT /F1 14 Tf 56 {780 - 28 * n} Td <{line.encode('utf-16-be').hex().upper()}> Tj ET\n"
        for n, line in enumerate(lines)
    ).encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 6 0 R >>",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H "
        b"/DescendantFonts [5 0 R] >>",
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> /FontDescriptor 7 0 R >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text),
        b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] "
        b"/ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
