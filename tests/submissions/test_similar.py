"""查重: before filing an achievement, the studio sees approved records with similar titles."""

from __future__ import annotations

from innovation_hub import search
from innovation_hub.models import RecordStatus
from tests.factories import gen_achievement, gen_patent, login

from .helpers import achievement_form, text

TITLE = "带电作业绝缘杆伸缩式改进"


def test_similar_is_an_or_over_words_and_bigrams_best_first(world):
    close = gen_achievement(world.b, "带电作业绝缘杆伸缩式改造")
    closer = gen_achievement(world.b, TITLE)
    gen_achievement(world.b, "食堂餐具消毒流程优化")
    hits = search.similar("带电作业用绝缘杆的伸缩式改进")  # no record has every word: an AND finds nothing
    assert [(h.type, h.id) for h in hits][:2] == [("achievement", closer.id), ("achievement", close.id)]
    assert hits[0].score >= hits[1].score
    excluded = search.similar(TITLE, exclude=("achievement", closer.id))
    assert ("achievement", closer.id) not in [(h.type, h.id) for h in excluded]
    assert search.similar("食堂管理制度汇编") == []  # one shared bigram is not similar
    assert search.similar("") == [] and search.similar("装") == [] and search.similar("((( *** )))") == []
    assert len(search.similar("绝缘杆" * 500, limit=1)) <= 1  # a very long text is cut, not an error


def test_similar_returns_public_records_only_and_at_most_the_limit(world):
    for n in range(7):
        gen_achievement(world.b, f"{TITLE}{n}型")
    gen_achievement(world.b, "带电作业绝缘杆伸缩式改进草稿", status=RecordStatus.DRAFT)
    patent = gen_patent(world.b, "带电作业绝缘杆伸缩式改进装置")
    hits = search.similar(TITLE)
    assert len(hits) == 5
    assert all(h.type in ("achievement", "patent") for h in hits)
    only_achievements = search.similar(TITLE, limit=10, types=("achievement",))
    assert len(only_achievements) == 7 and ("patent", patent.id) not in [(h.type, h.id) for h in only_achievements]


def test_the_json_endpoint(app, world, studio_client):
    record = gen_achievement(world.b, TITLE)
    gen_achievement(world.b, "带电作业绝缘杆伸缩式改进方法", status=RecordStatus.DRAFT)  # a draft: never shown
    response = studio_client.get("/studio/similar", query_string={"title": "带电作业绝缘杆改进"})
    assert response.status_code == 200
    hits = response.get_json()["hits"]
    assert [h["title"] for h in hits] == [TITLE]
    assert hits[0] == {"id": record.id, "title": TITLE, "year": 2021, "category": "技术革新",
                       "url": f"/achievements/{record.id}", "studio": "乙工作室",
                       "studio_url": f"/studios/{world.b.id}"}
    excluded = studio_client.get("/studio/similar", query_string={"title": TITLE, "exclude": record.id})
    assert excluded.get_json()["hits"] == []
    assert studio_client.get("/studio/similar").get_json()["hits"] == []
    too_long = studio_client.get("/studio/similar", query_string={"title": "长" * 201})
    assert too_long.status_code == 400 and "不能超过 200 个字" in too_long.get_json()["error"]
    admin = app.test_client()
    login(admin, "admin1")
    assert admin.get("/studio/similar?title=绝缘杆").status_code == 403


def test_the_form_shows_similar_records_without_javascript(world, studio_client):
    record = gen_achievement(world.b, TITLE)
    new_page = text(studio_client.get("/studio/achievements/new"))
    assert 'id="similar-records"' in new_page and "js/similar.js" in new_page
    assert f'href="/achievements/{record.id}"' not in new_page
    # a form sent back for a mistake lists what is similar to the title typed
    failed = studio_client.post("/studio/achievements/new", data=achievement_form(title="带电作业绝缘杆改进", year=""))
    assert failed.status_code == 400 and f'href="/achievements/{record.id}"' in text(failed)
    # after saving the draft: on its page (before submitting) and on its edit page
    saved = studio_client.post("/studio/achievements/new", data=achievement_form(title="带电作业绝缘杆改进"))
    assert saved.status_code == 302
    detail = text(studio_client.get(saved.headers["Location"]))
    assert "查重" in detail and f'href="/achievements/{record.id}"' in detail and "乙工作室" in detail
    edit = text(studio_client.get(saved.headers["Location"] + "/edit"))
    assert "查重" in edit and f'href="/achievements/{record.id}"' in edit


def test_a_broken_index_does_not_stop_filing(world, studio_client, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("index folder unreadable")

    monkeypatch.setattr(search, "similar", broken)
    assert studio_client.get("/studio/achievements/new").status_code == 200
    assert studio_client.post("/studio/achievements/new", data=achievement_form()).status_code == 302
    assert studio_client.get("/studio/similar?title=绝缘杆").get_json()["hits"] == []
