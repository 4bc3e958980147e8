"""The demo award rounds (示例评选), taken through the award services as an administrator would.

plan_awards() is pure and part of build_plan(): which approved demo achievements are nominated, the demo judge
accounts (fictional names, 工作单位 taken from the demo host units), each entry's quality per criterion and each
judge's leniency. load_demo_awards() then walks the rounds through the site's own steps inside seed-demo's
transaction, so the rows, the audit log and the frozen result are what real use would leave:

- FINISHED_ROUND: 111 entries, 4 criteria, 7 judges, 5 per entry (auto_assign avoids each judge's own host
  unit), one 回避 declared and reassigned, every score submitted, trimmed mean, 10 优秀, published to 公示 for
  7 days from seeding, with two objections (异议), one answered;
- OPEN_ROUND: 20 entries in 专家评审, where the demo login `judge` still has entries to score, with a public vote
  by ballot codes (投票码) open while it is scored: one batch of DEMO_BALLOTS codes for the administrator to print.

A judge's points come from the entry's quality, the judge's leniency and noise drawn from a random stream named
by (seed, round, entry, judge): they depend neither on database ids nor on the order of the assignments.
Before they are saved, the round's own ranking code (awards.scoring) checks the quota boundary: while the 10th
entry does not lead the 11th by QUOTA_GAP, the 11th loses half a point (see settle_quota).
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from flask import current_app
from sqlalchemy import select

from ..accounts.models import Role, User
from ..accounts.services import create_user, user_by_username
from ..awards import assignment, ballots, judge_scores, lifecycle, nominating, objections_votes, scoring, snapshot
from ..awards.models import Assignment, AwardRound, Nomination, RoundState, VoteMode, VoteStage
from ..awards.services import CriterionData, RoundData, add_criterion, create_round
from ..catalogue.models import Achievement, Studio
from ..catalogue.services import AchievementData, StudioData
from ..extensions import db
from ..models import Category, Level, RecordStatus, TitleState, local_time, utcnow

FINISHED_ROUND = "示例：年度职工技术创新成果评选"
OPEN_ROUND = "示例：职工技术创新成果评选（评审中）"
# (name, max points, 评分说明); every weight is 1, so a judge's total is out of 100.
CRITERIA = (
    ("先进性", 20, "与国内同行业同类成果相比的创新程度和技术水平；有专利或查新报告的从高给分。（示例）"),
    ("实用性", 20, "在生产现场应用的时间、范围和稳定性，操作维护是否简便，能否在同类岗位推广。（示例）"),
    ("经济效益", 40, "以财务部门出具的效益证明为准：年创效益越高、测算依据越充分，得分越高。（示例）"),
    ("社会效益", 20, "对安全生产、节能减排、职工技能提升和班组创新的带动作用。（示例）"),
)
FINISHED_ENTRIES, FINISHED_K, QUOTA, TRIM_FROM = 111, 5, 10, 5
RECENT_YEARS, MAX_PER_STUDIO = 3, 2  # the finished round's rules: completed in the last 3 years, 2 per studio
OPEN_ENTRIES, OPEN_K, OPEN_QUOTA = 20, 3, 3
DEMO_BALLOTS, DEMO_BALLOT_LABEL, DEMO_BALLOT_CHOICES = 20, "示例：市总工会机关工会", 3
JUDGE_COUNT = 7
JUDGE_USERNAME = "评委{:02d}"
DEMO_JUDGE = "judge"  # the demo login (accounts.DEMO_ACCOUNTS): a judge of the open round only
OPEN_JUDGES = 3  # 评委01…03 score the open round with the demo login (or with 评委04 if it is missing)
NOISE = 0.05  # one judge's disagreement on one criterion, as a share of its maximum
QUOTA_GAP = 0.1  # the last 优秀 entry leads the first one below it by at least this, on the 100-point scale
PUBLICITY_DAYS = 7
LEVEL_BONUS = {Level.NATIONAL: 0.08, Level.PROVINCIAL: 0.04, Level.CITY: 0.0}


@dataclass(frozen=True)
class JudgePlan:
    username: str  # 评委01 …
    name: str  # a fictional person
    unit: str  # 工作单位: a demo host unit, so the studios it hosts are conflicts (回避)


@dataclass(frozen=True)
class EntryPlan:
    studio_name: str
    title: str
    quality: tuple[float, ...]  # per criterion: the share of its maximum a fair judge gives


@dataclass(frozen=True)
class ObjectionPlan:
    place: int  # against the entry in this place (1 = first) of the published ranking
    name: str  # a fictional person
    contact: str
    reason: str
    answer: str  # "": left for the administrator to answer


@dataclass
class AwardsPlan:
    seed: int
    year: int  # the finished round's: the demo catalogue's latest full year
    open_year: int
    judges: list[JudgePlan]
    leniency: dict[str, float]  # username → added to every share that judge gives
    finished: list[EntryPlan]
    open: list[EntryPlan]
    conflict_reason: str  # the 回避 one judge of the finished round declares
    objections: list[ObjectionPlan]


# ---------------------------------------------------------------- planning


def plan_awards(seed: int, as_of_year: int, studios: Sequence[StudioData], achievements: Sequence[AchievementData],
                demo_studio: str, make_name: Callable[[], str]) -> AwardsPlan:
    """The demo rounds from the planned catalogue; its own random stream, so the catalogue does not change."""
    rng = random.Random(seed + 2)
    levels = {s.name: _level(s) for s in studios}
    values = sorted(a.value_wan or Decimal(0) for a in achievements)
    year = as_of_year - 1  # the last year of the catalogue is not complete (few records are in yet)
    finished = _choose(rng, achievements, levels, demo_studio, FINISHED_ENTRIES, MAX_PER_STUDIO,
                       lambda a: year - RECENT_YEARS <= a.year <= year)
    chosen = {(a.studio_name, a.title) for a in finished}
    opened = _choose(rng, achievements, levels, demo_studio, OPEN_ENTRIES, 1,
                     lambda a: a.year == as_of_year and (a.studio_name, a.title) not in chosen)
    hosts = {s.name: s.host_unit for s in studios}
    units = sorted({hosts[a.studio_name] for a in finished})
    judges = [JudgePlan(JUDGE_USERNAME.format(n), make_name(), unit)
              for n, unit in enumerate(rng.sample(units, JUDGE_COUNT), start=1)]
    leniency = {j.username: round(rng.uniform(-0.06, 0.06), 3) for j in judges}
    leniency[DEMO_JUDGE] = round(rng.uniform(-0.03, 0.03), 3)
    objections = [
        ObjectionPlan(3, make_name(), "objection-1@example.com",
                      "该成果申报的经济效益与我们了解的现场应用情况不符，请核实效益测算依据。（示例异议）",
                      "经核查，该成果的经济效益有依托单位财务部门出具的效益证明，测算依据充分，维持评审结果。（示例答复）"),
        ObjectionPlan(8, make_name(), "objection-2@example.com",
                      "该成果的主要完成人名单与实际参与情况不一致，请予以核查。（示例异议）", ""),
    ]
    return AwardsPlan(
        seed=seed, year=year, open_year=as_of_year, judges=judges, leniency=leniency,
        finished=[_entry(rng, a, levels, values) for a in finished],
        open=[_entry(rng, a, levels, values) for a in opened],
        conflict_reason="本人曾参与该成果的技术论证，申请回避。（示例）",
        objections=objections,
    )


def _level(studio: StudioData) -> Level:
    return max((t.level for t in studio.titles if t.state is TitleState.VALID), key=lambda level: level.rank)


def _choose(rng: random.Random, achievements: Sequence[AchievementData], levels: dict[str, Level],
            demo_studio: str, count: int, per_studio: int, fits: Callable[[AchievementData], bool]) -> list:
    """`count` nominations, as studios would make them: each its highest-value fitting works, at most `per_studio`.

    Higher-level studios are likelier to be among them (weighted sampling without replacement); the demo
    studio is always, so its account has something to follow. In catalogue order: studio by studio.
    """
    order = {(a.studio_name, a.title): i for i, a in enumerate(achievements)}
    by_studio: dict[str, list[AchievementData]] = {}
    for a in achievements:
        if fits(a):
            by_studio.setdefault(a.studio_name, []).append(a)
    offered = [a for works in by_studio.values()
               for a in sorted(works, key=lambda a: (-(a.value_wan or 0), order[a.studio_name, a.title]))[:per_studio]]
    weight = {Level.NATIONAL: 3.0, Level.PROVINCIAL: 2.0, Level.CITY: 1.0}
    keys = [rng.random() ** (1 / weight[levels[a.studio_name]]) for a in offered]
    ranked = [a for _, a in sorted(zip(keys, offered, strict=True), key=lambda pair: -pair[0])]
    picked = ranked[:count]
    demo = [a for a in ranked if a.studio_name == demo_studio]
    if demo and not any(a.studio_name == demo_studio for a in picked):
        picked[-1] = demo[0]
    if len(picked) < count:
        raise ValueError(f"the demo catalogue offers only {len(picked)} of {count} entries")
    return sorted(picked, key=lambda a: order[a.studio_name, a.title])


def _entry(rng: random.Random, a: AchievementData, levels: dict[str, Level], values: list[Decimal]) -> EntryPlan:
    """How good the entry is on each criterion: the studio's level, the category and the value set it apart."""
    base = 0.6 + LEVEL_BONUS[levels[a.studio_name]] + rng.gauss(0, 0.08)
    value = a.value_wan or Decimal(0)
    share_below = sum(1 for v in values if v < value) / len(values)  # where its 万元 stand in the catalogue
    advanced = {Category.INVENTION: 0.05, Category.OPERATION: -0.04}.get(a.category, 0.0)
    practical = {Category.OPERATION: 0.05, Category.INNOVATION: 0.02}.get(a.category, 0.0)
    shares = (base + advanced + rng.gauss(0, 0.05),
              base + practical + rng.gauss(0, 0.05),
              0.5 * base + 0.5 * (0.3 + 0.65 * share_below) + rng.gauss(0, 0.04),
              base + rng.gauss(0, 0.06))
    return EntryPlan(a.studio_name, a.title, tuple(round(min(max(s, 0.25), 0.97), 4) for s in shares))


def judge_points(plan: AwardsPlan, round_name: str, entry: EntryPlan, username: str) -> tuple[Decimal, ...]:
    """The judge's points on each criterion: quality + leniency + noise, within 0..max, in steps of 0.5."""
    rng = random.Random(f"{plan.seed}|{round_name}|{entry.studio_name}|{entry.title}|{username}")
    points = []
    for (_, max_points, _), quality in zip(CRITERIA, entry.quality, strict=True):
        halves = round((quality + plan.leniency[username] + rng.gauss(0, NOISE)) * max_points * 2)
        points.append(Decimal(min(max(halves, 0), 2 * max_points)) / 2)
    return tuple(points)


def settle_quota(points: dict[tuple[int, int], list[Decimal]], method: scoring.Method) -> int:
    """Make the quota boundary clear: lower the first entry below it until the last 优秀 one leads by QUOTA_GAP.

    `points` maps (entry, judge) to the judge's points per criterion (CRITERIA order) and is changed in place;
    each step takes half a point from the counted (not trimmed) judge with the highest total, on its highest
    criterion, ties to the lowest index. Returns the number of steps (0 when the draw is clear already).
    """
    criteria = [scoring.Criterion(i, name, float(top)) for i, (name, top, _) in enumerate(CRITERIA)]
    for steps in range(200):
        marks = [scoring.Mark(judge, entry, c.id, float(given[c.id]))
                 for (entry, judge), given in points.items() for c in criteria]
        ranked = [r for r in scoring.rank_entries(criteria, marks, method).entries if r.rank is not None]
        if len(ranked) <= method.quota or ranked[method.quota - 1].final - ranked[method.quota].final >= QUOTA_GAP:
            return steps
        below = ranked[method.quota]
        counted = [j for j in below.judge_totals if j not in below.dropped]
        judge = min(counted, key=lambda j: (-below.judge_totals[j], j))
        given = points[below.entry_id, judge]
        criterion = min((i for i, p in enumerate(given) if p >= Decimal("0.5")), key=lambda i: (-given[i], i))
        given[criterion] -= Decimal("0.5")
    raise RuntimeError("the demo scores would not separate at the quota boundary")


# ---------------------------------------------------------------- writing


@dataclass
class DemoAwards:
    rounds: list[str]
    judges: list[str]  # the demo judge accounts made (they cannot log in: their password is random, never shown)
    skipped: str = ""  # why no rounds were made
    quota_steps: int = 0  # half points settle_quota took


def load_demo_awards(plan: AwardsPlan, demo_studio: str) -> DemoAwards:
    """The two demo rounds, inside the caller's transaction; nothing if an account or round name is taken."""
    admin = _demo_user("admin", Role.ADMIN) or db.session.scalars(
        select(User).where(User.role == Role.ADMIN, User.active.is_(True)).order_by(User.id).limit(1)).first()
    taken = [j.username for j in plan.judges if user_by_username(j.username) is not None]
    if admin is None:
        return DemoAwards([], [], "没有可用的管理员账号")
    if taken:
        return DemoAwards([], [], f"用户名 {'、'.join(taken)} 已被现有账号使用")
    if db.session.scalars(select(AwardRound.id).where(AwardRound.name.in_([FINISHED_ROUND, OPEN_ROUND]))).first():
        return DemoAwards([], [], "已有同名的评选")
    judges = _judge_accounts(admin, plan.judges)
    studio_account = _demo_user("studio", Role.STUDIO)
    if studio_account is not None and (studio_account.studio is None or studio_account.studio.name != demo_studio):
        studio_account = None
    titles = {e.title for e in (*plan.finished, *plan.open)}
    works = {(name, a.title): a for a, name in db.session.execute(
        select(Achievement, Studio.name).join(Studio, Achievement.studio_id == Studio.id)
        .where(Achievement.status == RecordStatus.APPROVED, Achievement.title.in_(titles)))}
    steps = _finished_round(plan, admin, judges, works, studio_account)
    open_judges = [judges[j.username] for j in plan.judges[:OPEN_JUDGES]]
    open_judges.append(_demo_user(DEMO_JUDGE, Role.JUDGE) or judges[plan.judges[OPEN_JUDGES].username])
    _open_round(plan, admin, open_judges, works, studio_account)
    return DemoAwards([FINISHED_ROUND, OPEN_ROUND], list(judges), quota_steps=steps)


def _judge_accounts(admin, judges: list[JudgePlan]) -> dict[str, User]:
    """The demo judges, made by the administrator; each password is a random secret nobody is told, so they
    cannot log in. A slow hash guards guessable passwords, not 192 random bits: a cheap one saves seconds
    (scrypt costs 0.1–0.3 s per account here)."""
    config = current_app.config
    method, config["PASSWORD_HASH_METHOD"] = config["PASSWORD_HASH_METHOD"], "pbkdf2:sha256:1000"
    try:
        return {j.username: create_user(admin, j.username, secrets.token_urlsafe(24) + "-a1", Role.JUDGE,
                                        display_name=j.name, unit=j.unit) for j in judges}
    finally:
        config["PASSWORD_HASH_METHOD"] = method


def _demo_user(username: str, role: Role) -> User | None:
    user = user_by_username(username)
    return user if user is not None and user.role is role and user.active else None


def _new_round(admin, data: RoundData, entries: list[EntryPlan], works: dict, studio_account,
               judges: list[User]) -> tuple[AwardRound, list[Nomination]]:
    """A round taken to 专家评审: criteria, nominations (by the demo studio for its own), qualification, judges."""
    award_round = create_round(admin, data)
    for name, max_points, guide in CRITERIA:
        add_criterion(admin, award_round, CriterionData(name, max_points, Decimal(1), guide))
    lifecycle.open_nominations(admin, award_round)
    nominations = []
    for entry in entries:
        work = works[entry.studio_name, entry.title]
        # Studios without an account are nominated on their behalf by the administrator, as the service allows.
        actor = studio_account if studio_account is not None and work.studio_id == studio_account.studio_id \
            else admin
        nominations.append(nominating.nominate(actor, award_round, work))
    lifecycle.close_nominations(admin, award_round)
    for nomination in nominations:
        nominating.qualify(admin, nomination, True)
    for judge in judges:
        assignment.add_judge(admin, award_round, judge)
    assignment.auto_assign(admin, award_round)
    lifecycle.start_scoring(admin, award_round)
    return award_round, nominations


def _assignments(award_round: AwardRound, judge: User | None = None) -> list[Assignment]:
    statement = select(Assignment).where(Assignment.round_id == award_round.id, Assignment.conflict.is_(False))
    if judge is not None:
        statement = statement.where(Assignment.judge_id == judge.id)
    return list(db.session.scalars(statement.order_by(Assignment.nomination_id, Assignment.judge_id)))


def _scores(award_round: AwardRound, given) -> dict[int, Decimal]:
    return {c.id: points for c, points in zip(award_round.criteria, given, strict=True)}


def _finished_round(plan: AwardsPlan, admin, judges: dict[str, User], works: dict, studio_account) -> int:
    data = RoundData(name=FINISHED_ROUND, year=plan.year, quota=QUOTA, publicity_days=PUBLICITY_DAYS, trimmed=True,
                     trim_from=TRIM_FROM, judges_per_entry=FINISHED_K, recent_years=RECENT_YEARS,
                     max_per_studio=MAX_PER_STUDIO)
    users = list(judges.values())
    award_round, nominations = _new_round(admin, data, plan.finished, works, studio_account, users)
    # A judge finds an entry it worked on and declares 回避; the administrator assigns again (nothing is scored
    # yet, so every assignment is redone, balanced, around both conflicts).
    declaring = users[2]
    assignment.declare_conflict(declaring, _assignments(award_round, declaring)[0], plan.conflict_reason)
    assignment.auto_assign(admin, award_round)

    entry_of = {n.id: i for i, n in enumerate(nominations)}
    judge_of = {u.id: i for i, u in enumerate(users)}
    rows = _assignments(award_round)
    points = {(entry_of[a.nomination_id], judge_of[a.judge_id]): list(judge_points(
        plan, FINISHED_ROUND, plan.finished[entry_of[a.nomination_id]], users[judge_of[a.judge_id]].username))
        for a in rows}
    steps = settle_quota(points, scoring.Method(trimmed=True, trim_from=TRIM_FROM, quota=QUOTA))
    for a in rows:
        given = points[entry_of[a.nomination_id], judge_of[a.judge_id]]
        judge_scores.save_scores(users[judge_of[a.judge_id]], a, _scores(award_round, given), submit=True)
    lifecycle.close_scoring(admin, award_round)
    lifecycle.publish(admin, award_round)

    published = [e["id"] for e in snapshot.latest(award_round, RoundState.PUBLICITY).data["entries"]]
    for n, objection in enumerate(plan.objections, start=1):
        filed = objections_votes.file_objection(award_round, db.session.get(Nomination, published[objection.place - 1]),
                                      objection.name, objection.contact, objection.reason, f"10.0.0.{n}")
        if objection.answer:
            objections_votes.answer_objection(admin, filed, objection.answer)
    return steps


def _open_round(plan: AwardsPlan, admin, judges: list[User], works: dict, studio_account) -> None:
    """Scoring under way: 评委01 is done, 评委02 half way, 评委03 has begun; the demo judge has scored its last two
    entries and drafted one, so the first ones on its list are still to do."""
    today = local_time(utcnow()).date()
    data = RoundData(name=OPEN_ROUND, year=plan.open_year, quota=OPEN_QUOTA, publicity_days=PUBLICITY_DAYS,
                     judges_per_entry=OPEN_K, recent_years=0, max_per_studio=1,
                     scoring_deadline=today + timedelta(days=14), public_vote=True, vote_mode=VoteMode.BALLOT,
                     vote_stage=VoteStage.SCORING, ballot_choices=DEMO_BALLOT_CHOICES)
    award_round, nominations = _new_round(admin, data, plan.open, works, studio_account, judges)
    ballots.issue_batch(admin, award_round, DEMO_BALLOTS, DEMO_BALLOT_LABEL)
    entry_of = {n.id: plan.open[i] for i, n in enumerate(nominations)}
    first, second, third, demo = judges

    def score(judge: User, rows: list[Assignment], submit: bool = True, criteria: int = len(CRITERIA)) -> None:
        username = judge.username if judge.username in plan.leniency else DEMO_JUDGE
        for a in rows:
            given = judge_points(plan, OPEN_ROUND, entry_of[a.nomination_id], username)[:criteria]
            judge_scores.save_scores(judge, a, _scores(award_round, given + (None,) * (len(CRITERIA) - criteria)),
                                submit=submit)

    score(first, _assignments(award_round, first))
    rows = _assignments(award_round, second)
    half = (len(rows) + 1) // 2
    score(second, rows[:half])
    score(second, rows[half:half + 1], submit=False, criteria=2)
    score(third, _assignments(award_round, third)[:3])
    rows = _assignments(award_round, demo)
    score(demo, rows[-2:])
    score(demo, rows[-3:-2], submit=False, criteria=2)
