"""Worlds: a test's starting data built once per process and restored for every test that asks for it.

A fixture written as

    @world
    def corpus(app):
        steel = gen_studio(...)
        return dict(steel=steel, ...)

runs its body once per process, on the first test's empty site, through the services as before; the
site's rows (and its instance folder: search index, proof files) are then kept aside, and every later
test gets them put back into its own empty site in a few milliseconds, instead of the builder's
0.1–2 s. The fixture's value is the builder's, with each database row in it loaded anew in the test's
session (rows are kept as references: class and primary key).

On SQLite the instance folder (database file included) is copied; on PostgreSQL the rows are copied into
a schema of the process's scratch database and back (tests/databases.py, `PostgresDatabases.keep`).
"""

from __future__ import annotations

import atexit
import dataclasses
import inspect
import itertools
import shutil
import socket
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import inspect as orm_inspect

from .databases import SqliteTemplate, checkpoint, postgres, run_folder

_numbers = itertools.count(1)


@dataclasses.dataclass(frozen=True)
class _Row:
    entity: type
    key: tuple


@dataclasses.dataclass(frozen=True)
class _Record:
    cls: type
    values: dict


def freeze(value):
    """`value` with every ORM row in it (in dataclasses, dicts, lists, tuples) replaced by a reference."""
    if hasattr(type(value), "__mapper__"):
        return _Row(type(value), orm_inspect(value).identity)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _Record(type(value), {f.name: freeze(getattr(value, f.name)) for f in dataclasses.fields(value)})
    if isinstance(value, dict):
        return {key: freeze(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(freeze(item) for item in value)
    return value


def thaw(value):
    """The frozen `value` with its rows loaded in the current session."""
    from innovation_hub.extensions import db

    if isinstance(value, _Row):
        return db.session.get(value.entity, value.key)
    if isinstance(value, _Record):
        return value.cls(**{name: thaw(item) for name, item in value.values.items()})
    if isinstance(value, dict):
        return {key: thaw(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(thaw(item) for item in value)
    return value


def _folder() -> Path:
    shared = run_folder()
    if shared is not None:  # removed with the run's folder
        folder = shared / "worlds"
        folder.mkdir(exist_ok=True)
        return Path(tempfile.mkdtemp(dir=folder))
    folder = Path(tempfile.mkdtemp(prefix="innovation-hub-test-world-"))
    atexit.register(shutil.rmtree, folder, True)
    return folder


# Left out of a world's copy of the instance folder: jieba's cache is the same for every site, and SQLite's
# journal files are folded into the database file before it is copied.
_NOT_COPIED = shutil.ignore_patterns("cache", "*-wal", "*-shm", "*-journal")


class World:
    """One builder's site, made once per process and put back per test."""

    def __init__(self, build, index: bool):
        self.build = build
        self.index = index
        self.number = next(_numbers)
        self._frozen = None
        self._files: Path | None = None
        self._kept_in: str | None = None  # PostgreSQL: the scratch database holding the rows

    def enter(self, app, build):
        """In `app`'s context on its just emptied site: the world's rows and files, and the builder's value."""
        from innovation_hub.extensions import db

        if writes.seen:
            raise RuntimeError("a world is put on an empty site: ask for its fixture before writing anything")
        if self._frozen is not None and (postgres is None or self._kept_in == postgres.scratch):
            self._restore(app)
        else:
            value = build()
            if self.index:
                from innovation_hub import search

                search.drain_outbox()
            self._frozen = freeze(value)
            self._keep(app)
        db.session.remove()  # the first test loads its rows as the later ones do
        return thaw(self._frozen)

    def _keep(self, app) -> None:
        from innovation_hub.extensions import db

        db.session.remove()
        db.engine.dispose()
        instance = Path(app.instance_path)
        if postgres is None:
            checkpoint(instance / SqliteTemplate.FILE)
        else:
            postgres.keep(_url(), self._schema)
            self._kept_in = postgres.scratch
        self._files = _folder() / "instance"
        shutil.copytree(instance, self._files, ignore=_NOT_COPIED)

    def _restore(self, app) -> None:
        from innovation_hub.extensions import db

        db.session.remove()
        db.engine.dispose()
        instance = Path(app.instance_path)
        if postgres is not None:
            postgres.restore(_url(), self._schema)
        else:
            for journal in ("-wal", "-shm"):
                (instance / (SqliteTemplate.FILE + journal)).unlink(missing_ok=True)
        shutil.copytree(self._files, instance, dirs_exist_ok=True)
        # The index came with the folder: this instance folder's own, as a rebuild here would make it.
        from sqlalchemy import update

        from innovation_hub.search.models import IndexPosition

        with db.engine.begin() as connection:
            connection.execute(update(IndexPosition).values(label=f"{socket.gethostname()}:{instance.resolve()}"))

    @property
    def _schema(self) -> str:
        return f"test_world_{self.number}"


class _Writes:
    """Whether the current test has written to its database yet (a world goes only onto an empty site)."""

    def __init__(self):
        self.engine = None
        self.seen = False

    def watch(self, engine) -> None:
        """From now on, for the test starting: called by tests/conftest.py's `app`."""
        from sqlalchemy import event

        if engine is not self.engine:
            event.listen(engine, "before_cursor_execute", self._saw)
            self.engine = engine
        self.seen = False

    def _saw(self, _conn, _cursor, statement, *_args) -> None:
        if not self.seen and statement.lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE"):
            self.seen = True


writes = _Writes()
_built: dict[str, World] = {}


def built_once(key: str, build):
    """`build()`'s value for a helper called inside tests (tests/awards/helpers.py's `build`): on a site the
    test has not written to yet, made for real the first time per process (per `key`, which must name every
    argument) and put back after that; on any other site it just builds."""
    from flask import current_app

    if writes.seen:
        return build()
    key = f"{key} drain={current_app.config['SEARCH_DRAIN_AFTER_WRITES']}"
    made = _built.setdefault(key, World(build, index=False))
    return made.enter(current_app, build)


def _url() -> str:
    from innovation_hub.extensions import db

    url = db.engine.url.render_as_string(hide_password=False)
    if postgres.scratch is None or postgres.scratch.split("#")[0].rsplit("/", 1)[1] != db.engine.url.database:
        raise RuntimeError("a world is built on the process's scratch database, not beside demo_seed")
    return url


def world(build=None, *, index: bool = False):
    """Decorator making `build` (whose parameters are fixtures) a fixture of the same name built once per
    process; `index=True` keeps its search index built (the site's log applied) as well."""

    def decorate(build):
        made = World(build, index)
        names = list(inspect.signature(build).parameters)

        def fixture(request):
            values = {name: request.getfixturevalue(name) for name in names}
            return made.enter(request.getfixturevalue("app"), lambda: build(**values))

        fixture.__doc__ = build.__doc__
        return pytest.fixture(name=build.__name__)(fixture)

    return decorate(build) if build is not None else decorate
