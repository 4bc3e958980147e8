"""The judge's and the studio's award routes answer each role as tests/awards/access_judging.py says."""

import pytest

from innovation_hub.accounts.services import user_by_username
from innovation_hub.awards import assignment, lifecycle, nominating
from innovation_hub.catalogue.models import Studio
from innovation_hub.extensions import db
from tests import test_access_matrix
from tests.awards import access_judging
from tests.factories import gen_achievement, gen_round
from tests.test_access_matrix import check_rules

world = test_access_matrix.world  # the roles' logged-in clients: studio A (甲工作室), studio B, judge1, admin1


@pytest.fixture
def award_world(world):
    """On top of the matrix's world: a round in scoring judged by judge1 (an entry to score, one to recuse
    from), and an open round."""
    objects, clients = world
    admin, judge = user_by_username("admin1"), user_by_username("judge1")
    studio_a = db.session.scalars(db.select(Studio).where(Studio.name == "甲工作室")).one()

    scoring = gen_round(admin, judges_per_entry=1)
    lifecycle.open_nominations(admin, scoring)
    entry, to_recuse = (nominating.nominate(admin, scoring, gen_achievement(studio_a, title))
                        for title in ("评审中的成果", "需回避的成果"))
    lifecycle.close_nominations(admin, scoring)
    for nomination in (entry, to_recuse):
        nominating.qualify(admin, nomination, True)
    assignment.add_judge(admin, scoring, judge)
    assignment.auto_assign(admin, scoring)
    lifecycle.start_scoring(admin, scoring)

    open_round = gen_round(admin)
    lifecycle.open_nominations(admin, open_round)
    withdrawable = nominating.nominate(admin, open_round, gen_achievement(studio_a, "可撤回的推荐"))
    objects = {**objects, "judge_round": scoring.id, "judge_entry": entry.id, "entry_to_recuse": to_recuse.id,
               "open_round": open_round.id,
               "nominable": gen_achievement(studio_a, "可推荐的成果").id, "withdrawable": withdrawable.id}
    return objects, clients


def test_judge_and_studio_award_routes_keep_their_access_rules(app, award_world):
    objects, clients = award_world
    failures = check_rules(app, access_judging.RULES, objects, clients, access_judging.FORMS)
    assert not failures, "\n".join(failures)
