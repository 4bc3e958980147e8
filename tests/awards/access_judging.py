"""Access rules of the judging award routes, merged into tests/test_access_matrix.py's coverage check.

endpoint: (method, expected per role in ROLES order, URL values), and FORMS: what each POST sends;
see tests/test_access_matrix.py."""

from tests.test_access_matrix import STUDIO

JUDGE = ("login", 403, 403, 200, 403)
JUDGE_POST = ("login", 403, 403, "ok", 403)
STUDIO_A_POST = ("login", "ok", 403, 403, 403)  # studio B is refused by the service: not its achievement

RULES: dict = {
    "judging.home": ("GET", JUDGE, {}),
    "judging.round_entries": ("GET", JUDGE, {"round_id": "judge_round"}),
    "judging.entry": ("GET", JUDGE, {"nomination_id": "judge_entry"}),
    "judging.score": ("POST", JUDGE_POST, {"nomination_id": "judge_entry"}),
    "judging.declare_conflict": ("POST", JUDGE_POST, {"nomination_id": "entry_to_recuse"}),
    "nominating.home": ("GET", STUDIO, {}),
    "nominating.nominate": ("POST", STUDIO_A_POST, {"round_id": "open_round", "achievement_id": "nominable"}),
    "nominating.withdraw": ("POST", STUDIO_A_POST, {"nomination_id": "withdrawable"}),
}


def _score_form(post) -> dict:
    """A draft of the entry's scores: 10 points for each criterion of its round (fields c<criterion id>)."""
    from innovation_hub.awards.models import Nomination

    criteria = post.get(Nomination, "nomination_id").round.criteria
    return {**{f"c{criterion.id}": "10" for criterion in criteria}, "save_draft": "保存草稿"}


# What each POST sends (see tests/test_access_matrix.py's FORMS).
FORMS: dict = {
    "judging.score": _score_form,
    "judging.declare_conflict": {"reason": "曾参与该成果的研发"},
    "nominating.nominate": {},
    "nominating.withdraw": {},
}
