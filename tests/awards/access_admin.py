"""Access rules of the admin award routes, merged into tests/test_access_matrix.py's coverage check.

endpoint: (method, expected per role in ROLES order, URL values); see tests/test_access_matrix.py."""

from tests.test_access_matrix import ADMIN

RULES: dict = {
    "awards_admin.round_list": ("GET", ADMIN, {}),
}
