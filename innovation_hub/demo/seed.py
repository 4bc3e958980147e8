"""seed-demo: fictional demo data in the founding report's shape, written through the catalogue services.

build_plan() is pure: one random.Random(SEED) makes the same studios (planned in studios.py), achievements
and patents on every run; the demo studio's own records and the award rounds (awards.py) draw on streams of
their own. seed_demo() writes the plan in one transaction with upsert_studio / upsert_achievement /
upsert_patent, then the demo logins (accounts.py) and the award rounds through their services, so demo data
takes the production path.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import delete, func, select

from ..accounts.models import LoginThrottle, User
from ..audit.models import AuditEntry
from ..awards.models import (
    AddressLock,
    Assignment,
    AwardRound,
    BallotBatch,
    BallotCode,
    BallotFailure,
    CaptchaUse,
    Certificate,
    Criterion,
    Nomination,
    Objection,
    ResultSnapshot,
    RoundJudge,
    Score,
    Vote,
)
from ..catalogue.models import (
    Achievement,
    AchievementCompleter,
    Honour,
    LeaderTerm,
    Patent,
    PatentInventor,
    Person,
    Studio,
    StudioTitle,
    ValueLine,
)
from ..catalogue.patent_numbers import make_number
from ..catalogue.services import (
    AchievementData,
    PatentData,
    StudioData,
    upsert_achievement,
    upsert_patent,
    upsert_studio,
)
from ..database import write_transaction
from ..models import Category, Level, PatentKind, RecordStatus
from ..submissions.models import ChangeRequest, ProofFile
from ..uploads import path_of
from . import vocabulary as v
from .accounts import DemoLogins, ReviewPlan, load_demo_accounts
from .awards import DEMO_BALLOTS, AwardsPlan, DemoAwards, load_demo_awards, plan_awards
from .figures_history import add_figures_history
from .lifecycle_history import load_lifecycle_history
from .office_history import add_office_history
from .studios import NameMaker, PlannedAchievement, PlannedStudio, apportion, level_of, plan_studios
from .writing import Writer, patent_abstract, patent_title, wan_text

SEED = 2024
AS_OF = date(2025, 12, 31)  # the demo catalogue as it stood then: no grant date after it

CATEGORY_COUNTS = {Category.INNOVATION: 392, Category.BREAKTHROUGH: 301, Category.INVENTION: 205,
                   Category.OPERATION: 133}
KIND_COUNTS = {PatentKind.INVENTION: 79, PatentKind.UTILITY: 205, PatentKind.DESIGN: 31}
TOTAL_VALUE = Decimal("12000.00")
# Weights by year: the studio movement grew until about 2021; the last year is not complete.
ACHIEVEMENT_YEARS = {2015: 4, 2016: 5, 2017: 6, 2018: 7, 2019: 8, 2020: 9, 2021: 10, 2022: 10, 2023: 10,
                     2024: 10, 2025: 8}
PATENT_YEARS = {2012: 3, 2013: 4, 2014: 5, 2015: 6, 2016: 7, 2017: 8, 2018: 9, 2019: 10, 2020: 11, 2021: 11,
                2022: 11, 2023: 10, 2024: 8, 2025: 4}
INVENTION_RECENT_FACTOR = 0.3  # an invention takes 2–3 years to grant: few recent ones are on file
CENT = Decimal("0.01")

Progress = Callable[..., object]


class DemoSeedRefused(Exception):
    """seed-demo was asked to load demo data into a database that already holds a catalogue."""


@dataclass
class SeedSummary:
    """The public (approved) figures, as in the founding report, and what the demo logins found."""

    studios: int
    studios_by_level: dict[str, int]
    achievements: int
    patents: int
    people: int
    value_wan: Decimal
    logins: DemoLogins | None = None
    demo_studio: str = ""
    awards: DemoAwards | None = None

    def describe(self) -> str:
        levels = "、".join(f"{label} {count} 个" for label, count in self.studios_by_level.items())
        value = wan_text(self.value_wan)
        text = (
            f"已生成示例数据：工作室 {self.studios} 个（{levels}）、成果 {self.achievements} 项、"
            f"专利 {self.patents} 件、人员 {self.people} 人，创造经济效益合计 {value} 万元。"
            "所有单位、人员和成果均为虚构的示例数据。"
        )
        if self.logins is not None:
            if self.logins.created:
                text += f"\n示例账号：{'、'.join(self.logins.created)}（密码用 demo-logins 命令查看）。"
            if self.logins.skipped:
                text += f"\n用户名 {'、'.join(self.logins.skipped)} 已被现有账号使用，未创建同名示例账号。"
            if self.logins.queued:
                text += (f"\n示例工作室“{self.demo_studio}”另有 {self.logins.queued} 条记录待审核、1 条已退回、"
                         "1 条草稿（不计入上面的公开数字）。")
        if self.awards is not None:
            if self.awards.rounds:
                text += (f"\n示例评选：{'、'.join(f'“{name}”' for name in self.awards.rounds)}；"
                         f"示例评委 {self.awards.judges[0]}…{self.awards.judges[-1]} 不能登录，"
                         "评委页面请用 judge 账号查看。"
                         f"评审中的评选凭投票码公众投票：管理员在该评选的“投票码”页打印示例的 {DEMO_BALLOTS} 个"
                         "投票码，再到 /awards/ 的投票页使用。")
            else:
                text += f"\n未生成示例评选：{self.awards.skipped}。"
        return text


@dataclass
class DemoPlan:
    studios: list[StudioData]
    achievements: list[AchievementData]
    patents: list[PatentData]
    review: ReviewPlan  # the demo studio account's own records, besides the approved catalogue
    awards: AwardsPlan  # the demo award rounds and their judges


# ---------------------------------------------------------------- writing


def seed_demo(force: bool = False, progress: Progress | None = None) -> SeedSummary:
    """Load the demo catalogue and logins; refuse (DemoSeedRefused) if studios exist, unless force clears the site."""
    plan = build_plan()
    removed_files: list[str] = []
    with write_transaction() as session:
        if session.scalar(select(func.count()).select_from(Studio)):
            if not force:
                raise DemoSeedRefused(
                    "数据库中已有工作室数据，未生成示例数据。如需清空现有目录并重新生成，请加 --force。"
                )
            removed_files = _clear_site(session)
        with _track(progress, plan.studios, "生成工作室") as studios:
            for data in studios:
                upsert_studio(data)
        with _track(progress, plan.achievements, "生成成果") as achievements:
            for data in achievements:
                upsert_achievement(data, status=RecordStatus.APPROVED)
        with _track(progress, plan.patents, "生成专利") as patents:
            for data in patents:
                upsert_patent(data, status=RecordStatus.APPROVED)
        logins = load_demo_accounts(plan.review)
        awards = load_demo_awards(plan.awards, plan.review.studio_name)
        add_office_history(session)
        load_lifecycle_history(plan.review.studio_name)
        add_figures_history(AS_OF.year)
        summary = _summarise(session)
    # Only once the rows are gone for good: a rolled-back --force keeps its files.
    for stored_name in removed_files:
        path_of(stored_name).unlink(missing_ok=True)
    summary.logins, summary.demo_studio, summary.awards = logins, plan.review.studio_name, awards
    return summary


def _track(progress: Progress | None, items: Sequence, label: str):
    return nullcontext(items) if progress is None else progress(items, length=len(items), label=label)


def _clear_site(session) -> list[str]:
    """Delete award rounds, the catalogue, accounts, login attempts, the audit log and proof files, children first.

    Returns the stored names of the deleted proof files, to remove from disk after the commit.
    """
    stored_names = list(session.scalars(select(ProofFile.stored_name)))
    stored_names += session.scalars(select(ValueLine.evidence_stored_name).where(
        ValueLine.evidence_stored_name.is_not(None)))
    # Award rows refer to users and achievements, so they go first.
    awards = (Certificate, ResultSnapshot, Vote, BallotCode, BallotBatch, BallotFailure, Objection, Score, Assignment,
              RoundJudge, Nomination, Criterion, AwardRound, CaptchaUse, AddressLock)
    office = (ChangeRequest, LeaderTerm)
    for model in (*awards, *office, ProofFile, ValueLine, AuditEntry, LoginThrottle, User, PatentInventor,
                  AchievementCompleter, Patent, Achievement, StudioTitle, Studio, Honour, Person):
        session.execute(delete(model).execution_options(synchronize_session=False))
    # The bulk deletes bypass the identity map: drop the stale objects so lookups go to the database.
    session.expunge_all()
    return stored_names


def _summarise(session) -> SeedSummary:
    """The public figures: only approved achievements and patents count (the demo studio's others do not)."""
    def count(model, *where) -> int:
        return session.scalar(select(func.count()).select_from(model).where(*where))

    approved_achievement = Achievement.status == RecordStatus.APPROVED
    by_level = dict(session.execute(select(Studio.level, func.count()).group_by(Studio.level)).all())
    return SeedSummary(
        studios=count(Studio),
        studios_by_level={level.label: by_level.get(level, 0) for level in Level},
        achievements=count(Achievement, approved_achievement),
        patents=count(Patent, Patent.status == RecordStatus.APPROVED),
        people=count(Person),
        value_wan=session.scalar(select(func.sum(Achievement.value_wan)).where(approved_achievement))
        or Decimal("0.00"),
    )


# ---------------------------------------------------------------- planning

def build_plan(seed: int = SEED) -> DemoPlan:
    """The whole demo catalogue as service inputs; the same seed always gives the same plan."""
    rng = random.Random(seed)
    names = NameMaker(rng)
    studios = plan_studios(rng, names)
    achievements = _plan_achievements(rng, studios)
    _assign_values(rng, achievements)
    patents = _plan_patents(rng, studios)
    writer = Writer(rng)
    for achievement in achievements:
        achievement.summary = writer.achievement_summary(achievement)
    for studio in studios:
        studio.data.intro = writer.studio_intro(studio)
    review = _plan_review(seed, studios, achievements, patents)
    records = [
        AchievementData(
            studio_name=a.studio.data.name, title=a.title, category=a.category, year=a.year,
            completers=a.completers, value_wan=a.value, summary=a.summary,
        )
        for a in achievements
    ]
    # The judges' and objectors' names: their own stream, unique among the catalogue's people.
    more_names = NameMaker(random.Random(seed + 3))
    more_names.used = set(names.used)
    studio_data = [s.data for s in studios]
    awards = plan_awards(seed, AS_OF.year, studio_data, records, review.studio_name, more_names.make)
    return DemoPlan(studios=studio_data, achievements=records, patents=patents, review=review, awards=awards)


def _plan_achievements(rng: random.Random, studios: list[PlannedStudio]) -> list[PlannedAchievement]:
    total = sum(CATEGORY_COUNTS.values())
    # Every studio has a few; bigger (higher-level) studios have many more.
    counts = [3] * len(studios)
    factor = {Level.NATIONAL: 3.5, Level.PROVINCIAL: 1.8, Level.CITY: 1.0}
    weights = [factor[level_of(s)] * rng.uniform(0.4, 1.6) for s in studios]
    for index in rng.choices(range(len(studios)), weights, k=total - sum(counts)):
        counts[index] += 1
    categories = apportion(total, CATEGORY_COUNTS, rng)
    used: set[str] = set()
    achievements = []
    for studio, n in zip(studios, counts, strict=True):
        for _ in range(n):
            achievement = _achievement(rng, studio, categories.pop(), used)
            studio.achievements.append(achievement)
            achievements.append(achievement)
    return achievements


def _achievement(rng: random.Random, studio: PlannedStudio, category: Category, used: set[str]) -> PlannedAchievement:
    years = [y for y in ACHIEVEMENT_YEARS if y >= studio.first_year - 1]
    year = rng.choices(years, [ACHIEVEMENT_YEARS[y] for y in years])[0]
    own = {x.title for x in studio.achievements}
    # Titles differ across the whole catalogue; late on, one shared with another studio will do.
    for attempt in range(300):
        a = _titled(rng, studio, category, year)
        if a.title not in used or (attempt > 200 and a.title not in own):
            break
    else:
        a.title += "（二期）"
    used.add(a.title)
    first = a.completers[0] if a.completers else studio.pool[0]
    others = [p for p in studio.pool if p != first]
    size = min(rng.choices((1, 2, 3, 4, 5, 6), (10, 20, 25, 20, 15, 10))[0], len(studio.pool))
    rest = rng.sample(others, size - 1)
    if category is not Category.OPERATION and rng.random() > 0.6 and rest:
        first, rest[0] = rest[0], first  # the leader is often, not always, first
    a.completers = [first, *rest]
    return a


def _titled(rng: random.Random, studio: PlannedStudio, category: Category, year: int) -> PlannedAchievement:
    ind = studio.industry
    tech = rng.choice(ind.techs)
    if category is Category.INNOVATION:
        if rng.random() < 0.7:
            obj = rng.choice(ind.objects)
            title, patent = rng.choice(v.INNOVATION_OBJECT_TITLES)
            return PlannedAchievement(studio, category, title.format(object=obj, tech=tech), year, [], "object", obj,
                                patent and patent.format(object=obj))
        process = rng.choice(ind.processes)
        title, patent = rng.choice(v.INNOVATION_PROCESS_TITLES)
        return PlannedAchievement(studio, category, title.format(process=process, tech=tech), year, [], "process",
                            process, patent and patent.format(process=process))
    if category is Category.BREAKTHROUGH:
        shape = rng.choices(("indicator", "quality", "problem", "object", "process"), (28, 14, 38, 15, 5))[0]
        subject = rng.choice(getattr(ind, {"indicator": "indicators", "quality": "qualities", "problem": "problems",
                                           "object": "objects", "process": "processes"}[shape]))
        patterns = {"indicator": v.BREAKTHROUGH_INDICATOR_TITLES, "quality": v.BREAKTHROUGH_INDICATOR_TITLES,
                    "problem": v.BREAKTHROUGH_PROBLEM_TITLES, "object": v.BREAKTHROUGH_OBJECT_TITLES,
                    "process": v.BREAKTHROUGH_PROCESS_TITLES}[shape]
        title = rng.choice(patterns).format(indicator=subject, problem=subject, object=subject, process=subject)
        return PlannedAchievement(studio, category, title, year, [], shape, subject)
    if category is Category.INVENTION:
        if rng.random() < 0.85:
            device = rng.choice(ind.devices)
            title = rng.choice(v.INVENTION_DEVICE_TITLES).format(device=device)
            return PlannedAchievement(studio, category, title, year, [], "device", device, f"一种{device}")
        method = rng.choice(ind.methods)
        title = rng.choice(v.INVENTION_METHOD_TITLES).format(method=method)
        return PlannedAchievement(studio, category, title, year, [], "method", method, f"一种{method}")
    person = studio.pool[0] if rng.random() < 0.5 else rng.choice(studio.pool)
    operation = rng.choice(ind.operations)
    count = rng.randint(3, 6)
    title = rng.choice(v.OPERATION_TITLES).format(person=person, operation=operation,
                                                    count=v.CHINESE_NUMERALS[count])
    return PlannedAchievement(studio, category, title, year, [person], "operation", operation, count=count)


def _assign_values(rng: random.Random, achievements: list[PlannedAchievement]) -> None:
    """Skewed 万元 values (many small, a few of several hundred) summing to exactly TOTAL_VALUE."""
    raw: list[tuple[PlannedAchievement, float]] = []
    for a in achievements:
        if rng.random() < (0.25 if a.category is Category.OPERATION else 0.04):
            continue  # no economic value reported
        roll = rng.random()
        if roll < 0.015:
            amount = rng.uniform(150, 600)
        elif roll < 0.10:
            amount = rng.uniform(30, 100)
        else:
            amount = min(max(rng.lognormvariate(1.6, 0.8), 0.5), 30)
        raw.append((a, amount))
    scale = float(TOTAL_VALUE) / sum(amount for _, amount in raw)
    for a, amount in raw:
        a.value = _round_like_a_report(amount * scale)
    # Whatever rounding left over goes to the largest value, so the total is exact.
    largest = max((a for a, _ in raw), key=lambda a: a.value)
    largest.value += TOTAL_VALUE - sum(a.value for a, _ in raw)


def _round_like_a_report(amount: float) -> Decimal:
    """People report 3.6, 12.5, 48 or 260 万元, not 12.4731."""
    value = Decimal(str(amount))
    step = Decimal("0.1") if amount < 10 else Decimal("0.5") if amount < 100 else Decimal(1)
    rounded = (value / step).quantize(Decimal(1), ROUND_HALF_UP) * step
    return max(rounded, Decimal("0.5")).quantize(CENT)


def _plan_patents(rng: random.Random, studios: list[PlannedStudio]) -> list[PatentData]:
    total = sum(KIND_COUNTS.values())
    kinds = apportion(total, KIND_COUNTS, rng)
    weights = [len(s.achievements) * (1.5 if level_of(s) is not Level.CITY else 1.0) * rng.uniform(0, 1.5)
               for s in studios]
    owners = rng.choices(studios, weights, k=total)
    used_numbers: set[str] = set()
    used_titles: set[str] = set()
    patents = []
    for studio, kind in zip(owners, kinds, strict=True):
        linked = None
        if kind is not PatentKind.DESIGN and rng.random() < 0.56:
            linked = _link_candidate(rng, studio, kind)
        title = patent_title(rng, studio.industry, kind, linked, used_titles)
        year = _filing_year(rng, kind, linked)
        # Filed by mid-year of the last year, so most have been granted by AS_OF.
        filing = date(year, 1, 1) + timedelta(days=rng.randint(0, 180 if year == AS_OF.year else 364))
        if kind is PatentKind.INVENTION:
            grant = filing + timedelta(days=rng.randint(730, 1095))
        else:
            grant = filing + timedelta(days=rng.randint(120, 300))
        while (number := make_number(year, kind, rng.randint(1000, 2999999))) in used_numbers:
            pass
        used_numbers.add(number)
        size = min(rng.choices((1, 2, 3, 4, 5), (15, 25, 30, 18, 12))[0], len(studio.pool))
        inventors = rng.sample(studio.pool, size)
        if studio.pool[0] in inventors and rng.random() < 0.6:
            inventors.remove(studio.pool[0])
            inventors.insert(0, studio.pool[0])
        data = PatentData(
            number=number, title=title, kind=kind, studio_name=studio.data.name, inventors=inventors,
            patentee=studio.data.host_unit, filing_date=filing, grant_date=grant if grant <= AS_OF else None,
            achievement_title=linked.title if linked else "",
        )
        data.abstract = patent_abstract(rng, studio.industry, data, linked)
        studio.patents.append(data)
        if linked:
            linked.patents.append(data)
        patents.append(data)
    return patents


def _filing_year(rng: random.Random, kind: PatentKind, linked: PlannedAchievement | None) -> int:
    if linked is not None:  # filed while the work was done, or soon after
        return min(max(linked.year + rng.choice((-2, -1, -1, 0, 0, 1)), min(PATENT_YEARS)), max(PATENT_YEARS))
    years = list(PATENT_YEARS)
    weights = [PATENT_YEARS[y] * (INVENTION_RECENT_FACTOR if kind is PatentKind.INVENTION and y >= 2023 else 1)
               for y in years]
    return rng.choices(years, weights)[0]


def _link_candidate(rng: random.Random, studio: PlannedStudio, kind: PatentKind) -> PlannedAchievement | None:
    """An achievement of the studio a patent of this kind could protect, preferring unprotected ones."""
    fits = [a for a in studio.achievements if a.patent_title
            and (kind is PatentKind.INVENTION or a.shape != "method")]  # a utility model protects no method
    fresh = [a for a in fits if not a.patents]
    return rng.choice(fresh or fits) if fits else None


# The reason the demo administrator gave when returning the demo studio's record.
DEMO_RETURN_REASON = (
    "经济效益测算依据不足：请上传财务部门出具的效益证明，并补充应用前后的对比数据（产量、能耗或故障率），"
    "修改后重新提交。"
)


def _plan_review(seed: int, studios: list[PlannedStudio], achievements: list[PlannedAchievement],
                 patents: list[PatentData]) -> ReviewPlan:
    """The demo studio account's own records: one returned, one draft, an achievement and a patent waiting.

    A separate random stream: the catalogue is the same with or without these. The studio is the
    provincial (省级) one with the most records, so its account has plenty to show.
    """
    rng = random.Random(seed + 1)
    studio = max((s for s in studios if level_of(s) is Level.PROVINCIAL),
                 key=lambda s: len(s.achievements) + len(s.patents))
    used = {a.title for a in achievements}
    writer = Writer(rng)
    records = []
    for category in (Category.BREAKTHROUGH, Category.INNOVATION, Category.INVENTION):
        a = _achievement(rng, studio, category, used)
        a.year = AS_OF.year
        a.value = _round_like_a_report(rng.uniform(8, 60))
        a.summary = writer.achievement_summary(a)
        records.append(AchievementData(
            studio_name=studio.data.name, title=a.title, category=a.category, year=a.year,
            completers=a.completers, value_wan=a.value, summary=a.summary,
        ))
    kind = PatentKind.UTILITY
    filing = date(AS_OF.year, 1, 1) + timedelta(days=rng.randint(0, 150))
    # Serials above the catalogue's (at most 2999999), so the number is free.
    patent = PatentData(
        number=make_number(AS_OF.year, kind, rng.randint(3000000, 3999999)),
        title=patent_title(rng, studio.industry, kind, None, {p.title for p in patents}), kind=kind,
        studio_name=studio.data.name, inventors=rng.sample(studio.pool, min(3, len(studio.pool))),
        patentee=studio.data.host_unit, filing_date=filing, grant_date=filing + timedelta(days=rng.randint(120, 200)),
    )
    patent.abstract = patent_abstract(rng, studio.industry, patent, None)
    return ReviewPlan(studio_name=studio.data.name, submitted=records[0], returned=records[1], draft=records[2],
                      patent=patent, return_reason=DEMO_RETURN_REASON)
