"""The award tables: the migration matches the models, and clearing the site removes award rows first."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from innovation_hub.awards.models import AwardRound, Score, Vote, VoteStage
from innovation_hub.database import write_transaction
from innovation_hub.demo.seed import _clear_site
from innovation_hub.extensions import db
from tests.awards import helpers


def test_the_upgraded_schema_matches_the_models(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []


def test_seed_demo_force_clears_award_rows_before_users_and_achievements(app):
    stage = helpers.build(entries=1, judges=1, public_vote=True, vote_stage=VoteStage.SCORING)
    from innovation_hub.awards import objections_votes

    objections_votes.cast_vote(stage.round, stage.nominations[0], "browser-a", "10.0.0.1")
    helpers.score_all(stage)
    with write_transaction() as session:
        _clear_site(session)  # foreign keys are enforced: award rows refer to users and achievements
    for model in (AwardRound, Score, Vote):
        assert db.session.scalar(select(func.count()).select_from(model)) == 0
