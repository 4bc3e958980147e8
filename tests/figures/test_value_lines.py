"""Per-year value lines: a studio adds them to its own achievements, only the office verifies, and the
achievement's value_wan is always their sum (also after a ledger import or a studio's form)."""

from decimal import Decimal
from io import BytesIO

import pytest
from sqlalchemy import func, select

from innovation_hub.audit.models import AuditEntry
from innovation_hub.catalogue.models import Achievement, ValueLine
from innovation_hub.catalogue.value_lines import LEDGER_BASIS
from innovation_hub.errors import PermissionDenied
from innovation_hub.extensions import db
from innovation_hub.figures import services
from innovation_hub.figures.services import FiguresError, ValueLineData
from innovation_hub.ledger.errors import LedgerInvalid
from innovation_hub.ledger.importer import import_ledger
from innovation_hub.models import ValueStatus
from tests.factories import gen_achievement, gen_user, login
from tests.ledger.helpers import ACHIEVEMENT_HEADERS, achievement_row, valid_sheets, write_workbook

PDF = b"%PDF-1.4\n%%EOF\n"


def lines_of(achievement_id: int) -> list[tuple]:
    db.session.expire_all()
    return [(line.year, line.amount_wan, line.status) for line in db.session.scalars(
        select(ValueLine).where(ValueLine.achievement_id == achievement_id).order_by(ValueLine.year, ValueLine.id))]


def value_of(achievement_id: int) -> Decimal | None:
    return db.session.scalar(select(Achievement.value_wan).where(Achievement.id == achievement_id))


def test_a_value_given_alone_becomes_one_self_reported_line(world):
    achievement = gen_achievement(world.a, "带电作业工具改进", value="12.50", year=2021)
    assert lines_of(achievement.id) == [(2021, Decimal("12.50"), ValueStatus.SELF_REPORTED)]
    assert achievement.value_lines[0].basis == LEDGER_BASIS
    assert gen_achievement(world.a, "没有效益的成果", value=None).value_lines == []


def test_studio_adds_a_line_to_its_own_achievement(world, studio_client):
    achievement = gen_achievement(world.a, "带电作业工具改进", value="12.50", year=2021)
    page = studio_client.get(f"/studio/achievements/{achievement.id}").get_data(as_text=True)
    assert "分年度经济效益" in page and "自报" in page
    response = studio_client.post(f"/studio/achievements/{achievement.id}/values", data={
        "year": "2022", "amount_wan": "7.5", "basis": "年节约电费 7.5 万元",
        "evidence": (BytesIO(PDF), "财务证明.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 302
    assert lines_of(achievement.id)[-1] == (2022, Decimal("7.50"), ValueStatus.SELF_REPORTED)
    assert value_of(achievement.id) == Decimal("20.00")
    line = db.session.scalars(select(ValueLine).where(ValueLine.year == 2022)).one()
    assert line.evidence_name == "财务证明.pdf"
    with studio_client.get(f"/values/{line.id}/evidence") as download:
        assert download.data == PDF
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "value.add")).one()
    assert "2022 年 7.50 万元" in entry.detail and "合计 20.00 万元" in entry.detail


def test_bad_line_input_is_a_400_and_keeps_the_total(world, studio_client):
    achievement = gen_achievement(world.a, value="10")
    for data in ({"year": "2022", "amount_wan": "-3", "basis": "x"}, {"year": "2022", "amount_wan": "3", "basis": ""},
                 {"year": "22x", "amount_wan": "3", "basis": "x"}):
        response = studio_client.post(f"/studio/achievements/{achievement.id}/values", data=data)
        assert response.status_code == 400
    refused = studio_client.post(f"/studio/achievements/{achievement.id}/values", data={
        "year": "2022", "amount_wan": "3", "basis": "依据", "evidence": (BytesIO(b"MZ\x90"), "x.exe")},
        content_type="multipart/form-data")
    assert refused.status_code == 400 and "只接受 PDF" in refused.get_data(as_text=True)
    assert value_of(achievement.id) == Decimal("10.00") and len(lines_of(achievement.id)) == 1


def test_a_studio_reaches_only_its_own_lines(app, world):
    achievement = gen_achievement(world.a, value="10")
    line = achievement.value_lines[0]
    other = app.test_client()
    assert login(other, "studio-b").status_code == 302
    assert other.post(f"/studio/achievements/{achievement.id}/values",
                      data={"year": "2022", "amount_wan": "3", "basis": "x"}).status_code == 404
    assert other.post(f"/studio/values/{line.id}/delete").status_code == 404
    with pytest.raises(PermissionDenied):
        services.add_value_line(world.user_b, achievement, ValueLineData(2022, Decimal("1"), "依据"))
    with pytest.raises(PermissionDenied):
        services.verify_value_line(world.user_a, line)


def test_only_the_office_verifies_and_a_verified_line_stays(app, world, studio_client):
    achievement = gen_achievement(world.a, value="10", year=2021)
    line = achievement.value_lines[0]
    admin = app.test_client()
    assert login(admin, "admin1").status_code == 302
    listing = admin.get("/admin/values").get_data(as_text=True)
    assert achievement.title in listing and "核实" in listing
    assert achievement.title not in admin.get("/admin/values?status=verified").get_data(as_text=True)
    assert admin.get("/admin/values?status=作废").status_code == 400
    assert studio_client.post(f"/admin/values/{line.id}/verify").status_code == 403
    assert admin.post(f"/admin/values/{line.id}/verify").status_code == 302
    db.session.expire_all()
    line = db.session.get(ValueLine, line.id)
    assert line.status is ValueStatus.VERIFIED and line.verified_by.username == "admin1" and line.verified_at
    assert "已核实" in studio_client.get(f"/studio/achievements/{achievement.id}").get_data(as_text=True)
    with pytest.raises(FiguresError):
        services.remove_value_line(world.user_a, line)
    assert admin.post(f"/admin/values/{line.id}/unverify?status=verified").status_code == 302
    db.session.expire_all()
    assert db.session.get(ValueLine, line.id).verified_by_id is None
    actions = list(db.session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("value.%"))
                                      .order_by(AuditEntry.id)))
    assert actions == ["value.verify", "value.unverify"]
    # Unverified again, the studio may withdraw it: the total follows.
    services.remove_value_line(world.user_a, db.session.get(ValueLine, line.id))
    assert value_of(achievement.id) is None and lines_of(achievement.id) == []


def test_the_studio_form_keeps_lines_and_total_agreeing(world):
    from innovation_hub.catalogue.services import AchievementData
    from innovation_hub.models import Category
    from innovation_hub.submissions import services as submissions

    data = AchievementData("", "新工装", Category.INNOVATION, 2024, ["王建国"], value_wan=Decimal("8"))
    draft = submissions.save_achievement(world.user_a, data)
    services.add_value_line(world.user_a, draft, ValueLineData(2025, Decimal("2"), "次年效益"))
    # The form's total is 12: the line of the achievement's year takes the difference.
    data.value_wan = Decimal("12")
    submissions.save_achievement(world.user_a, data, draft)
    assert lines_of(draft.id) == [(2024, Decimal("10.00"), ValueStatus.SELF_REPORTED),
                                  (2025, Decimal("2.00"), ValueStatus.SELF_REPORTED)]
    assert value_of(draft.id) == Decimal("12.00")
    # An empty value keeps the lines and their sum.
    data.value_wan = None
    submissions.save_achievement(world.user_a, data, draft)
    assert value_of(draft.id) == Decimal("12.00")


def test_ledger_import_creates_or_adjusts_one_self_reported_line(app, world, tmp_path):
    sheets = valid_sheets()
    import_ledger(write_workbook(tmp_path / "a.xlsx", sheets))
    achievement = db.session.scalars(select(Achievement).where(Achievement.title == "大型轴承快速拆装工装")).one()
    assert lines_of(achievement.id) == [(2021, Decimal("35.50"), ValueStatus.SELF_REPORTED)]
    services.verify_value_line(world.admin, achievement.value_lines[0])
    services.add_value_line(gen_user("xinghuo", "studio", studio=achievement.studio), achievement,
                            ValueLineData(2022, Decimal("4.5"), "第二年"))
    # Export → import changes nothing; a new total adjusts the self-reported line of the achievement's year,
    # which here does not exist yet (the 2021 line is verified): a new one takes the difference.
    sheets["成果"] = [ACHIEVEMENT_HEADERS, achievement_row(value=40), sheets["成果"][2]]
    import_ledger(write_workbook(tmp_path / "b.xlsx", sheets))
    assert lines_of(achievement.id)[0][2] is ValueStatus.VERIFIED and value_of(achievement.id) == Decimal("40.00")
    sheets["成果"] = [ACHIEVEMENT_HEADERS, achievement_row(value=50), sheets["成果"][2]]
    import_ledger(write_workbook(tmp_path / "c.xlsx", sheets))
    assert lines_of(achievement.id) == [(2021, Decimal("35.50"), ValueStatus.VERIFIED),
                                        (2021, Decimal("10.00"), ValueStatus.SELF_REPORTED),
                                        (2022, Decimal("4.50"), ValueStatus.SELF_REPORTED)]
    assert value_of(achievement.id) == Decimal("50.00")
    # A total below the verified line cannot be made to agree: the import refuses it and writes nothing.
    sheets["成果"] = [ACHIEVEMENT_HEADERS, achievement_row(value=10), sheets["成果"][2]]
    with pytest.raises(LedgerInvalid) as refused:
        import_ledger(write_workbook(tmp_path / "d.xlsx", sheets))
    assert "经济效益 10.00 万元少于" in str(refused.value)
    assert value_of(achievement.id) == Decimal("50.00")
    total = db.session.scalar(select(func.sum(ValueLine.amount_wan)).where(ValueLine.achievement_id == achievement.id))
    assert total == value_of(achievement.id)


def test_concurrent_lines_and_verifications_keep_the_total_the_sum(app, world):
    """Every writer locks the achievement first, so the total is computed from the lines as they now stand."""
    from tests.test_concurrency import run_together

    achievement = gen_achievement(world.a, "并发填报的成果", value="10", year=2020)
    first_line = achievement.value_lines[0].id

    def add(year: int):
        def prepare():
            user, record = db.session.get(type(world.user_a), world.user_a.id), db.session.get(Achievement,
                                                                                                achievement.id)
            db.session.commit()
            return lambda: services.add_value_line(user, record, ValueLineData(year, Decimal("1.25"), "并发"))
        return prepare

    def verify():
        admin, line = db.session.get(type(world.admin), world.admin.id), db.session.get(ValueLine, first_line)
        db.session.commit()
        return lambda: services.verify_value_line(admin, line)

    outcomes = run_together(app, [add(2021 + i) for i in range(8)] + [verify])
    assert outcomes["ok"] == 9, outcomes
    assert value_of(achievement.id) == Decimal("20.00")
    assert sum(amount for _, amount, _ in lines_of(achievement.id)) == Decimal("20.00")
