"""Two studios with their accounts and an administrator (tests/two_studios.py)."""

from tests.two_studios import World, studio_client, world  # noqa: F401
