"""Access rules of the public award routes, merged into tests/test_access_matrix.py's coverage check.

endpoint: (method, expected per role in ROLES order, URL values); see tests/test_access_matrix.py.
The objects are those of tests/awards/test_access_public.py's world; its STATE_RULES add each route per round state."""

from tests.test_access_matrix import PUBLIC

PUBLIC_POST = ("ok", "ok", "ok", "ok", "ok")
# A certificate of studio A's entry: the administrator and studio A print it; studio B and the judge may not.
CERTIFICATE = ("login", 200, 403, 403, 200)
# A round's certificates: all for the administrator, a studio its own (studio B has none: 404), not the judge.
ROUND_CERTIFICATES = ("login", 200, 404, 403, 200)

RULES: dict = {
    "awards.round_list": ("GET", PUBLIC, {}),
    "awards.round_detail": ("GET", PUBLIC, {"round_id": "final_round"}),
    "awards.publicity": ("GET", PUBLIC, {"round_id": "publicity_round"}),
    "awards.file_objection": ("POST", PUBLIC_POST, {"round_id": "publicity_round"}),
    "awards.vote_gallery": ("GET", PUBLIC, {"round_id": "voting_round"}),
    "awards.cast_vote": ("POST", PUBLIC_POST, {"round_id": "voting_round"}),
    "awards.results": ("GET", PUBLIC, {"round_id": "final_round"}),
    "awards.certificate_check": ("GET", PUBLIC, {"serial": "certificate_of_a"}),
    "awards.certificate_print": ("GET", CERTIFICATE, {"serial": "certificate_of_a"}),
    "awards.certificates_print": ("GET", ROUND_CERTIFICATES, {"round_id": "final_round"}),
    "awards_api.round_index": ("GET", PUBLIC, {}),
    "awards_api.round_results": ("GET", PUBLIC, {"round_id": "publicity_round"}),
}
