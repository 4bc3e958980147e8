"""Who may open the public award routes, for a round in each state; the builders the public-page tests share."""

import pytest
from sqlalchemy import select

from innovation_hub.awards import ballots, lifecycle
from innovation_hub.awards.models import Certificate, VoteMode, VoteStage
from innovation_hub.extensions import db
from tests.awards import helpers
from tests.awards.access_public import FORMS, PUBLIC_POST, ROUND_CERTIFICATES, RULES
from tests.factories import gen_round, gen_user, login
from tests.test_access_matrix import PUBLIC, ROLES, check_rules

MAXES = (20, 20, 40, 20)


def descending(j, n, c):
    """Entry 0 best, then 1, 2, …: every judge gives entry n 90 − 10·n per cent of each criterion."""
    return round(MAXES[c] * (0.9 - 0.1 * n), 2)


def voting_round(entries=3, **settings) -> helpers.Stage:
    """A round with a public vote, in 专家评审 (the vote is open)."""
    return helpers.build(entries=entries, judges=1, public_vote=True, vote_stage=VoteStage.SCORING, **settings)


def publicity_round(entries=3, judges=2, quota=1, points=descending, **settings) -> helpers.Stage:
    """A round in 成果公示: entry 0 (of studio 0) first and, with quota 1, the only 优秀."""
    stage = helpers.build(entries=entries, judges=judges, quota=quota, **settings)
    helpers.to_publicity(stage, points)
    return stage


def final_round(**settings) -> helpers.Stage:
    stage = publicity_round(**settings)
    helpers.end_publicity(stage.round)
    lifecycle.finalise(stage.admin, stage.round)
    return stage


def serials(stage) -> list[str]:
    return list(db.session.scalars(select(Certificate.serial).where(Certificate.round_id == stage.round.id)
                                   .order_by(Certificate.id)))


def closed_round(**settings) -> helpers.Stage:
    stage = helpers.build(entries=2, judges=1, **settings)
    helpers.score_all(stage)
    lifecycle.close_scoring(stage.admin, stage.round)
    return stage


@pytest.fixture
def world(app):
    final = final_round()
    admin = final.admin
    rounds = {
        "draft_round": gen_round(admin, public_vote=True),
        "nominating_round": helpers.build(entries=1, until="nominating", public_vote=True).round,
        "qualifying_round": helpers.build(entries=1, judges=1, until="qualifying", public_vote=True).round,
        "voting_round": voting_round().round,
        "ballot_round": voting_round(vote_mode=VoteMode.BALLOT).round,
        "blind_scoring_round": helpers.build(entries=1, judges=1, public_vote=True, blind=True).round,  # no vote yet
        "scoring_round": helpers.build(entries=1, judges=1).round,  # no public vote
        "closed_round": closed_round(public_vote=True).round,
        "publicity_round": publicity_round().round,
        "final_round": final.round,
    }
    users = {"studio_a": gen_user("pub-studio-a", "studio", studio=final.studios[0]),
             "studio_b": gen_user("pub-studio-b", "studio", studio=final.studios[1]),
             "judge": gen_user("pub-judge", "judge"), "admin": gen_user("pub-admin")}
    objects = {name: r.id for name, r in rounds.items()}
    objects["certificate_of_a"] = serials(final)[0]
    batch = ballots.issue_batch(admin, rounds["ballot_round"], 10, "示例单位工会")  # a code for each ballot cast
    objects["ballot_codes"] = [ballots.code_at(batch.seed, n) for n in range(1, batch.size + 1)]
    clients = {"anonymous": app.test_client()}
    for role, user in users.items():
        clients[role] = app.test_client()
        assert login(clients[role], user.username).status_code == 302
    assert set(clients) == set(ROLES)
    return objects, clients


NOT_FOUND = (404,) * 5
FORBIDDEN = (403,) * 5
# The round's certificates: anonymous users log in first; a judge is refused before the state is looked at.
NO_CERTIFICATES = ("login", 404, 404, 403, 404)
HIDDEN_CERTIFICATES = ("login", 404, 404, 404, 404)
# A vote or an objection outside its period: the form reaches the service, which refuses it (with valid data).
CLOSED = (400,) * 5

# state: what each round page answers (round page, 公示, objection, vote page, vote, results, JSON results,
# certificates of the round).
STATES = {
    "draft_round": (NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, HIDDEN_CERTIFICATES),
    "nominating_round": (PUBLIC, NOT_FOUND, NOT_FOUND, PUBLIC, CLOSED, NOT_FOUND, FORBIDDEN, NO_CERTIFICATES),
    "qualifying_round": (PUBLIC, NOT_FOUND, NOT_FOUND, PUBLIC, CLOSED, NOT_FOUND, FORBIDDEN, NO_CERTIFICATES),
    "voting_round": (PUBLIC, NOT_FOUND, NOT_FOUND, PUBLIC, PUBLIC_POST, NOT_FOUND, FORBIDDEN, NO_CERTIFICATES),
    "ballot_round": (PUBLIC, NOT_FOUND, NOT_FOUND, PUBLIC, PUBLIC_POST, NOT_FOUND, FORBIDDEN, NO_CERTIFICATES),
    "blind_scoring_round": (PUBLIC, NOT_FOUND, NOT_FOUND, PUBLIC, CLOSED, NOT_FOUND, FORBIDDEN, NO_CERTIFICATES),
    "scoring_round": (PUBLIC, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, FORBIDDEN, NO_CERTIFICATES),
    "closed_round": (PUBLIC, NOT_FOUND, NOT_FOUND, PUBLIC, PUBLIC_POST, NOT_FOUND, FORBIDDEN, NO_CERTIFICATES),
    "publicity_round": (PUBLIC, PUBLIC, PUBLIC_POST, NOT_FOUND, NOT_FOUND, NOT_FOUND, PUBLIC, NO_CERTIFICATES),
    "final_round": (PUBLIC, PUBLIC, CLOSED, NOT_FOUND, NOT_FOUND, PUBLIC, PUBLIC, ROUND_CERTIFICATES),
}
ENDPOINTS = (("awards.round_detail", "GET"), ("awards.publicity", "GET"), ("awards.file_objection", "POST"),
             ("awards.vote_gallery", "GET"), ("awards.cast_vote", "POST"), ("awards.results", "GET"),
             ("awards_api.round_results", "GET"), ("awards.certificates_print", "GET"))


def test_the_public_award_routes_keep_their_rules(app, world):
    objects, clients = world
    failures = check_rules(app, RULES, objects, clients, FORMS)
    assert not failures, "\n".join(failures)


def test_each_round_page_answers_as_its_state_allows(app, world):
    objects, clients = world
    failures = []
    for state, answers in STATES.items():
        rules = {endpoint: (method, expected, {"round_id": state})
                 for (endpoint, method), expected in zip(ENDPOINTS, answers, strict=True)}
        failures += [f"{state}: {line}" for line in check_rules(app, rules, objects, clients, FORMS)]
    assert not failures, "\n".join(failures)


def test_unknown_rounds_and_certificates_are_not_found(app, world):
    objects, clients = world
    missing = {"round_id": 999999, "serial": "2024001001-FFFFFF"}
    rules = {endpoint: (method, NOT_FOUND if endpoint != "awards.certificates_print" else HIDDEN_CERTIFICATES,
                        {"round_id": "round_id"}) for endpoint, method in ENDPOINTS}
    rules["awards.certificate_check"] = ("GET", NOT_FOUND, {"serial": "serial"})
    rules["awards.certificate_print"] = ("GET", ("login", 404, 404, 404, 404), {"serial": "serial"})
    failures = check_rules(app, rules, {**objects, **missing}, clients, FORMS)
    assert not failures, "\n".join(failures)
