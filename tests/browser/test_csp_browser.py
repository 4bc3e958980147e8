"""Every role's main pages run under the site's Content-Security-Policy with no violation and no console error."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from innovation_hub.accounts.models import User
from innovation_hub.awards.models import Assignment, AwardRound, RoundState, VoteMode
from innovation_hub.catalogue.models import Achievement, Patent, Studio
from innovation_hub.database import write_transaction
from innovation_hub.extensions import db
from innovation_hub.models import RecordStatus
from tests.browser.conftest import screenshot
from tests.browser.test_judge_scoring import sign_in

pytestmark = pytest.mark.browser

# Reported to the console by the page itself: Chromium logs blocked inline code as an error too, this
# also catches what it reports only as an event.
WATCH_CSP = """
document.addEventListener('securitypolicyviolation', function (e) {
  console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') +
                ' at ' + e.sourceFile + ':' + e.lineNumber);
});
"""


@contextmanager
def watched_page(browser, problems: list[str]):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.add_init_script(WATCH_CSP)
    page = context.new_page()
    page.on("console", lambda m: problems.append(f"{page.url}: {m.text} ({m.location.get('url')})")
            if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"{page.url}: {e}"))
    try:
        yield page
    finally:
        context.close()


def visit(page, url: str) -> None:
    response = page.goto(url)
    assert response.status == 200, url
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"], url
    # Every script and style has run or been refused by the load event (goto waits for it). networkidle's
    # further half second of quiet per page was a third of this tour; what a page fetches later (similar.js)
    # is waited for where it happens.
    page.wait_for_load_state("load")


def hover_charts(page) -> None:
    """ECharts draws its tooltips on hover: they must not need inline style either."""
    for chart in page.locator(".chart canvas").all():
        chart.scroll_into_view_if_needed()
        box = chart.bounding_box()
        for fraction in (0.3, 0.5, 0.7):
            page.mouse.move(box["x"] + box["width"] * fraction, box["y"] + box["height"] * 0.6)
            page.wait_for_timeout(150)
    screenshot(page, "csp-home-tooltip", full_page=False)


def _ids(app) -> dict:
    with app.app_context():
        studio = db.session.scalars(select(Studio).order_by(Studio.id)).first()
        achievement = db.session.scalars(select(Achievement).where(
            Achievement.status == RecordStatus.APPROVED).order_by(Achievement.id)).first()
        waiting = db.session.scalars(select(Achievement).where(
            Achievement.status == RecordStatus.SUBMITTED).order_by(Achievement.id)).first()
        patent = db.session.scalars(select(Patent).where(Patent.status == RecordStatus.APPROVED)
                                    .order_by(Patent.id)).first()
        rounds = {r.state: r.id for r in db.session.scalars(select(AwardRound))}
        judge_entry = db.session.scalars(
            select(Assignment.nomination_id).join(Assignment.judge)
            .where(Assignment.round_id == rounds[RoundState.SCORING], Assignment.conflict.is_(False),
                   User.username == "judge", Assignment.submitted_at.is_(None))
        ).first()
        return {"studio": studio.id, "achievement": achievement.id, "waiting": waiting.id, "patent": patent.id,
                "scoring": rounds[RoundState.SCORING], "publicity": rounds[RoundState.PUBLICITY],
                "judge_entry": judge_entry}


@contextmanager
def open_vote(app, round_id: int):
    """The demo round in scoring votes by ballot codes: switch it to the open vote (with its captcha) for the visit."""
    with app.app_context(), write_transaction():
        award_round = db.session.get(AwardRound, round_id)
        previous, award_round.vote_mode = award_round.vote_mode, VoteMode.OPEN
    try:
        yield
    finally:
        with app.app_context(), write_transaction():
            db.session.get(AwardRound, round_id).vote_mode = previous


def test_main_pages_of_every_role_run_under_the_csp(live_server, browser):
    base, app = live_server
    ids = _ids(app)
    problems: list[str] = []

    with watched_page(browser, problems) as page:
        visit(page, base + "/")
        hover_charts(page)
        screenshot(page, "csp-home", full_page=False)
        for path in ("/search?q=高炉", "/studios", f"/studios/{ids['studio']}",
                     f"/achievements/{ids['achievement']}",
                     "/patents?legal_status=in_force", "/awards/", f"/awards/{ids['publicity']}",
                     f"/awards/{ids['publicity']}/publicity", "/login", "/no-such-page"):
            if path == "/no-such-page":
                assert page.goto(base + path).status == 404  # an error page runs under the policy too
                problems[:] = [p for p in problems if not p.endswith(f"({base}{path})")]  # its own 404 status
                continue
            visit(page, base + path)
        visit(page, base + f"/awards/{ids['scoring']}/vote")  # the ballot-code form
        with open_vote(app, ids["scoring"]):
            visit(page, base + f"/awards/{ids['scoring']}/vote")
            expect(page.locator(".captcha-picture svg")).to_be_visible()  # the inline SVG captcha
            screenshot(page, "csp-vote", full_page=False)

    with watched_page(browser, problems) as page:
        sign_in(page, base, "admin")
        for path in ("/admin/users", "/admin/review", f"/admin/review/achievement/{ids['waiting']}", "/admin/audit",
                     "/admin/awards/", f"/admin/awards/{ids['publicity']}", f"/admin/awards/{ids['publicity']}/ranking",
                     f"/admin/awards/{ids['scoring']}/progress", f"/admin/awards/{ids['scoring']}/assignments",
                     f"/admin/awards/{ids['publicity']}/objections", "/admin/values",
                     f"/admin/patents/{ids['patent']}/legal-status", "/account/password"):
            visit(page, base + path)
        screenshot(page, "csp-admin-objections", full_page=False)

    with watched_page(browser, problems) as page:
        sign_in(page, base, "judge")
        visit(page, base + "/judge/")
        visit(page, base + f"/judge/rounds/{ids['scoring']}")
        visit(page, base + f"/judge/entries/{ids['judge_entry']}")
        first = page.locator("input.score-input").first
        first.fill(first.get_attribute("data-max"))
        expect(page.locator("#weighted-total")).not_to_have_text("0")  # the live total runs (scoring.js)
        screenshot(page, "csp-judge-entry", full_page=False)

    with watched_page(browser, problems) as page:
        sign_in(page, base, "studio")
        for path in ("/studio/", "/studio/profile", "/studio/awards/"):
            visit(page, base + path)
        visit(page, base + "/studio/achievements/new")
        page.get_by_label("成果名称").fill("高炉")
        page.wait_for_timeout(800)  # similar.js asks the server while the studio types
        page.wait_for_load_state("networkidle")

    assert not problems, "\n".join(problems)
