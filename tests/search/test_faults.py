"""Faults around the index: its folder lost while serving, another process's commit racing an open,
a server starting without an index."""

from __future__ import annotations

import fcntl
import shutil
import threading
from pathlib import Path

from whoosh import index as whoosh_index

from innovation_hub import search
from innovation_hub.search import changelog
from innovation_hub.search.index import current_index
from tests.factories import gen_achievement, gen_studio

MISSING = "检索索引正在重建"


def search_root(app) -> Path:
    return Path(app.instance_path) / "search"


def in_thread(fn):
    """Run `fn` in a thread; a deadlock then fails the test instead of hanging the suite."""
    out = {}
    worker = threading.Thread(target=lambda: out.setdefault("value", fn()), daemon=True)
    worker.start()
    worker.join(60)
    assert not worker.is_alive(), "hung"
    return out["value"]


def test_a_lost_index_answers_503_at_once_and_one_thread_rebuilds_it(app, client, monkeypatch):
    gen_achievement(gen_studio("索引丢失工作室"), "索引丢失之前的成果")
    app.config["SEARCH_INLINE_REBUILD_MAX"] = 0  # a big catalogue: rebuilt in the background
    shutil.rmtree(search_root(app))
    started, release, calls = threading.Event(), threading.Event(), []
    real_rebuild = changelog.rebuild

    def held_rebuild(*args, **kwargs):
        calls.append(kwargs)
        started.set()
        release.wait(60)
        return real_rebuild(*args, **kwargs)

    monkeypatch.setattr(changelog, "rebuild", held_rebuild)
    api = in_thread(lambda: client.get("/api/v1/search?q=索引丢失"))
    assert api.status_code == 503 and MISSING in api.get_json()["error"]
    assert started.wait(60)
    page = in_thread(lambda: client.get("/search?q=索引丢失"))
    assert page.status_code == 503 and MISSING in page.get_data(as_text=True)
    assert len(calls) == 1  # one rebuild, not one per request
    release.set()
    current_index().rebuilding.join(60)
    body = client.get("/api/v1/search?q=索引丢失之前").get_json()
    assert [hit["title"] for hit in body["hits"]] == ["索引丢失之前的成果"]


def test_a_rebuild_under_way_in_another_process_is_left_to_it(app, client):
    gen_studio("另一进程重建工作室")
    shutil.rmtree(search_root(app))
    search_root(app).mkdir()
    with open(search_root(app) / "REBUILD.lock", "a") as held:  # another process is rebuilding
        fcntl.flock(held, fcntl.LOCK_EX)
        response = in_thread(lambda: client.get("/api/v1/search?q=另一进程"))
        assert response.status_code == 503 and MISSING in response.get_json()["error"]
        assert not list(search_root(app).glob("index-*"))  # nothing built here
    # The holder died before it finished: the next look at the log (here at once) rebuilds, a small catalogue
    # during the request.
    app.config["SEARCH_LOG_CHECK_SECONDS"] = 0
    assert client.get("/api/v1/search?q=另一进程").get_json()["total"] == 1


def test_a_small_catalogue_found_without_an_index_is_rebuilt_during_the_request(app, client):
    gen_studio("小目录工作室")
    shutil.rmtree(search_root(app))
    assert in_thread(lambda: client.get("/api/v1/search?q=小目录")).get_json()["total"] == 1


def test_a_server_start_rebuilds_a_missing_index_and_leaves_a_ready_one(app, runner):
    gen_achievement(gen_studio("启动重建工作室"), "启动之前的成果")
    shutil.rmtree(search_root(app))
    assert search.ensure_index() is True
    assert search.index_ready() and search.ensure_index() is False
    shutil.rmtree(search_root(app))
    assert "已重建" in runner.invoke(args=["reindex", "--if-missing"]).output
    assert "未重建" in runner.invoke(args=["reindex", "--if-missing"]).output


def test_opening_the_index_retries_when_another_commit_removed_its_generation(app, client, monkeypatch):
    """Between finding the newest generation and opening its _MAIN_N.toc, another process's commit
    writes generation N+1 and deletes N: the open is retried, not failed."""
    studio = gen_studio("并发提交工作室")
    live = current_index().live_dir()
    real = whoosh_index.TOC._latest_generation.__func__
    raced = []

    def racing(cls, storage, indexname):
        generation = real(cls, storage, indexname)
        if not raced and str(storage.folder) == str(live):
            raced.append(generation)
            writer = whoosh_index.open_dir(str(live)).writer()  # another process commits meanwhile
            writer.commit(merge=False)
            assert not (live / f"_MAIN_{generation}.toc").exists()
        return generation

    monkeypatch.setattr(whoosh_index.TOC, "_latest_generation", classmethod(racing))
    current_index().open()  # Whoosh's open_dir alone raises FileNotFoundError here
    assert raced
    raced.clear()
    current_index()._searcher = current_index()._ix = None  # a worker opening its first searcher
    assert client.get("/api/v1/search?q=并发提交").get_json()["total"] == 1
    assert raced
    raced.clear()
    gen_achievement(studio, "竞争中写入的成果")  # the drain opens the index too
    assert raced and changelog.unapplied_count() == 0
    assert client.get("/api/v1/search?q=竞争中写入").get_json()["total"] == 1
