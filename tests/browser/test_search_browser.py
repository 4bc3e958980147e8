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


def test_a_person_s_name_shows_a_card_to_their_page(live_server, page):
    base, _app = live_server
    page.goto(base + "/search?q=董殿军")
    card = page.locator("#entities .entity-person")
    expect(card).to_have_count(1)
    expect(card.locator(".entity-line")).to_contain_text("领办人")
    assert page.locator("#entities").bounding_box()["y"] < page.locator(".search-hit").first.bounding_box()["y"]
    screenshot(page, "search-entity-card", full_page=False)
    card.get_by_role("link", name="董殿军").click()
    expect(page).to_have_url(re.compile(r"/people/\d+$"))
    expect(page.locator("h1")).to_contain_text("董殿军")


def test_on_a_phone_the_filters_open_from_a_button(live_server, browser):
    base, _app = live_server
    context = browser.new_context(viewport={"width": 375, "height": 812}, locale="zh-CN", is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    try:
        page.goto(base + "/search?q=检修")
        total = count(page)
        facets = page.locator("#facets")
        expect(facets).to_be_hidden()
        button = page.locator("#filters-button")
        expect(button).to_be_visible()
        assert button.bounding_box()["y"] < page.locator(".search-hit").first.bounding_box()["y"]
        screenshot(page, "search-phone", full_page=False)
        button.tap()
        # Slid in: Bootstrap's "showing" gives way to "show" when the transition ends.
        expect(page.locator("#filters-panel.show:not(.showing)")).to_have_count(1)
        expect(facets).to_be_visible()
        assert facets.bounding_box()["x"] >= 0
        types = facets.locator(".filter-group").first
        expect(types).to_contain_text("类型")
        expect(types).to_be_visible()
        screenshot(page, "search-phone-filters", full_page=False)
        types.get_by_role("link", name=re.compile("^成果")).tap()
        expect(page).to_have_url(re.compile(r"type=achievement"))
        assert 0 < count(page) < total
        expect(page.locator("#filters-button")).to_contain_text("已选 1 项")
        expect(page.locator("#facets")).to_be_hidden()
    finally:
        context.close()


def test_on_a_desktop_the_filters_stand_beside_the_results(live_server, page):
    base, _app = live_server
    page.goto(base + "/search?q=检修")
    expect(page.locator("#filters-button")).to_be_hidden()
    facets, first = page.locator("#facets").bounding_box(), page.locator(".search-hit").first.bounding_box()
    assert facets["x"] + facets["width"] <= first["x"] and facets["width"] > 200
