"""Shared fixtures: an app on a fresh instance folder per test, its client and CLI runner."""

from __future__ import annotations

import gc
import os
import shutil

import pytest
from flask import g
from jinja2 import BytecodeCache

from innovation_hub import create_app
from innovation_hub.extensions import db

from . import worlds
from .databases import SECRET_KEY, TEST_CONFIG, demo_site, postgres, run_folder, shared_engine, sqlite_template


class CompiledTemplates(BytecodeCache):
    """The session's compiled templates, shared by every test's app: each app has its own Jinja environment,
    and compiling the pages a test renders was a fifth of its time."""

    def __init__(self):
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])

    def dump_bytecode(self, bucket):
        self.code[bucket.key] = bucket.bytecode_to_string()


compiled_templates = CompiledTemplates()


def _xdist_controller(config) -> bool:
    return bool(getattr(config.option, "numprocesses", None)) and not hasattr(config, "workerinput")


def pytest_configure(config):
    if not _xdist_controller(config):
        return
    import uuid

    # The workers' shared folder is named after the run: chosen here, so the controller can remove it.
    config.option.testrunuid = config.option.testrunuid or uuid.uuid4().hex
    if postgres is not None:
        # One server for all workers (they inherit the environment): started before they are.
        os.environ["TEST_PG_URL"] = postgres.server_url


def pytest_unconfigure(config):
    if not _xdist_controller(config):
        return
    if postgres is not None:
        postgres.close()
    shutil.rmtree(run_folder(config.option.testrunuid, make=False), ignore_errors=True)


# Python's full garbage collections came to 8 of a test process's 50 s: each walked every object the imports,
# jieba, pypinyin and Whoosh had made. Here what is alive after collection, and after every 50 tests, is
# collected once and then frozen (left out of later collections), and full collections run only then.
GARBAGE_EVERY = 50
_tests_run = 0


def pytest_collection_finish(session):
    gc.collect()
    gc.freeze()
    gc.set_threshold(700, 10, 1_000_000)


def pytest_runtest_teardown(item):
    global _tests_run
    _tests_run += 1
    if _tests_run % GARBAGE_EVERY == 0:
        gc.collect()
        gc.freeze()


def pytest_report_header(config):
    return "database: " + ("PostgreSQL (TEST_DB=postgresql)" if postgres else "SQLite (TEST_DB=postgresql: PostgreSQL)")


def pytest_sessionfinish(session, exitstatus):
    if _xdist_controller(session.config):
        return  # the workers' sessions close theirs; the server stops in pytest_unconfigure
    if postgres is not None:
        postgres.close()
    if sqlite_template is not None:
        sqlite_template.close()
    demo_site.close()


@pytest.fixture
def demo_seed(request):
    """Asked for by a test, its site starts as `flask seed-demo` left it (seeded once per session, copied
    per test); the fixture's value is that run's SeedRecord (output, exit code, summary)."""
    return demo_site.record


def _seeded(request) -> bool:
    return "demo_seed" in request.fixturenames


@pytest.fixture
def database_url(request, monkeypatch, tmp_path):
    """The test's own database: None for the instance folder's SQLite file, else on PostgreSQL this process's
    scratch database emptied (a copy of the demo site's with `demo_seed`).

    Set in the environment, so every app the test creates (and every process it starts) uses it.
    """
    if postgres is None:
        yield None
        return
    seeded = _seeded(request)
    url = demo_site.copy_to(tmp_path / "instance") if seeded else postgres.emptied()
    monkeypatch.setenv("FLASK_SQLALCHEMY_DATABASE_URI", url)
    monkeypatch.setenv("FLASK_SECRET_KEY", SECRET_KEY)
    yield url
    if seeded:
        postgres.drop(url)
    else:
        postgres.release(url)


@pytest.fixture
def app(request, tmp_path, monkeypatch, database_url):
    monkeypatch.setenv("INNOVATION_HUB_INSTANCE", str(tmp_path / "instance"))
    # A copy of a database the migrations made once per session (tests/awards/test_schema.py checks that
    # they give exactly the models' schema): no migration runs per test.
    if sqlite_template is not None:
        (demo_site if _seeded(request) else sqlite_template).copy_to(tmp_path / "instance")
    app = create_app(dict(TEST_CONFIG))
    app.jinja_env.bytecode_cache = compiled_templates

    def _fresh_login_per_request():
        # Requests reuse this fixture's app context (and so `g`); in production each request has
        # its own, so the user is loaded (and its session version checked) on every request.
        # First of all hooks, so the app's own hooks (the forced password change) see this request's user.
        g.pop("_login_user", None)

    app.before_request_funcs.setdefault(None, []).insert(0, _fresh_login_per_request)

    with app.app_context():
        shared_engine.attach(app)
        worlds.writes.watch(db.engine)
        yield app
        db.session.remove()
        shared_engine.detach()


@pytest.fixture
def search_index(app):
    """The site as it runs: each write's search jobs applied to the index as it commits (TEST_CONFIG leaves
    them in the log for the next search). For tests of indexing itself and of what a commit makes findable."""
    from innovation_hub import config

    app.config["SEARCH_DRAIN_AFTER_WRITES"] = True
    app.config["SEARCH_LOG_CHECK_SECONDS"] = config.SEARCH_LOG_CHECK_SECONDS
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class StatementCounter:
    """Counts the SQL statements sent to the database while active."""

    def __init__(self):
        self.statements: list[str] = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        # Transaction control depends on whether a request found a transaction open; queries do not.
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")):
            self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_sql(app):
    """Usage: with count_sql() as counter: …; counter.count."""
    from contextlib import contextmanager

    from sqlalchemy import event

    @contextmanager
    def counting():
        counter = StatementCounter()
        event.listen(db.engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            event.remove(db.engine, "before_cursor_execute", counter)

    return counting
