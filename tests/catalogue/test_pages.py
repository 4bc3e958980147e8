"""Public pages: what they show, their filters and links, errors, and SQL statement counts."""

import re

import pytest

from innovation_hub.catalogue.services import TitleData
from innovation_hub.models import Category, District, Level, PatentKind, RecordStatus
from tests.factories import gen_achievement, gen_patent, gen_studio


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def catalogue(app):
    steel = gen_studio("炼钢工艺创新工作室", industry="冶金", district=District.LONGCHENG, leader="赵铁军",
                       titles=[TitleData(Level.CITY, 2014), TitleData(Level.PROVINCIAL, 2019, "省总工会")])
    power = gen_studio("配电运维创新工作室", industry="电力", district=District.BEIPIAO, leader="钱立新")
    a = gen_achievement(steel, "转炉副枪探头快速更换工装", category=Category.INNOVATION, year=2023, value="15000",
                        completers=["赵铁军", "孙明"])
    gen_achievement(power, "10kV配电线路带电作业操作法", category=Category.OPERATION, year=2020, value="8")
    gen_achievement(steel, "尚未审核的成果", status=RecordStatus.SUBMITTED)
    p = gen_patent(steel, "一种转炉副枪探头更换装置", kind=PatentKind.UTILITY, achievement=a, inventors=["孙明"])
    return dict(steel=steel, power=power, a=a, p=p)


def test_home_shows_live_figures_linked_to_their_lists(client, catalogue):
    page = text(client.get("/"))
    assert re.search(r'data-figure="studios">2<', page)
    assert re.search(r'data-figure="achievements">2<', page)
    assert re.search(r'data-figure="patents">1<', page)
    assert "1.5008 亿元" in page  # 15008 万元 written in 亿元
    assert 'href="/studios?level=provincial">省级 1<' in page
    assert 'href="/achievements?category=operation">先进操作法 1<' in page
    assert 'href="/patents?kind=utility">实用新型 1<' in page
    assert "/static/vendor/echarts/echarts.min.js" in page
    assert "https://" not in page and "http://" not in page  # everything served locally


def test_home_chart_points_link_to_lists(client, catalogue):
    page = text(client.get("/"))
    assert "/achievements?year=2023\\u0026category=innovation" in page or \
        "/achievements?year=2023&category=innovation" in page
    assert "/studios?district=beipiao" in page


def test_studio_list_filters_and_counts(client, catalogue):
    page = text(client.get("/studios"))
    assert "共 2 个" in page and "炼钢工艺创新工作室" in page and "配电运维创新工作室" in page
    assert page.index("炼钢工艺创新工作室") < page.index("配电运维创新工作室")  # 省级 before 市级
    filtered = text(client.get("/studios?level=provincial"))
    assert "共 1 个" in filtered and "配电运维创新工作室" not in filtered
    assert "成果 1 项" in filtered  # the unapproved one is not counted
    by_industry = text(client.get("/studios?industry=电力"))
    assert "配电运维创新工作室" in by_industry and "炼钢工艺创新工作室" not in by_industry
    assert "没有符合条件的工作室" in text(client.get("/studios?district=jianping"))


def test_studio_page_shows_profile_titles_records(client, catalogue):
    page = text(client.get(f"/studios/{catalogue['steel'].id}"))
    assert "炼钢工艺创新工作室" in page and "省级" in page and "赵铁军" in page
    assert "2014 年 · 市级" in page and "2019 年 · 省级" in page
    assert "转炉副枪探头快速更换工装" in page and "一种转炉副枪探头更换装置" in page
    assert "尚未审核的成果" not in page
    assert catalogue["p"].display_number in page


def test_achievement_and_patent_pages_link_to_each_other(client, catalogue):
    a, p = catalogue["a"], catalogue["p"]
    a_page = text(client.get(f"/achievements/{a.id}"))
    assert f'href="/patents/{p.id}"' in a_page and f'href="/studios/{a.studio_id}"' in a_page
    assert "1.5 亿元" in a_page
    p_page = text(client.get(f"/patents/{p.id}"))
    assert f'href="/achievements/{a.id}"' in p_page and "关联成果" in p_page
    assert p.display_number in p_page and "保护期至" in p_page


def test_person_page_gathers_the_record(client, catalogue):
    person_id = catalogue["steel"].leader_id
    page = text(client.get(f"/people/{person_id}"))
    assert "赵铁军" in page and "炼钢工艺创新工作室" in page and "转炉副枪探头快速更换工装" in page
    assert "朝阳工匠（2019）" in page


def test_achievement_list_keyword_category_year_sort(client, catalogue):
    assert "转炉副枪探头快速更换工装" in text(client.get("/achievements?q=副枪"))
    assert "10kV配电线路" not in text(client.get("/achievements?q=副枪"))
    assert "共 1 项" in text(client.get("/achievements?category=operation"))
    assert "共 1 项" in text(client.get("/achievements?year=2020"))
    by_value = text(client.get("/achievements?sort=value"))
    assert by_value.index("转炉副枪") < by_value.index("10kV配电线路")
    assert "共 1 项" in text(client.get(f"/achievements?studio={catalogue['power'].id}"))
    assert "共 0 项" in text(client.get("/achievements?q=100%25_"))  # LIKE wildcards are literal
    # Any case finds a Latin word, on PostgreSQL (case-sensitive LIKE) as on SQLite.
    for query in ("10KV", "10kv", "10Kv"):
        assert "10kV配电线路带电作业操作法" in text(client.get(f"/achievements?q={query}")), query


@pytest.mark.parametrize("url", ["/studios?level=superb", "/achievements?year=abc", "/achievements?category=x",
                                 "/patents?kind=x", "/studios?page=-1", "/achievements?sort=random"])
def test_bad_filters_are_400_pages_in_chinese(client, catalogue, url):
    response = client.get(url)
    assert response.status_code == 400
    assert "请求有误" in text(response) and "返回首页" in text(response)


def test_unknown_and_unpublished_records_are_404_pages_in_chinese(client, catalogue, app):
    from innovation_hub.catalogue.models import Achievement
    from innovation_hub.extensions import db

    hidden = db.session.query(Achievement).filter_by(title="尚未审核的成果").one()
    for url in ("/studios/999", f"/achievements/{hidden.id}", "/patents/999", "/people/999", "/no-such-page"):
        response = client.get(url)
        assert response.status_code == 404
        assert "页面不存在" in text(response)


def test_server_error_page_is_chinese(app, client, catalogue, monkeypatch):
    from innovation_hub.catalogue import queries

    def broken():
        raise RuntimeError("boom")

    monkeypatch.setattr(queries, "catalogue_stats", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/")
    assert response.status_code == 500 and "服务器出错了" in text(response)


def test_public_pages_use_a_constant_number_of_statements(app, client, count_sql):
    """No N+1: the statement count of each page does not grow with the catalogue."""
    app.extensions.pop("page_cache")  # measure the pages themselves, not the cache
    def measure(urls):
        counts = {}
        for url in urls:
            with count_sql() as counter:
                assert client.get(url).status_code == 200, url
            counts[url] = counter.count
        return counts

    studio = gen_studio("甲工作室", leader="张一")
    for n in range(2):
        a = gen_achievement(studio, f"成果{n}", completers=["张一", f"人{n}"])
        gen_patent(studio, achievement=a, inventors=["张一"])
    urls = ["/", "/studios", f"/studios/{studio.id}", "/achievements", "/patents", f"/people/{studio.leader_id}",
            "/api/v1/stats", "/api/v1/studios", f"/api/v1/studios/{studio.id}"]
    small = measure(urls)
    for n in range(12):
        other = gen_studio(f"乙工作室{n}", leader=f"李{n}")
        a = gen_achievement(studio, f"更多成果{n}", completers=["张一", f"人{n}", f"新人{n}"])
        gen_achievement(other, f"他人成果{n}", completers=[f"王{n}", f"赵{n}"])
        gen_patent(studio, achievement=a, inventors=["张一", f"新人{n}"])
    large = measure(urls)
    assert large == small, (large, small)
    assert max(large.values()) <= 12, large


def test_cached_pages_follow_every_committed_change(client, catalogue):
    first = client.get("/studios")
    assert "共 2 个" in text(first) and first.headers["ETag"]
    assert client.get("/studios", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    gen_studio("新命名的创新工作室")
    again = client.get("/studios", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200 and "共 3 个" in text(again) and "新命名的创新工作室" in text(again)
    assert client.get("/api/v1/stats").get_json()["studios"] == 3


def test_bulk_deletes_also_invalidate_cached_pages(app, client, catalogue):
    from sqlalchemy import delete

    from innovation_hub.catalogue.models import Patent
    from innovation_hub.database import write_transaction

    assert client.get("/api/v1/stats").get_json()["patents"] == 1
    with write_transaction() as session:
        session.execute(delete(Patent))
    assert client.get("/api/v1/stats").get_json()["patents"] == 0
