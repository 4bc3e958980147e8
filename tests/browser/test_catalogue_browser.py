"""A person browsing the catalogue in Chromium: home figures and charts, a filter, a studio page."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser


def test_home_studio_filter_and_studio_page(live_server, page):
    base, _app = live_server
    page.goto(base + "/")
    # 有效 studios: the demo 摘牌s one of its 149.
    expect(page.locator('[data-figure="studios"]')).to_contain_text("148")
    expect(page.locator('[data-figure="achievements"]')).to_contain_text("1031")
    expect(page.locator('[data-figure="patents"]')).to_contain_text("315")
    expect(page.locator('[data-figure="value"]')).to_contain_text("1.2 亿元")
    # ECharts drew its canvases (the vendored script loaded and ran).
    expect(page.locator("#chart-per-year canvas")).to_have_count(1)
    expect(page.locator("#chart-by-district canvas")).to_have_count(1)
    page.wait_for_timeout(800)  # let the chart animation finish before the screenshot
    screenshot(page, "home")

    # The 省级 figure opens the studio list filtered to 省级.
    page.locator(".figure-parts a", has_text="省级").click()
    expect(page).to_have_url(re.compile(r"/studios\?level=provincial$"))
    heading = page.locator("h1")
    total = int(re.search(r"共 (\d+) 个", heading.inner_text()).group(1))
    assert 0 < total < 149
    badges = page.locator(".studio-list .level-badge")
    assert set(badges.all_inner_texts()) == {"省级"}

    # Narrow further by district from the filter panel.
    page.locator(".filter-group", has_text="所在地区").get_by_role("link", name=re.compile("^双塔区")).click()
    expect(page).to_have_url(re.compile(r"district=shuangta"))
    narrowed = int(re.search(r"共 (\d+) 个", page.locator("h1").inner_text()).group(1))
    assert 0 < narrowed <= total
    screenshot(page, "studio-list")

    # Open the first studio: its profile, achievements and patents.
    first = page.locator(".studio-list .record-title").first
    name = first.inner_text()
    first.click()
    expect(page.locator("h1")).to_contain_text(name)
    expect(page.locator(".profile")).to_contain_text("双塔区")
    expect(page.locator("#achievements h2")).to_contain_text("创新成果")
    assert page.locator("#achievements .record-item").count() > 0
    screenshot(page, "studio")

    # An achievement page links back to its studio.
    page.locator("#achievements .record-title").first.click()
    expect(page.locator(".record-meta")).to_contain_text(name)


def test_phone_layout_shows_figures_and_menu(live_server, browser):
    base, _app = live_server
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, locale="zh-CN")
    page = context.new_page()
    page.goto(base + "/")
    expect(page.locator('[data-figure="studios"]')).to_be_visible()
    page.get_by_label("展开导航").click()
    expect(page.get_by_role("link", name="工作室", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="专利", exact=True)).to_be_in_viewport()
    page.wait_for_timeout(400)  # the menu's slide-down transition
    screenshot(page, "home-phone", full_page=False)
    context.close()
