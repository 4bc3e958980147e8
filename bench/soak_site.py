"""The soak's work inside the app (`make soak` runs it with a phase's instance and database in the environment).

    python bench/soak_site.py setup OUT.json       # accounts, a round in 专家评审 with a public vote; what clients need
    python bench/soak_site.py verify ACKS.json     # every acknowledged write looked up in the database
    python bench/soak_site.py records OUT.json     # the soak's achievements with their status (for the index check)

Set-up goes through the services as an administrator would: five studio accounts, three judges with known
passwords, and a round of approved demo achievements with a public vote, taken to 专家评审 with every entry
assigned to all three judges. Verification prints JSON: how many acknowledged writes it checked and which it did
not find as the client was told.
"""

from __future__ import annotations

import json
import random
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "soak-pass-2024"
ROUND_NAME = "压力测试评选（公众投票）"
STUDIOS, JUDGES, ENTRIES = 5, 3, 40
MARKER = "压测"  # in every title the soak's studios write, so the administrator's queue filter finds them
SEARCH_WORDS = ("检修", "控制", "工艺", "高炉", "焊接", "节能", "PLC", "10kV", "DN150", "5G", "改进", "装置",
                "自动化", "安全", "在线监测", "变频", "数控", "管道", "轧机", "传感器")


def _app():
    from innovation_hub import create_app

    return create_app()


def setup(out: Path) -> None:
    from sqlalchemy import select

    from innovation_hub.accounts.models import Role
    from innovation_hub.accounts.services import create_user, user_by_username
    from innovation_hub.awards import assignment, lifecycle, nominating
    from innovation_hub.awards.models import Nomination, VoteStage
    from innovation_hub.awards.services import CriterionData, RoundData, add_criterion, create_round
    from innovation_hub.catalogue.models import Achievement, Patent, Studio
    from innovation_hub.demo.accounts import DEMO_ACCOUNTS
    from innovation_hub.demo.awards import CRITERIA
    from innovation_hub.extensions import db
    from innovation_hub.models import RecordStatus

    rng = random.Random(11)
    admin = user_by_username("admin")
    demo_studio = user_by_username("studio").studio_id
    studios = list(db.session.scalars(select(Studio).where(Studio.id != demo_studio).order_by(Studio.id)))
    chosen = rng.sample(studios, STUDIOS)
    accounts = [create_user(admin, f"soak-studio{i + 1}", PASSWORD, Role.STUDIO, studio_name=s.name).username
                for i, s in enumerate(chosen)]
    judges = [create_user(admin, f"soak-judge{i + 1}", PASSWORD, Role.JUDGE, display_name=f"压测评委{i + 1}",
                          unit="压力测试评审组") for i in range(JUDGES)]

    award_round = create_round(admin, RoundData(name=ROUND_NAME, year=date.today().year, quota=5,
                                                judges_per_entry=JUDGES, public_vote=True,
                                                vote_stage=VoteStage.SCORING))  # voters and judges at once
    for name, max_points, guide in CRITERIA:
        add_criterion(admin, award_round, CriterionData(name, max_points, Decimal(1), guide))
    lifecycle.open_nominations(admin, award_round)
    taken = select(Nomination.achievement_id)
    works = list(db.session.scalars(select(Achievement).where(
        Achievement.status == RecordStatus.APPROVED, Achievement.id.not_in(taken)).order_by(Achievement.id)))
    for work in rng.sample(works, ENTRIES):
        nominating.nominate(admin, award_round, work)
    lifecycle.close_nominations(admin, award_round)
    for nomination in db.session.scalars(select(Nomination).where(Nomination.round_id == award_round.id)):
        nominating.qualify(admin, nomination, True)
    for judge in judges:
        assignment.add_judge(admin, award_round, judge)
    assignment.auto_assign(admin, award_round)
    lifecycle.start_scoring(admin, award_round)

    titles = list(db.session.scalars(select(Achievement.title).where(
        Achievement.status == RecordStatus.APPROVED).order_by(Achievement.id)))
    numbers = list(db.session.scalars(select(Patent.number).where(Patent.status == RecordStatus.APPROVED)))
    queries = [*SEARCH_WORDS, *rng.sample(titles, 30), *(f"ZL{n}" for n in rng.sample(numbers, 10)),
               *(t[2:6] for t in rng.sample(titles, 20))]
    out.write_text(json.dumps({
        "round_id": award_round.id, "studios": accounts, "judges": [j.username for j in judges],
        "password": PASSWORD, "admin": ["admin", next(a.password for a in DEMO_ACCOUNTS if a.username == "admin")],
        "marker": MARKER, "queries": queries,
        "criteria": [[c.id, c.max_points] for c in award_round.criteria],
    }, ensure_ascii=False))


def verify(acks_path: Path) -> None:
    """acks: {"created": [[id, title]], "uploaded": [[id, name]], "submitted": [id], "approved": [id],
    "returned": [id], "scores": [[nomination_id, judge, {criterion_id: points}, submitted]],
    "votes": [[nomination_id, address]]}."""
    from sqlalchemy import select

    from innovation_hub.accounts.models import User
    from innovation_hub.awards.models import Assignment, Score, Vote
    from innovation_hub.catalogue.models import Achievement
    from innovation_hub.extensions import db
    from innovation_hub.models import RecordStatus
    from innovation_hub.submissions.models import ProofFile

    acks = json.loads(acks_path.read_text())
    lost: list[str] = []
    records = {i: (t, s) for i, t, s in db.session.execute(select(Achievement.id, Achievement.title,
                                                                   Achievement.status))}
    for record_id, title in acks["created"]:
        if records.get(record_id, (None,))[0] != title:
            lost.append(f"created achievement {record_id} {title!r}: not in the database")
    files = set(db.session.execute(select(ProofFile.achievement_id, ProofFile.original_name)).all())
    for record_id, name in acks["uploaded"]:
        if (record_id, name) not in files:
            lost.append(f"upload {name!r} on achievement {record_id}: no proof file row")
    after_submit = {RecordStatus.SUBMITTED, RecordStatus.APPROVED, RecordStatus.RETURNED}
    for key, wanted in (("submitted", after_submit), ("approved", {RecordStatus.APPROVED}),
                        ("returned", {RecordStatus.RETURNED})):
        for record_id in acks[key]:
            status = records.get(record_id, (None, None))[1]
            if status not in wanted:
                lost.append(f"{key} achievement {record_id}: status is {status.value if status else 'missing'}")
    judges = dict(db.session.execute(select(User.username, User.id)).all())
    saved: dict[tuple[int, int], dict[int, Decimal]] = {}
    submitted = {}
    for nomination_id, judge_id, criterion_id, points, submitted_at in db.session.execute(
            select(Assignment.nomination_id, Assignment.judge_id, Score.criterion_id, Score.points,
                   Assignment.submitted_at).join(Score.assignment)):
        saved.setdefault((nomination_id, judge_id), {})[criterion_id] = points
        submitted[nomination_id, judge_id] = submitted_at is not None
    for nomination_id, judge, points, was_submit in acks["scores"]:
        key = (nomination_id, judges.get(judge))
        stored = saved.get(key, {})
        wrong = [c for c, p in points.items() if stored.get(int(c)) != Decimal(str(p))]
        if wrong:
            lost.append(f"scores of {judge} on entry {nomination_id}: criteria {wrong} not as acknowledged")
        if was_submit and not submitted.get(key):
            lost.append(f"scores of {judge} on entry {nomination_id}: acknowledged as submitted, not submitted")
    votes = set(db.session.execute(select(Vote.nomination_id, Vote.address)).all())
    for nomination_id, address in acks["votes"]:
        if (nomination_id, address) not in votes:
            lost.append(f"vote for entry {nomination_id} from {address}: not in the database")
    checked = sum(len(v) for v in acks.values())
    print(json.dumps({"checked": checked, "lost": lost}, ensure_ascii=False))


def records(out: Path) -> None:
    """The soak's own achievements as the database has them: which the index must find, which it must not.

    Started before the load ends, it reads them when a line arrives on stdin: the index check's 5 s then do not
    include starting Python and the app."""
    from sqlalchemy import select

    from innovation_hub.catalogue.models import Achievement
    from innovation_hub.extensions import db

    sys.stdin.readline()

    rows = db.session.execute(select(Achievement.id, Achievement.title, Achievement.status)
                              .where(Achievement.title.startswith(MARKER)).order_by(Achievement.id)).all()
    out.write_text(json.dumps([[i, t, s.value] for i, t, s in rows], ensure_ascii=False))


def main() -> None:
    action, path = sys.argv[1], Path(sys.argv[2])
    with _app().app_context():
        {"setup": setup, "verify": verify, "records": records}[action](path)


if __name__ == "__main__":
    main()
