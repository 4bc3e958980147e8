"""The search package's tests are about the index: every write here is applied to it as it commits."""

import pytest


@pytest.fixture(autouse=True)
def _drain_after_writes(request):
    if "app" in request.fixturenames:
        request.getfixturevalue("search_index")
