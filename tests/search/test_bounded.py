"""Every search path is bounded: no Whoosh matcher that skips by quality, and a time limit after which
a search answers with what it has."""

from __future__ import annotations

import inspect

import whoosh.matching
import whoosh.searching

from innovation_hub import search
from innovation_hub.search import deadline
from innovation_hub.search.index import SearchIndex
from tests import worlds
from tests.factories import gen_achievement, gen_patent, gen_studio


@worlds.world(index=True)
def corpus(app):
    studio = gen_studio("炼铁检修工作室")
    gen_achievement(studio, "高炉风口快速更换装置", summary="缩短了更换时间。")
    gen_achievement(studio, "出铁口维护操作法", summary="针对高炉出铁口深度不稳定的问题。")  # only its summary has 高炉
    gen_patent(studio, "一种高炉风口更换装置")
    return studio


def test_no_search_path_uses_whoosh_matchers_that_skip_by_quality(client, corpus, monkeypatch):
    """Whoosh 2.7.4 can loop forever in skip_to_quality (a page hung > 30 s): no path may reach it."""

    def trap(*args, **kwargs):
        raise AssertionError("a Whoosh quality-skipping matcher or searcher.search() was used")

    for _, cls in inspect.getmembers(whoosh.matching, inspect.isclass):
        for name in ("skip_to_quality", "block_quality", "max_quality", "supports_block_quality"):
            if name in vars(cls):
                monkeypatch.setattr(cls, name, trap)
    for name in ("search", "search_page", "search_with_collector"):
        monkeypatch.setattr(whoosh.searching.Searcher, name, trap)
    for q in ("高炉", "高炉 风口", "风口更换装置", "王建国", "", "检修"):
        assert client.get("/api/v1/search", query_string={"q": q}).status_code == 200
    hits = search.similar("高炉风口的快速更换装置")
    assert [hit.type for hit in hits] == ["achievement", "patent"]
    assert search.similar("高炉风口快速更换装置", exclude=("achievement", hits[0].id), types=("achievement",)) == []
    gen_achievement(corpus, "高炉炉顶布料改进")  # the drain after the commit
    assert client.get("/api/v1/search?q=布料").get_json()["total"] == 1


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_search_past_its_time_limit_answers_with_what_it_has(app, client, corpus, monkeypatch):
    full = client.get("/api/v1/search?q=高炉").get_json()
    assert full["total"] == 3 and full["incomplete"] is False
    clock = FakeClock()
    monkeypatch.setattr(deadline, "clock", clock)
    real_scan = SearchIndex.text_matches

    def slow_scan(self, *args, **kwargs):
        clock.now += app.config["SEARCH_TIME_LIMIT"] + 1  # scanning the summaries takes too long
        return real_scan(self, *args, **kwargs)

    monkeypatch.setattr(SearchIndex, "text_matches", slow_scan)
    cut = client.get("/api/v1/search?q=高炉").get_json()
    assert cut["incomplete"] is True
    found = {hit["title"] for hit in cut["hits"]}
    assert "出铁口维护操作法" not in found  # found only by the summary scan the time limit cut
    assert {"高炉风口快速更换装置", "一种高炉风口更换装置"} <= found and cut["total"] == len(cut["hits"])
    page = client.get("/search?q=高炉").get_data(as_text=True)
    assert "结果可能不完整" in page and "风口快速更换装置" in page


def test_a_search_with_no_time_left_answers_at_once(app, client, corpus):
    app.config["SEARCH_TIME_LIMIT"] = 0
    response = client.get("/api/v1/search?q=高炉 风口 装置")
    assert response.status_code == 200 and response.get_json()["incomplete"] is True
    assert isinstance(search.similar("高炉风口快速更换装置"), list)
    app.config["SEARCH_TIME_LIMIT"] = 3.0
    assert client.get("/api/v1/search?q=高炉 风口 装置").get_json()["incomplete"] is False
