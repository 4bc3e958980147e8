"""The demo judge scores an entry of the demo round in 专家评审 in Chromium, submits it, and can no longer edit it."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from innovation_hub.demo.accounts import DEMO_ACCOUNTS
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser
PASSWORDS = {a.username: a.password for a in DEMO_ACCOUNTS}
ROUND = "示例：职工技术创新成果评选（评审中）"  # seed-demo's round in scoring


def sign_in(page, base, username):
    page.goto(base + "/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORDS[username])
    page.get_by_role("button", name="登录").click()
    expect(page.locator(".alert-success")).to_contain_text("欢迎")


def _shown(total: Decimal) -> str:
    return f"{total.quantize(Decimal('0.01')).normalize():f}"


def test_demo_judge_scores_submits_and_cannot_edit(live_server, page):
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
