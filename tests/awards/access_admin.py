"""Access rules of the admin award routes, merged into tests/test_access_matrix.py's coverage check.

endpoint: (method, expected per role in ROLES order, URL values), and FORMS: what each POST sends;
see tests/test_access_matrix.py."""

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
    "awards_admin.transition": ("POST", ADMIN_POST, {"round_id": "round_to_open"}),
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


def _criterion_form(post) -> dict:
    """The criteria page's edit form of one criterion: its fields carry the criterion's prefix."""
    prefix = f"c{post.values['criterion_id']}-"
    return {prefix + "name": "创新性", prefix + "max_points": "25", prefix + "weight": "1",
            prefix + "guide": "技术水平"}


# What each POST sends (see tests/test_access_matrix.py's FORMS).
FORMS: dict = {
    "awards_admin.transition": {"target": "nominating", "force": "", "reason": ""},
    "awards_admin.criterion_add": {"name": "推广价值", "max_points": "10", "weight": "1", "guide": "推广应用的范围"},
    "awards_admin.criterion_edit": _criterion_form,
    "awards_admin.criterion_move": {"direction": "up"},
    "awards_admin.criterion_remove": {},
    "awards_admin.nomination_decide": {"decision": "qualify", "reason": ""},
    "awards_admin.judge_add": lambda post: {"user": post.objects["free_judge"], "unit": "市电力公司"},
    "awards_admin.judge_remove": {},
    "awards_admin.assign_one": lambda post: {"nomination": post.objects["entry_to_assign"],
                                             "judge": post.objects["first_judge"]},
    "awards_admin.conflict_set": lambda post: {"nomination": post.objects["entry_to_recuse"],
                                               "judge": post.objects["first_judge"], "reason": "曾参与该成果的研发"},
    "awards_admin.assign_auto": {},
    "awards_admin.unassign": {},
    "awards_admin.score_reopen": {"reason": "评委申请更正笔误"},
    "awards_admin.objection_answer": {"answer": "经核实，评审过程符合规定"},
    "awards_admin.ballot_issue": {"label": "市电力公司工会", "size": "3"},
    "awards_admin.ballot_void": {"reason": "投票码在网上被公开"},
}
