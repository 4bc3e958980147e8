"""Demo history of the office's catalogue administration: a few revoked titles and one leader change.

Written through the office services by the demo administrator, so the audit log, the studio pages
(撤销 with date, 文号, reason; 历任领办人) and a person page with "曾领办" show what real use leaves.
Only titles below a studio's highest valid one are revoked: the levels and counts stay the report's.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from ..accounts.models import Role, User
from ..catalogue.models import Studio, highest_valid_title
from ..office.services import change_leader, revoke_title

REVOCATIONS = (
    (date(2023, 3, 15), "朝工发〔2023〕6号", "依托单位重组，原市级工作室并入上级命名，市级命名撤销"),
    (date(2024, 4, 2), "朝工发〔2024〕11号", "年度考核不合格，经复核撤销该级命名"),
    (date(2024, 9, 20), "朝工发〔2024〕27号", "重复命名：同一工作室已获更高级别命名"),
)
NEW_LEADER = ("宋立业", [("朝阳工匠", 2022)], date(2023, 7, 1))


def add_office_history(session) -> None:
    admin = session.execute(select(User).where(User.role == Role.ADMIN).order_by(User.id)).scalars().first()
    if admin is None:
        return
    studios = session.execute(select(Studio).order_by(Studio.id)).scalars().all()
    lower_titles = []  # a valid title below the studio's highest valid one, per studio that has one
    for studio in studios:
        best = highest_valid_title(studio.titles)
        lower = [t for t in studio.titles if t is not best and not t.is_revoked]
        if lower:
            lower_titles.append(lower[0])
    for title, (on, doc_number, reason) in zip(lower_titles[::9], REVOCATIONS, strict=False):
        revoke_title(admin, title, on, doc_number, reason)
    name, honours, on = NEW_LEADER
    # A studio named years before the change, so the former leader's page reads like a long term.
    older = [s for s in studios if s.named_year and s.named_year <= 2016] or studios
    change_leader(admin, older[len(older) // 2], name, on, honours)
