"""Demo lifecycle history: two closed 年度考核 years with grades, the current year half filed, 复核, one 摘牌.

Runs inside seed-demo's transaction, after the catalogue and the demo logins. The catalogue's numbers stay
as they are: 149 studios in the database, of which one is 摘牌, so the site shows 148 有效 by default.
The demo studio account's own report of the open year is left unfiled, for whoever logs in as it to file.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import delete, func, select
from sqlalchemy.orm import selectinload

from ..accounts.models import Role, User
from ..catalogue.models import Achievement, Patent, Studio
from ..extensions import db
from ..lifecycle import services
from ..lifecycle.models import AnnualReport, DelistCause, Grade, Recheck, RecheckOutcome, ReportStatus, ReviewYear
from ..models import Level, RecordStatus

SEED = 2025
CLOSED_YEARS = (2023, 2024)
OPEN_YEAR = 2025
DELISTED_ON = date(2025, 4, 18)
ACTIVITIES = (
    "组织技术攻关{n}项，开展岗位练兵和技能培训，结对带徒，推广先进操作法。",
    "围绕生产难题开展课题攻关，举办技术讲座{n}场，选派骨干到兄弟单位交流。",
    "完成技术革新{n}项，组织青年职工技能比武，师带徒签约并按季度考核。",
)
COMMENTS = {Grade.BASIC: ("创新成果转化不足，请加强成果推广。", "带徒培训记录不完整。"),
            Grade.FAIL: ("全年未开展实质性攻关活动。", "报送材料与实际不符，整改未到位。")}


def load_lifecycle_history(demo_studio_name: str) -> None:
    """Write the demo's 年度考核 years, reports, 复核 and the one 摘牌 (all 示例数据)."""
    admin = db.session.scalars(select(User).where(User.role == Role.ADMIN, User.active.is_(True))
                               .order_by(User.id).limit(1)).first()
    if admin is None:
        return
    # seed-demo --force removed the studios (and with them their reports): years left over would clash.
    db.session.execute(delete(ReviewYear).execution_options(synchronize_session=False))
    rng = random.Random(SEED)
    studios = list(db.session.scalars(select(Studio).options(selectinload(Studio.titles)).order_by(Studio.name)))
    first_named = {s.id: min((t.year for t in s.titles), default=9999) for s in studios}
    achievements, values = _catalogue_by_year()
    patents = _patents_by_year()
    demo = next((s for s in studios if s.name == demo_studio_name), None)
    city = [s for s in studios if s.level is Level.CITY and s is not demo and first_named[s.id] <= CLOSED_YEARS[0]]
    delisted = rng.choice(city)

    failed_once = set()
    for year in CLOSED_YEARS:
        review_year = services.open_year(admin, year, date(year + 1, 3, 31), f"{year}年度考核（示例数据）")
        for studio in studios:
            if first_named[studio.id] > year:
                continue  # named later: not yet part of this year's 考核
            if studio is delisted:
                grade = Grade.FAIL
            else:
                grade = rng.choices((Grade.PASS, Grade.BASIC, Grade.FAIL), (85, 12, 3))[0]
                if grade is Grade.FAIL and studio.id in failed_once:
                    grade = Grade.BASIC  # only the one demo studio fails twice
                if grade is Grade.FAIL:
                    failed_once.add(studio.id)
            _report(rng, review_year, studio, achievements, values, patents, admin, submitted=True, grade=grade)
        db.session.flush()
        services.close_year(admin, review_year)
        review_year.closed_at = datetime.combine(date(year + 1, 4, 10), time(2))

    services.delist_studio(admin, delisted, services.DelistData(
        DELISTED_ON, DelistCause.REVIEW, "连续两个年度考核不合格，经督促整改仍未达到要求（示例数据）",
        "朝工发〔2025〕9号（示例）"))

    deadline = max(date(OPEN_YEAR + 1, 3, 31), services.today() + timedelta(days=30))  # still ahead on any demo day
    review_year = services.open_year(admin, OPEN_YEAR, deadline,
                                     f"请各工作室如实填报{OPEN_YEAR}年度工作情况（示例数据）")
    for studio in studios:
        if studio is delisted or studio is demo or first_named[studio.id] > OPEN_YEAR:
            continue
        roll = rng.random()
        if roll < 0.55:
            graded = rng.random() < 0.5
            grade = rng.choices((Grade.PASS, Grade.BASIC), (88, 12))[0] if graded else None
            _report(rng, review_year, studio, achievements, values, patents, admin, submitted=True, grade=grade)
        elif roll < 0.65:
            _report(rng, review_year, studio, achievements, values, patents, admin, submitted=False)

    _rechecks(rng, studios, delisted, demo, admin)


def _catalogue_by_year():
    counts: dict[tuple[int, int], int] = defaultdict(int)
    values: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for studio_id, year, n, value in db.session.execute(
        select(Achievement.studio_id, Achievement.year, func.count(), func.sum(Achievement.value_wan))
        .where(Achievement.status == RecordStatus.APPROVED).group_by(Achievement.studio_id, Achievement.year)
    ).all():
        counts[(studio_id, year)] = n
        values[(studio_id, year)] = value or Decimal("0")
    return counts, values


def _patents_by_year() -> dict[tuple[int, int], int]:
    counts: dict[tuple[int, int], int] = defaultdict(int)
    for studio_id, filed in db.session.execute(
            select(Patent.studio_id, Patent.filing_date).where(Patent.status == RecordStatus.APPROVED)):
        if filed is not None:
            counts[(studio_id, filed.year)] += 1
    return counts


def _report(rng, review_year, studio, achievements, values, patents, admin, *, submitted: bool,
            grade: Grade | None = None) -> None:
    key = (studio.id, review_year.year)
    value = values.get(key) or Decimal(rng.randint(5, 80))
    report = AnnualReport(
        review_year_id=review_year.id, studio_id=studio.id, value_wan=value,
        training_sessions=rng.randint(2, 24), apprentices=rng.randint(1, 12),
        activities=rng.choice(ACTIVITIES).format(n=rng.randint(1, 6)),
        status=ReportStatus.SUBMITTED if submitted else ReportStatus.DRAFT,
    )
    if submitted:
        report.achievement_count, report.patent_count = achievements.get(key, 0), patents.get(key, 0)
        report.submitted_at = datetime.combine(date(review_year.year + 1, 3, rng.randint(1, 28)), time(1))
    if grade is not None:
        report.grade = grade
        report.grade_comment = rng.choice(COMMENTS[grade]) if grade in COMMENTS else ""
        report.graded_at = report.submitted_at
        report.graded_by_id = admin.id
    db.session.add(report)


def _rechecks(rng, studios, delisted, demo, admin) -> None:
    """Most studios named before 2022 passed a 复核 in late 2024, a dozen are left due, one failed (待摘牌)."""
    candidates = [s for s in studios
                  if s is not delisted and s is not demo and s.named_year and s.named_year <= 2021]
    rng.shuffle(candidates)
    failed, left_due = candidates[0], 12
    for studio in candidates[1 + left_due:]:
        db.session.add(Recheck(studio_id=studio.id, decided_on=date(2024, 11, 20), outcome=RecheckOutcome.PASSED,
                               doc_number="朝工发〔2024〕21号（示例）", reason="", created_by_id=admin.id))
    db.session.add(Recheck(studio_id=failed.id, decided_on=date(2025, 11, 28), outcome=RecheckOutcome.FAILED,
                           doc_number="朝工发〔2025〕30号（示例）", reason="近三年无新增成果，活动记录缺失（示例数据）",
                           created_by_id=admin.id))
