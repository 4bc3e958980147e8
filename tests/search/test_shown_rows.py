"""What the API and the search page show of each hit, read from SQL: the fields, and no record that
stopped being public before the index heard of it."""

from sqlalchemy import update

from innovation_hub.catalogue.models import Achievement, Patent
from innovation_hub.extensions import db
from innovation_hub.models import RecordStatus
from tests.factories import gen_achievement, gen_patent, gen_studio


def api_hits(client, **params):
    response = client.get("/api/v1/search", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return {(h["type"], h["id"]): h for h in response.get_json()["hits"]}


def test_each_hit_shows_its_title_studio_link_and_marked_snippet(app, client):
    studio = gen_studio("皮带运维创新工作室", host_unit="北票煤业公司", intro="专治输送机皮带跑偏。")
    a = gen_achievement(studio, "皮带跑偏自动纠正装置", summary="在输送机尾部加装<纠偏>托辊，皮带跑偏减少九成。")
    p = gen_patent(studio, "一种皮带跑偏检测装置")
    hits = api_hits(client, q="跑偏")
    assert hits[("achievement", a.id)] | {"score": 0} == {
        "type": "achievement", "id": a.id, "title": "皮带跑偏自动纠正装置", "url": f"/achievements/{a.id}",
        "studio": "皮带运维创新工作室", "score": 0,
        "snippet": "在输送机尾部加装&lt;纠偏&gt;托辊，皮带<mark>跑偏</mark>减少九成。"}
    assert hits[("patent", p.id)]["studio"] == "皮带运维创新工作室"
    assert hits[("patent", p.id)]["url"] == f"/patents/{p.id}"
    shown = hits[("studio", studio.id)]
    assert (shown["title"], shown["studio"], shown["url"]) == ("皮带运维创新工作室", "皮带运维创新工作室",
                                                               f"/studios/{studio.id}")
    assert shown["snippet"] == "专治输送机皮带<mark>跑偏</mark>。"


def test_a_record_withdrawn_behind_the_index_is_not_shown(app, client):
    studio = gen_studio("配电抢修创新工作室")
    kept = gen_achievement(studio, "配电抢修工具车改进")
    withdrawn = gen_achievement(studio, "配电抢修照明灯改进")
    patent = gen_patent(studio, "一种配电抢修用接地线")
    assert {("achievement", kept.id), ("achievement", withdrawn.id), ("patent", patent.id)} <= set(
        api_hits(client, q="配电抢修"))
    # No change-log row (as when the index has not applied it yet): the index still holds both records.
    with db.engine.begin() as connection:
        connection.execute(update(Achievement).where(Achievement.id == withdrawn.id)
                           .values(status=RecordStatus.RETURNED))
        connection.execute(update(Patent).where(Patent.id == patent.id).values(status=RecordStatus.UNPUBLISHED))
    db.session.rollback()  # end the test's read transaction, which still sees the records approved
    hits = api_hits(client, q="配电抢修")
    assert ("achievement", kept.id) in hits
    assert ("achievement", withdrawn.id) not in hits and ("patent", patent.id) not in hits
    page = client.get("/search", query_string={"q": "配电抢修"}).get_data(as_text=True)
    assert "工具车改进" in page and "照明灯改进" not in page and "接地线" not in page
