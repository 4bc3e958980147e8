"""Access rules of the public award routes, merged into tests/test_access_matrix.py's coverage check.

endpoint: (method, expected per role in ROLES order, URL values); see tests/test_access_matrix.py."""

from tests.test_access_matrix import PUBLIC

RULES: dict = {
    "awards.round_list": ("GET", PUBLIC, {}),
}
