"""Who may use which route: every rule of the app's URL map × anonymous, studio A, studio B, judge, admin.

A route missing from RULES fails the test, so a new route cannot ship without an access rule.
Statuses: 200 ok; 302 to the login page ("login"); 403; 404 (a studio never learns that another
studio's draft exists); "ok" for a POST that was allowed (200, 400 or a redirect not to the login page).
"""

from io import BytesIO

import pytest

from innovation_hub.catalogue.patent_numbers import make_number
from innovation_hub.catalogue.services import AchievementData, PatentData
from innovation_hub.lifecycle import services as lifecycle
from innovation_hub.models import Category, PatentKind, RecordStatus
from innovation_hub.submissions import services
from innovation_hub.uploads import check_upload
from tests.factories import gen_achievement, gen_patent, gen_studio, gen_user, login

ROLES = ("anonymous", "studio_a", "studio_b", "judge", "admin")
PDF = b"%PDF-1.4\n%%EOF\n"

# Expected answer per role, in the order of ROLES.
PUBLIC = (200, 200, 200, 200, 200)
LOGGED_IN = ("login", 200, 200, 200, 200)
LOGGED_IN_POST = ("login", "ok", "ok", "ok", "ok")
ADMIN = ("login", 403, 403, 403, 200)
ADMIN_POST = ("login", 403, 403, 403, "ok")
STUDIO = ("login", 200, 200, 403, 403)  # the studio's own area: each studio sees its own
STUDIO_RECORD = ("login", 200, 404, 403, 403)  # a record of studio A
STUDIO_RECORD_POST = ("login", "ok", 404, 403, 403)
PRIVATE_FILE = (404, 200, 404, 404, 200)

# endpoint: (method, expected, which objects fill the URL)
RULES = {
    "static": ("GET", PUBLIC, {"filename": "css/site.css"}),
    "catalogue.home": ("GET", PUBLIC, {}),
    "catalogue.studio_list": ("GET", PUBLIC, {}),
    "catalogue.studio_export": ("GET", PUBLIC, {}),
    "catalogue.studio_detail": ("GET", PUBLIC, {"studio_id": "studio_a"}),
    "catalogue.achievement_list": ("GET", PUBLIC, {}),
    "catalogue.achievement_export": ("GET", PUBLIC, {}),
    "catalogue.achievement_detail": ("GET", PUBLIC, {"achievement_id": "public_achievement"}),
    "catalogue.patent_list": ("GET", PUBLIC, {}),
    "catalogue.patent_export": ("GET", PUBLIC, {}),
    "catalogue.patent_detail": ("GET", PUBLIC, {"patent_id": "public_patent"}),
    "catalogue.person_detail": ("GET", PUBLIC, {"person_id": "public_person"}),
    "search.search_page": ("GET", PUBLIC, {}),
    "search_api.api_search": ("GET", PUBLIC, {}),
    "api.studios": ("GET", PUBLIC, {}),
    "api.studio": ("GET", PUBLIC, {"studio_id": "studio_a"}),
    "api.achievement": ("GET", PUBLIC, {"achievement_id": "public_achievement"}),
    "api.patent": ("GET", PUBLIC, {"patent_id": "public_patent"}),
    "api.person": ("GET", PUBLIC, {"person_id": "public_person"}),
    "api.stats": ("GET", PUBLIC, {}),
    "accounts.login": ("GET", PUBLIC, {}),
    "accounts.logout": ("POST", LOGGED_IN_POST, {}),
    "accounts.change_password": ("GET", LOGGED_IN, {}),
    "accounts.user_list": ("GET", ADMIN, {}),
    "accounts.user_create": ("POST", ADMIN_POST, {}),
    "accounts.user_set_active": ("POST", ADMIN_POST, {"user_id": "spare_user"}),
    "accounts.user_edit": ("GET", ADMIN, {"user_id": "spare_user"}),
    "accounts.user_update": ("POST", ADMIN_POST, {"user_id": "spare_user"}),
    "accounts.user_reset_password": ("POST", ADMIN_POST, {"user_id": "spare_user"}),
    "accounts.user_unlock": ("POST", ADMIN_POST, {"user_id": "spare_user"}),
    "review.queue": ("GET", ADMIN, {}),
    "review.audit_log": ("GET", ADMIN, {}),
    "review.detail": ("GET", ADMIN, {"kind": "achievement", "record_id": "submitted_achievement"}),
    "review.approve": ("POST", ADMIN_POST, {"kind": "achievement", "record_id": "submitted_achievement"}),
    "review.return_record": ("POST", ADMIN_POST, {"kind": "patent", "record_id": "submitted_patent"}),
    "submissions.dashboard": ("GET", STUDIO, {}),
    "submissions.profile": ("GET", STUDIO, {}),
    "submissions.similar": ("GET", STUDIO, {}),
    "submissions.achievement_new": ("GET", STUDIO, {}),
    "submissions.patent_new": ("GET", STUDIO, {}),
    "submissions.achievement_detail": ("GET", STUDIO_RECORD, {"achievement_id": "draft_achievement"}),
    "submissions.achievement_edit": ("GET", STUDIO_RECORD, {"achievement_id": "draft_achievement"}),
    "submissions.achievement_submit": ("POST", STUDIO_RECORD_POST, {"achievement_id": "draft_to_submit"}),
    "submissions.patent_detail": ("GET", STUDIO_RECORD, {"patent_id": "draft_patent"}),
    "submissions.patent_edit": ("GET", STUDIO_RECORD, {"patent_id": "draft_patent"}),
    "submissions.patent_submit": ("POST", STUDIO_RECORD_POST, {"patent_id": "draft_patent_to_submit"}),
    "submissions.file_upload": ("POST", STUDIO_RECORD_POST, {"kind": "achievements", "record_id": "draft_achievement"}),
    "submissions.file_delete": ("POST", STUDIO_RECORD_POST, {"file_id": "file_to_delete"}),
    "files.file_download": ("GET", PRIVATE_FILE, {"file_id": "private_file"}),
    "ledger_admin.index": ("GET", ADMIN, {}),
    "ledger_admin.upload": ("POST", ADMIN_POST, {}),
    "ledger_admin.job": ("GET", ADMIN, {"job_id": "ledger_job"}),
    "ledger_admin.status": ("GET", ADMIN, {"job_id": "ledger_job"}),
    # The job has been imported already: the administrator is told so (409), nothing starts.
    "ledger_admin.confirm": ("POST", ("login", 403, 403, 403, 409), {"job_id": "ledger_job"}),
    "ledger_admin.template": ("GET", ADMIN, {}),
    "ledger_admin.export": ("GET", ADMIN, {}),
    "office.studio_list": ("GET", ADMIN, {}),
    "office.studio_new": ("GET", ADMIN, {}),
    "office.studio_manage": ("GET", ADMIN, {"studio_id": "studio_a"}),
    "office.studio_edit": ("GET", ADMIN, {"studio_id": "studio_a"}),
    "office.studio_merge": ("GET", ADMIN, {"studio_id": "studio_a"}),
    "office.title_new": ("GET", ADMIN, {"studio_id": "studio_a"}),
    "office.title_revoke": ("GET", ADMIN, {"title_id": "studio_title"}),
    "office.leader_change": ("GET", ADMIN, {"studio_id": "studio_a"}),
    "office.achievement_edit": ("GET", ADMIN, {"achievement_id": "public_achievement"}),
    "office.patent_edit": ("GET", ADMIN, {"patent_id": "public_patent"}),
    "office.record_unpublish": ("GET", ADMIN, {"kind": "achievements", "record_id": "public_achievement"}),
    "office.record_republish": ("POST", ADMIN_POST, {"kind": "patents", "record_id": "public_patent"}),
    "office.record_delete": ("GET", ADMIN, {"kind": "achievements", "record_id": "public_achievement"}),
    "office.request_list": ("GET", ADMIN, {}),
    "office.request_approve": ("POST", ADMIN_POST, {"request_id": "change_request"}),
    "office.request_refuse": ("POST", ADMIN_POST, {"request_id": "change_request"}),
    "lifecycle_admin.overview": ("GET", ADMIN, {}),
    "lifecycle_admin.year_open": ("POST", ADMIN_POST, {}),
    "lifecycle_admin.year_detail": ("GET", ADMIN, {"year": "review_year"}),
    "lifecycle_admin.year_close": ("POST", ADMIN_POST, {"year": "review_year"}),
    "lifecycle_admin.report_detail": ("GET", ADMIN, {"report_id": "report_a"}),
    "lifecycle_admin.report_grade": ("POST", ADMIN_POST, {"report_id": "report_a"}),
    "lifecycle_admin.report_return": ("POST", ADMIN_POST, {"report_id": "report_a"}),
    "lifecycle_admin.rechecks": ("GET", ADMIN, {}),
    "lifecycle_admin.recheck": ("GET", ADMIN, {"studio_id": "studio_a"}),
    "lifecycle_admin.delist": ("GET", ADMIN, {"studio_id": "studio_a"}),
    "lifecycle_admin.restore": ("GET", ADMIN, {"studio_id": "studio_a"}),
    "lifecycle_studio.studio_home": ("GET", STUDIO, {}),
    "lifecycle_studio.report_form": ("GET", STUDIO, {"year": "review_year"}),  # each studio its own report
    "lifecycle_studio.report_submit": ("POST", ("login", "ok", "ok", 403, 403), {"year": "review_year"}),
    "figures.legal_status": ("GET", ADMIN, {"patent_id": "public_patent"}),
    "figures.value_lines": ("GET", ADMIN, {}),
    "figures.value_verify": ("POST", ADMIN_POST, {"line_id": "value_line"}),
    "figures.value_unverify": ("POST", ADMIN_POST, {"line_id": "value_line"}),
    "figures.value_add": ("POST", STUDIO_RECORD_POST, {"achievement_id": "draft_achievement"}),
    "figures.value_delete": ("POST", STUDIO_RECORD_POST, {"line_id": "value_line_to_delete"}),
    "figures.value_evidence": ("GET", PRIVATE_FILE, {"line_id": "value_line"}),
}


def _draft_patent(actor, title, serial):
    return services.save_patent(actor, PatentData(
        number=make_number(2023, PatentKind.UTILITY, serial), title=title, kind=PatentKind.UTILITY,
        studio_name="", inventors=["王建国"]))


def _done_ledger_job(admin) -> int:
    from innovation_hub.extensions import db
    from innovation_hub.ledger.models import ImportState, LedgerImport

    job = LedgerImport(uploaded_by_id=admin.id, original_name="台账.xlsx", stored_name="0" * 32 + ".xlsx",
                       sha256="0" * 64, size=1, status=ImportState.DONE, errors=[], counts={"import": {
                           "sheets": {"工作室": {"created": 1, "updated": 0, "unchanged": 0}}, "titles": 0,
                           "missing": {"studios": 0, "achievements": 0, "patents": 0, "kept": {}}, "deleted": False}})
    db.session.add(job)
    db.session.commit()
    return job.id


@pytest.fixture
def world(app):
    a, b = gen_studio("甲工作室"), gen_studio("乙工作室")
    users = {"studio_a": gen_user("studio-a", "studio", studio=a), "studio_b": gen_user("studio-b", "studio", studio=b),
             "judge": gen_user("judge1", "judge"), "admin": gen_user("admin1")}
    studio_a = users["studio_a"]
    public_achievement = gen_achievement(a, "公开的成果")
    def draft_of_a(title):
        return services.save_achievement(studio_a, AchievementData("", title, Category.INNOVATION, 2024, ["王建国"]))

    draft, to_submit, submitted = draft_of_a("甲的草稿"), draft_of_a("待提交"), draft_of_a("待审核")
    services.submit_record(studio_a, submitted)
    submitted_patent = _draft_patent(studio_a, "待审核的专利", 901)
    services.submit_record(studio_a, submitted_patent)
    private_file = services.attach_file(studio_a, draft, check_upload("证明.pdf", BytesIO(PDF)))
    file_to_delete = services.attach_file(studio_a, draft, check_upload("多余.pdf", BytesIO(PDF)))
    from decimal import Decimal

    from innovation_hub.figures.services import ValueLineData, add_value_line

    value_line, value_line_to_delete = (
        add_value_line(studio_a, public_achievement, ValueLineData(year, Decimal("3"), "测算依据"),
                       check_upload("效益证明.pdf", BytesIO(PDF)))
        for year in (2022, 2023))
    objects = {
        "studio_a": a.id, "public_achievement": public_achievement.id,
        "public_patent": gen_patent(a, "公开的专利", status=RecordStatus.APPROVED).id,
        "public_person": public_achievement.completers[0].id,
        "draft_achievement": draft.id, "draft_to_submit": to_submit.id, "submitted_achievement": submitted.id,
        "draft_patent": _draft_patent(studio_a, "甲的专利草稿", 902).id,
        "draft_patent_to_submit": _draft_patent(studio_a, "待提交的专利", 903).id,
        "submitted_patent": submitted_patent.id, "private_file": private_file.id,
        "file_to_delete": file_to_delete.id, "spare_user": gen_user("spare", "judge").id,
        "ledger_job": _done_ledger_job(users["admin"]),
        "studio_title": a.titles[0].id,
        "change_request": services.update_profile(studio_a, a, services.ProfileData(
            intro=a.intro, members=a.members, industry="电力", district=a.district))[0].id,
        "value_line": value_line.id, "value_line_to_delete": value_line_to_delete.id,
    }
    review_year = lifecycle.open_year(users["admin"], 2025, lifecycle.today())
    report_a = lifecycle.save_report(studio_a, review_year, lifecycle.ReportData(None, 1, 1, "甲的年度报告"))
    lifecycle.submit_report(studio_a, report_a)
    objects.update(review_year=review_year.year, report_a=report_a.id)
    clients = {"anonymous": app.test_client()}
    for role, user in users.items():
        clients[role] = app.test_client()
        assert login(clients[role], user.username).status_code == 302
    return objects, clients


def _outcome(response) -> object:
    if response.status_code == 302 and "/login" in response.headers.get("Location", ""):
        return "login"
    return response.status_code


def _matches(expected, response, method) -> bool:
    got = _outcome(response)
    if expected == "ok":
        return got in (200, 302, 400) and got != "login"
    return got == expected


def award_rules() -> dict:
    """The award routes' rules: each audience's module checks them against a world of award rounds."""
    from tests.awards import access_admin, access_judging, access_public

    return {**access_admin.RULES, **access_judging.RULES, **access_public.RULES}


def check_rules(app, rules: dict, objects: dict, clients: dict) -> list[str]:
    """Open every rule's URL as each role; the lines describe the answers that differ from the rule."""
    from flask import url_for

    failures = []
    # Reads first, then writes, logout last; within a route the refused roles go first.
    order = sorted(rules, key=lambda endpoint: (rules[endpoint][0] == "POST", endpoint == "accounts.logout"))
    for endpoint in order:
        method, expected, args = rules[endpoint]
        values = {k: objects.get(v, v) for k, v in args.items()}
        with app.test_request_context():
            url = url_for(endpoint, **values)
        roles = sorted(range(len(ROLES)), key=lambda i: expected[i] in ("ok", 200))
        for i in roles:
            role = ROLES[i]
            with clients[role].open(url, method=method, data={}) as response:  # closes file responses
                if not _matches(expected[i], response, method):
                    failures.append(f"{method} {url} as {role}: expected {expected[i]}, got {_outcome(response)}")
    return failures


def test_every_route_has_an_access_rule_and_keeps_it(app, world):
    objects, clients = world
    rules = {rule.endpoint: rule for rule in app.url_map.iter_rules()}
    covered = set(RULES) | set(award_rules())
    missing = sorted(set(rules) - covered)
    assert not missing, f"routes without an access rule in tests/test_access_matrix.py or tests/awards/access_*.py: " \
                        f"{missing}"
    stale = sorted(covered - set(rules))
    assert not stale, f"rules for routes that no longer exist: {stale}"
    failures = check_rules(app, RULES, objects, clients)
    assert not failures, "\n".join(failures)
