"""Access rules of the judging award routes, merged into tests/test_access_matrix.py's coverage check.

endpoint: (method, expected per role in ROLES order, URL values); see tests/test_access_matrix.py."""

from tests.test_access_matrix import STUDIO

JUDGE = ("login", 403, 403, 200, 403)
JUDGE_POST = ("login", 403, 403, "ok", 403)  # the judge's empty POST is refused by the form (400)
STUDIO_A_POST = ("login", "ok", 403, 403, 403)  # studio B is refused by the service: not its achievement

RULES: dict = {
    "judging.home": ("GET", JUDGE, {}),
    "judging.round_entries": ("GET", JUDGE, {"round_id": "judge_round"}),
    "judging.entry": ("GET", JUDGE, {"nomination_id": "judge_entry"}),
    "judging.score": ("POST", JUDGE_POST, {"nomination_id": "judge_entry"}),
    "judging.declare_conflict": ("POST", JUDGE_POST, {"nomination_id": "judge_entry"}),
    "nominating.home": ("GET", STUDIO, {}),
    "nominating.nominate": ("POST", STUDIO_A_POST, {"round_id": "open_round", "achievement_id": "nominable"}),
    "nominating.withdraw": ("POST", STUDIO_A_POST, {"nomination_id": "withdrawable"}),
}
