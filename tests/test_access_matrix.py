"""Who may use which route: every rule of the app's URL map × anonymous, studio A, studio B, judge, admin.

A route missing from RULES fails the test, so a new route cannot ship without an access rule.
Expected answers: 200; "login" (302 to the login page); 403; 404 (a studio never learns that another
studio's draft exists); another status when the route answers it on purpose (409); "ok" for a POST that
was allowed and did what the route does.

Every POST rule has an entry in FORMS: the form the site's page would send (valid data), so that
- a refused role (login, 403, 404) is refused with valid data: the refusal is the access rule's, not a
  form error;
- an allowed role's "ok" is strict. It is either a redirect (302/303) not to the login page, with no
  flashed message of category "danger" or "warning" (the views flash a refusal or a no-op and redirect),
  or a 200 page with no form error on it (no "is-invalid", "invalid-feedback" or "alert-danger": a 200 is
  a success page, e.g. the temporary password, never the form again). Any other status (400, 409, …)
  is not "ok". The failure line names the method, URL, role, what was expected and what came, with the
  messages the page or the flash gave.
The refused roles of a route go first, so a success cannot spoil them; a POST that changes or consumes
an object (submit, delete, approve, close) has an object of its own in the world, so the order of the
rules does not matter. TRACES may check what a success left behind.
"""

import re
from dataclasses import dataclass
from io import BytesIO

import pytest

from innovation_hub.accounts.models import User
from innovation_hub.accounts.services import password_stamp, user_by_username
from innovation_hub.catalogue.patent_numbers import make_number
from innovation_hub.catalogue.services import AchievementData, PatentData
from innovation_hub.ledger import services as ledger
from innovation_hub.ledger.models import ImportState, LedgerImport
from innovation_hub.lifecycle import services as lifecycle
from innovation_hub.models import Category, PatentKind, RecordStatus
from innovation_hub.submissions import services
from innovation_hub.submissions.models import ProofFile
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
    "accounts.user_set_active": ("POST", ADMIN_POST, {"user_id": "user_to_disable"}),
    "accounts.user_edit": ("GET", ADMIN, {"user_id": "spare_user"}),
    "accounts.user_update": ("POST", ADMIN_POST, {"user_id": "spare_user"}),
    "accounts.user_reset_password": ("POST", ADMIN_POST, {"user_id": "user_to_reset"}),
    "accounts.user_unlock": ("POST", ADMIN_POST, {"user_id": "locked_user"}),
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
    "ledger_admin.confirm": ("POST", ADMIN_POST, {"job_id": "validated_job"}),
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
    "office.record_republish": ("POST", ADMIN_POST, {"kind": "patents", "record_id": "withdrawn_patent"}),
    "office.record_delete": ("GET", ADMIN, {"kind": "achievements", "record_id": "public_achievement"}),
    "office.request_list": ("GET", ADMIN, {}),
    "office.request_approve": ("POST", ADMIN_POST, {"request_id": "change_request"}),
    "office.request_refuse": ("POST", ADMIN_POST, {"request_id": "change_to_refuse"}),
    "lifecycle_admin.overview": ("GET", ADMIN, {}),
    "lifecycle_admin.year_open": ("POST", ADMIN_POST, {}),
    "lifecycle_admin.year_detail": ("GET", ADMIN, {"year": "review_year"}),
    "lifecycle_admin.year_close": ("POST", ADMIN_POST, {"year": "closable_year"}),
    "lifecycle_admin.report_detail": ("GET", ADMIN, {"report_id": "report_a"}),
    "lifecycle_admin.report_grade": ("POST", ADMIN_POST, {"report_id": "report_a"}),
    "lifecycle_admin.report_return": ("POST", ADMIN_POST, {"report_id": "report_b"}),
    "lifecycle_admin.rechecks": ("GET", ADMIN, {}),
    "lifecycle_admin.recheck": ("GET", ADMIN, {"studio_id": "studio_a"}),
    "lifecycle_admin.delist": ("GET", ADMIN, {"studio_id": "studio_a"}),
    "lifecycle_admin.restore": ("GET", ADMIN, {"studio_id": "studio_a"}),
    "lifecycle_studio.studio_home": ("GET", STUDIO, {}),
    "lifecycle_studio.report_form": ("GET", STUDIO, {"year": "review_year"}),  # each studio its own report
    "lifecycle_studio.report_submit": ("POST", ("login", "ok", "ok", 403, 403), {"year": "filing_year"}),
    "figures.legal_status": ("GET", ADMIN, {"patent_id": "public_patent"}),
    "figures.value_lines": ("GET", ADMIN, {}),
    "figures.value_verify": ("POST", ADMIN_POST, {"line_id": "value_line"}),
    "figures.value_unverify": ("POST", ADMIN_POST, {"line_id": "verified_line"}),
    "figures.value_add": ("POST", STUDIO_RECORD_POST, {"achievement_id": "draft_achievement"}),
    "figures.value_delete": ("POST", STUDIO_RECORD_POST, {"line_id": "value_line_to_delete"}),
    "figures.value_evidence": ("GET", PRIVATE_FILE, {"line_id": "value_line"}),
}


# What each POST sends: the fields of the route's form, as its page fills them. A dict is sent as it is; a
# function of the Post (the world's objects, the client, the URL values) builds it for each request, so
# each request gets its own upload stream or captcha.
FORMS: dict = {
    "accounts.logout": {},
    "accounts.user_create": {"username": "new-judge", "role": "judge", "display_name": "新评委", "unit": "市电力公司",
                             "studio_name": "", "password": "Judge2024pass"},
    "accounts.user_set_active": {"active": "0"},
    "accounts.user_update": {"display_name": "备用评委", "unit": "市电力公司", "studio_name": ""},
    "accounts.user_reset_password": lambda post: {"stamp": password_stamp(post.get(User, "user_id"))},
    "accounts.user_unlock": {},
    "review.approve": {},
    "review.return_record": {"reason": "缺少专利证书复印件，请补充后重新提交"},
    "submissions.achievement_submit": {},
    "submissions.patent_submit": {},
    "submissions.file_upload": lambda post: {"file": pdf("证书.pdf"), "public": "y"},
    "submissions.file_delete": {},
    "ledger_admin.upload": lambda post: {"file": (BytesIO(post.objects["ledger_workbook"]), "台账.xlsx")},
    "ledger_admin.confirm": {},
    "office.record_republish": {},
    "office.request_approve": {},
    "office.request_refuse": {"reason": "行业应按依托单位的主营业务填写"},
    "lifecycle_admin.year_open": {"year": "2026", "deadline": "2027-03-31", "note": "请按时报送"},
    "lifecycle_admin.year_close": {},
    "lifecycle_admin.report_grade": {"grade": "pass", "comment": ""},
    "lifecycle_admin.report_return": {"reason": "创造价值缺少测算依据，请补充后重新提交"},
    "lifecycle_studio.report_submit": {},
    "figures.value_verify": {},
    "figures.value_unverify": {},
    "figures.value_add": {"year": "2024", "amount_wan": "2.5", "basis": "年节约材料费 2.5 万元，财务部门核算"},
    "figures.value_delete": {},
}


def _ledger_job_ran(post, response) -> str | None:
    """A ledger job (the upload's dry run, the confirmed import) runs in a thread: wait for it, as it writes to the
    database this test owns; then the job must have ended well."""
    from innovation_hub.extensions import db

    job_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[-1])
    ledger.wait_for(job_id)
    db.session.rollback()  # see what the job's thread committed
    job = db.session.get(LedgerImport, job_id)
    return None if job and job.status in (ImportState.VALIDATED, ImportState.DONE) else f"ledger job {job_id}: " \
        f"{job.status.label if job else 'missing'}"


# What a success must have left behind, checked after the allowed role's answer: None, or what is wrong.
TRACES: dict = {
    "ledger_admin.upload": _ledger_job_ran,
    "ledger_admin.confirm": _ledger_job_ran,
    "accounts.user_create": lambda post, _: None if user_by_username("new-judge") else "no account new-judge",
    "submissions.file_delete": lambda post, _: "the file is still there" if post.get(ProofFile, "file_id") else None,
}


def pdf(name: str = "证明.pdf") -> tuple[BytesIO, str]:
    """A small PDF to upload: a fresh stream for each request."""
    return BytesIO(PDF), name


def _draft_patent(actor, title, serial):
    return services.save_patent(actor, PatentData(
        number=make_number(2023, PatentKind.UTILITY, serial), title=title, kind=PatentKind.UTILITY,
        studio_name="", inventors=["王建国"]))


def _done_ledger_job(admin) -> int:
    from innovation_hub.extensions import db

    job = LedgerImport(uploaded_by_id=admin.id, original_name="台账.xlsx", stored_name="0" * 32 + ".xlsx",
                       sha256="0" * 64, size=1, status=ImportState.DONE, errors=[], counts={"import": {
                           "sheets": {"工作室": {"created": 1, "updated": 0, "unchanged": 0}}, "titles": 0,
                           "missing": {"studios": 0, "achievements": 0, "patents": 0, "kept": {}}, "deleted": False}})
    db.session.add(job)
    db.session.commit()
    return job.id


def _validated_ledger_job(admin, workbook: bytes) -> int:
    """An uploaded ledger whose dry run found no error: ready to import."""
    from innovation_hub.extensions import db

    job = ledger.upload_ledger(admin, "台账.xlsx", BytesIO(workbook))
    ledger.wait_for(job.id)
    db.session.rollback()
    assert job.status is ImportState.VALIDATED, job.errors
    return job.id


def _ledger_template() -> bytes:
    from innovation_hub.ledger.exporter import build_workbook

    buffer = BytesIO()
    build_workbook().save(buffer)
    return buffer.getvalue()


def _locked_out(username: str) -> int:
    """A user with a failed login on record, so that 解锁 has something to clear."""
    from innovation_hub.accounts.services import LoginRefused, authenticate

    user = gen_user(username, "judge")
    with pytest.raises(LoginRefused):
        authenticate(username, "wrong-password-1", "127.0.0.1")
    return user.id


def _lifecycle_objects(admin, studio_a, studio_b) -> dict:
    """Review years: 2025 with a report of each studio filed (one to grade, one to return), 2024 with a saved
    report of each studio to submit, 2023 with nothing left to grade (to close)."""
    def report(studio_user, year, activities, submit):
        saved = lifecycle.save_report(studio_user, year, lifecycle.ReportData(None, 1, 1, activities))
        if submit:
            lifecycle.submit_report(studio_user, saved)
        return saved

    review_year, filing_year, closable_year = (lifecycle.open_year(admin, year, lifecycle.today())
                                               for year in (2025, 2024, 2023))
    report_a = report(studio_a, review_year, "甲的年度报告", True)
    report_b = report(studio_b, review_year, "乙的年度报告", True)
    for studio_user in (studio_a, studio_b):
        report(studio_user, filing_year, "年度工作情况", False)
    return {"review_year": review_year.year, "report_a": report_a.id, "report_b": report_b.id,
            "filing_year": filing_year.year, "closable_year": closable_year.year}


@pytest.fixture
def world(app):
    from decimal import Decimal

    from innovation_hub.figures.services import ValueLineData, add_value_line, verify_value_line
    from innovation_hub.office.services import unpublish_record

    a, b = gen_studio("甲工作室"), gen_studio("乙工作室")
    users = {"studio_a": gen_user("studio-a", "studio", studio=a), "studio_b": gen_user("studio-b", "studio", studio=b),
             "judge": gen_user("judge1", "judge"), "admin": gen_user("admin1")}
    studio_a, admin = users["studio_a"], users["admin"]
    public_achievement = gen_achievement(a, "公开的成果")

    def draft_of_a(title):
        return services.save_achievement(studio_a, AchievementData("", title, Category.INNOVATION, 2024, ["王建国"]))

    draft, to_submit, submitted = draft_of_a("甲的草稿"), draft_of_a("待提交"), draft_of_a("待审核")
    services.submit_record(studio_a, submitted)
    submitted_patent = _draft_patent(studio_a, "待审核的专利", 901)
    services.submit_record(studio_a, submitted_patent)
    private_file = services.attach_file(studio_a, draft, check_upload("证明.pdf", BytesIO(PDF)))
    file_to_delete = services.attach_file(studio_a, draft, check_upload("多余.pdf", BytesIO(PDF)))
    value_line, value_line_to_delete, verified_line = (
        add_value_line(studio_a, public_achievement, ValueLineData(year, Decimal("3"), "测算依据"),
                       check_upload("效益证明.pdf", BytesIO(PDF)))
        for year in (2022, 2023, 2021))
    verify_value_line(admin, verified_line, True)
    withdrawn_patent = gen_patent(a, "撤下的专利", status=RecordStatus.APPROVED)
    unpublish_record(admin, withdrawn_patent, "专利权已终止")
    workbook = _ledger_template()  # the empty template: a ledger with nothing to change
    change_request, change_to_refuse = services.update_profile(studio_a, a, services.ProfileData(
        intro=a.intro, members=a.members, industry="电力", district=a.district, host_unit="新的依托单位"))
    objects = {
        "studio_a": a.id, "public_achievement": public_achievement.id,
        "public_patent": gen_patent(a, "公开的专利", status=RecordStatus.APPROVED).id,
        "withdrawn_patent": withdrawn_patent.id,
        "public_person": public_achievement.completers[0].id,
        "draft_achievement": draft.id, "draft_to_submit": to_submit.id, "submitted_achievement": submitted.id,
        "draft_patent": _draft_patent(studio_a, "甲的专利草稿", 902).id,
        "draft_patent_to_submit": _draft_patent(studio_a, "待提交的专利", 903).id,
        "submitted_patent": submitted_patent.id, "private_file": private_file.id,
        "file_to_delete": file_to_delete.id, "spare_user": gen_user("spare", "judge").id,
        "user_to_disable": gen_user("to-disable", "judge").id, "user_to_reset": gen_user("to-reset", "judge").id,
        "locked_user": _locked_out("locked"),
        "ledger_job": _done_ledger_job(admin), "ledger_workbook": workbook,
        "validated_job": _validated_ledger_job(admin, workbook),
        "studio_title": a.titles[0].id,
        "change_request": change_request.id, "change_to_refuse": change_to_refuse.id,
        "value_line": value_line.id, "value_line_to_delete": value_line_to_delete.id,
        "verified_line": verified_line.id,
        **_lifecycle_objects(admin, studio_a, users["studio_b"]),
    }
    clients = {"anonymous": app.test_client()}
    for role, user in users.items():
        clients[role] = app.test_client()
        assert login(clients[role], user.username).status_code == 302
    return objects, clients


@dataclass
class Post:
    """One POST of the matrix: what a FORMS or TRACES function may look at."""

    objects: dict
    client: object
    values: dict  # the URL's values (ids)

    def get(self, model, name: str):
        """The row of `model` whose id is the URL value `name`."""
        from innovation_hub.extensions import db

        db.session.expire_all()  # what the request committed
        return db.session.get(model, self.values[name])


# Marks of a form shown again with its errors (the form macros, submissions/_form_errors.html, base.html's flashes).
FORM_ERROR_MARKS = ("is-invalid", "invalid-feedback", "alert-danger")
_MESSAGE = re.compile(r'<(div|span|p)[^>]*class="[^"]*\b(?:invalid-feedback|alert-danger|alert-warning|text-danger)'
                      r'\b[^"]*"[^>]*>(.*?)</\1>', re.S)


def _messages(body: str) -> str:
    """The error messages a page shows (beside fields, above the form, flashed), to quote in a failure."""
    texts = (" ".join(re.sub(r"<[^>]+>", " ", inner).split()) for _tag, inner in _MESSAGE.findall(body))
    shown = [text for text in texts if text][:3]
    return f" {shown}" if shown else ""


def _pop_flashes(client) -> list[tuple[str, str]]:
    with client.session_transaction() as session:
        return session.pop("_flashes", [])


def _outcome(response) -> object:
    if response.status_code == 302 and "/login" in response.headers.get("Location", ""):
        return "login"
    return response.status_code


def _not_ok(response, client) -> str | None:
    """Why an allowed POST did not do its work (see the module docstring), or None when it did."""
    got = _outcome(response)
    if got in (302, 303):
        refusals = [message for category, message in _pop_flashes(client) if category in ("danger", "warning")]
        return f"{got} to {response.headers['Location']} flashing {refusals}" if refusals else None
    body = response.get_data(as_text=True)
    if got == 200:
        return f"200 with the form's errors{_messages(body)}" if any(m in body for m in FORM_ERROR_MARKS) else None
    return f"{got}{_messages(body)}"


def _differs(method: str, url: str, expected, post: Post, form, trace) -> str | None:
    """Send one request as post.client; what came instead of `expected`, or None when the rule holds."""
    data = (form(post) if callable(form) else dict(form)) if form is not None else {}
    if expected == "ok":
        _pop_flashes(post.client)  # what earlier answers left, e.g. the login page's 请先登录
    with post.client.open(url, method=method, data=data) as response:  # closes file responses
        if expected != "ok":
            got = _outcome(response)
            if got == expected:
                return None
            return f"{got}{_messages(response.get_data(as_text=True))}" if method == "POST" else str(got)
        wrong = _not_ok(response, post.client)
        return trace(post, response) if wrong is None and trace is not None else wrong


def award_rules() -> dict:
    """The award routes' rules: each audience's module checks them against a world of award rounds."""
    from tests.awards import access_admin, access_judging, access_public

    return {**access_admin.RULES, **access_judging.RULES, **access_public.RULES}


def check_rules(app, rules: dict, objects: dict, clients: dict, forms: dict, traces: dict | None = None) -> list[str]:
    """Open every rule's URL as each role; the lines describe the answers that differ from the rule.

    `forms` holds each POST rule's form data (see FORMS), `traces` what a success leaves behind (see TRACES).
    """
    from flask import url_for

    failures = []
    # Reads first, then writes, logout last; within a route the refused roles go first.
    order = sorted(rules, key=lambda endpoint: (rules[endpoint][0] == "POST", endpoint == "accounts.logout"))
    for endpoint in order:
        method, expected, args = rules[endpoint]
        values = {k: objects.get(v, v) for k, v in args.items()}
        with app.test_request_context():
            url = url_for(endpoint, **values)
        if method == "POST" and endpoint not in forms:
            failures.append(f"POST {url}: no form data for {endpoint} (add it to FORMS beside its rule)")
            continue
        for i in sorted(range(len(ROLES)), key=lambda i: expected[i] in ("ok", 200)):
            post = Post(objects, clients[ROLES[i]], values)
            got = _differs(method, url, expected[i], post, forms.get(endpoint), (traces or {}).get(endpoint))
            if got is not None:
                failures.append(f"{method} {url} as {ROLES[i]}: expected {expected[i]}, got {got}")
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
    failures = check_rules(app, RULES, objects, clients, FORMS, TRACES)
    assert not failures, "\n".join(failures)
