"""A ledger of a few thousand rows: imported correctly in a bounded number of statements, searchable, re-importable."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from innovation_hub.catalogue import patent_numbers
from innovation_hub.catalogue.models import Achievement, Patent, Person, Studio
from innovation_hub.catalogue.versioning import current_version
from innovation_hub.database import write_transaction
from innovation_hub.extensions import db
from innovation_hub.ledger.importer import import_ledger
from innovation_hub.models import PatentKind
from innovation_hub.search import outbox
from innovation_hub.search.models import IndexJob

from .helpers import (
    ACHIEVEMENT_HEADERS,
    PATENT_HEADERS,
    STUDIO_HEADERS,
    TITLE_HEADERS,
    achievement_row,
    patent_row,
    studio_row,
    write_workbook,
)

# What an import commits is findable at once: these tests check it, so their writes are indexed as they commit.
pytestmark = pytest.mark.usefixtures("search_index")

STUDIOS, PER_STUDIO, PATENTS_PER_STUDIO = 40, 60, 20
POOL = ["张卫东", "李秀英", "王强", "刘海燕", "陈建国", "赵丽", "孙志刚", "周敏"]


def large_sheets() -> dict[str, list[list]]:
    """40 studios (two host units each holding 20), 2400 achievements, 800 patents, a title history."""
    sheets = {"工作室": [STUDIO_HEADERS], "成果": [ACHIEVEMENT_HEADERS], "专利": [PATENT_HEADERS],
              "工作室称号": [TITLE_HEADERS]}
    serial = 0
    for s in range(STUDIOS):
        name, unit = f"第{s}创新工作室", f"单位{s % 2}"
        sheets["工作室"].append(studio_row(name, level="省级", leader=POOL[s % len(POOL)], host_unit=unit,
                                           honours=f"朝阳工匠（{2000 + s % 20}）", year=2020))
        sheets["工作室称号"].append([name, "市级", 2015, "朝阳市总工会", f"朝工发〔2015〕{s}号", "有效"])
        for a in range(PER_STUDIO):
            completers = "、".join(POOL[(s + a + k) % len(POOL)] for k in range(1 + a % 3))
            sheets["成果"].append(achievement_row(f"成果{s}-{a}", studio=name, completers=completers,
                                                  year=2015 + a % 8, value=a + 0.25, summary=f"摘要{s}-{a}"))
        for p in range(PATENTS_PER_STUDIO):
            serial += 1
            sheets["专利"].append(patent_row(patent_numbers.make_number(2021, PatentKind.UTILITY, serial),
                                             title=f"一种装置{s}-{p}", studio=name,
                                             inventors=f"{POOL[p % len(POOL)]} {POOL[(p + 3) % len(POOL)]}",
                                             achievement=f"成果{s}-{p}" if p % 2 else ""))
    return sheets


def test_a_large_ledger_imports_correctly(app, client, tmp_path, count_sql):
    path = write_workbook(tmp_path / "大台账.xlsx", large_sheets())
    version = current_version()
    with count_sql() as counter:
        report = import_ledger(path)
    assert current_version() == version + 1  # cached public pages are rebuilt

    achievements, patents = STUDIOS * PER_STUDIO, STUDIOS * PATENTS_PER_STUDIO
    assert (report.studios.created, report.achievements.created, report.patents.created) == (
        STUDIOS, achievements, patents)
    # Statements per batch of keys, not per row: one INSERT per table, lookups by IN-lists of 500.
    assert counter.count < 200, counter.count
    counts = tuple(db.session.execute(select(func.count()).select_from(m)).scalar() for m in (Studio, Achievement,
                                                                                               Patent, Person))
    assert counts == (STUDIOS, achievements, patents, len(POOL) * 2)  # same name + same host unit = one person

    studio = db.session.execute(select(Studio).where(Studio.name == "第7创新工作室")).scalar_one()
    assert (studio.level.label, studio.named_year, studio.leader.name, studio.host_unit) == ("省级", 2020, "周敏",
                                                                                              "单位1")
    assert [(t.level.label, t.year, t.doc_number) for t in studio.titles] == [
        ("市级", 2015, "朝工发〔2015〕7号"), ("省级", 2020, "")]
    # The same leader (name + host unit) heads studios 7, 15, 23, 31 and 39: the honours of every row add up.
    assert [h.year for h in studio.leader.honours] == [2003, 2007, 2011, 2015, 2019]
    achievement = db.session.execute(select(Achievement).where(Achievement.title == "成果7-5")).scalar_one()
    assert [p.name for p in achievement.completers] == [POOL[12 % 8], POOL[13 % 8], POOL[14 % 8]]
    assert all(p.host_unit == "单位1" for p in achievement.completers)
    assert (achievement.year, str(achievement.value_wan), achievement.status.value) == (2020, "5.25", "approved")
    patent = db.session.execute(select(Patent).where(Patent.title == "一种装置7-5")).scalar_one()
    assert patent.achievement.title == "成果7-5" and patent.studio is studio
    assert [p.name for p in patent.inventors] == [POOL[5], POOL[0]]
    assert patent.filing_date == date(2021, 3, 5)

    # The search index followed, in the same transaction's outbox (drained after the commit).
    hits = client.get("/api/v1/search", query_string={"q": "一种装置7-5", "type": "patent"}).get_json()["hits"]
    assert hits[0]["id"] == patent.id
    assert db.session.execute(select(func.count()).select_from(IndexJob)).scalar() == 0


def test_a_large_ledger_reimports_unchanged_and_edits_update(app, client, tmp_path):
    sheets = large_sheets()
    import_ledger(write_workbook(tmp_path / "l.xlsx", sheets))
    before = dict(db.session.execute(select(Achievement.id, Achievement.updated_at)).tuples().all())
    db.session.remove()

    version = current_version()
    report = import_ledger(write_workbook(tmp_path / "again.xlsx", sheets))
    assert (report.created, report.updated) == (0, 0)
    assert current_version() == version  # nothing written: cached pages stay valid
    assert report.achievements.unchanged == STUDIOS * PER_STUDIO
    assert dict(db.session.execute(select(Achievement.id, Achievement.updated_at)).tuples().all()) == before

    sheets["成果"][10][3] = "周敏、张卫东"  # completers changed
    sheets["成果"][11][6] = "新的摘要"  # summary changed
    sheets["专利"][3][1] = "一种改进的检修平台"  # patent title changed
    sheets["工作室称号"][2][5] = "撤销"  # a title revoked: the studio changes, its level stays (省级 2020)
    db.session.remove()
    report = import_ledger(write_workbook(tmp_path / "edited.xlsx", sheets))
    assert (report.studios.updated, report.achievements.updated, report.patents.updated, report.created) == (
        1, 2, 1, 0)
    edited = db.session.execute(select(Achievement).where(Achievement.title == sheets["成果"][10][0])).scalar_one()
    assert [p.name for p in edited.completers] == ["周敏", "张卫东"]
    assert edited.updated_at == before[edited.id]  # only the links changed, not the row
    summary = db.session.execute(select(Achievement).where(Achievement.title == sheets["成果"][11][0])).scalar_one()
    assert summary.summary == "新的摘要" and summary.updated_at > before[summary.id]
    hits = client.get("/api/v1/search", query_string={"q": "改进的检修平台"}).get_json()["hits"]
    assert [hit["title"] for hit in hits] == ["一种改进的检修平台"]


def test_few_bulk_changes_queue_their_records_and_many_one_rebuild(app, tmp_path):
    import_ledger(write_workbook(tmp_path / "l.xlsx", large_sheets()))
    records = STUDIOS * (1 + PER_STUDIO + PATENTS_PER_STUDIO)

    class Rollback(Exception):
        """Leaves the jobs unwritten (and the index alone)."""

    def queued(jobs) -> set:
        found = set()
        with pytest.raises(Rollback), write_transaction() as session:
            outbox.queue_jobs(session, jobs)
            found.update(session.execute(select(IndexJob.kind, IndexJob.record_id)).tuples())
            raise Rollback
        return found

    assert queued({("achievement", 1), ("studio", 2)}) == {("achievement", 1), ("studio", 2)}
    many = {("achievement", i) for i in range(1, int(records * outbox.REBUILD_SHARE) + 1)}
    assert queued(many) == {("all", 0)}
