"""Fixtures: two studios with their accounts and an administrator; a client logged in as the first studio."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.factories import gen_studio, gen_user, login


@dataclass
class World:
    a: object
    b: object
    user_a: object
    user_b: object
    admin: object


@pytest.fixture
def world(app) -> World:
    a, b = gen_studio("甲工作室"), gen_studio("乙工作室", host_unit="示例电力公司")
    return World(a, b, gen_user("studio-a", "studio", studio=a), gen_user("studio-b", "studio", studio=b),
                 gen_user("admin1"))


@pytest.fixture
def studio_client(app, world):
    """A client logged in as 甲工作室's account."""
    client = app.test_client()
    assert login(client, "studio-a").status_code == 302
    return client
