"""The per-document arrays beside each segment: drains that merge segments keep every document's facets,
year and type; a rebuild's segments each have their file; a failed write leaves no live segment without
one; flask check reports a missing or miscounted file."""

from __future__ import annotations

import pytest

from innovation_hub.models import Category, District, Level, PatentKind, RecordStatus
from innovation_hub.search import docarrays, rebuild, verify_index, whoosh_adapter
from innovation_hub.search.index import IndexDamaged, current_index, segments_of
from tests.factories import gen_achievement, gen_patent, gen_studio


def live_segments() -> list[tuple[str, int]]:
    reader = current_index().open().reader()
    try:
        return [(segment_id, leaf.doc_count_all()) for leaf, _, segment_id in segments_of(reader)]
    finally:
        reader.close()


def found(client, **filters) -> set[str]:
    body = client.get("/api/v1/search", query_string={"q": "", "per_page": 100, **filters}).get_json()
    assert body["total"] == len(body["hits"])
    return {hit["title"] for hit in body["hits"]}


def catalogue_through_drains() -> dict[str, tuple]:
    """Records written one commit (and so one drain, one small segment) at a time, some changed or
    withdrawn later: title -> (type, category or kind, year, district) of what is public at the end."""
    north = gen_studio("北票检修工作室", level=Level.NATIONAL, district=District.BEIPIAO, industry="电力")
    south = gen_studio("双塔焊接工作室", level=Level.CITY, district=District.SHUANGTA, industry="机械制造")
    expected = {north.name: ("studio", "", 2018, "beipiao"), south.name: ("studio", "", 2018, "shuangta")}
    for i in range(6):
        studio, category = (north, Category.OPERATION) if i % 2 else (south, Category.INVENTION)
        title = f"第{i}项数组成果"
        gen_achievement(studio, title, category=category, year=2010 + i)
        expected[title] = ("achievement", category.value, 2010 + i, studio.district.value)
        title = f"第{i}项数组专利"
        gen_patent(studio, title, kind=PatentKind.INVENTION if i % 2 else PatentKind.DESIGN, year=2015 + i)
        expected[title] = ("patent", "invention" if i % 2 else "design", 2015 + i, studio.district.value)
    # Changed after their segment was merged: the old document is deleted, the new one lands elsewhere.
    gen_achievement(south, "第0项数组成果", category=Category.OPERATION, year=2001)
    expected["第0项数组成果"] = ("achievement", "operation", 2001, "shuangta")
    gen_achievement(north, "第3项数组成果", category=Category.OPERATION, year=2013, status=RecordStatus.RETURNED)
    del expected["第3项数组成果"]
    for i in range(3):
        gen_achievement(south, f"后来的第{i}项成果", category=Category.BREAKTHROUGH, year=2020)
        expected[f"后来的第{i}项成果"] = ("achievement", "breakthrough", 2020, "shuangta")
    return expected


def assert_filters_find(client, expected: dict[str, tuple]) -> None:
    assert found(client) == set(expected)
    for record_type in ("studio", "achievement", "patent"):
        assert found(client, type=record_type) == {t for t, v in expected.items() if v[0] == record_type}
    for category in ("operation", "invention", "breakthrough"):
        assert found(client, category=category) == {t for t, v in expected.items()
                                                     if v[0] == "achievement" and v[1] == category}
    for kind in ("invention", "design"):
        assert found(client, kind=kind) == {t for t, v in expected.items() if v[0] == "patent" and v[1] == kind}
    for district in ("beipiao", "shuangta"):
        assert found(client, district=district) == {t for t, v in expected.items() if v[3] == district}
    assert found(client, year_from=2012, year_to=2016) == {t for t, v in expected.items() if 2012 <= v[2] <= 2016}
    body = client.get("/api/v1/search", query_string={"q": "", "type": "achievement"}).get_json()
    years = {}
    for kind, _, year, _ in expected.values():
        if kind == "achievement":
            years[str(year)] = years.get(str(year), 0) + 1
    assert body["facets"]["year"] == dict(sorted(years.items(), reverse=True))


def test_drains_that_merge_segments_keep_every_documents_arrays(app, client, monkeypatch):
    merges = []
    real = whoosh_adapter._merge_plan

    def watching(segments, merge):
        kept, merged = real(segments, merge)
        merges.append(len(merged))
        return kept, merged

    monkeypatch.setattr(whoosh_adapter, "_merge_plan", watching)
    expected = catalogue_through_drains()
    assert any(merges), "Whoosh's small-segment merge happened in these drains"
    assert len(live_segments()) < len(merges)
    assert_filters_find(client, expected)
    assert verify_index() == []


def test_drains_that_merge_every_segment_each_time(app, client, monkeypatch):
    monkeypatch.setattr(docarrays.Writer, "commit",
                        lambda self: whoosh_adapter.commit(self.whoosh, self._write, whoosh_adapter.MERGE_ALL))
    expected = catalogue_through_drains()
    assert len(live_segments()) == 1
    assert_filters_find(client, expected)
    assert verify_index() == []


def test_each_segment_of_a_parallel_rebuild_has_its_file_with_its_count(app, client, monkeypatch):
    from innovation_hub.search import building, changelog

    studio = gen_studio("并行重建工作室")
    for i in range(20):
        gen_achievement(studio, f"并行重建成果{i}", year=2000 + i)
    monkeypatch.setattr(changelog, "PARALLEL_FROM", 10)
    monkeypatch.setattr(building, "SEGMENT_DOCS", 6)
    assert rebuild() == 21
    segments = live_segments()
    assert len(segments) == 5 and sum(count for _, count in segments) == 21  # 6+6+6+2 achievements, 1 studio
    folder = current_index().live_dir()
    for segment_id, count in segments:
        assert docarrays.SegmentArrays(docarrays.path_for(folder, segment_id)).doc_count == count
    assert found(client, type="achievement", year_from=2010) == {f"并行重建成果{i}" for i in range(10, 20)}
    assert not list(folder.glob("*.tmp")), "no temporary arrays file is left"


def test_a_failed_arrays_write_leaves_the_index_as_it_was(app, client, monkeypatch):
    studio = gen_studio("写入失败工作室")
    before = live_segments()

    def failing(folder, segment_id, rows):
        raise OSError("disk full")

    monkeypatch.setattr(docarrays, "write", failing)
    gen_achievement(studio, "没写进索引的成果")  # its commit stands; the drain after it fails (logged)
    assert live_segments() == before, "the segment written without its file never went live"
    assert docarrays.problems(current_index().live_dir(), before) == []
    monkeypatch.undo()
    gen_achievement(studio, "下一项成果")  # the next drain applies both
    assert found(client) == {"写入失败工作室", "没写进索引的成果", "下一项成果"}
    assert verify_index() == []


def test_flask_check_reports_a_missing_or_miscounted_arrays_file(app, client):
    studio = gen_studio("核对数组工作室")
    gen_achievement(studio, "核对数组成果")
    folder = current_index().live_dir()
    (segment_id, count), *_ = live_segments()
    path = docarrays.path_for(folder, segment_id)
    saved = path.read_bytes()
    path.unlink()
    problems = verify_index()
    assert len(problems) == 1 and f"分段 {segment_id} 的文档数组文件有误" in problems[0], problems
    assert "文件缺失" in problems[0] and "reindex" in problems[0]
    rows = docarrays.Rows()
    for _ in range(count + 1):
        rows.add({"type": "studio"})
    docarrays.write(folder, segment_id, rows)
    problems = verify_index()
    assert len(problems) == 1 and f"记录了 {count + 1} 个文档，分段有 {count} 个" in problems[0], problems
    current_index()._searcher = current_index()._ix = None  # a process opening its first searcher
    with pytest.raises(IndexDamaged):
        current_index().searcher()
    path.write_bytes(saved)
    assert verify_index() == []


def test_a_writer_killed_between_its_arrays_file_and_the_commit_leaves_the_index_as_it_was(app, client):
    """A drain's process dies after writing the new segment and its arrays file, before the table of
    contents: nothing of it is live, the lock is free, and the next commit removes its files."""
    import os

    from innovation_hub.search import documents

    studio = gen_studio("中途退出工作室")
    before = live_segments()
    doc = next(documents.studio_docs([studio.id]))
    folder = current_index().live_dir()
    child = os.fork()
    if child == 0:  # the writer process, killed (os._exit: no clean-up runs) once its arrays are written
        real = docarrays.write

        def write_then_die(*args):
            real(*args)
            os._exit(0)

        docarrays.write = write_then_die
        writer = docarrays.Writer.of(current_index().open())
        writer.update_document({**doc, "year": 1999})
        writer.commit()
        os._exit(1)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0, "the child died where it should"
    orphans = {p.name for p in folder.glob(f"*{docarrays.SUFFIX}")} - {f"{s}{docarrays.SUFFIX}" for s, _ in before}
    assert len(orphans) == 1, "the dead writer's arrays file is there, its segment not live"
    assert live_segments() == before
    assert found(client, type="studio") == {"中途退出工作室"} and found(client, year_from=1990, year_to=2000) == set()
    gen_achievement(studio, "之后的成果")  # the next drain gets the lock and its commit cleans up
    assert not any((folder / name).exists() for name in orphans)
    assert verify_index() == []
