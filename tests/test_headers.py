"""Security headers on every answer: pages, errors, downloads and pages served from the page cache;
no-store whenever someone is logged in."""

from __future__ import annotations

from io import BytesIO

import pytest

from innovation_hub.models import Category
from innovation_hub.security import CONTENT_SECURITY_POLICY
from innovation_hub.submissions import services as submissions
from innovation_hub.uploads import check_upload
from tests.awards.test_access_public import final_round, serials
from tests.factories import gen_achievement, gen_studio, gen_user, login
from tests.submissions.helpers import PDF

DIRECTIVES = ("default-src 'self'", "script-src 'self'", "style-src 'self'", "object-src 'none'",
              "base-uri 'self'", "form-action 'self'", "frame-ancestors 'none'")


def assert_secured(response, *, csp: str | None = CONTENT_SECURITY_POLICY):
    headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    if csp is not None:
        assert headers["Content-Security-Policy"] == csp


def no_store(response) -> bool:
    return response.headers.get("Cache-Control") == "no-store"


def test_the_policy_allows_no_inline_code():
    for directive in DIRECTIVES:
        assert directive in CONTENT_SECURITY_POLICY
    assert "unsafe" not in CONTENT_SECURITY_POLICY


def test_public_pages_and_the_api_carry_the_headers_and_may_be_cached(client, app):
    studio = gen_studio()
    for url in ("/", "/studios", f"/studios/{studio.id}", "/search?q=示例", "/login", "/api/v1/stats",
                "/awards/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_secured(response)
        assert not no_store(response), url  # nobody is logged in: revalidated, not forbidden to keep


def test_a_page_served_from_the_page_cache_carries_them_too(client, app, count_sql):
    gen_studio()
    first = client.get("/studios")
    with count_sql() as counter:
        again = client.get("/studios")
    assert counter.count == 1  # only the catalogue version was read: the page came from the cache
    assert again.get_data() == first.get_data()
    assert_secured(again)
    not_modified = client.get("/studios", headers={"If-None-Match": again.headers["ETag"]})
    assert not_modified.status_code == 304
    assert_secured(not_modified)


@pytest.mark.parametrize("url, status", [
    ("/no-such-page", 404), ("/studios/999999", 404), ("/studios?level=nonsense", 400),
    ("/api/v1/studios/999999", 404), ("/admin/users", 302),
])
def test_error_answers_carry_them(client, app, url, status):
    response = client.get(url)
    assert response.status_code == status
    assert_secured(response)


def test_an_unexpected_error_carries_them(client, app):
    def broken():
        raise RuntimeError("boom")

    app.view_functions["accounts.login"] = broken
    app.logger.disabled = True  # the traceback is expected here
    try:
        response = client.get("/login")
    finally:
        app.logger.disabled = False
    assert response.status_code == 500 and "服务器出错了" in response.get_data(as_text=True)
    assert_secured(response)


def test_logged_in_pages_are_never_stored(client, app):
    gen_user("admin1")
    response = login(client, "admin1")
    assert no_store(response)  # the redirect that sets the session
    for url in ("/admin/users", "/", "/studios", "/admin/audit", "/no-such-page"):
        response = client.get(url)
        assert_secured(response)
        assert no_store(response), url
    static = client.get("/static/css/site.css")
    assert not no_store(static)  # the same file for everyone: caching it is fine
    static.close()
    client.post("/logout")
    assert not no_store(client.get("/"))


def test_ledger_downloads_carry_them(client, app):
    gen_achievement(gen_studio())
    anonymous = client.get("/achievements/export.xlsx")
    assert anonymous.status_code == 200 and "attachment" in anonymous.headers["Content-Disposition"]
    assert_secured(anonymous)
    gen_user("admin1")
    login(client, "admin1")
    logged_in = client.get("/studios/export.xlsx")
    assert_secured(logged_in)
    assert no_store(logged_in)


def test_a_proof_file_keeps_its_own_sandbox_policy_and_gets_the_rest(client, app):
    studio = gen_studio("甲工作室")
    owner = gen_user("studio-a", "studio", studio=studio)
    record = submissions.save_achievement(owner, submissions.AchievementData(
        studio_name="", title="带电作业绝缘杆改进", category=Category.INNOVATION, year=2024, completers=["王建国"]))
    proof = submissions.attach_file(owner, record, check_upload("证书.pdf", BytesIO(PDF)))
    login(client, "studio-a")
    response = client.get(f"/files/{proof.id}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert_secured(response, csp="sandbox; frame-ancestors 'none'")
    assert no_store(response)
    response.close()


def test_award_downloads_and_certificates_carry_them(app):
    stage = final_round(entries=4, quota=2)
    first, _ = serials(stage)
    public = app.test_client()
    check = public.get(f"/awards/certificates/{first}")
    assert check.status_code == 200
    assert_secured(check)
    admin = app.test_client()
    gen_user("admin9")
    login(admin, "admin9")
    for url in (f"/admin/awards/{stage.round.id}/export/all.xlsx", f"/awards/{stage.round.id}/certificates",
                f"/awards/certificates/{first}/print"):
        response = admin.get(url)
        assert response.status_code == 200, url
        assert_secured(response)
        assert no_store(response), url
