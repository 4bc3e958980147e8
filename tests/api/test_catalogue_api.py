"""The public JSON API: shapes as DESIGN.md fixes them, filters, errors, visibility."""

from datetime import date

import pytest

from innovation_hub.catalogue.services import TitleData
from innovation_hub.models import Category, District, Level, PatentKind, RecordStatus, TitleState
from tests.factories import gen_achievement, gen_patent, gen_studio


@pytest.fixture
def catalogue(app):
    national = gen_studio(
        "炉前工艺创新工作室", industry="冶金", district=District.LONGCHENG, leader="赵铁军",
        host_unit="示例钢铁公司",
        honours=[("全国劳动模范", 2015), ("朝阳工匠", 2012)],
        titles=[
            TitleData(Level.CITY, 2012, "市总工会"),
            TitleData(Level.NATIONAL, 2020, "全国总工会", "总工发〔2020〕3号"),
            TitleData(Level.PROVINCIAL, 2016, state=TitleState.REVOKED),
        ],
    )
    city = gen_studio("电力运维创新工作室", industry="电力", district=District.BEIPIAO, leader="钱立新")
    a1 = gen_achievement(national, "高炉布料矩阵优化", category=Category.BREAKTHROUGH, year=2022,
                         completers=["赵铁军", "孙明", "李强"], value="300.50")
    a2 = gen_achievement(national, "出铁口快速开口操作法", category=Category.OPERATION, year=2019, value="20",
                         completers=["赵铁军"])
    draft = gen_achievement(national, "未提交的草稿", status=RecordStatus.DRAFT, value="999")
    p1 = gen_patent(national, "一种高炉布料装置", kind=PatentKind.INVENTION, year=2020, inventors=["孙明", "赵铁军"],
                    achievement=a1, grant_date=date(2022, 5, 6))
    p_draft = gen_patent(city, "未审核的专利", status=RecordStatus.SUBMITTED)
    return dict(national=national, city=city, a1=a1, a2=a2, draft=draft, p1=p1, p_draft=p_draft)


def test_stats_counts_only_public_records(client, catalogue):
    body = client.get("/api/v1/stats").get_json()
    # The contract's fields (DESIGN.md), then the honest parts added by issue 12.
    assert set(body) == {"studios", "studios_by_level", "achievements", "achievements_by_category", "patents",
                         "patents_by_kind", "value_wan", "by_year", "by_industry", "by_district",
                         "patents_granted", "patents_in_force", "patents_pending", "patents_by_legal_status",
                         "value_verified_wan", "value_self_reported_wan"}
    assert body["studios"] == 2
    assert body["studios_by_level"] == {"国家级": 1, "省级": 0, "市级": 1}
    assert body["achievements"] == 2
    assert body["achievements_by_category"] == {"技术革新": 0, "技术攻关": 1, "发明创造": 0, "先进操作法": 1}
    assert body["patents"] == 1 and body["patents_by_kind"] == {"发明": 1, "实用新型": 0, "外观设计": 0}
    assert body["value_wan"] == 320.5
    assert body["by_year"] == {"2019": 1, "2022": 1}
    assert body["by_industry"] == {"冶金": 1, "电力": 1}
    assert body["by_district"]["龙城区"] == 1 and body["by_district"]["北票市"] == 1
    assert len(body["by_district"]) == 7


def test_studio_detail_shape(client, catalogue):
    studio = catalogue["national"]
    body = client.get(f"/api/v1/studios/{studio.id}").get_json()
    assert body["name"] == "炉前工艺创新工作室"
    assert body["level"] == "国家级" and body["named_year"] == 2020  # the highest valid title
    assert [t["level"] for t in body["titles"]] == ["市级", "省级", "国家级"]
    assert body["titles"][1]["state"] == "撤销"
    assert body["leader"]["name"] == "赵铁军"
    assert body["leader"]["honours"] == [{"title": "朝阳工匠", "year": 2012}, {"title": "全国劳动模范", "year": 2015}]
    assert body["district"] == "龙城区" and body["industry"] == "冶金"
    assert [a["title"] for a in body["achievements"]] == ["高炉布料矩阵优化", "出铁口快速开口操作法"]
    assert body["patents"][0]["number"].startswith("ZL2020")
    assert body["url"] == f"/studios/{studio.id}"


def test_achievement_detail_keeps_completer_order_and_links_patent(client, catalogue):
    body = client.get(f"/api/v1/achievements/{catalogue['a1'].id}").get_json()
    assert [p["name"] for p in body["completers"]] == ["赵铁军", "孙明", "李强"]
    assert body["category"] == "技术攻关" and body["year"] == 2022 and body["value_wan"] == 300.5
    assert body["studio"]["name"] == "炉前工艺创新工作室"
    assert [p["title"] for p in body["patents"]] == ["一种高炉布料装置"]


def test_patent_detail_with_term_and_related_achievement(client, catalogue):
    body = client.get(f"/api/v1/patents/{catalogue['p1'].id}").get_json()
    assert body["kind"] == "发明" and body["number"] == catalogue["p1"].display_number
    assert body["filing_date"] == "2020-03-01" and body["grant_date"] == "2022-05-06"
    assert body["term_end"] == "2040-02-29"
    assert [p["name"] for p in body["inventors"]] == ["孙明", "赵铁军"]
    assert body["achievement"]["title"] == "高炉布料矩阵优化"


def test_person_is_one_record_across_roles(client, catalogue):
    leader_id = catalogue["national"].leader_id
    body = client.get(f"/api/v1/people/{leader_id}").get_json()
    assert body["name"] == "赵铁军" and body["host_unit"] == "示例钢铁公司"
    assert [s["name"] for s in body["studios_led"]] == ["炉前工艺创新工作室"]
    assert {a["title"] for a in body["achievements"]} == {"高炉布料矩阵优化", "出铁口快速开口操作法"}
    assert [p["title"] for p in body["patents"]] == ["一种高炉布料装置"]
    assert {h["title"] for h in body["honours"]} == {"全国劳动模范", "朝阳工匠"}


def test_studio_list_filters_and_pages(client, catalogue):
    body = client.get("/api/v1/studios").get_json()
    assert body["total"] == 2 and body["page"] == 1
    assert [s["name"] for s in body["items"]] == ["炉前工艺创新工作室", "电力运维创新工作室"]  # national first
    first = body["items"][0]
    assert first["achievements"] == 2 and first["patents"] == 1 and first["level"] == "国家级"
    for query in ("level=国家级", "level=national", "industry=冶金", "district=龙城区", "district=longcheng"):
        assert [s["name"] for s in client.get(f"/api/v1/studios?{query}").get_json()["items"]] == ["炉前工艺创新工作室"]
    paged = client.get("/api/v1/studios?per_page=1&page=2").get_json()
    assert paged["total"] == 2 and [s["name"] for s in paged["items"]] == ["电力运维创新工作室"]


@pytest.mark.parametrize("query, message", [
    ("level=世界级", "级别"), ("district=火星", "所在地区"), ("page=0", "页码"), ("page=abc", "页码"),
    ("per_page=101", "每页条数"),
])
def test_bad_parameters_are_json_400_in_chinese(client, catalogue, query, message):
    response = client.get(f"/api/v1/studios?{query}")
    assert response.status_code == 400
    assert message in response.get_json()["error"]


def test_unpublished_and_unknown_records_are_json_404(client, catalogue):
    for url in (f"/api/v1/achievements/{catalogue['draft'].id}", f"/api/v1/patents/{catalogue['p_draft'].id}",
                "/api/v1/studios/9999", "/api/v1/achievements/9999", "/api/v1/patents/9999", "/api/v1/people/9999",
                "/api/v1/nothing-here"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.is_json and response.get_json()["error"]


def test_api_answers_are_utf8_json_not_escaped(client, catalogue):
    response = client.get("/api/v1/stats")
    assert response.mimetype == "application/json"
    assert "国家级".encode() in response.data
