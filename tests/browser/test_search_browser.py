"""A person searching in Chromium: the box, a highlighted hit, a facet filter, the way back from nothing."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser


def count(page) -> int:
    return int(re.search(r"共找到\s*(\d+)\s*条结果", page.locator("#result-count").inner_text()).group(1))


def test_search_box_highlight_and_facet(live_server, page):
    base, _app = live_server
    page.goto(base + "/")
    page.get_by_placeholder(re.compile("成果、专利、工作室或人名")).first.fill("高炉")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?q=%E9%AB%98%E7%82%89"))
    total = count(page)
    assert total > 5
    first_title = page.locator(".search-hit .hit-title").first
    expect(first_title.locator("mark")).to_have_text("高炉")
    screenshot(page, "search")

    # Narrow to patents with the 类型 facet: the count and every badge follow.
    page.locator("#facets .filter-group", has_text="类型").get_by_role("link", name=re.compile("^专利")).click()
    expect(page).to_have_url(re.compile(r"type=patent"))
    narrowed = count(page)
    assert 0 < narrowed < total
    assert set(page.locator(".search-hit .type-badge").all_inner_texts()) == {"专利"}
    screenshot(page, "search-facet")

    # Open a hit: the record page is one click away.
    title = page.locator(".search-hit .hit-title").first.inner_text()
    page.locator(".search-hit .hit-title").first.click()
    expect(page.locator("h1")).to_have_text(title)


def test_no_results_offers_a_way_out(live_server, page):
    base, _app = live_server
    page.goto(base + "/search?q=" + "量子纠缠 高炉&industry=电力")
    expect(page.locator("#no-results")).to_contain_text("没有找到")
    page.get_by_role("link", name="去掉所有筛选条件再搜").click()
    # 高炉 alone finds records: the partial match says which word no record holds
    expect(page.locator("#partial-results")).to_contain_text("未找到：“量子纠缠”")
    screenshot(page, "search-partial")
    assert count(page) > 5
