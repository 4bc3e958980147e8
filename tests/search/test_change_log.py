"""The change log: two servers (two instance folders, each with its own index) on one database,
pruning, a far-behind index, and a log id that commits after a larger one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select, text, update

from innovation_hub import create_app
from innovation_hub.catalogue.models import Achievement
from innovation_hub.extensions import db
from innovation_hub.models import utcnow
from innovation_hub.search import changelog
from innovation_hub.search.index import current_index
from innovation_hub.search.models import IndexJob, IndexPosition, LogState
from tests.factories import gen_achievement, gen_studio


@pytest.fixture
def server_b(app, tmp_path, monkeypatch):
    """A second app server: its own instance folder (and so its own index), the same database."""
    monkeypatch.setenv("INNOVATION_HUB_INSTANCE", str(tmp_path / "instance-b"))
    other = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                        "SECRET_KEY": app.config["SECRET_KEY"], "SEARCH_LOG_CHECK_SECONDS": 0})
    monkeypatch.setenv("INNOVATION_HUB_INSTANCE", app.instance_path)
    app.config["SEARCH_LOG_CHECK_SECONDS"] = 0  # every search looks at the log: no waiting in a test
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def titles(server, q: str) -> list[str]:
    response = server.test_client().get("/api/v1/search", query_string={"q": q})
    assert response.status_code == 200, response.get_data(as_text=True)
    return [hit["title"] for hit in response.get_json()["hits"]]


def log_rows() -> int:
    db.session.rollback()
    return db.session.execute(select(func.count()).select_from(IndexJob)).scalar()


def position_of(server) -> changelog.Position:
    with server.app_context():
        position = changelog.read_position(changelog.index_id(current_index()))
        db.session.remove()
    return position


def test_a_change_drained_on_one_server_is_found_by_the_others_search(app, server_b):
    studio = gen_studio("两台服务器工作室")
    assert titles(server_b, "两台服务器") == ["两台服务器工作室"]  # server B builds its own index
    gen_achievement(studio, "甲服务器批准的成果")  # committed and drained on server A
    assert titles(app, "甲服务器批准") == ["甲服务器批准的成果"]
    assert log_rows() > 0  # A's drain left the rows for B
    # B made no commit: its search looks at the log, sees it moved past B's position, drains first.
    assert titles(server_b, "甲服务器批准") == ["甲服务器批准的成果"]
    assert position_of(server_b).high == position_of(app).high > 0  # both have applied the whole log


def test_the_log_is_pruned_only_once_every_live_index_has_passed_it(app, server_b):
    studio = gen_studio("清理日志工作室")
    titles(server_b, "清理日志")
    gen_achievement(studio, "只有甲应用过的成果")
    before = log_rows()
    assert changelog.prune_log() == 0 and log_rows() == before  # B has not applied the newest rows
    titles(server_b, "只有甲应用过")  # now B has (and its drain prunes, as any drain does now and then)
    changelog.prune_log()
    assert log_rows() == 0
    assert db.session.scalar(select(LogState.pruned_through)) == position_of(app).position
    gen_achievement(studio, "清理之后的成果")  # ids go on past the pruned ones
    assert titles(server_b, "清理之后") == ["清理之后的成果"]


def test_an_index_pruned_past_rebuilds_from_the_database(app, server_b):
    studio = gen_studio("落后太多工作室")
    titles(server_b, "落后太多")
    b_folder = position_of(server_b).folder
    # B has not reported for longer than SEARCH_INDEX_LIVE_SECONDS: it stops holding the log back.
    with db.engine.begin() as connection:
        connection.execute(update(IndexPosition).where(IndexPosition.folder == b_folder)
                           .values(reported_at=utcnow() - timedelta(days=30)))
    gen_achievement(studio, "清理时乙还没应用的成果")
    assert changelog.prune_log() > 0 and log_rows() == 0
    assert position_of(server_b).high < db.session.scalar(select(LogState.pruned_through))
    assert titles(server_b, "乙还没应用") == ["清理时乙还没应用的成果"]  # B rebuilt from the database
    assert position_of(server_b).folder != b_folder


def test_a_brand_new_server_builds_its_index_at_its_first_search(app, server_b):
    gen_achievement(gen_studio("新服务器工作室"), "新服务器之前的成果")
    changelog.prune_log()  # only A is registered: the log is pruned past everything B would need
    assert log_rows() == 0
    assert titles(server_b, "新服务器之前") == ["新服务器之前的成果"]


def _plant_job(job_id: int, record_id: int) -> None:
    """A log row with a chosen id, as a transaction that took that id and commits now would leave it."""
    with db.engine.begin() as connection:
        connection.execute(insert(IndexJob), [{"id": job_id, "kind": "achievement", "record_id": record_id,
                                              "created_at": utcnow()}])
        if connection.dialect.name == "postgresql":  # the next id the sequence gives must be a new one
            connection.execute(text("SELECT setval(pg_get_serial_sequence('search_outbox', 'id'), "
                                    "(SELECT max(id) FROM search_outbox))"))


def _retitle(achievement_id: int, title: str) -> None:
    """Change a record as that transaction did, without the ORM (which would write a log row itself)."""
    with db.engine.begin() as connection:
        connection.execute(update(Achievement.__table__).where(Achievement.__table__.c.id == achievement_id)
                           .values(title=title))


def test_a_log_id_committed_after_a_larger_one_is_still_applied(app):
    """PostgreSQL: transaction A takes id n+1, B takes n+2, B commits first; a drain then sees n+2 and
    must not pass n+1 for good."""
    studio = gen_studio("提交顺序工作室")
    first, second = gen_achievement(studio, "先取号的成果"), gen_achievement(studio, "后取号的成果")
    app.config["SEARCH_LOG_CHECK_SECONDS"] = 0
    titles(app, "取号")
    n = db.session.scalar(select(func.max(IndexJob.id)))
    _retitle(second.id, "后取号先提交的成果")
    _plant_job(n + 2, second.id)  # B commits first
    assert titles(app, "先提交") == ["后取号先提交的成果"]
    position = position_of(app)
    assert position.high == n + 2 and position.position == n and [g[:2] for g in position.gaps] == [[n + 1, n + 1]]
    _retitle(first.id, "先取号后提交的成果")
    _plant_job(n + 1, first.id)  # then A
    assert titles(app, "后提交") == ["先取号后提交的成果"]
    position = position_of(app)
    assert position.position == position.high == n + 2 and position.gaps == []


def test_a_gap_is_passed_once_it_is_older_than_any_transaction(app):
    studio = gen_studio("回滚空号工作室")
    record = gen_achievement(studio, "空号之后的成果")
    app.config["SEARCH_LOG_CHECK_SECONDS"] = 0
    titles(app, "空号")
    n = db.session.scalar(select(func.max(IndexJob.id)))
    _plant_job(n + 2, record.id)  # n + 1 was taken by a transaction that rolled back
    titles(app, "空号")
    assert position_of(app).position == n  # held: that transaction might still commit
    app.config["SEARCH_LOG_SETTLE_SECONDS"] = 0  # now older than any transaction can be open
    titles(app, "空号")
    assert position_of(app).position == n + 2 and position_of(app).gaps == []


def test_the_position_keeps_gaps_as_runs():
    position = changelog.Position(position=10, high=10)
    moved = position.advanced([11, 14, 15, 19], float("inf"), now=100.0, settle=600)
    assert (moved.position, moved.high, moved.gaps) == (11, 19, [[12, 13, 100.0], [16, 18, 100.0]])
    filled = moved.advanced([13, 17], float("inf"), now=200.0, settle=600)
    assert (filled.position, filled.gaps) == (11, [[12, 12, 100.0], [16, 16, 100.0], [18, 18, 100.0]])
    # A full batch read only up to id 12: what lies beyond it is left as it was.
    partial = moved.advanced([12], 12, now=200.0, settle=600)
    assert partial.gaps == [[13, 13, 100.0], [16, 18, 100.0]] and partial.high == 19
    settled = filled.advanced([], float("inf"), now=800.0, settle=600)
    assert (settled.position, settled.gaps) == (19, [])


def test_many_gaps_are_joined_into_fewer_runs(monkeypatch):
    monkeypatch.setattr(changelog, "MAX_GAP_RUNS", 2)
    position = changelog.Position(position=1, high=3, gaps=[[2, 2, 50.0]])
    moved = position.advanced([5, 9], float("inf"), now=100.0, settle=600)
    # 2, 4 and 6–8 are missing: the two closest runs (2 and 4) become one, which waits as long as its later part.
    assert moved.gaps == [[2, 4, 100.0], [6, 8, 100.0]] and (moved.position, moved.high) == (1, 9)


def test_on_postgresql_a_transaction_that_took_an_earlier_id_and_commits_later_is_applied(app):
    """The same order with the database's own sequence: two open transactions, the later id first."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite's writers take turns: its ids always commit in order")
    studio = gen_studio("两个事务工作室")
    first, second = gen_achievement(studio, "事务甲的成果"), gen_achievement(studio, "事务乙的成果")
    app.config["SEARCH_LOG_CHECK_SECONDS"] = 0
    titles(app, "事务")
    table = Achievement.__table__
    with db.engine.connect() as a, db.engine.connect() as b:
        for connection, record, title in ((a, first, "事务甲改后的成果"), (b, second, "事务乙改后的成果")):
            connection.execute(update(table).where(table.c.id == record.id).values(title=title))
            connection.execute(insert(IndexJob).values(kind="achievement", record_id=record.id, created_at=utcnow()))
        b.commit()  # the later id commits first
        assert titles(app, "改后") == ["事务乙改后的成果"]
        a.commit()
    assert sorted(titles(app, "改后")) == ["事务乙改后的成果", "事务甲改后的成果"]


def test_a_server_that_only_searches_keeps_reporting(app):
    """An idle server's searches say it is alive, so pruning keeps waiting for it."""
    gen_studio("只搜索的服务器工作室")
    app.config["SEARCH_LOG_CHECK_SECONDS"] = 0
    titles(app, "只搜索")
    long_ago = utcnow() - timedelta(hours=1)
    with db.engine.begin() as connection:
        connection.execute(update(IndexPosition).values(reported_at=long_ago))
    titles(app, "只搜索")
    assert db.session.scalar(select(IndexPosition.reported_at)) > long_ago + timedelta(minutes=30)
