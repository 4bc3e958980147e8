"""Entity cards: a query naming a person, a studio or a host unit shows a card linking to its page."""

import re
from urllib.parse import parse_qs

import pytest

from innovation_hub.extensions import db
from innovation_hub.models import PatentKind, RecordStatus, StudioStatus
from tests import worlds
from tests.factories import gen_achievement, gen_patent, gen_studio


@worlds.world(index=True)
def world(app):
    steel = gen_studio("凌钢炼铁劳模创新工作室", leader="孙殿武", host_unit="凌河钢铁有限公司")
    rolling = gen_studio("韩景春轧钢工匠创新工作室", leader="韩景春", host_unit="凌河钢铁有限公司")
    power = gen_studio("配网带电作业劳模创新工作室", leader="佟卫东", host_unit="燕辽供电服务有限公司")
    for title in ("高炉布料矩阵优化", "高炉炉前出铁操作法", "炉缸侵蚀在线监测"):
        gen_achievement(steel, title, completers=["孙殿武", "郝立军"])
    gen_patent(steel, "一种高炉风口更换小车", kind=PatentKind.UTILITY, inventors=["孙殿武"])
    gen_achievement(steel, "尚未公开的成果", completers=["冷树森"], status=RecordStatus.SUBMITTED)
    rolling.status = StudioStatus.DELISTED
    db.session.commit()
    return dict(steel=steel, rolling=rolling, power=power)


def page(client, q):
    response = client.get("/search", query_string={"q": q})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def cards(client, q):
    response = client.get("/api/v1/search", query_string={"q": q})
    assert response.status_code == 200
    return response.get_json()["entities"]


def test_a_person_s_name_shows_their_card(client, world):
    html = page(client, "孙殿武")
    card = re.search(r'<div class="card entity-card entity-person">.*?</div>\s*</div>', html, re.S).group(0)
    assert re.search(r'<a class="fw-semibold entity-name" href="/people/\d+">孙殿武</a>', card)
    assert "领办人 · 完成人 · 发明人 · 3 项成果 · 1 项专利 · 凌钢炼铁劳模创新工作室" in card
    # Above the records, and the records are still there.
    assert html.index('id="entities"') < html.index('class="list-group search-results"')
    [person] = cards(client, "孙殿武")
    assert person["type"] == "person" and person["url"].startswith("/people/")
    assert client.get(person["url"]).status_code == 200
    # Typed in traditional characters, or with another word: the same card.
    assert [c["name"] for c in cards(client, "孫殿武")] == ["孙殿武"]
    assert [c["name"] for c in cards(client, "孙殿武 高炉")] == ["孙殿武"]


def test_a_person_known_only_from_unpublished_records_has_no_card(client, world):
    assert cards(client, "冷树森") == []
    assert 'id="entities"' not in page(client, "冷树森")


def test_a_studio_name_shows_the_studio_card(client, world):
    [studio] = cards(client, "凌钢炼铁劳模创新工作室")
    assert studio["type"] == "studio" and studio["url"] == f"/studios/{world['steel'].id}"
    assert studio["description"] == "创新工作室 · 凌河钢铁有限公司 · 领办人 孙殿武 · 3 项成果 · 1 项专利"
    # Part of the name, specific enough.
    assert [c["name"] for c in cards(client, "凌钢炼铁")] == ["凌钢炼铁劳模创新工作室"]
    # A 摘牌 studio is marked.
    [rolling] = cards(client, "韩景春轧钢工匠创新工作室")
    assert rolling["delisted"] is True
    assert "已摘牌" in page(client, "韩景春轧钢工匠创新工作室").split('id="entities"')[1].split("</ol>")[0]


def test_a_host_unit_links_to_its_studios(client, world):
    entities = cards(client, "凌河钢铁有限公司")
    [unit] = [c for c in entities if c["type"] == "host_unit"]
    assert unit["description"] == "依托单位 · 2 个工作室"
    assert {s["name"]: s["delisted"] for s in unit["studios"]} == {
        "凌钢炼铁劳模创新工作室": False, "韩景春轧钢工匠创新工作室": True}
    # The studio list filtered by the unit, 摘牌 studios included since one of them is.
    path, query = unit["url"].split("?")
    assert path == "/studios" and parse_qs(query) == {"q": ["凌河钢铁有限公司"], "include_delisted": ["1"]}
    listing = client.get(unit["url"]).get_data(as_text=True)
    assert "凌钢炼铁劳模创新工作室" in listing and "韩景春轧钢工匠创新工作室" in listing
    assert "配网带电作业劳模创新工作室" not in listing
    assert [c["type"] for c in cards(client, "燕辽供电")] == ["host_unit"]


@pytest.mark.parametrize("q", ["创新工作室", "劳模创新工作室", "有限公司", "高炉", "PLC", "ZL202020512345.6", "炼铁"])
def test_generic_words_name_no_one(client, world, q):
    assert cards(client, q) == []


def test_cards_only_on_the_first_page(client, world):
    response = client.get("/api/v1/search", query_string={"q": "孙殿武", "page": 2, "per_page": 1})
    assert response.get_json()["entities"] == []
