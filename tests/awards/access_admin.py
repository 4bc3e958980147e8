"""Access rules of the admin award routes, merged into tests/test_access_matrix.py's coverage check.

endpoint: (method, expected per role in ROLES order, URL values); see tests/test_access_matrix.py."""

from tests.test_access_matrix import ADMIN, ADMIN_POST

RULES: dict = {
    "awards_admin.round_list": ("GET", ADMIN, {}),
    "awards_admin.round_new": ("GET", ADMIN, {}),
    "awards_admin.round_edit": ("GET", ADMIN, {"round_id": "scoring_round"}),
    "awards_admin.dashboard": ("GET", ADMIN, {"round_id": "scoring_round"}),
    "awards_admin.criteria": ("GET", ADMIN, {"round_id": "draft_round"}),
    "awards_admin.nominations": ("GET", ADMIN, {"round_id": "qualifying_round"}),
    "awards_admin.judges": ("GET", ADMIN, {"round_id": "qualifying_round"}),
    "awards_admin.assignments": ("GET", ADMIN, {"round_id": "scoring_round"}),
    "awards_admin.progress": ("GET", ADMIN, {"round_id": "scoring_round"}),
    "awards_admin.ranking": ("GET", ADMIN, {"round_id": "scoring_round"}),
    "awards_admin.entry": ("GET", ADMIN, {"round_id": "scoring_round", "achievement_id": "scored_achievement"}),
    "awards_admin.export": ("GET", ADMIN, {"round_id": "publicity_round", "which": "all"}),
    "awards_admin.objections": ("GET", ADMIN, {"round_id": "publicity_round"}),
    "awards_admin.transition": ("POST", ADMIN_POST, {"round_id": "draft_round"}),
    "awards_admin.criterion_add": ("POST", ADMIN_POST, {"round_id": "draft_round"}),
    "awards_admin.criterion_edit": ("POST", ADMIN_POST, {"round_id": "draft_round", "criterion_id": "criterion_a"}),
    "awards_admin.criterion_move": ("POST", ADMIN_POST, {"round_id": "draft_round", "criterion_id": "criterion_b"}),
    "awards_admin.criterion_remove": ("POST", ADMIN_POST, {"round_id": "draft_round", "criterion_id": "criterion_c"}),
    "awards_admin.nomination_decide": ("POST", ADMIN_POST,
                                       {"round_id": "qualifying_round", "nomination_id": "undecided_nomination"}),
    "awards_admin.judge_add": ("POST", ADMIN_POST, {"round_id": "qualifying_round"}),
    "awards_admin.judge_remove": ("POST", ADMIN_POST, {"round_id": "qualifying_round", "judge_id": "spare_judge"}),
    "awards_admin.assign_one": ("POST", ADMIN_POST, {"round_id": "qualifying_round"}),
    "awards_admin.conflict_set": ("POST", ADMIN_POST, {"round_id": "qualifying_round"}),
    "awards_admin.assign_auto": ("POST", ADMIN_POST, {"round_id": "qualifying_round"}),
    "awards_admin.unassign": ("POST", ADMIN_POST, {"round_id": "scoring_round", "assignment_id": "open_assignment"}),
    "awards_admin.score_reopen": ("POST", ADMIN_POST,
                                  {"round_id": "scoring_round", "assignment_id": "submitted_assignment"}),
    "awards_admin.objection_answer": ("POST", ADMIN_POST, {"round_id": "publicity_round", "objection_id": "objection"}),
    "awards_admin.ballots_page": ("GET", ADMIN, {"round_id": "ballot_round"}),
    "awards_admin.ballot_issue": ("POST", ADMIN_POST, {"round_id": "ballot_round"}),
    "awards_admin.ballot_download": ("GET", ADMIN, {"round_id": "ballot_round", "batch_id": "ballot_batch"}),
    "awards_admin.ballot_print": ("GET", ADMIN, {"round_id": "ballot_round", "batch_id": "ballot_batch"}),
    "awards_admin.ballot_void": ("POST", ADMIN_POST, {"round_id": "ballot_round", "batch_id": "ballot_batch"}),
}
