"""The home page and /api/v1/stats: granted vs pending patents and verified vs self-reported value,
recomputed from the database after every change, each figure linking to its list."""

import re
from datetime import date
from decimal import Decimal

import pytest

from innovation_hub.figures import services
from innovation_hub.figures.services import ValueLineData
from innovation_hub.models import LegalStatus, RecordStatus
from innovation_hub.submissions import services as submissions
from tests.factories import gen_achievement, gen_patent, gen_studio, gen_user


def text(response) -> str:
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.fixture
def site(app):
    studio = gen_studio("炼钢工艺创新工作室")
    account = gen_user("studio-a", "studio", studio=studio)
    admin = gen_user("office")
    a1 = gen_achievement(studio, "转炉副枪探头快速更换工装", value="100", year=2022)
    a2 = gen_achievement(studio, "出钢口维护操作法", value="20.5", year=2023)
    granted = gen_patent(studio, "一种副枪探头更换装置", year=2022, filing_date=date(2022, 1, 10),
                         grant_date=date(2022, 8, 1))
    pending = gen_patent(studio, "一种出钢口清理装置", year=2024, filing_date=date(2024, 2, 1))
    return dict(studio=studio, account=account, admin=admin, a1=a1, a2=a2, granted=granted, pending=pending)


def parts(page: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


def test_home_and_stats_split_patents_and_value(client, site):
    page = parts(text(client.get("/")))
    assert "已授权 1" in page and "其中有效 1" in page and "申请中 1" in page
    assert "已核实 0 万元" in page and "自报 120.5 万元" in page
    raw = text(client.get("/"))
    for link in ("/patents?granted=1", "/patents?legal_status=in_force", "/patents?legal_status=pending",
                 "/achievements?value=verified&amp;sort=value", "/achievements?value=self_reported&amp;sort=value"):
        assert f'href="{link}"' in raw, link
    stats = client.get("/api/v1/stats").get_json()
    assert (stats["patents"], stats["patents_granted"], stats["patents_in_force"], stats["patents_pending"]) \
        == (2, 1, 1, 1)
    assert (stats["value_wan"], stats["value_verified_wan"], stats["value_self_reported_wan"]) == (120.5, 0, 120.5)


def test_figures_recompute_after_changes(client, site):
    client.get("/")  # fill the page cache: the changes below must show through it
    # The office verifies a1's line; the studio reports a second year of a1 and lapses nothing yet.
    services.verify_value_line(site["admin"], site["a1"].value_lines[0])
    services.add_value_line(site["account"], site["a1"], ValueLineData(2023, Decimal("30"), "年节约材料费 30 万元"))
    # A submitted patent without a grant date becomes public: one more application.
    draft = submissions.save_patent(site["account"], _patent_data(site["studio"]))
    submissions.submit_record(site["account"], draft)
    submissions.approve_record(site["admin"], draft)
    services.set_legal_status(site["admin"], site["granted"], LegalStatus.LAPSED, "未缴年费")

    page = parts(text(client.get("/")))
    assert "已授权 1" in page and "其中有效 0" in page and "申请中 2" in page
    assert "已核实 100 万元" in page and "自报 50.5 万元" in page
    stats = client.get("/api/v1/stats").get_json()
    assert stats["value_wan"] == 150.5  # the total is the lines' sum
    assert (stats["value_verified_wan"], stats["value_self_reported_wan"]) == (100, 50.5)
    assert (stats["patents"], stats["patents_in_force"], stats["patents_pending"]) == (3, 0, 2)
    assert stats["patents_by_legal_status"]["失效"] == 1

    verified = text(client.get("/achievements?value=verified"))
    assert "转炉副枪探头快速更换工装" in verified and "出钢口维护操作法" not in verified
    assert "出钢口维护操作法" in text(client.get("/achievements?value=自报"))


def _patent_data(studio):
    from innovation_hub.catalogue.patent_numbers import make_number
    from innovation_hub.catalogue.services import PatentData
    from innovation_hub.models import PatentKind

    return PatentData(number=make_number(2025, PatentKind.UTILITY, 777), title="一种新申请的装置",
                      kind=PatentKind.UTILITY, studio_name=studio.name, inventors=["王建国"],
                      filing_date=date(2025, 3, 1))


def test_unapproved_records_do_not_count(client, site):
    hidden = gen_achievement(site["studio"], "未审核的成果", value="999", status=RecordStatus.SUBMITTED)
    assert hidden.value_lines and hidden.value_lines[0].amount_wan == Decimal("999.00")
    stats = client.get("/api/v1/stats").get_json()
    assert stats["value_self_reported_wan"] == 120.5
