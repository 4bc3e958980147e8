"""A live server on the demo data and a Playwright page on Debian's Chromium.

`make test` installs chromium; without it these tests skip, except under CI=true where
a missing browser is a failure (browser tests never skip silently in CI).
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _require_chromium():
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"Chromium not found at {CHROMIUM}: `make test` installs it (apt-get install chromium)")
    pytest.skip("Chromium is not installed; `make test` installs it")


def _closing(app):
    """The app with each response read whole and closed before werkzeug's dev server writes it: when the
    browser drops a connection mid-response (a page closed while its favicon loads), the server fails
    before closing the response and leaves a static file open (an unclosed-file warning in a later test)."""

    def application(environ, start_response):
        body = app(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            if hasattr(body, "close"):
                body.close()

    return application


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The site on the demo data, served from a thread on a free loopback port."""
    from ..databases import demo_app

    # A copy of the session's demo site (seed-demo runs once for the whole suite).
    with demo_app(tmp_path_factory.mktemp("browser-instance"), {"WTF_CSRF_ENABLED": True}) as app:
        server = make_server("127.0.0.1", 0, _closing(app), threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield f"http://127.0.0.1:{server.server_port}", app
        server.shutdown()


@pytest.fixture(scope="session")
def browser():
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    failed: list[str] = []
    # The site must work offline: any request to another host is a defect.
    page.on("request", lambda r: failed.append(r.url) if not r.url.startswith(("http://127.0.0.1", "data:")) else None)
    yield page
    context.close()
    assert not failed, f"requests to other hosts: {failed}"


def screenshot(page, name: str, *, full_page: bool = True) -> Path:
    """Save a screenshot under tests/artifacts/ (and docs/screenshots/ with UPDATE_SCREENSHOTS=1)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, SCREENSHOTS / path.name)
    return path
