"""/studios: the name (or host unit) box, 含已摘牌, and both kept in paging and the export link."""

from __future__ import annotations

from io import BytesIO

from openpyxl import load_workbook

from innovation_hub.lifecycle import services
from tests.factories import gen_studio, gen_user


def test_the_name_box_finds_studios_by_name_or_host_unit_and_keeps_it_in_links(app, client):
    app.config["PER_PAGE"] = 2
    for n in range(3):
        gen_studio(f"电力检修创新工作室{n}", host_unit="国网示例供电公司")
    gen_studio("钢铁冶炼创新工作室", host_unit="示例钢铁集团")
    gen_studio("数控加工创新工作室", host_unit="示例电力设备厂")
    page = client.get("/studios?q=电力").get_data(as_text=True)
    assert "共 4 个" in page  # 3 by name, 1 by its host unit
    assert "钢铁冶炼创新工作室" not in page
    assert 'href="/studios/export.xlsx?q=%E7%94%B5%E5%8A%9B"' in page
    assert "q=%E7%94%B5%E5%8A%9B&amp;page=2" in page or "page=2&amp;q=%E7%94%B5%E5%8A%9B" in page
    # Words narrow: both must appear in the name or the host unit; case does not matter.
    assert "共 1 个" in client.get("/studios?q=电力 设备").get_data(as_text=True)
    sheet = load_workbook(BytesIO(client.get("/studios/export.xlsx?q=钢铁").data))["工作室"]
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["钢铁冶炼创新工作室"]


def test_include_delisted_is_a_checkbox_and_a_bad_value_is_a_400(app, client):
    office = gen_user("office")
    gone = gen_studio("已撤并的电力工作室")
    gen_studio("电力抢修工作室")
    services.delist_studio(office, gone, services.DelistData(services.today(), services.DelistCause.OTHER, "单位撤并"))
    assert "共 1 个" in client.get("/studios?q=电力").get_data(as_text=True)
    page = client.get("/studios?q=电力&include_delisted=1").get_data(as_text=True)
    assert "共 2 个" in page and "已摘牌" in page and 'name="include_delisted" value="1" checked' in page
    assert "include_delisted=1" in page.split("下载台账")[0]  # the export link keeps it
    r = client.get("/studios?include_delisted=maybe")
    assert r.status_code == 400 and "含已摘牌" in r.get_data(as_text=True)
    assert client.get("/api/v1/studios?include_delisted=maybe").status_code == 400
    # The figures count the 有效 studio only.
    assert client.get("/api/v1/stats").json["studios"] == 1


def test_a_bad_figure_in_the_report_is_a_400_and_keeps_what_was_saved(app, client):
    from innovation_hub.extensions import db
    from innovation_hub.lifecycle.models import AnnualReport
    from tests.factories import login

    office = gen_user("office")
    a = gen_studio("甲工作室")
    gen_user("studio-a", "studio", studio=a)
    services.open_year(office, 2025, services.today())
    login(client, "studio-a")
    good = {"value_wan": "12", "training_sessions": "3", "apprentices": "2", "activities": "培训"}
    assert client.post("/studio/annual-review/2025", data=good).status_code == 302
    r = client.post("/studio/annual-review/2025", data={**good, "value_wan": "十二万", "apprentices": "-1"})
    page = r.get_data(as_text=True)
    assert r.status_code == 400 and "应为数字" in page and "带徒人数应在 0 到 100000 之间" in page
    assert str(db.session.execute(db.select(AnnualReport)).scalar_one().value_wan) == "12.00"
    assert client.get("/studio/annual-review/1999").status_code == 404
    assert client.post("/studio/annual-review/2025/submit").status_code == 302
