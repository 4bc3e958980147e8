"""The index never loses a committed change: crashes, concurrent writers, stale locks, rebuilds."""

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from sqlalchemy import func, select

from innovation_hub.extensions import db
from innovation_hub.search.models import IndexJob

ROOT = Path(__file__).resolve().parents[2]


def run_child(app, code: str, timeout: int = 90, **popen) -> subprocess.CompletedProcess:
    """Run `code` in a new Python process on the same instance folder (a separate worker)."""
    env = {**os.environ, "INNOVATION_HUB_INSTANCE": app.instance_path, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout, check=False, **popen)


SEARCH_IN_NEW_PROCESS = """
    import json
    from innovation_hub import create_app
    app = create_app()
    client = app.test_client()
    print(json.dumps(client.get("/api/v1/search", query_string={"q": %r}).get_json()))
"""


def search_in_new_process(app, q: str) -> dict:
    import json

    result = run_child(app, SEARCH_IN_NEW_PROCESS % q)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def pending_jobs() -> int:
    """Rows of the change log this instance's index has not applied (all of them before it has an index)."""
    from innovation_hub.search.changelog import unapplied_count

    db.session.rollback()
    unapplied = unapplied_count()
    return db.session.execute(select(func.count()).select_from(IndexJob)).scalar() if unapplied is None else unapplied


def test_a_change_committed_by_a_process_killed_before_indexing_is_found_after_restart(app):
    result = run_child(app, """
        import os
        import innovation_hub.search as search
        search._drain_if_jobs_written = lambda: os._exit(0)  # die right after the commit, before indexing
        from innovation_hub import create_app
        app = create_app()
        with app.app_context():
            from tests.factories import gen_studio
            gen_studio("断电之前命名的工作室")
        raise SystemExit("not reached: the process should have died after its commit")
    """)
    assert result.returncode == 0, result.stderr
    assert pending_jobs() > 0  # the job outlived the process
    body = search_in_new_process(app, "断电之前")
    assert [h["title"] for h in body["hits"]] == ["断电之前命名的工作室"]
    assert pending_jobs() == 0


def test_two_processes_writing_at_once_lose_nothing(app):
    writer = """
        import sys
        from innovation_hub import create_app
        app = create_app()
        with app.app_context():
            from tests.factories import gen_studio, gen_achievement
            studio = gen_studio("并发写入工作室" + sys.argv[1])
            for n in range(12):
                gen_achievement(studio, f"并发成果{sys.argv[1]}号{n}", summary="两个进程同时写入。")
    """
    env = {**os.environ, "INNOVATION_HUB_INSTANCE": app.instance_path, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-c", textwrap.dedent(writer), name], env=env, cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for name in "甲乙"]
    for proc in procs:
        _out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    assert pending_jobs() == 0  # whoever held the lock also applied the other's jobs
    body = search_in_new_process(app, "两个进程同时写入")
    assert body["total"] == 24


def test_a_lock_left_by_a_killed_writer_is_recovered(app, client):
    from innovation_hub.search import rebuild

    rebuild()  # the index the killed writer locks
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent("""
            import time
            from innovation_hub import create_app
            from innovation_hub.search.index import current_index
            app = create_app()
            with app.app_context():
                writer = current_index().open().writer()
                print("locked", flush=True)
                time.sleep(120)
        """)],
        env={**os.environ, "INNOVATION_HUB_INSTANCE": app.instance_path, "PYTHONPATH": str(ROOT)},
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
    finally:
        if holder.poll() is None:
            holder.kill()
        holder.stdout.close()
    from tests.factories import gen_studio

    gen_studio("锁被遗留之后的工作室")  # its drain must get the writer lock
    assert pending_jobs() == 0
    assert client.get("/api/v1/search?q=锁被遗留").get_json()["total"] == 1


def test_searches_work_during_a_rebuild_and_see_its_result(app, client):
    from innovation_hub.search import rebuild
    from tests.factories import gen_achievement, gen_studio

    studio = gen_studio("重建索引工作室")
    gen_achievement(studio, "重建之前的成果")
    seen_during = []

    def progress(items, length, label):
        from contextlib import contextmanager

        @contextmanager
        def watching():
            def each():
                yield from items
                seen_during.append(client.get("/api/v1/search?q=重建之前").get_json()["total"])
            yield each()

        return watching()

    assert rebuild(progress=progress) == 2
    assert seen_during == [1]  # the old index answered while the new one was being written
    assert client.get("/api/v1/search?q=重建之前").get_json()["total"] == 1
    live = [p for p in (Path(app.instance_path) / "search").glob("index-*")]
    assert len(live) <= 2  # old folders are removed


def test_an_index_built_under_another_schema_says_so_until_reindexed(app, client, runner):
    from innovation_hub.search.index import current_index
    from tests.factories import gen_studio

    gen_studio("升级之前的工作室")
    live = current_index().live_dir()
    (live / "SCHEMA").write_text("0")  # as left by an older release
    current_index()._searcher = None  # a worker that starts after the upgrade
    response = client.get("/api/v1/search?q=升级之前")
    assert response.status_code == 503 and "reindex" in response.get_json()["error"]
    page = client.get("/search?q=升级之前")
    assert page.status_code == 503 and "检索索引需要重建" in page.get_data(as_text=True)
    assert "未重建" not in runner.invoke(args=["reindex", "--if-missing"]).output
    assert client.get("/api/v1/search?q=升级之前").get_json()["total"] == 1
