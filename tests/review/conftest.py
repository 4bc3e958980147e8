"""Accounts of every role, logged-in clients, and records waiting in the review queue."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.factories import gen_studio, gen_user, login


@pytest.fixture
def people(app):
    a, b = gen_studio("甲创新工作室"), gen_studio("乙创新工作室")
    return SimpleNamespace(
        a=a, b=b, admin=gen_user("admin1"), judge=gen_user("judge1", "judge"),
        studio_a=gen_user("studio-a", "studio", studio=a),
    )


@pytest.fixture
def as_user(app):
    """as_user("admin1") → a test client logged in as that account (None: anonymous)."""

    def make(username: str | None):
        client = app.test_client()
        if username is not None:
            assert login(client, username).status_code == 302
        return client

    return make

