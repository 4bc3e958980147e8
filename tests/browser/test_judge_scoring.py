"""The demo judge scores an entry of the demo round in 专家评审 in Chromium, submits it, and can no longer edit it."""

from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from innovation_hub.accounts.services import user_by_username
from innovation_hub.awards import assignment, eligibility, lifecycle
from innovation_hub.awards.conflicts import standing_conflict
from innovation_hub.awards.models import AwardRound
from innovation_hub.awards.services import CriterionData, RoundData, add_criterion, create_round
from innovation_hub.catalogue.models import Achievement
from innovation_hub.demo.accounts import DEMO_ACCOUNTS
from innovation_hub.extensions import db
from innovation_hub.models import RecordStatus, local_time, utcnow
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser
PASSWORDS = {a.username: a.password for a in DEMO_ACCOUNTS}
ROUND = "示例：职工技术创新成果评选（评审中）"  # seed-demo's round in scoring
CRITERIA = (("先进性", 20, "1", "技术思路新颖，与同类成果相比有明显改进"),
            ("实用性", 20, "1", "已在生产中稳定应用，便于推广"),
            ("经济效益", 40, "1", "按证明材料核实的年经济效益计分"),
            ("社会效益", 20, "1", "对安全、环保、节能和职工技能提升的作用"))


def _make_round() -> None:
    """The round seed-demo adds, made the same way until the demo data has it: six entries for the demo judge."""
    admin, judge = user_by_username("admin"), user_by_username("judge")
    today = local_time(utcnow()).date()
    award_round = create_round(admin, RoundData(name=ROUND, year=today.year, quota=2, judges_per_entry=1,
                                                scoring_deadline=today + timedelta(days=14)))
    for name, max_points, weight, guide in CRITERIA:
        add_criterion(admin, award_round, CriterionData(name, max_points, Decimal(weight), guide))
    lifecycle.open_nominations(admin, award_round)
    studios, entries = set(), []
    for achievement in db.session.scalars(select(Achievement).where(
            Achievement.status == RecordStatus.APPROVED).order_by(Achievement.id).limit(200)):
        if achievement.studio_id not in studios and standing_conflict(judge, achievement.studio) is None:
            studios.add(achievement.studio_id)
            entries.append(eligibility.nominate(admin, award_round, achievement))
        if len(entries) == 6:
            break
    lifecycle.close_nominations(admin, award_round)
    for nomination in entries:
        eligibility.qualify(admin, nomination, True)
    assignment.add_judge(admin, award_round, judge)
    assignment.auto_assign(admin, award_round)
    lifecycle.start_scoring(admin, award_round)


@pytest.fixture(scope="module")
def scoring_round(live_server):
    _base, app = live_server
    with app.app_context():
        if db.session.scalars(select(AwardRound.id).where(AwardRound.name == ROUND)).first() is None:
            _make_round()


def sign_in(page, base, username):
    page.goto(base + "/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORDS[username])
    page.get_by_role("button", name="登录").click()
    expect(page.locator(".alert-success")).to_contain_text("欢迎")


def _shown(total: Decimal) -> str:
    return f"{total.quantize(Decimal('0.01')).normalize():f}"


def test_demo_judge_scores_submits_and_cannot_edit(live_server, scoring_round, page):
    base, _app = live_server
    sign_in(page, base, "judge")
    page.goto(base + "/judge/")
    page.get_by_role("link", name=ROUND).click()
    expect(page.locator("h1")).to_contain_text(ROUND)
    row = page.locator("tr.judge-entry").filter(has=page.locator(".entry-status", has_text="未评分")).first
    title = row.locator("a").first.inner_text()
    row.get_by_role("link", name="评分", exact=True).click()
    expect(page.locator("h1")).to_contain_text(title)

    inputs = page.locator("input.score-input")
    assert inputs.count() >= 1
    total = Decimal(0)
    for i in range(inputs.count()):
        field = inputs.nth(i)
        top = Decimal(field.get_attribute("data-max"))
        points = (top * Decimal("0.8") * 2).to_integral_value() / 2  # 80% of full marks, in half points
        field.fill(f"{points:f}")
        total += points * Decimal(field.get_attribute("data-weight"))
    expect(page.locator("#weighted-total")).to_have_text(_shown(total))  # the live total
    screenshot(page, "judge-score-form")

    page.once("dialog", lambda dialog: dialog.dismiss())  # a second thought: nothing is sent
    page.get_by_role("button", name="提交评分").click()
    expect(page.locator("input.score-input")).to_have_count(inputs.count())

    messages = []
    page.once("dialog", lambda dialog: (messages.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="提交评分").click()
    expect(page.locator(".locked-note")).to_contain_text("已提交，如需修改请联系管理员")
    assert "锁定" in messages[0]
    expect(page.locator("input.score-input")).to_have_count(0)
    expect(page.get_by_role("button", name="提交评分")).to_have_count(0)
    expect(page.get_by_role("button", name="保存草稿")).to_have_count(0)
    expect(page.locator("#weighted-total")).to_have_text(_shown(total))
    screenshot(page, "judge-score-submitted")

    page.get_by_role("navigation", name="breadcrumb").get_by_role("link", name=ROUND).click()
    done = page.locator("tr.judge-entry").filter(has=page.get_by_role("link", name=title, exact=True))
    expect(done.locator(".entry-status")).to_have_text("已提交")
