"""The database each test runs on: the instance folder's SQLite file, or a fresh PostgreSQL database.

`TEST_DB=postgresql` runs the suite on PostgreSQL: a throwaway cluster on loopback
(scripts/pg_server.py; `TEST_PG_URL` names an already running server instead), one template database
migrated once per session, and per process one scratch database copied from it that each test gets
emptied (a test on the demo site gets a copy of the seeded one, `CREATE DATABASE … TEMPLATE`).
"""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import sys
import tempfile
import weakref
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.pool import Pool

ROOT = Path(__file__).resolve().parents[1]
BACKEND = os.environ.get("TEST_DB", "sqlite").lower()
if BACKEND in ("pg", "postgres"):
    BACKEND = "postgresql"
if BACKEND not in ("sqlite", "postgresql"):
    raise SystemExit(f"TEST_DB={BACKEND!r}: use sqlite or postgresql")
ON_POSTGRESQL = BACKEND == "postgresql"
# Non-SQLite sites must share a configured secret key (every machine signs the same cookies).
SECRET_KEY = "test-secret-key-not-for-production"
# Every test app's settings (tests/conftest.py's `app`, and the demo site seeded once per session). Writes
# leave their search jobs in the log (a quarter of a test's time went to indexing what nothing searched):
# every search applies them first (it looks at the log each time, not once a second, so a search right after
# a write finds it); tests of the index itself ask for the site's own behaviour (`search_index`).
TEST_CONFIG = {"TESTING": True, "WTF_CSRF_ENABLED": False, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
               "SEARCH_DRAIN_AFTER_WRITES": False, "SEARCH_LOG_CHECK_SECONDS": 0}


# Under pytest-xdist (`make test` runs each database's suite on two workers) the workers share what is
# made once per run: the migrated template, the seeded demo site and on PostgreSQL the server.
XDIST_RUN = os.environ.get("PYTEST_XDIST_TESTRUNUID")


def run_folder(run: str | None = XDIST_RUN, make: bool = True) -> Path | None:
    """The folder the workers of xdist run `run` share (its controller removes it), else None."""
    if run is None:
        return None
    folder = Path(tempfile.gettempdir()) / f"innovation-hub-test-run-{run[:12]}-{BACKEND}"
    if make:
        folder.mkdir(exist_ok=True)
    return folder


@contextmanager
def made_once(name: str):
    """Yields True to the one worker that must make `name` (the others wait, then get False)."""
    import fcntl

    folder = run_folder()
    if folder is None:
        yield True
        return
    with open(folder / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, also if the maker fails
        done = folder / f"{name}.done"
        if done.exists():
            yield False
            return
        yield True
        done.touch()


@contextmanager
def environment(**settings: str):
    """These environment variables set while the block runs, and as they were afterwards."""
    previous = {key: os.environ.get(key) for key in settings}
    os.environ.update(settings)
    try:
        yield
    finally:
        for key, value in previous.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _plain(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


class PostgresDatabases:
    """Creates and drops one database per test on one server, from a migrated template."""

    TEMPLATE = "ih_template"

    def __init__(self):
        self._server_url = os.environ.get("TEST_PG_URL")
        self._folder: Path | None = None
        self._template_ready = False
        self._scratch: str | None = None
        self._scratch_made = 0  # how many scratch databases this process has made (a world kept in one is lost with it)
        self._reset = ""
        self._restores: dict[str, str] = {}
        self._names = itertools.count(1)
        self._connections: weakref.WeakSet = weakref.WeakSet()
        self._kept_open: weakref.WeakSet = weakref.WeakSet()  # the shared engine's: reused from test to test
        self._scratch_admin = None
        event.listen(Pool, "connect", self._track)

    def _admin(self, url: str | None = None):
        """An autocommit connection to `url`'s database, else to the server's own."""
        import psycopg

        return psycopg.connect(_plain(url or self.server_url), autocommit=True)

    @property
    def server_url(self) -> str:
        if self._server_url is None:
            sys.path.insert(0, str(ROOT / "scripts"))
            import pg_server

            # Outside pytest's tmp folders: the server runs as the postgres user, which cannot enter them.
            self._folder = Path(tempfile.gettempdir()) / f"innovation-hub-test-pg-{os.getpid()}"
            self._server_url = pg_server.start(self._folder)
        return self._server_url

    def _url(self, name: str) -> str:
        return self.server_url.rsplit("/", 1)[0] + "/" + name

    def _make_template(self) -> None:
        with made_once(self.TEMPLATE) as first:
            if first:
                self._migrate_template()
        self._template_ready = True

    def _migrate_template(self) -> None:
        from innovation_hub import create_app
        from innovation_hub.extensions import db, upgrade_schema

        with self._admin() as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {self.TEMPLATE} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {self.TEMPLATE}")
        with tempfile.TemporaryDirectory() as instance, environment(
                INNOVATION_HUB_INSTANCE=instance, FLASK_SQLALCHEMY_DATABASE_URI=self._url(self.TEMPLATE)):
            app = create_app({"TESTING": True, "SECRET_KEY": SECRET_KEY})
            with app.app_context():
                upgrade_schema()
                db.session.remove()
                db.engine.dispose()

    def create(self, name: str | None = None, template: str | None = None) -> str:
        """A new database (`name`, else a fresh one) copied from `template` (else the migrated, empty one)."""
        if not self._template_ready:
            self._make_template()
        with self._admin() as conn:
            if name:  # a named one may be left from an interrupted run on a server of one's own (TEST_PG_URL)
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            name = name or f"ih_test_{os.getpid()}_{next(self._names)}"
            conn.execute(f"CREATE DATABASE {name} TEMPLATE {template or self.TEMPLATE}")
        return self._url(name)

    def emptied(self) -> str:
        """This process's scratch database, emptied to the migrated template's state: deleting the rows of
        its ~40 tables takes ~16 ms, where a new database per test took ~170 ms of the server's time."""
        if self._scratch is None:
            self._scratch = self.create(f"ih_scratch_{os.getpid()}")
            self._scratch_made += 1
            # The few rows the migrations write (the catalogue's version, the change log's state) are kept
            # aside in a schema of the tests' own and put back.
            self._reset = self.keep(self._scratch, "test_kept")
            return self._scratch
        try:
            self._on_scratch().execute(self._reset)
        except Exception:  # a connection left by a test holds a lock: start over with a new scratch database
            self.drop(self._scratch)
            self._scratch = None
            return self.emptied()
        return self._scratch

    def _on_scratch(self):
        """One autocommit connection to the scratch database for the process's resets (a new backend per
        reset cost the server more than the reset)."""
        if self._scratch_admin is None or self._scratch_admin.closed:
            self._scratch_admin = self._admin(self._scratch)
        return self._scratch_admin

    @contextmanager
    def _connection(self, url: str):
        if url == self._scratch:
            yield self._on_scratch()
            return
        with self._admin(url) as conn:
            yield conn

    @property
    def scratch_url(self) -> str | None:
        """This process's scratch database, if it has made it."""
        return self._scratch

    @property
    def scratch(self) -> str | None:
        """Which scratch database this process has now (its URL and how many came before it)."""
        return self._scratch and f"{self._scratch}#{self._scratch_made}"

    def keep(self, url: str, schema: str) -> str:
        """Copy the rows of `url`'s database into its `schema` (tests/worlds.py); returns the statements that
        put them back (also what `restore(url, schema)` runs)."""
        with self._connection(url) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            conn.execute(f"CREATE SCHEMA {schema}")
            tables = [row[0] for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'")]
            kept = [t for t in tables if conn.execute(f"SELECT EXISTS (SELECT FROM public.{t})").fetchone()[0]]
            for table in kept:
                conn.execute(f"CREATE TABLE {schema}.{table} AS TABLE public.{table}")
            sequences = list(conn.execute(
                "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'"))
        self._restores[schema] = (
            "SET lock_timeout = '10s'; SET session_replication_role = replica; "
            + "".join(f"DELETE FROM public.{t}; " for t in tables)
            + "".join(f"INSERT INTO public.{t} SELECT * FROM {schema}.{t}; " for t in kept)
            + "".join(f"SELECT setval('public.{q}', {last}); " for q, last in sequences if last is not None)
            + "".join(f"ALTER SEQUENCE public.{q} RESTART; " for q, last in sequences if last is None)
            + "SET session_replication_role = DEFAULT")
        return self._restores[schema]

    def restore(self, url: str, schema: str) -> None:
        """Put back into `url`'s database the rows `keep(url, schema)` copied."""
        with self._connection(url) as conn:
            conn.execute(self._restores[schema])

    def _track(self, dbapi_connection, _record) -> None:
        if hasattr(dbapi_connection, "info"):  # psycopg's; a test may also open SQLite files of its own
            self._connections.add(dbapi_connection)

    def keep_open(self, dbapi_connection) -> None:
        """Leave this connection open when its database is released (it is the shared engine's)."""
        self._kept_open.add(dbapi_connection)

    def release(self, url: str, everything: bool = False) -> None:
        """Close the connections still open to `url`'s database (a template must have none), but for the
        shared engine's pooled ones to the scratch database unless `everything`."""
        name = url.rsplit("/", 1)[1]
        # Apps a test made and let go of still hold pooled connections to its database: close them here,
        # not in the garbage collector (psycopg warns there, and the suite turns warnings into errors).
        for connection in list(self._connections):
            if connection.closed or connection.info.dbname != name:
                continue
            if everything or connection not in self._kept_open or url != self._scratch:
                connection.close()

    def drop(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        if url == self._scratch and self._scratch_admin is not None:
            self._scratch_admin.close()
        self.release(url, everything=True)
        with self._admin() as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def close(self) -> None:
        for connection in list(self._connections):  # a session-wide site's (the browser tests'), before exit
            if not connection.closed:
                connection.close()
        if self._scratch is not None:
            self.drop(self._scratch)
            self._scratch = None
        if self._folder is not None:
            sys.path.insert(0, str(ROOT / "scripts"))
            import pg_server

            pg_server.stop(self._folder)
            shutil.rmtree(self._folder, ignore_errors=True)


postgres = PostgresDatabases() if ON_POSTGRESQL else None


class SharedEngine:
    """One SQLAlchemy engine for the apps of tests/conftest.py's `app` fixture, connected to each test's own
    database in turn. SQLAlchemy caches compiled statements per engine (per dialect): an engine of each
    test's own compiled every statement the test sent anew, a fifth of a typical test's time."""

    def __init__(self):
        self._engine = None
        self._url = None

    def attach(self, app) -> None:
        """Give `app` (in its context) the shared engine, pointed at the database its own engine was made for."""
        from sqlalchemy import create_engine

        from innovation_hub.database import configure_engine
        from innovation_hub.extensions import db

        own = db.engine
        if self._engine is None:
            self._engine = create_engine(own.url, creator=self._connect, poolclass=type(own.pool))
            configure_engine(self._engine)
        elif own.url != self._url:
            self._engine.dispose()  # its pooled connections are to another test's database
        self._url = own.url
        self._engine.url = own.url  # as the app's own engine says (a test may open the SQLite file itself)
        # Flask-SQLAlchemy's mapping of the app's engines (`db.engines`) is the one its sessions bind from.
        db.engines[None] = self._engine
        own.dispose()

    def detach(self) -> None:
        """At a test's end: its connections closed, but on PostgreSQL those to the process's scratch database,
        which the next test reuses (emptied between tests; a new connection costs the server ~10 ms)."""
        scratch = postgres and postgres.scratch_url
        if not scratch or self._url.database != scratch.rsplit("/", 1)[1]:
            self._engine.dispose()

    def _connect(self):
        dialect = self._engine.dialect
        args, kwargs = dialect.create_connect_args(self._url)
        connection = dialect.connect(*args, **kwargs)
        if postgres is not None:
            postgres.keep_open(connection)
        return connection


shared_engine = SharedEngine()


class SqliteTemplate:
    """One SQLite file migrated once per session; each test's instance folder gets a copy (~1 ms, where
    running the migrations costs ~0.4 s a test). tests/awards/test_schema.py still migrates from scratch."""

    FILE = "innovation_hub.sqlite"  # the instance folder's database (innovation_hub/__init__.py)

    def __init__(self):
        self._folder: Path | None = None

    def _make(self) -> Path:
        shared = run_folder()
        folder = shared / "sqlite-template" if shared else Path(tempfile.mkdtemp(prefix="innovation-hub-test-sqlite-"))
        with made_once("sqlite-template") as first:
            if first:
                self._migrate(folder)
        return folder

    def _migrate(self, folder: Path) -> None:
        from innovation_hub import create_app
        from innovation_hub.extensions import db, upgrade_schema

        folder.mkdir(parents=True, exist_ok=True)
        with environment(INNOVATION_HUB_INSTANCE=str(folder)):
            app = create_app({"TESTING": True, "SECRET_KEY": SECRET_KEY})
            with app.app_context():
                upgrade_schema()
                db.session.remove()
                db.engine.dispose()
        checkpoint(folder / self.FILE)

    def copy_to(self, instance: Path) -> None:
        """Give a new instance folder the migrated, empty database."""
        if self._folder is None:
            self._folder = self._make()
        instance.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self._folder / self.FILE, instance / self.FILE)

    def close(self) -> None:
        if self._folder is not None and run_folder() is None:  # a run's shared folder goes with the run
            shutil.rmtree(self._folder, ignore_errors=True)


sqlite_template = SqliteTemplate() if not ON_POSTGRESQL else None


def checkpoint(path: Path) -> None:
    """Move an SQLite file's WAL into the file itself, so a copy of the file alone has everything."""
    import sqlite3

    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


@dataclass
class SeedRecord:
    """What the session's one `flask seed-demo` run printed and returned."""

    exit_code: int
    output: str
    progress: list[int]  # the lengths seed_demo gave its progress bars
    summary: object  # demo.seed.SeedSummary


class DemoSite:
    """The demo site (`flask seed-demo`, ~15 s) made once per session; a test gets a copy of it: the
    instance folder (database file, search index, proof files) and on PostgreSQL a database copied
    from the seeded one. Tests of seeding itself (--force, refusal) still seed for real."""

    DATABASE = "ih_demo_template"

    def __init__(self):
        self._folder: Path | None = None
        self._record: SeedRecord | None = None

    @property
    def record(self) -> SeedRecord:
        if self._record is None:
            self._make()
        return self._record

    def _make(self) -> None:
        import pickle

        shared = run_folder()
        top = shared / "demo" if shared else Path(tempfile.mkdtemp(prefix="innovation-hub-test-demo-"))
        record = top / "seed-record.pickle"
        with made_once("demo") as first:
            if first:
                self._seed(top / "instance")
                record.write_bytes(pickle.dumps(self._record))
        self._record = pickle.loads(record.read_bytes())
        self._folder = top / "instance"

    def _seed(self, folder: Path) -> None:
        from innovation_hub import create_app
        from innovation_hub.extensions import db, upgrade_schema

        settings = {"INNOVATION_HUB_INSTANCE": str(folder)}
        if postgres is not None:
            url = postgres.create(self.DATABASE)
            settings.update(FLASK_SQLALCHEMY_DATABASE_URI=url, FLASK_SECRET_KEY=SECRET_KEY)
        else:
            sqlite_template.copy_to(folder)
        with environment(**settings):  # its index built, as seed-demo leaves a site
            app = create_app({**TEST_CONFIG, "SEARCH_DRAIN_AFTER_WRITES": True})
        with app.app_context():
            upgrade_schema()
            self._record = _seed_through_the_cli(app)
            db.session.remove()
            db.engine.dispose()
        if postgres is not None:
            postgres.release(url)
        else:
            checkpoint(folder / SqliteTemplate.FILE)

    def copy_to(self, instance: Path) -> str | None:
        """Give `instance` the seeded site's files; on PostgreSQL return the URL of a new copy of its database."""
        if self._folder is None:
            self._make()
        shutil.copytree(self._folder, instance, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*-wal", "*-shm"))
        # The search index came with the folder: registered as this instance folder's own (as a rebuild here
        # would), not as a copy from another server, which the site would rebuild.
        label = f"{socket.gethostname()}:{instance.resolve()}"
        relabel = "UPDATE search_index_positions SET label = %s"
        if postgres is None:
            import sqlite3

            with sqlite3.connect(instance / SqliteTemplate.FILE) as conn:
                conn.execute(relabel.replace("%s", "?"), (label,))
            conn.close()
            return None
        import psycopg

        url = postgres.create(template=self.DATABASE)
        with psycopg.connect(_plain(url), autocommit=True) as conn:
            conn.execute(relabel, (label,))
        return url

    def close(self) -> None:
        if self._folder is not None and run_folder() is None:
            shutil.rmtree(self._folder.parent, ignore_errors=True)


@contextmanager
def demo_app(instance: Path, config: dict):
    """An app with `config` on a new copy of the demo site in `instance` (not in its context: callers push
    one where they need it); on PostgreSQL its database is dropped afterwards."""
    from innovation_hub import create_app

    url = demo_site.copy_to(instance)
    settings = {"INNOVATION_HUB_INSTANCE": str(instance)}
    if url is not None:
        settings.update(FLASK_SQLALCHEMY_DATABASE_URI=url, FLASK_SECRET_KEY=SECRET_KEY)
    try:
        with environment(**settings):
            app = create_app(config)
        yield app
    finally:
        if url is not None:
            postgres.drop(url)


def _seed_through_the_cli(app) -> SeedRecord:
    """`flask seed-demo` as a user runs it, keeping what seed_demo returned and the progress bars' lengths."""
    import pytest

    from innovation_hub import cli
    from innovation_hub.demo import seed

    progress: list[int] = []
    summaries: list = []
    real_progress, real_seed = cli._progress, seed.seed_demo

    def recording_progress(iterable, length, label):
        progress.append(length)
        return real_progress(iterable, length, label)

    def recording_seed(**kwargs):
        summaries.append(real_seed(**kwargs))
        return summaries[-1]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cli, "_progress", recording_progress)
        patch.setattr(seed, "seed_demo", recording_seed)
        result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    return SeedRecord(result.exit_code, result.output, progress, summaries[0])


demo_site = DemoSite()


@contextmanager
def another_database():
    """Settings for a second, empty site in the same test: on SQLite its instance folder's own file, on
    PostgreSQL a database of its own (the environment's URL is the first site's)."""
    if postgres is None:
        yield {}
        return
    url = postgres.create()
    try:
        yield {"SQLALCHEMY_DATABASE_URI": url}
    finally:
        postgres.drop(url)
