"""The demo's finished round as the administrator ranks it and as the public reads its 公示, in Chromium."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_judge_scoring import sign_in

pytestmark = pytest.mark.browser
FINISHED = "示例：年度职工技术创新成果评选"


def test_admin_ranking_and_public_publicity_of_the_demo_round(live_server, page):
    base, _app = live_server
    page.goto(base + "/awards/")
    page.get_by_role("link", name=FINISHED).first.click()
    expect(page.locator("h1")).to_contain_text(FINISHED)
    page.get_by_role("link", name="公示").first.click()
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(111)
    expect(page.locator("table tbody")).to_contain_text("优秀")
    expect(page.locator("form.award-objection-form")).to_be_visible()  # objections may be filed during 公示
    screenshot(page, "award-publicity")

    sign_in(page, base, "admin")
    page.goto(base + "/admin/awards/")
    page.get_by_role("link", name=FINISHED).first.click()
    page.get_by_role("link", name="排名").first.click()
    expect(page.locator("table tbody tr")).to_have_count(111)
    expect(page.locator("body")).to_contain_text("评分明细")  # the score sheet download
    screenshot(page, "award-ranking", full_page=False)
