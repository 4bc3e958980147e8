"""seed-demo: the founding report's shape, varied text, determinism, refusal and --force."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections import Counter
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from sqlalchemy import func, select

from innovation_hub.accounts.models import LoginThrottle, User
from innovation_hub.audit.models import AuditEntry
from innovation_hub.awards.models import AwardRound, Nomination
from innovation_hub.catalogue import patent_numbers
from innovation_hub.catalogue.models import (
    Achievement,
    AchievementCompleter,
    Patent,
    PatentInventor,
    Person,
    Studio,
    StudioTitle,
    ValueLine,
)
from innovation_hub.catalogue.services import AchievementData
from innovation_hub.demo import vocabulary
from innovation_hub.demo.awards import FINISHED_ROUND
from innovation_hub.demo.figures_history import LAPSED_REASON, VERIFIED_ACHIEVEMENTS
from innovation_hub.demo.seed import DemoSeedRefused, build_plan, seed_demo
from innovation_hub.demo.writing import SAMPLE_MARK
from innovation_hub.extensions import db
from innovation_hub.models import (
    Category,
    District,
    LegalStatus,
    Level,
    PatentKind,
    RecordStatus,
    StudioStatus,
    TitleState,
    ValueStatus,
)
from innovation_hub.submissions.models import ProofFile
from innovation_hub.submissions.services import attach_file, save_achievement
from innovation_hub.uploads import check_upload, path_of
from tests.demo.test_awards_seed import _rankings
from tests.factories import gen_achievement, gen_patent, gen_studio, gen_user, login

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def plan():
    return build_plan()


def _digest(plan) -> str:
    return hashlib.sha256(repr(plan).encode()).hexdigest()


def test_plan_is_the_same_on_every_run(plan):
    assert build_plan() == plan
    # Another interpreter with other string hashing must build the same data (no set-order leaks).
    code = "from innovation_hub.demo.seed import build_plan; import hashlib; " \
           "print(hashlib.sha256(repr(build_plan()).encode()).hexdigest())"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == _digest(plan)


def test_plan_text_is_varied(plan):
    titles = [a.title for a in plan.achievements]
    assert len(set(titles)) >= 900
    assert len({(a.studio_name, a.title) for a in plan.achievements}) == len(titles)
    assert max(Counter(a.summary for a in plan.achievements).values()) <= 2
    assert all(2 <= a.summary.count("。") <= 4 for a in plan.achievements)
    assert all(1 <= p.abstract.count("。") <= 3 for p in plan.patents)
    assert all(s.intro.endswith(SAMPLE_MARK) for s in plan.studios)
    # The mixed tokens the search engine must understand occur in the text.
    text = " ".join(titles + [a.summary for a in plan.achievements] + [p.title for p in plan.patents])
    for token in ("PLC", "10kV", "Φ", "DN150", "5G"):
        assert token in text, token


def test_plan_people_are_fictional_and_credited(plan):
    names = {s.leader_name for s in plan.studios}
    names |= {n for a in plan.achievements for n in a.completers}
    names |= {n for p in plan.patents for n in p.inventors}
    assert not names & vocabulary.FAMOUS_NAMES
    for achievement in plan.achievements:
        assert 1 <= len(achievement.completers) <= 6
        assert len(set(achievement.completers)) == len(achievement.completers)
        if achievement.category is Category.OPERATION:  # "王建国高炉炉前操作法": named after its first completer
            assert achievement.title.startswith(achievement.completers[0])
    assert all(1 <= len(p.inventors) <= 5 for p in plan.patents)


def test_plan_studio_levels_and_titles(plan):
    top = Counter()
    for studio in plan.studios:
        valid = [t for t in studio.titles if t.state is TitleState.VALID]
        top[max(valid, key=lambda t: t.level.rank).level] += 1
        for title in studio.titles:
            assert 2010 <= title.year <= 2024
            assert title.conferred_by and title.doc_number.endswith("号")
    assert top == {Level.NATIONAL: 12, Level.PROVINCIAL: 45, Level.CITY: 92}
    assert sum(len(s.titles) > 1 for s in plan.studios) >= 40  # many have a title history
    assert any(t.state is TitleState.REVOKED for s in plan.studios for t in s.titles)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _approved(model) -> int:
    """The public figure: seed-demo also leaves the demo studio's own records, not approved, for the review queue."""
    return db.session.scalar(select(func.count()).select_from(model).where(model.status == RecordStatus.APPROVED))


def _approved_value() -> Decimal:
    return db.session.scalar(select(func.sum(Achievement.value_wan)).where(Achievement.status == RecordStatus.APPROVED))


def test_seed_demo_writes_the_report_shape(app, demo_seed):
    # The session's one seed-demo run (the lengths its progress bars were given), on a copy of its site.
    calls, summary = demo_seed.progress, demo_seed.summary
    assert calls == [149, 1031, 315]

    assert (_count(Studio), _approved(Achievement), _approved(Patent)) == (149, 1031, 315)
    assert _approved_value() == Decimal("12000.00")
    assert summary.value_wan == Decimal("12000.00")
    assert "工作室 149 个" in summary.describe() and "12000 万元" in summary.describe()

    def counts(column):
        return dict(db.session.execute(select(column, func.count()).group_by(column)).all())

    # One 市级 studio is 摘牌 (demo/lifecycle_history.py): its titles revoked, it has no level; 148 有效.
    assert counts(Studio.level) == {Level.NATIONAL: 12, Level.PROVINCIAL: 45, Level.CITY: 91, None: 1}
    assert counts(Studio.status) == {StudioStatus.ACTIVE: 148, StudioStatus.DELISTED: 1}
    assert set(counts(Achievement.category)) == set(Category)
    kinds = counts(Patent.kind)
    assert set(kinds) == set(PatentKind) and kinds[PatentKind.UTILITY] > kinds[PatentKind.INVENTION] > \
        kinds[PatentKind.DESIGN]
    districts = counts(Studio.district)
    assert set(districts) == set(District)
    assert districts[District.SHUANGTA] + districts[District.LONGCHENG] > 149 / 2
    assert len(counts(Studio.industry)) >= 11
    assert counts(Achievement.status) == {RecordStatus.APPROVED: 1031, RecordStatus.SUBMITTED: 1,
                                          RecordStatus.RETURNED: 1, RecordStatus.DRAFT: 1}
    assert counts(Patent.status) == {RecordStatus.APPROVED: 315, RecordStatus.SUBMITTED: 1}
    assert db.session.scalar(select(func.min(Achievement.year))) >= 2015
    assert db.session.scalar(select(func.max(Achievement.year))) <= 2025
    assert _count(StudioTitle) > 149

    patents = db.session.scalars(select(Patent)).all()
    for patent in patents:
        assert patent_numbers.normalise(patent.number) == patent.number
        assert patent_numbers.kind_of(patent.number) is patent.kind
        assert patent.number[:4] == str(patent.filing_date.year)
        assert 2012 <= patent.filing_date.year <= 2025
        if patent.grant_date:
            days = (patent.grant_date - patent.filing_date).days
            assert (730 <= days <= 1095) if patent.kind is PatentKind.INVENTION else (120 <= days <= 300)
        if patent.achievement:
            assert patent.achievement.studio_id == patent.studio_id
        assert {p.host_unit for p in patent.inventors} == {patent.studio.host_unit}
    assert 3 <= sum(p.grant_date is None for p in patents) <= 30
    assert 0.4 <= sum(p.achievement_id is not None for p in patents) / len(patents) <= 0.6
    # Honest figures (demo/figures_history.py): one 失效 by the office, value lines adding up to the total.
    assert [p.legal_status_reason for p in patents if p.legal_status is LegalStatus.LAPSED] == [LAPSED_REASON]
    lines = db.session.scalars(select(ValueLine).join(ValueLine.achievement)
                               .where(Achievement.status == RecordStatus.APPROVED)).all()
    assert sum(line.amount_wan for line in lines) == Decimal("12000.00")
    assert sum(line.status is ValueStatus.VERIFIED for line in lines) == VERIFIED_ACHIEVEMENTS

    # People are shared across records: a person page lists several.
    records = Counter(db.session.scalars(select(AchievementCompleter.person_id)).all())
    records.update(db.session.scalars(select(PatentInventor.person_id)).all())
    assert sum(n >= 3 for n in records.values()) >= 300

    with pytest.raises(DemoSeedRefused, match="--force"):
        seed_demo()
    assert _count(Studio) == 149


def test_cli_refuses_then_force_replaces_the_site_with_the_same_demo(app, runner, demo_seed):
    """A site in use (the demo, and what people added since): refused without --force; with it, only the demo
    is left, its award rounds ranked exactly as before (the one full re-seed of the suite)."""
    rankings = _rankings()
    studio = gen_studio("旧的工作室")
    gen_patent(studio, achievement=gen_achievement(studio))
    # What hangs on the old catalogue: accounts, their login attempts, the audit log, a proof file on disk.
    studio_user = gen_user("old-studio", "studio", studio=studio)
    login(app.test_client(), "old-studio", "wrong-password-1")
    draft = save_achievement(studio_user, AchievementData(
        studio_name="", title="旧的草稿", category=Category.INNOVATION, year=2024, completers=["王建国"]))
    proof = attach_file(studio_user, draft, check_upload("证明.pdf", BytesIO(b"%PDF-1.4\n%%EOF\n")))
    proof_path = path_of(proof.stored_name)
    assert proof_path.exists()
    people = _count(Person)

    refused = runner.invoke(args=["seed-demo"])
    assert refused.exit_code == 1
    assert "--force" in refused.output
    assert (_count(Studio), _count(Person)) == (150, people)

    result = runner.invoke(args=["seed-demo", "--force"])
    assert result.exit_code == 0, result.output
    assert "已生成示例数据：工作室 149 个" in result.output
    assert "成果 1031 项、专利 315 件" in result.output
    assert (_count(Studio), _approved(Achievement), _approved(Patent)) == (149, 1031, 315)
    assert db.session.scalar(select(Studio).where(Studio.name == "旧的工作室")) is None
    assert _approved_value() == Decimal("12000.00")
    judges = {f"评委{n:02d}" for n in range(1, 8)}  # the demo award rounds' judges (no password anyone knows)
    assert set(db.session.scalars(select(User.username))) == {"admin", "judge", "studio", *judges}
    assert db.session.scalar(select(func.count()).select_from(LoginThrottle)) == 0
    assert db.session.scalar(select(func.count()).select_from(ProofFile)) == 1  # the demo's own
    assert not proof_path.exists()
    assert "old-studio" not in set(db.session.scalars(select(AuditEntry.actor_name)))
    assert _count(AwardRound) == 2  # the old rounds are gone, the demo's two made anew
    assert _count(Nomination) == 131
    assert _rankings() == rankings and len(rankings[FINISHED_ROUND]) == 111
