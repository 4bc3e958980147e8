"""verify_index() (for flask check): each kind of difference between the database and this machine's
index, planted behind the change log's back, is reported in Chinese."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, update
from whoosh import index as whoosh_index

from innovation_hub.catalogue.models import Achievement, Patent, PatentInventor
from innovation_hub.extensions import db
from innovation_hub.models import RecordStatus, utcnow
from innovation_hub.search import changelog, verify_index
from innovation_hub.search.index import current_index
from innovation_hub.search.models import IndexPosition, LogState
from tests import worlds
from tests.factories import gen_achievement, gen_patent, gen_studio


@worlds.world(index=True)
def corpus(app):
    studio = gen_studio("核对索引工作室")
    return {"studio": studio, "a1": gen_achievement(studio, "核对用的第一项成果"),
            "a2": gen_achievement(studio, "核对用的第二项成果"), "p1": gen_patent(studio, "一种核对用装置")}


def behind_the_logs_back(statement) -> None:
    """A change the ORM never sees, so no change-log row is written (a bug, a hand-made SQL fix)."""
    with db.engine.begin() as connection:
        connection.execute(statement)
    db.session.expire_all()


def only(problems: list[str]) -> str:
    assert len(problems) == 1, problems
    return problems[0]


def test_an_index_that_matches_the_database_has_no_violations(corpus):
    assert verify_index() == []


def test_a_public_record_missing_from_the_index(corpus):
    writer = whoosh_index.open_dir(str(current_index().live_dir())).writer()
    writer.delete_by_term("key", f"achievement:{corpus['a1'].id}")
    writer.commit()
    assert only(verify_index()) == f"成果 {corpus['a1'].id}《核对用的第一项成果》已公开，但本机检索索引中没有它"


def test_a_document_whose_record_is_no_longer_public_or_gone(corpus):
    a1, p1 = corpus["a1"].id, corpus["p1"].id
    behind_the_logs_back(update(Achievement).where(Achievement.id == a1).values(status=RecordStatus.RETURNED))
    assert only(verify_index()) == f"本机检索索引中有成果 {a1}，但它已不公开（已退回）"
    behind_the_logs_back(delete(PatentInventor).where(PatentInventor.patent_id == p1))
    behind_the_logs_back(delete(Patent).where(Patent.id == p1))
    assert f"本机检索索引中有专利 {p1}，但它在数据库中已不存在" in verify_index()


def test_a_document_older_than_its_record(corpus):
    a2 = corpus["a2"].id
    behind_the_logs_back(update(Achievement).where(Achievement.id == a2)
                         .values(title="核对用的第二项成果（改）", updated_at=utcnow() + timedelta(seconds=5)))
    line = only(verify_index())
    assert line.startswith(f"本机检索索引中成果 {a2}《核对用的第二项成果（改）》的内容旧于数据库中的记录")


def test_the_index_behind_the_log(app, corpus, monkeypatch):
    monkeypatch.setattr(changelog, "WRITER_TIMEOUT", 0.0)
    holder = current_index().open().writer()  # another process of this machine holds the writer lock
    try:
        gen_achievement(corpus["studio"], "锁住时写入的成果")  # committed; its drain leaves the row
        problems = verify_index()
    finally:
        holder.cancel()
    assert any("还有 1 条变更未应用" in p for p in problems), problems
    assert any("锁住时写入的成果》已公开，但本机检索索引中没有它" in p for p in problems), problems
    assert verify_index() == []  # the next look at the log applies it


def test_an_index_pruned_past_or_without_a_position(corpus):
    behind_the_logs_back(update(LogState).values(pruned_through=10 ** 6))
    assert "落后太多" in only(verify_index()) and "reindex" in verify_index()[0]  # reported, not rebuilt
    behind_the_logs_back(update(LogState).values(pruned_through=0))
    behind_the_logs_back(delete(IndexPosition))
    assert "没有登记变更日志位置" in only(verify_index())


def test_no_index_at_all(app, corpus):
    import shutil
    from pathlib import Path

    shutil.rmtree(Path(app.instance_path) / "search")
    assert "本机没有检索索引" in only(verify_index())
