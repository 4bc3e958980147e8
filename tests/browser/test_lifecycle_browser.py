"""The studio lifecycle in Chromium: the demo studio files its yearly report, the office grades it; the 摘牌 studio."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_submission_browser import sign_in, sign_out

pytestmark = pytest.mark.browser


def test_studio_files_its_report_office_grades_public_sees_the_delisted_studio(live_server, page):
    base, _app = live_server
    sign_in(page, base, "studio")
    page.goto(base + "/studio/annual-review/")
    page.get_by_role("link", name="2025年度考核").click()
    page.get_by_label("创造价值（万元）").fill("48.6")
    page.get_by_label("开展培训（场次）").fill("8")
    page.get_by_label("带徒人数").fill("5")
    page.get_by_label("年度工作情况").fill("浏览器测试：组织设备点检攻关 3 项，举办技能培训 8 场，结对带徒 5 人。")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".alert-success")).to_contain_text("已保存")
    screenshot(page, "lifecycle-studio-report")
    page.get_by_role("button", name="提交年度报告").click()
    expect(page.locator(".alert-success")).to_contain_text("已提交")
    sign_out(page)

    sign_in(page, base, "admin")
    page.goto(base + "/admin/lifecycle/years/2025?show=filed")
    expect(page.locator("#year-progress")).to_contain_text("已报")
    screenshot(page, "lifecycle-admin-year", full_page=False)
    page.locator("#progress-table tr", has_text="汪长林劳模创新工作室").get_by_role("link").click()
    expect(page.locator("#report-fields")).to_contain_text("浏览器测试")
    page.get_by_label("考核结果").select_option(label="合格")
    page.get_by_role("button", name="保存评定").click()
    expect(page.locator(".alert-success")).to_contain_text("合格")
    page.goto(base + "/admin/lifecycle/rechecks")
    expect(page.locator("#pending")).to_contain_text("复核不通过")
    screenshot(page, "lifecycle-admin-rechecks")
    page.goto(base + "/admin/lifecycle/")
    delisted_url = page.locator("#delisted-studios a").first.get_attribute("href")
    sign_out(page)

    page.goto(base + "/")
    expect(page.locator("#delisted-note")).to_contain_text("有效工作室 148 个，另有 1 个已摘牌")
    page.goto(base + delisted_url)
    expect(page.locator("#delisted-notice")).to_contain_text("摘牌")
    expect(page.locator("#studio-history")).to_contain_text("2024年度考核：不合格")
    screenshot(page, "lifecycle-delisted-studio")
