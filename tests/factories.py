"""Small builders of test data that go through the catalogue services."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

from innovation_hub.catalogue import patent_numbers
from innovation_hub.catalogue.services import (
    AchievementData,
    PatentData,
    StudioData,
    TitleData,
    upsert_achievement,
    upsert_patent,
    upsert_studio,
)
from innovation_hub.models import Category, District, Level, PatentKind, RecordStatus

_serial = itertools.count(1)


def gen_studio(name: str | None = None, *, level: Level = Level.CITY, industry: str = "机械制造",
               district: District = District.SHUANGTA, leader: str = "王建国", host_unit: str = "示例机械厂",
               honours=(("朝阳工匠", 2019),), titles=None, intro: str = "示例工作室简介。", members: int = 12):
    n = next(_serial)
    studio, _, _ = upsert_studio(StudioData(
        name=name or f"示例创新工作室{n}", host_unit=host_unit, industry=industry, district=district,
        leader_name=leader, leader_honours=list(honours),
        titles=titles if titles is not None else [TitleData(level=level, year=2018, conferred_by="市总工会")],
        members=members, intro=intro,
    ))
    return studio


def gen_achievement(studio, title: str | None = None, *, category: Category = Category.INNOVATION,
                    year: int = 2021, completers=("王建国", "李红"), value: str | None = "12.50",
                    summary: str = "改进了设备，提高了效率。", status: RecordStatus = RecordStatus.APPROVED):
    n = next(_serial)
    achievement, _, _ = upsert_achievement(AchievementData(
        studio_name=studio.name, title=title or f"示例成果{n}", category=category, year=year,
        completers=list(completers), value_wan=Decimal(value) if value is not None else None, summary=summary,
    ), status=status)
    return achievement


def gen_patent(studio, title: str | None = None, *, kind: PatentKind = PatentKind.UTILITY, year: int = 2021,
               inventors=("王建国",), achievement=None, status: RecordStatus = RecordStatus.APPROVED,
               filing_date: date | None = None, grant_date: date | None = None):
    n = next(_serial)
    patent, _, _ = upsert_patent(PatentData(
        number=patent_numbers.make_number(year, kind, n), title=title or f"一种示例装置{n}", kind=kind,
        studio_name=studio.name, inventors=list(inventors), patentee=studio.host_unit,
        filing_date=filing_date or date(year, 3, 1), grant_date=grant_date,
        achievement_title=achievement.title if achievement else "", abstract="本实用新型公开了一种示例装置。",
    ), status=status)
    return patent


PASSWORD = "demo-pass-2024"


def gen_user(username: str | None = None, role: str = "admin", *, studio=None, password: str = PASSWORD,
             unit: str = ""):
    from innovation_hub.accounts.models import Role
    from innovation_hub.accounts.services import create_user

    n = next(_serial)
    return create_user(None, username or f"user{n}", password, Role(role),
                       studio_name=studio.name if studio is not None else "", unit=unit)


def gen_judge(username: str | None = None, *, unit: str = "", studio=None):
    """A judge account; `unit` is its 工作单位, `studio` a studio it works in (both make conflicts)."""
    judge = gen_user(username, "judge", unit=unit)
    if studio is not None:
        # create_user gives only studio accounts a studio; a judge's own studio is set the way an import would.
        from innovation_hub.database import write_transaction

        with write_transaction():
            judge.studio_id = studio.id
    return judge


# 先进性 20, 实用性 20, 经济效益 40, 社会效益 20: full marks 100, 经济效益 the heaviest.
CRITERIA = (("先进性", 20, "1"), ("实用性", 20, "1"), ("经济效益", 40, "1"), ("社会效益", 20, "1"))


def gen_round(admin, name: str | None = None, *, criteria=CRITERIA, year: int = 2024, **settings):
    """An award round in 筹备中 with its criteria, made through the award services."""
    from innovation_hub.awards.services import CriterionData, RoundData, add_criterion, create_round

    n = next(_serial)
    award_round = create_round(admin, RoundData(name=name or f"示例评选{n}", year=year, **settings))
    for criterion_name, max_points, weight in criteria:
        add_criterion(admin, award_round, CriterionData(criterion_name, max_points, Decimal(weight),
                                                         f"{criterion_name}的评分指引"))
    return award_round


def login(client, username: str, password: str = PASSWORD, **params):
    return client.post("/login", query_string=params, data={"username": username, "password": password})
