"""The /patents list: keyword (title or number), 申请年份, 法律状态, 工作室, and the export with the same filters."""

from datetime import date
from io import BytesIO

import pytest
from openpyxl import load_workbook

from innovation_hub.catalogue.services import PatentData, upsert_patent
from innovation_hub.models import LegalStatus, PatentKind, RecordStatus
from tests.factories import gen_patent, gen_studio, gen_user


@pytest.fixture
def patents(app):
    steel, power = gen_studio("炼钢工艺创新工作室"), gen_studio("配电运维创新工作室")
    made = {
        "old": gen_patent(steel, "一种PLC控制的布料装置", year=2010, filing_date=date(2010, 4, 1),
                          grant_date=date(2010, 12, 1)),  # a utility model: 届满 in 2020
        "granted": gen_patent(steel, "一种高炉出铁口开口机", kind=PatentKind.INVENTION, year=2021,
                              filing_date=date(2021, 3, 1), grant_date=date(2023, 1, 5)),
        "pending": gen_patent(power, "一种绝缘杆伸缩结构", year=2024, filing_date=date(2024, 6, 1)),
        "lapsed": gen_patent(power, "一种配电箱防潮装置", year=2019, filing_date=date(2019, 2, 1),
                             grant_date=date(2019, 9, 1)),
        "draft": gen_patent(power, "一种未审核的装置", year=2024, status=RecordStatus.SUBMITTED),
    }
    from innovation_hub.figures.services import set_legal_status

    set_legal_status(gen_user("office"), made["lapsed"], LegalStatus.LAPSED, "未缴年费")
    return steel, power, made


def titles(client, query: str) -> set[str]:
    response = client.get("/patents" + query)
    assert response.status_code == 200, response.get_data(as_text=True)
    page = response.get_data(as_text=True)
    return {t for t in ("一种PLC控制的布料装置", "一种高炉出铁口开口机", "一种绝缘杆伸缩结构", "一种配电箱防潮装置",
                        "一种未审核的装置") if t in page}


def test_legal_status_filter(client, patents):
    assert titles(client, "?legal_status=pending") == {"一种绝缘杆伸缩结构"}
    assert titles(client, "?legal_status=有效") == {"一种高炉出铁口开口机"}
    assert titles(client, "?legal_status=expired") == {"一种PLC控制的布料装置"}
    assert titles(client, "?legal_status=lapsed") == {"一种配电箱防潮装置"}
    assert titles(client, "?granted=1") == {"一种PLC控制的布料装置", "一种高炉出铁口开口机", "一种配电箱防潮装置"}


def test_keyword_finds_title_words_and_number_in_any_form(client, patents):
    _, _, made = patents
    assert titles(client, "?q=plc") == {"一种PLC控制的布料装置"}  # any case, on every database
    assert titles(client, "?q=出铁口 开口机") == {"一种高炉出铁口开口机"}
    number = made["granted"].number  # "202110000002.X"
    digits = number.replace(".", "")
    for typed in (f"ZL{number}", digits, number[:8], "zl" + number[:10]):
        assert titles(client, f"?q={typed}") == {"一种高炉出铁口开口机"}, typed
    assert titles(client, "?q=100%") == set()  # LIKE wildcards are escaped


def test_year_and_studio_filters_combine(client, patents):
    steel, power, _ = patents
    assert titles(client, "?year=2024") == {"一种绝缘杆伸缩结构"}
    assert titles(client, f"?studio={steel.id}") == {"一种PLC控制的布料装置", "一种高炉出铁口开口机"}
    assert titles(client, f"?studio={power.id}&legal_status=lapsed") == {"一种配电箱防潮装置"}
    page = client.get(f"/patents?studio={power.id}").get_data(as_text=True)
    assert "申请中（1）" in page and "失效（1）" in page  # the facets count under the other filters


@pytest.mark.parametrize("query", ["?legal_status=作废", "?granted=maybe", "?year=abc"])
def test_bad_filters_are_a_clear_400(client, patents, query):
    response = client.get("/patents" + query)
    assert response.status_code == 400


def test_the_export_link_keeps_the_filters(client, patents):
    steel, _, _ = patents
    page = client.get(f"/patents?legal_status=expired&studio={steel.id}&q=布料").get_data(as_text=True)
    assert "/patents/export.xlsx?" in page
    link = page.split('href="/patents/export.xlsx?')[1].split('"')[0].replace("&amp;", "&")
    assert "legal_status=expired" in link and f"studio={steel.id}" in link and "q=" in link
    workbook = load_workbook(BytesIO(client.get("/patents/export.xlsx?" + link).data))
    rows = list(workbook["专利"].iter_rows(min_row=2, values_only=True))
    assert [row[1] for row in rows] == ["一种PLC控制的布料装置"]


def test_a_number_without_dot_is_stored_and_found(client, app):
    studio = gen_studio()
    from innovation_hub.catalogue.patent_numbers import make_number

    number = make_number(2022, PatentKind.DESIGN, 4242)
    upsert_patent(PatentData(number=number.replace(".", ""), title="一种外观", kind=PatentKind.DESIGN,
                             studio_name=studio.name, inventors=["王建国"], filing_date=date(2022, 1, 1)))
    assert "一种外观" in client.get("/patents?q=" + number.split(".")[0][-6:]).get_data(as_text=True)
