"""Patent legal status: derived from the grant date and the term end, overridden by the office with a reason."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from innovation_hub.audit.models import AuditEntry
from innovation_hub.catalogue import legal_status, patent_numbers
from innovation_hub.catalogue.models import Patent
from innovation_hub.extensions import db
from innovation_hub.figures import services
from innovation_hub.models import LegalStatus, PatentKind, local_today
from tests.factories import gen_patent, gen_studio, gen_user, login

TODAY = date(2025, 6, 15)


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def filed_for_term_end(kind: PatentKind, term_end: date) -> date:
    """The filing date whose term ends on `term_end` (utility models: 10 years, ending the day before)."""
    years = 20 if kind is PatentKind.INVENTION else 10
    filing = years_before(term_end + timedelta(days=1), years)
    assert patent_numbers.term_end(kind, filing) == term_end
    return filing


@pytest.mark.parametrize(("grant", "term_end", "expected"), [
    (None, TODAY + timedelta(days=3000), LegalStatus.PENDING),
    (date(2016, 1, 1), TODAY + timedelta(days=1), LegalStatus.IN_FORCE),
    (date(2016, 1, 1), TODAY, LegalStatus.IN_FORCE),  # the term's last day is still protected
    (date(2016, 1, 1), TODAY - timedelta(days=1), LegalStatus.EXPIRED),
    (date(2016, 1, 1), None, LegalStatus.IN_FORCE),  # granted, filing date unknown
])
def test_status_follows_grant_and_term_end(grant, term_end, expected):
    assert legal_status.derive(grant, term_end, None, TODAY) is expected


def test_an_override_wins_and_lapsed_is_never_derived():
    assert legal_status.derive(date(2020, 1, 1), TODAY + timedelta(days=99), LegalStatus.LAPSED, TODAY) \
        is LegalStatus.LAPSED
    assert all(legal_status.derive(g, t, None, TODAY) is not LegalStatus.LAPSED
               for g in (None, date(2020, 1, 1)) for t in (None, TODAY, TODAY - timedelta(days=1)))


@pytest.fixture
def around_term_end(app):
    """Utility models granted long ago whose terms end yesterday, today and tomorrow; one not granted."""
    studio = gen_studio("检修工艺创新工作室")
    today = local_today()
    made = {}
    for name, offset in (("yesterday", -1), ("today", 0), ("tomorrow", 1)):
        end = today + timedelta(days=offset)
        filing = filed_for_term_end(PatentKind.UTILITY, end)
        made[name] = gen_patent(studio, f"保护期{name}届满的装置", year=filing.year, filing_date=filing,
                                grant_date=filing + timedelta(days=200))
    made["pending"] = gen_patent(studio, "尚在审查的装置", year=2024, filing_date=date(2024, 5, 1))
    return studio, made


def test_stored_term_end_and_status_around_the_term_end(around_term_end):
    _, made = around_term_end
    assert made["yesterday"].legal_status is LegalStatus.EXPIRED
    assert made["today"].legal_status is LegalStatus.IN_FORCE
    assert made["tomorrow"].legal_status is LegalStatus.IN_FORCE
    assert made["pending"].legal_status is LegalStatus.PENDING
    stored = dict(db.session.execute(select(Patent.id, Patent.term_end)).all())
    assert stored[made["today"].id] == local_today()


def test_the_sql_condition_agrees_with_the_model(around_term_end):
    _, made = around_term_end
    for status in LegalStatus:
        ids = set(db.session.scalars(select(Patent.id).where(legal_status.condition(Patent, status, local_today()))))
        assert ids == {p.id for p in made.values() if p.legal_status is status}, status


def test_the_term_end_follows_a_changed_filing_date(app):
    studio = gen_studio()
    patent = gen_patent(studio, filing_date=date(2021, 3, 1), kind=PatentKind.UTILITY, year=2021)
    assert patent.term_end == date(2031, 2, 28)
    from innovation_hub.database import write_transaction

    with write_transaction():
        patent.filing_date = date(2010, 3, 1)
    db.session.expire_all()
    assert db.session.get(Patent, patent.id).term_end == date(2020, 2, 29)


def test_admin_overrides_with_a_reason_audited_before_and_after(around_term_end, client):
    _, made = around_term_end
    admin = gen_user("office")
    patent = made["tomorrow"]
    assert login(client, "office").status_code == 302
    url = f"/admin/patents/{patent.id}/legal-status"
    form = client.get(url)
    assert form.status_code == 200 and "按日期推算" in form.get_data(as_text=True)

    missing = client.post(url, data={"status": "lapsed", "reason": " "})
    assert missing.status_code == 400 and "请填写更改法律状态的理由" in missing.get_data(as_text=True)
    assert db.session.get(Patent, patent.id).legal_status_override is None

    done = client.post(url, data={"status": "lapsed", "reason": "未缴纳年费，专利权终止"})
    assert done.status_code == 302
    db.session.expire_all()
    patent = db.session.get(Patent, patent.id)
    assert patent.legal_status is LegalStatus.LAPSED and patent.legal_status_reason == "未缴纳年费，专利权终止"
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "patent.legal_status")).one()
    assert entry.actor_name == "office" and entry.target_id == patent.id
    assert entry.detail == "有效（按日期推算） → 失效（人工设定）：未缴纳年费，专利权终止"

    page = client.get(f"/patents/{patent.id}").get_data(as_text=True)
    assert "失效" in page and "未缴纳年费" in page and "更改法律状态" in page
    # Back to the dates: the override and its reason go, the audit log keeps both steps.
    services.set_legal_status(admin, patent, None, "年费已补缴，恢复")
    assert patent.legal_status is LegalStatus.IN_FORCE and patent.legal_status_override is None
    assert db.session.scalar(select(db.func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "patent.legal_status")) == 2


def test_only_an_admin_overrides(around_term_end):
    _, made = around_term_end
    studio_user = gen_user("studio-x", "studio", studio=made["today"].studio)
    from innovation_hub.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.set_legal_status(studio_user, made["today"], LegalStatus.LAPSED, "理由")


def test_public_pages_and_api_show_the_status(around_term_end, client):
    _, made = around_term_end
    page = client.get(f"/patents/{made['yesterday'].id}").get_data(as_text=True)
    assert "届满" in page and "更改法律状态" not in page
    body = client.get(f"/api/v1/patents/{made['pending'].id}").get_json()
    assert body["legal_status"] == "申请中" and body["legal_status_code"] == "pending"
    assert body["legal_status_overridden"] is False
    # The contract's fields stay.
    assert {"number", "kind", "filing_date", "grant_date", "term_end", "studio", "inventors"} <= set(body)
