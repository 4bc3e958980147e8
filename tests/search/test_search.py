"""Search: the API contract, filters and facets, malformed input, patent numbers, escaping, pages."""

from datetime import date

import pytest

from innovation_hub.models import Category, District, Level, PatentKind, RecordStatus
from tests.factories import gen_achievement, gen_patent, gen_studio
from tests.worlds import world


@world(index=True)
def corpus(app):
    steel = gen_studio("炼铁工艺创新工作室", industry="冶金", district=District.LONGCHENG, leader="赵铁军",
                       level=Level.PROVINCIAL, host_unit="龙城钢铁公司")
    power = gen_studio("配电运维创新工作室", industry="电力", district=District.BEIPIAO, leader="钱立新",
                       host_unit="北票供电公司", intro="工作室专注10kV配电线路带电作业。")
    a1 = gen_achievement(steel, "高炉布料矩阵优化", category=Category.BREAKTHROUGH, year=2022,
                         completers=["赵铁军", "孙明"], summary="通过调整布料矩阵，煤气利用率提高2%。")
    a2 = gen_achievement(steel, "出铁口维护操作法", category=Category.OPERATION, year=2019,
                         summary="针对高炉出铁口深度不稳定的问题，总结出一套维护操作法。")
    a3 = gen_achievement(power, "基于PLC的环网柜远程控制系统", category=Category.INNOVATION, year=2021,
                         completers=["钱立新"], summary="采用ＰＬＣ和5G通信，实现10kV环网柜远程分合闸。")
    a4 = gen_achievement(power, "<script>alert(1)</script>绝缘杆改进", year=2020,
                         summary="把<b>绝缘杆</b>改为伸缩式 & 更轻。")
    draft = gen_achievement(steel, "尚未公开的高炉成果", status=RecordStatus.SUBMITTED)
    p1 = gen_patent(steel, "一种高炉风口更换装置", kind=PatentKind.UTILITY, year=2021, inventors=["孙明"],
                    achievement=a1, filing_date=date(2021, 3, 5))
    return dict(steel=steel, power=power, a1=a1, a2=a2, a3=a3, a4=a4, draft=draft, p1=p1)


def api(client, **params):
    response = client.get("/api/v1/search", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def keys(body):
    return [(h["type"], h["id"]) for h in body["hits"]]


def test_api_shape(client, corpus):
    body = api(client, q="高炉")
    assert set(body) == {"query", "total", "page", "per_page", "hits", "facets", "incomplete", "partial", "missing",
                         "implied_filters", "entities"}
    assert body["partial"] is False and body["missing"] == [] and body["implied_filters"] == []
    assert body["query"] == "高炉" and body["page"] == 1 and body["per_page"] == 20 and body["incomplete"] is False
    hit = body["hits"][0]
    assert set(hit) == {"type", "id", "title", "url", "studio", "snippet", "score"}
    assert {"type", "category", "year"} <= set(body["facets"])
    assert body["total"] == len(body["hits"]) == 3  # two achievements (one by its summary) and a patent
    assert ("achievement", corpus["draft"].id) not in keys(body)  # not public


def test_title_matches_outrank_summary_matches(client, corpus):
    ranked = keys(api(client, q="出铁口", type="achievement"))
    assert ranked[0] == ("achievement", corpus["a2"].id)
    body = keys(api(client, q="高炉", type="achievement"))
    assert body.index(("achievement", corpus["a1"].id)) < body.index(("achievement", corpus["a2"].id))


@pytest.mark.parametrize("q", ["PLC", "plc", "ＰＬＣ", "10kV", "10KV", "１０ｋＶ", "5G", "环网柜", "远程分合闸",
                               "网柜"])
def test_mixed_tokens_widths_and_substrings(client, corpus, q):
    assert ("achievement", corpus["a3"].id) in keys(api(client, q=q))


@pytest.mark.parametrize("q, expected", [
    ("孙明", {"a1", "p1"}), ("钱立新", {"a3", "power"}), ("赵铁军", {"a1", "steel"}),
])
def test_person_names(client, corpus, q, expected):
    wanted = {(("studio" if k in ("steel", "power") else "patent" if k == "p1" else "achievement"), corpus[k].id)
              for k in expected}
    assert wanted <= set(keys(api(client, q=q)))


@pytest.mark.parametrize("form", ["{zl}", "{digits}.{check}", "{digits}{check}", "{digits}", "ZL {spaced}.{check}",
                                  "zl{digits}.{check}"])
def test_patent_number_in_any_form_finds_the_patent_first(client, corpus, form):
    number = corpus["p1"].number  # "DIGITS.C"
    digits, check = number.split(".")
    text = form.format(zl=corpus["p1"].display_number, digits=digits, check=check,
                       spaced=" ".join(digits[i:i + 4] for i in range(0, 12, 4)))
    assert keys(api(client, q=text))[0] == ("patent", corpus["p1"].id)


def test_snippets_escape_html_and_mark_words(client, corpus):
    body = api(client, q="绝缘杆")
    hit = next(h for h in body["hits"] if h["id"] == corpus["a4"].id)
    assert "<script>" not in hit["snippet"] and "<b>" not in hit["snippet"]
    assert "&lt;b&gt;<mark>绝缘杆</mark>&lt;/b&gt;" in hit["snippet"] and "&amp;" in hit["snippet"]
    assert hit["title"] == "<script>alert(1)</script>绝缘杆改进"  # JSON carries the plain title
    page = client.get("/search?q=绝缘杆").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;<mark>绝缘杆</mark>改进" in page


def test_filters_and_facets(client, corpus):
    body = api(client, q="高炉", type="achievement")
    assert {h["type"] for h in body["hits"]} == {"achievement"}
    assert body["facets"]["category"] == {"技术攻关": 1, "先进操作法": 1}
    assert api(client, q="高炉", category="先进操作法")["total"] == 1
    assert api(client, q="高炉", category="operation")["total"] == 1
    assert api(client, q="", industry="电力")["total"] == 3  # the studio and its two achievements
    assert api(client, q="", district="北票市", type="achievement")["total"] == 2
    assert api(client, q="", level="省级", type="patent")["total"] == 1
    assert api(client, q="", year_from=2021, year_to=2022, type="achievement")["total"] == 2


def test_empty_query_with_filters_lists_newest_first(client, corpus):
    body = api(client, type="achievement", industry="冶金")
    assert [h["id"] for h in body["hits"]] == [corpus["a1"].id, corpus["a2"].id]


def test_sort_newest_and_pages(client, corpus):
    body = api(client, q="高炉", sort="newest", type="achievement")
    assert [h["id"] for h in body["hits"]] == [corpus["a1"].id, corpus["a2"].id]
    first, second = api(client, q="高炉", per_page=2), api(client, q="高炉", per_page=2, page=2)
    assert first["total"] == second["total"] == 3
    assert not set(keys(first)) & set(keys(second)) and len(second["hits"]) == 1


@pytest.mark.parametrize("q", ['"高炉', "高炉\"", "(高炉", "高炉)", "[[", "AND", "OR 高炉", "NOT", "高炉 AND", "*", "?",
                               "高*", "title:高炉", "body:x", "~", "高炉~2", "\x00\x07高炉\x1b", "　", "\\", "%", "_",
                               "' OR 1=1 --", "<script>", "ZL", "ZL2021", "202110123456.8", "🙂", "高" * 200])
def test_malformed_queries_answer_200(client, corpus, q):
    response = client.get("/api/v1/search", query_string={"q": q})
    assert response.status_code == 200, (q, response.get_data(as_text=True))
    assert isinstance(response.get_json()["total"], int)


@pytest.mark.parametrize("params, message", [
    ({"q": "高" * 201}, "检索词过长"), ({"q": "x" * 1000}, "检索词过长"), ({"type": "book"}, "类型"),
    ({"per_page": 101}, "每页条数"), ({"page": 0}, "页码"), ({"page": "x"}, "页码"), ({"year_from": "abc"}, "起始年份"),
    ({"year_from": 2022, "year_to": 2020}, "起始年份不能晚于"), ({"category": "x"}, "类别"), ({"sort": "x"}, "排序"),
    ({"level": "x"}, "级别"), ({"district": "x"}, "所在地区"),
])
def test_bad_parameters_are_400_with_a_chinese_message(client, corpus, params, message):
    response = client.get("/api/v1/search", query_string=params)
    assert response.status_code == 400 and message in response.get_json()["error"]
    page = client.get("/search", query_string=params)
    assert page.status_code == 400 and message in page.get_data(as_text=True)


def test_changes_reach_the_index(app, client, corpus):
    from innovation_hub.catalogue.services import AchievementData, upsert_achievement

    assert api(client, q="矩阵")["total"] == 1
    a1 = corpus["a1"]
    upsert_achievement(AchievementData(a1.studio.name, a1.title, a1.category, a1.year, ["赵铁军"],
                                       summary="改为分层布料。"), status=RecordStatus.RETURNED)
    assert api(client, q="布料矩阵")["total"] == 0  # withdrawn: gone from search
    gen_achievement(corpus["power"], "带电作业机器人研制", summary="研制带电作业机器人。")
    assert api(client, q="机器人")["total"] == 1


def test_studio_change_reaches_its_records(app, client, corpus):
    from innovation_hub.catalogue.services import StudioData, TitleData, upsert_studio

    steel = corpus["steel"]
    upsert_studio(StudioData(steel.name, steel.host_unit, "钢铁", steel.district, "赵铁军",
                             titles=[TitleData(Level.NATIONAL, 2024)]))
    body = api(client, q="高炉", industry="钢铁")
    assert ("achievement", corpus["a1"].id) in keys(body)
    assert api(client, q="高炉", level="国家级", type="patent")["total"] == 1


def test_bulk_delete_rebuilds(app, client, corpus):
    from sqlalchemy import delete

    from innovation_hub.catalogue.models import Patent, PatentInventor
    from innovation_hub.database import write_transaction

    with write_transaction() as session:
        session.execute(delete(PatentInventor))
        session.execute(delete(Patent))
    assert api(client, q="", type="patent")["total"] == 0


def test_search_page(client, corpus):
    page = client.get("/search?q=高炉").get_data(as_text=True)
    assert "共找到 <strong class=\"text-body\">3</strong> 条结果" in page
    assert "<mark>高炉</mark>布料矩阵优化" in page
    assert 'href="/search?q=%E9%AB%98%E7%82%89&amp;type=achievement"' in page  # a facet keeps the query
    empty = client.get("/search?q=量子纠缠 超导&type=patent").get_data(as_text=True)
    assert "没有找到" in empty and "去掉所有筛选条件再搜" in empty and "去掉“量子纠缠”" in empty
    assert 'id="partial-results"' not in empty


def test_a_query_no_record_holds_whole_shows_the_records_holding_part_of_it(client, corpus):
    body = api(client, q="高炉 量子纠缠")
    assert body["partial"] is True and body["missing"] == ["量子纠缠"]
    assert body["total"] == len(body["hits"]) == 3 and sum(body["facets"]["type"].values()) == 3
    page = client.get("/search?q=高炉 量子纠缠").get_data(as_text=True)
    assert "没有同时包含全部词语的结果，以下结果包含其中部分词语；未找到：“量子纠缠”" in page
    assert "<mark>高炉</mark>布料矩阵优化" in page and "没有找到" not in page


def test_partial_matches_rank_records_holding_more_of_the_words_first(client, corpus):
    # a1 holds 高炉 and 矩阵, a2 and p1 only 高炉; nothing holds 量子纠缠
    body = api(client, q="如何用矩阵控制高炉的量子纠缠？")
    assert body["partial"] is True and {"量子", "纠缠"} <= set(body["missing"])
    assert keys(body)[0] == ("achievement", corpus["a1"].id)


def test_a_question_finds_the_record_its_words_name(client, corpus):
    body = api(client, q="怎样优化高炉布料矩阵？")
    assert body["partial"] is False and keys(body)[0] == ("achievement", corpus["a1"].id)


def test_a_category_word_in_the_query_filters(client, corpus):
    body = api(client, q="先进操作法 高炉")
    assert body["total"] == 1 and keys(body) == [("achievement", corpus["a2"].id)]
    assert body["implied_filters"] == [{"filter": "category", "title": "类别", "label": "先进操作法",
                                        "query_without": "高炉"}]
    assert body["facets"]["category"] == {"先进操作法": 1} and body["partial"] is False
    page = client.get("/search?q=先进操作法 高炉").get_data(as_text=True)
    assert "已按类别“先进操作法”筛选" in page
    assert 'href="/search?q=%E9%AB%98%E7%82%89">去掉“先进操作法”，只搜“高炉”</a>' in page
    # an explicit filter of that kind wins: the word is searched as a word (no 技术攻关 record holds it)
    explicit = api(client, q="先进操作法 高炉", category="技术攻关")
    assert explicit["implied_filters"] == [] and explicit["partial"] is True
    assert keys(explicit) == [("achievement", corpus["a1"].id)]
    assert api(client, q="先进操作法 高炉", category="先进操作法")["total"] == 1  # the word and the filter agree
    # nothing of the rest under the category: the word stays a word (and the rest is found in part)
    other = api(client, q="先进操作法 环网柜")
    assert other["implied_filters"] == [] and other["partial"] is True


def test_reindex_command_rebuilds_and_search_still_answers(app, client, runner, corpus):
    before = api(client, q="高炉")
    result = runner.invoke(args=["reindex"])
    assert result.exit_code == 0 and "共 7 条记录" in result.output
    after = api(client, q="高炉")
    assert keys(after) == keys(before) and after["facets"] == before["facets"]


def test_a_patent_number_with_a_wrong_check_character_says_so(client, corpus):
    digits, check = corpus["p1"].number.split(".")
    wrong = str((int(check) + 1) % 10) if check != "X" else "0"
    page = client.get(f"/search?q=ZL{digits}.{wrong}").get_data(as_text=True)
    assert "校验位错误" in page and f"应为 {check}" in page


def test_equal_scores_are_ordered_newest_first_across_pages(app, client):
    """25 records that match alike: the ranking's tie-break (newest year, then the later record) decides
    every place, on both pages, with no record lost or repeated between them."""
    studio = gen_studio("并列排序工作室")
    made = [gen_achievement(studio, f"阀门检修规程{n:02d}", year=2000 + n, summary="同样的摘要。") for n in range(25)]
    pages = [api(client, q="阀门检修规程", per_page=20, page=page) for page in (1, 2)]
    assert pages[0]["total"] == 25
    order = [hit["id"] for page in pages for hit in page["hits"]]
    assert order == [a.id for a in reversed(made)]


def test_facets_counted_over_bitmaps_match_a_plain_count(client, corpus, monkeypatch):
    from innovation_hub.search import queries

    plain = [api(client, **params)["facets"] for params in ({"q": ""}, {"q": "高炉"}, {"q": "", "type": "achievement"})]
    monkeypatch.setattr(queries, "FACET_BY_BITMAPS", 0)  # every set is "large"
    assert [api(client, **params)["facets"] for params in ({"q": ""}, {"q": "高炉"},
                                                             {"q": "", "type": "achievement"})] == plain
