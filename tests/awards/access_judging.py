"""Access rules of the judging award routes, merged into tests/test_access_matrix.py's coverage check.

endpoint: (method, expected per role in ROLES order, URL values); see tests/test_access_matrix.py."""

from tests.test_access_matrix import STUDIO

JUDGE = ("login", 403, 403, 200, 403)

RULES: dict = {
    "judging.home": ("GET", JUDGE, {}),
    "nominating.home": ("GET", STUDIO, {}),
}
