"""Throughput and latency of the public pages against a bare floor (`make bench`).

Builds a fresh instance with the demo data, serves the site and bench/floor_app.py each with
gunicorn (2 sync workers, access log off), drives every URL with wrk (2 threads, 16
connections) from a separate process, and prints a Markdown table, also written to
bench/results/pages-<timestamp>.md. Aim per page: at least a third of the floor's requests
per second, and p95 under 30 ms. Missing the aim does not fail the run; a broken setup does.
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from processes import free_port, stop_group  # bench/ is the script's folder

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
WORKERS, THREADS, CONNECTIONS = 2, 2, 16
FLOOR_SHARE, P95_LIMIT_MS = 1 / 3, 30.0

# wrk's --latency prints 50/75/90/99 only; this done() callback gives p95 and the error counts.
LUA = """done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH requests=%d duration_us=%d p50_us=%d p95_us=%d http_errors=%d socket_errors=%d\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    e.status, e.connect + e.read + e.write + e.timeout))
end
"""


def sh(*cmd, env=None) -> str:
    done = subprocess.run([str(c) for c in cmd], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"failed ({done.returncode}): {' '.join(map(str, cmd))}\n{done.stdout}{done.stderr}")
    return done.stdout


def seed(env) -> str:
    """A fresh schema and the demo data; returns seed-demo's summary line."""
    sh(BIN / "flask", "--app", "innovation_hub", "init-db", env=env)
    out = sh(BIN / "flask", "--app", "innovation_hub", "seed-demo", env=env)
    return out.strip().splitlines()[-1]


def catalogue_facts(db: Path) -> tuple[str, int, int]:
    """(counts line, studio with the most approved achievements, its count)."""
    with sqlite3.connect(db) as conn:
        def count(table: str, approved: bool = False) -> int:
            where = " WHERE status = 'approved'" if approved else ""
            return conn.execute(f"SELECT COUNT(*) FROM {table}{where}").fetchone()[0]

        counts = f"studios {count('studios')}, " + ", ".join(
            f"{t} {count(t)} ({count(t, approved=True)} approved)" for t in ("achievements", "patents"))
        studio_id, n = conn.execute(
            "SELECT studio_id, COUNT(*) FROM achievements WHERE status = 'approved'"
            " GROUP BY studio_id ORDER BY 2 DESC, studio_id LIMIT 1").fetchone()
    return counts, studio_id, n



def status_of(port: int, path: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    finally:
        conn.close()


def start_gunicorn(config: Path, app: str, port: int, env, log: Path) -> subprocess.Popen:
    """gunicorn in its own process group, so the whole group can be ended."""
    cmd = [BIN / "gunicorn", "-c", config, "-w", WORKERS, "-b", f"127.0.0.1:{port}", app]
    return subprocess.Popen([str(c) for c in cmd], cwd=ROOT, env=env, start_new_session=True,
                            stdout=log.open("w"), stderr=subprocess.STDOUT)


def wait_ready(proc: subprocess.Popen, port: int, path: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"gunicorn exited ({proc.returncode}):\n{log.read_text()}")
        try:
            status_of(port, path)
            return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"gunicorn on port {port} did not answer within 60 s:\n{log.read_text()}")



def wrk(url: str, seconds: int, lua: Path) -> dict:
    out = subprocess.run(["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", "-s", str(lua),
                          url], capture_output=True, text=True, check=True).stdout
    found = re.search(r"^BENCH (.*)$", out, re.M)
    if not found:
        sys.exit(f"no result from wrk for {url}:\n{out}")
    r = {k: int(v) for k, v in (kv.split("=") for kv in found.group(1).split())}
    return {"rps": r["requests"] / (r["duration_us"] / 1e6), "p50": r["p50_us"] / 1000,
            "p95": r["p95_us"] / 1000, "errors": r["http_errors"] + r["socket_errors"], "raw": r}


def in_process(paths: list[str], floor_paths: list[str], cache_entries: int) -> dict[str, tuple[int | None, float]]:
    """{path: (SQL statements per request incl. BEGIN, median ms)}, via the test clients."""
    from sqlalchemy import event

    sys.path.insert(0, str(ROOT))
    from bench.floor_app import app as floor_app
    from innovation_hub import create_app
    from innovation_hub.extensions import db

    app, seen = create_app({"PAGE_CACHE_ENTRIES": cache_entries}), []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
    result = {}
    for client, group in ((app.test_client(), paths), (floor_app.test_client(), floor_paths)):
        for path in group:
            client.get(path)
            seen.clear()
            client.get(path)
            statements, times = len(seen), []
            for _ in range(30):
                t = time.perf_counter()
                client.get(path)
                times.append((time.perf_counter() - t) * 1000)
            result[path] = (statements if group is paths else 2, statistics.median(times))
    with app.app_context():
        db.engine.dispose()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per URL (default 10)")
    parser.add_argument("--quick", action="store_true", help="3 s per URL, for development")
    args = parser.parse_args()
    seconds = 3 if args.quick else args.duration
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the finally below

    tmp = Path(tempfile.mkdtemp(prefix="innovation-hub-bench-"))
    env = {**os.environ, "INNOVATION_HUB_INSTANCE": str(tmp / "instance")}
    os.environ["INNOVATION_HUB_INSTANCE"] = env["INNOVATION_HUB_INSTANCE"]
    servers: list[subprocess.Popen] = []
    try:
        print(seed(env), file=sys.stderr)
        counts, studio_id, studio_n = catalogue_facts(tmp / "instance" / "innovation_hub.sqlite")
        # The repo's gunicorn.conf.py (preload, post_fork) minus its access log; no control socket
        # (gunicorn ≥ 27 would share ~/.gunicorn/gunicorn.ctl with any other gunicorn running).
        quiet = "accesslog = None\ncontrol_socket_disable = True\n"
        (tmp / "app.conf.py").write_text(f"exec(open({str(ROOT / 'gunicorn.conf.py')!r}).read())\n{quiet}")
        (tmp / "floor.conf.py").write_text(quiet)
        (tmp / "p95.lua").write_text(LUA)
        app_port = free_port()
        nocache_port = next(p for p in iter(free_port, None) if p != app_port)
        floor_port = next(p for p in iter(free_port, None) if p not in (app_port, nocache_port))
        floor_path = f"/floor/{studio_id}"
        pages = [("home", "/"), ("studio list", "/studios"), ("studio list, 省级", "/studios?level=provincial"),
                 ("studio page", f"/studios/{studio_id}"), ("stats API", "/api/v1/stats")]
        # The same site twice: as served (page cache on) and with the cache off, to show what a
        # page costs when it must be built (the first view after any catalogue change).
        uncached_env = {**env, "FLASK_PAGE_CACHE_ENTRIES": "0"}
        for conf, app, port, path, app_env in (
            (tmp / "app.conf.py", "wsgi:app", app_port, "/", env),
            (tmp / "app.conf.py", "wsgi:app", nocache_port, "/", uncached_env),
            (tmp / "floor.conf.py", "bench.floor_app:app", floor_port, floor_path, env),
        ):
            log = tmp / f"gunicorn-{port}.log"
            servers.append(start_gunicorn(conf, app, port, app_env, log))
            wait_ready(servers[-1], port, path, log)
        bad = [f"{port}{path} → {s}" for port, path in
               [(port, p) for _, p in pages for port in (app_port, nocache_port)] + [(floor_port, floor_path)]
               if (s := status_of(port, path)) != 200]
        if bad:
            sys.exit("not 200, nothing measured:\n  " + "\n  ".join(bad))
        local = {"cached": in_process([p for _, p in pages], [floor_path], 512),
                 "uncached": in_process([p for _, p in pages], [floor_path], 0)}

        runs = [("floor (start)", floor_port, floor_path)]
        for n, p in pages:
            runs += [(n, app_port, p), (f"{n} (no cache)", nocache_port, p)]
        runs.append(("floor (end)", floor_port, floor_path))
        results = {}
        for name, port, path in runs:
            url = f"http://127.0.0.1:{port}{path}"
            wrk(url, 1, tmp / "p95.lua")  # warm-up: both workers, templates, caches, pool
            results[name] = wrk(url, seconds, tmp / "p95.lua")
            r = results[name]
            print(f"  {name:<18} {r['rps']:8.1f} req/s  p50 {r['p50']:6.1f} ms  p95 {r['p95']:6.1f} ms",
                  file=sys.stderr)
    finally:
        for proc in servers:
            stop_group(proc)
        shutil.rmtree(tmp, ignore_errors=True)

    floor_rps = (results["floor (start)"]["rps"] + results["floor (end)"]["rps"]) / 2
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split(" [")[0]
    lines = [
        f"# Page benchmark, {datetime.now():%Y-%m-%d %H:%M}",
        "",
        f"- machine: nproc {os.cpu_count()}, Python {platform.python_version()}, {platform.platform()}",
        f"- load: {wrk_version} -t{THREADS} -c{CONNECTIONS} -d{seconds}s against gunicorn -w {WORKERS} (sync), "
        "access log off, after a 1 s warm-up per URL",
        f"- data: seed-demo: {counts}",
        f"- studio page: studio {studio_id}, the one with the most approved achievements ({studio_n})",
        f"- floor: bench/floor_app.py, sqlite3 + minimal template, mean of start and end = {floor_rps:.1f} req/s",
        f"- aim: ≥ 1/3 of the floor's req/s ({floor_rps * FLOOR_SHARE:.1f}) and p95 < {P95_LIMIT_MS:.0f} ms",
        "",
        "| page | URL | req/s | p50 ms | p95 ms | ratio to floor | meets aim | errors | SQL/req | ms/req in-process |",
        "|---|---|--:|--:|--:|--:|---|--:|--:|--:|",
    ]
    for name, _, path in runs:
        r = results[name]
        statements, ms = local["uncached" if name.endswith("(no cache)") else "cached"][path]
        ratio = r["rps"] / floor_rps
        meets = "—" if name.startswith("floor") or name.endswith("(no cache)") else (
            "yes" if ratio >= FLOOR_SHARE and r["p95"] < P95_LIMIT_MS and not r["errors"] else "no")
        lines.append(f"| {name} | `{path}` | {r['rps']:.1f} | {r['p50']:.1f} | {r['p95']:.1f} | {ratio:.2f} | "
                     f"{meets} | {r['errors']} | {statements} | {ms:.2f} |")
    start, end = results["floor (start)"]["rps"], results["floor (end)"]["rps"]
    if abs(start - end) > 0.2 * floor_rps:
        lines += ["", f"**The floor moved from {start:.0f} to {end:.0f} req/s during the run: the machine was not "
                  "steady (other load?), so compare these figures with care or run again.**"]
    errors = [f"{n}: {r['raw']['http_errors']} HTTP ≥ 400, {r['raw']['socket_errors']} socket errors"
              for n, r in results.items() if r["errors"]]
    if errors:
        lines += ["", "**wrk reported errors; those rows are not valid measurements:** " + "; ".join(errors)]
    lines += ["", "Rows marked (no cache) are the same site with FLASK_PAGE_CACHE_ENTRIES=0: the cost of building a "
              "page, paid once per worker after each catalogue change; the aim applies to the site as served. "
              "SQL/req counts statements per request (BEGIN included; the floor's 2 are its two SELECTs); "
              "ms/req in-process is the median of 30 serial requests through the Flask test client."]
    report = "\n".join(lines) + "\n"
    print(report)
    out = ROOT / "bench" / "results" / f"pages-{datetime.now():%Y%m%d-%H%M%S}.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report)
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
