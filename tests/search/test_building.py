"""A large rebuild writes segments in worker processes: the index it makes answers exactly as one written in one go."""

from innovation_hub.search import building, changelog, rebuild
from innovation_hub.search.index import current_index
from tests.factories import gen_achievement, gen_patent, gen_studio

QUERIES = ("检修", "装置", "在线监测", "王建国", "", "控制 改造", "夹具")


def answers(client) -> dict:
    out = {}
    for q in QUERIES:
        body = client.get("/api/v1/search", query_string={"q": q, "per_page": 100}).get_json()
        out[q] = (body["total"], sorted((h["type"], h["id"]) for h in body["hits"]), body["facets"])
    return out


def segments() -> int:
    return len(current_index().searcher().reader().leaf_readers())


def test_a_parallel_rebuild_answers_as_a_serial_one(app, client, monkeypatch):
    studios = [gen_studio(f"第{i}检修工作室") for i in range(3)]
    for i in range(24):
        studio = studios[i % 3]
        gen_achievement(studio, f"锅炉在线监测装置改造{i}号", summary=f"张{i}完成的控制系统改造，检修周期缩短。")
        gen_patent(studio, f"一种检修用夹具{i}")
    with app.app_context():
        assert rebuild() == 51
        assert segments() == 1
        serial = answers(client)
        monkeypatch.setattr(changelog, "PARALLEL_FROM", 10)
        monkeypatch.setattr(building, "SEGMENT_DOCS", 8)
        assert rebuild() == 51
        assert segments() == 7  # 24 + 24 + 3 records in slices of at most 8
        assert not list((current_index().live_dir() / "MAIN.tmp").glob("*")), "no temporary files are left"
    assert answers(client) == serial
    assert serial["检修"][0] == 51 and serial["在线监测"][0] == 24
