"""表彰: the public verification of a certificate, who may print certificates, the QR code and the print layout."""

import re

import pytest

from innovation_hub.awards import certificates
from tests.awards.test_access_public import final_round, serials
from tests.factories import PASSWORD, gen_user, login


def text_of(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def awarded(app):
    """A finalised round with two 优秀 entries: entry 0 of studio 0 and entry 1 of studio 1."""
    stage = final_round(entries=4, quota=2)
    return stage, serials(stage)


def logged_in(app, role, studio=None):
    client = app.test_client()
    user = gen_user(role=role, studio=studio)
    assert login(client, user.username).status_code == 302
    return client


def test_a_valid_serial_shows_the_certificate(app, client, awarded):
    stage, (first, _) = awarded
    response = client.get(f"/awards/certificates/{first}")
    page = text_of(response)
    assert response.status_code == 200 and "证书有效" in page
    achievement = stage.achievements[0]
    for text in (first, stage.round.name, achievement.title, stage.studios[0].name, "王建国、李红"):
        assert text in page
    assert re.search(r"\d{4}年\d{2}月\d{2}日", page)
    assert client.get(f"/awards/certificates/{first.lower()}").status_code == 200  # typed in lower case


@pytest.mark.parametrize("serial", ["2024999001-ABCDEF", "no-such-serial", "<script>", "x" * 300])
def test_an_unknown_serial_says_no_such_certificate_exists(app, client, awarded, serial):
    response = client.get(f"/awards/certificates/{serial}")
    assert response.status_code == 404
    page = text_of(response)
    assert "查无此证书" in page and "证书有效" not in page and "<script>" not in page


def test_a_tampered_serial_is_not_a_certificate(app, client, awarded):
    _, (first, _) = awarded
    number, tail = first.split("-")
    for forged in (f"{number}-{tail[:-1]}{'0' if tail[-1] != '0' else '1'}", f"{int(number) + 1}-{tail}"):
        response = client.get(f"/awards/certificates/{forged}")
        assert response.status_code == 404 and "查无此证书" in text_of(response)


def test_the_administrator_prints_every_certificate_and_a_studio_its_own(app, awarded):
    stage, (first, second) = awarded
    admin = logged_in(app, "admin")
    page = text_of(admin.get(f"/awards/{stage.round.id}/certificates"))
    assert page.count('class="certificate"') == 2 and first in page and second in page
    studio_a = logged_in(app, "studio", stage.studios[0])
    page = text_of(studio_a.get(f"/awards/{stage.round.id}/certificates"))
    assert page.count('class="certificate"') == 1 and first in page and second not in page
    assert studio_a.get(f"/awards/certificates/{first}/print").status_code == 200
    assert studio_a.get(f"/awards/certificates/{second}/print").status_code == 403
    assert logged_in(app, "judge").get(f"/awards/certificates/{first}/print").status_code == 403
    assert logged_in(app, "studio", stage.studios[0]).get("/awards/certificates/NOPE-0/print").status_code == 404
    anonymous = app.test_client().get(f"/awards/certificates/{first}/print")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_the_certificate_carries_round_title_studio_completers_serial(app, awarded):
    stage, (first, _) = awarded
    page = text_of(logged_in(app, "admin").get(f"/awards/certificates/{first}/print"))
    section = page[page.index(f'data-serial="{first}"'):]
    for text in (stage.round.name, stage.achievements[0].title, stage.studios[0].name, "王建国、李红",
                 f"证书编号：{first}", "优 秀 成 果"):
        assert text in section


def test_the_qr_code_opens_the_verification_page_on_the_requested_host(app, awarded):
    _, (first, _) = awarded
    client, intranet = app.test_client(), "http://10.1.2.3:8080"  # cookies go to the host they came from
    client.post("/login", data={"username": gen_user().username, "password": PASSWORD}, base_url=intranet)
    response = client.get(f"/awards/certificates/{first}/print", base_url=intranet)
    assert response.status_code == 200
    page = text_of(response)
    url = f"http://10.1.2.3:8080/awards/certificates/{first}"
    assert f'data-qr-url="{url}"' in page
    with app.test_request_context(base_url="http://10.1.2.3:8080"):
        assert certificates.verification_url(first) == url
    drawn = str(certificates.qr_svg(url))
    assert drawn.startswith("<svg") and 'class="certificate-qr"' in drawn
    assert drawn in page  # the SVG in the page is segno's drawing of exactly that URL
    assert str(certificates.qr_svg(url.replace("10.1.2.3", "127.0.0.1"))) not in page
    assert "https://" not in drawn and "<script" not in drawn


def test_the_print_page_has_an_a4_print_stylesheet_without_site_chrome(app, awarded):
    _, (first, _) = awarded
    page = text_of(logged_in(app, "admin").get(f"/awards/certificates/{first}/print"))
    assert "css/awards-print.css" in page and "cdn" not in page.lower()
    with app.test_client().get("/static/css/awards-print.css") as response:  # closes the file
        css = text_of(response)
    assert "size: A4" in css and "@media print" in css
    assert re.search(r"\.site-nav, \.site-footer[^{]*\{ display: none", css)
    assert "page-break-after: always" in css


def test_certificates_are_printed_only_after_finalisation(app):
    from tests.awards.test_access_public import publicity_round

    stage = publicity_round()
    assert logged_in(app, "admin").get(f"/awards/{stage.round.id}/certificates").status_code == 404
