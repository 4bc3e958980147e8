"""Who may use the administrator's award pages: every awards_admin route × anonymous, studios, judge, admin."""

import pytest

from innovation_hub.awards import ballots, judge_scores, lifecycle, nominating, objections_votes
from innovation_hub.awards.models import VoteMode, VoteStage
from innovation_hub.extensions import db
from tests.awards import helpers
from tests.awards.access_admin import FORMS, RULES
from tests.factories import gen_judge, gen_round, gen_studio, gen_user, login
from tests.test_access_matrix import check_rules


@pytest.fixture
def world(app):
    users = {"studio_a": gen_user("studio-a", "studio", studio=gen_studio("甲工作室")),
             "studio_b": gen_user("studio-b", "studio", studio=gen_studio("乙工作室")),
             "judge": gen_user("judge-x", "judge"), "admin": gen_user("admin-x")}

    draft = gen_round(users["admin"], "筹备中的评选")
    round_to_open = gen_round(users["admin"], "待开始申报的评选")
    free_judge = gen_judge("qj3")

    qualifying = helpers.build(entries=3, judges=0, until="nominating")
    lifecycle.close_nominations(qualifying.admin, qualifying.round)
    for nomination in qualifying.nominations[:2]:
        nominating.qualify(qualifying.admin, nomination, True)
    helpers.add_judges(qualifying, [gen_judge("qj1"), gen_judge("qj2")])

    scoring = helpers.build(entries=2, judges=2)
    first, *_ = helpers.assignments(scoring.round, scoring.judges[0])
    judge_scores.save_scores(scoring.judges[0], first, {c.id: 10 for c in scoring.round.criteria}, submit=True)
    still_open = [a for a in helpers.assignments(scoring.round, scoring.judges[1]) if not a.scores][0]

    publicity = helpers.build(entries=2, judges=1)
    helpers.to_publicity(publicity)
    objection = objections_votes.file_objection(publicity.round, None, "张三", "13800000000", "对结果有疑问",
                                                "127.0.0.1")

    ballot = helpers.build(entries=2, judges=1, public_vote=True, vote_mode=VoteMode.BALLOT,
                           vote_stage=VoteStage.SCORING)
    batch = ballots.issue_batch(ballot.admin, ballot.round, 3, "示例单位工会")

    criteria = draft.criteria
    objects = {
        "draft_round": draft.id, "criterion_a": criteria[0].id, "criterion_b": criteria[1].id,
        "criterion_c": criteria[3].id,
        "qualifying_round": qualifying.round.id, "undecided_nomination": qualifying.nominations[2].id,
        "spare_judge": qualifying.round.judges[1].id, "first_judge": qualifying.round.judges[0].user_id,
        "free_judge": free_judge.id, "entry_to_assign": qualifying.nominations[0].id,
        "entry_to_recuse": qualifying.nominations[1].id, "round_to_open": round_to_open.id,
        "scoring_round": scoring.round.id, "scored_achievement": first.nomination.achievement_id,
        "submitted_assignment": first.id, "open_assignment": still_open.id,
        "publicity_round": publicity.round.id, "objection": objection.id,
        "ballot_round": ballot.round.id, "ballot_batch": batch.id,
    }
    db.session.expire_all()
    clients = {"anonymous": app.test_client()}
    for role, user in users.items():
        clients[role] = app.test_client()
        assert login(clients[role], user.username).status_code == 302
    return objects, clients


def test_every_admin_award_route_has_a_rule(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.startswith("awards_admin.")}
    assert endpoints == set(RULES)


def test_only_administrators_reach_the_award_administration(app, world):
    objects, clients = world
    failures = check_rules(app, RULES, objects, clients, FORMS)
    assert not failures, "\n".join(failures)
