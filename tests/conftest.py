"""Shared fixtures: an app on a fresh instance folder per test, its client and CLI runner."""

from __future__ import annotations

import pytest
from flask_migrate import upgrade

from innovation_hub import create_app
from innovation_hub.extensions import db


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("INNOVATION_HUB_INSTANCE", str(tmp_path / "instance"))
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})
    with app.app_context():
        upgrade()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()
