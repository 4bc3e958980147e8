"""`make soak`: the site under load, with workers killed, on PostgreSQL and on two servers; figures and bounds.

Each phase is a fresh site (init-db, seed-demo, then bench/soak_site.py's set-up: studio and judge accounts and a
round in 专家评审 with a public vote) served by `gunicorn -w 4` on loopback, driven for SOAK_SECONDS (120) by
20 searchers, 5 studios (draft → proof file → submit), the administrator reviewing them, 3 judges (drafts, then
submitted scores) and 30 voters (bench/soak_clients.py):

  1. SQLite;
  2. SQLite, one gunicorn worker killed with SIGKILL every 10 s;
  3. PostgreSQL (scripts/pg_server.py starts a throwaway cluster in the work folder, stopped at the end);
  4. two servers (two instance folders, two gunicorns) on one PostgreSQL database, every request to either.

After the load: every approved soak record must be found by each server's /api/v1/search within 5 s of the load
stopping (and no unapproved one), every acknowledged write is looked up in the database, and `flask check` runs
on every instance. Prints a table per phase and a summary, also written to bench/results/soak-<time>.md; exits 1
when a figure breaks its bound. Loopback only; every loop is bounded in time and stops by itself.

    make soak                           # about 11 minutes
    SOAK_SECONDS=20 make soak           # a quick run
    .venv/bin/python bench/soak.py --phases 1,3 --keep
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode

from processes import free_port, stop_group  # bench/ is the script's folder

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = ROOT / ".venv" / "bin"
PYTHON = BIN / "python"

import soak_clients as clients  # noqa: E402  (after the path is set: the voters read the site's captcha code)

WORKERS = 4
SEARCHERS, SUBMITTERS, JUDGES, VOTERS = 20, 5, 3, 30
KILL_EVERY = 10  # seconds, phase 2
INDEX_WITHIN = 5  # seconds after the load stops
STARTUP_TIMEOUT = 60


@dataclass
class Phase:
    number: int
    name: str
    postgres: bool = False
    servers: int = 1
    kill: bool = False


PHASES = [
    Phase(1, "SQLite"),
    Phase(2, "SQLite, kill -9 a worker every 10 s", kill=True),
    Phase(3, "PostgreSQL", postgres=True),
    Phase(4, "two servers, one PostgreSQL", postgres=True, servers=2),
]


@dataclass
class Outcome:
    phase: Phase
    stats: clients.Stats
    seconds: float
    kills: int = 0
    index_lag: float | None = None  # seconds after the load stopped until every server's index agreed
    index_missing: list[str] = field(default_factory=list)
    index_leaks: list[str] = field(default_factory=list)
    approved: int = 0
    checked: int = 0
    lost: list[str] = field(default_factory=list)
    violations: dict[str, list[str]] = field(default_factory=dict)  # instance → flask check's lines

    def bounds(self) -> list[tuple[str, bool]]:
        s = self.stats
        acked = {k: len(v) for k, v in s.acks.items()}
        broken = [(f"5xx: {len(s.server_errors)}", not s.server_errors),
                  (f"hung: {len(s.hung)}", not s.hung),
                  (f"acknowledged writes lost: {len(self.lost)}", not self.lost),
                  ("index = database on every server within 5 s", not self.index_missing and not self.index_leaks),
                  (f"flask check: {sum(map(len, self.violations.values()))} violations",
                   not any(self.violations.values()))]
        if not self.phase.kill:
            broken.append((f"connection errors: {len(s.failed)}", not s.failed))
        # A harness that did nothing would pass everything: every kind of write must have happened.
        idle = [k for k in ("created", "uploaded", "submitted", "approved", "scores", "votes") if not acked[k]]
        broken.append((f"writes of every kind acknowledged{' (none: ' + ', '.join(idle) + ')' if idle else ''}",
                       not idle))
        return broken

    @property
    def passed(self) -> bool:
        return all(ok for _, ok in self.bounds())


def percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def ms(value: float | None) -> str:
    return "—" if value is None else f"{value * 1000:.0f}"


# ---------------------------------------------------------------- processes


def run(cmd: list, env: dict, what: str, timeout: float = 300) -> str:
    done = subprocess.run([str(c) for c in cmd], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"{what} failed ({done.returncode}):\n{done.stdout[-2000:]}{done.stderr[-3000:]}")
    return done.stdout


def flask(env: dict, *args: str) -> str:
    return run([BIN / "flask", "--app", "innovation_hub", *args], env, f"flask {' '.join(args)}")


def start_gunicorn(env: dict, folder: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    proc = subprocess.Popen(
        [str(BIN / "gunicorn"), "-w", str(WORKERS), "-b", f"127.0.0.1:{port}",
         "--access-logfile", str(folder / "access.log"), "--error-logfile", str(folder / "error.log"), "wsgi:app"],
        cwd=ROOT, env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({proc.returncode}); see {folder / 'error.log'}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", "/api/v1/stats")
            if conn.getresponse().status == 200:
                return proc, port
        except OSError:
            time.sleep(0.2)
        finally:
            conn.close()
    raise RuntimeError(f"gunicorn did not answer within {STARTUP_TIMEOUT} s; see {folder / 'error.log'}")


def workers_of(master: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{master}/task/{master}/children").read_text().split()]
    except OSError:
        return []


def killer(masters: list[int], stop: threading.Event, kills: list[int]) -> None:
    """Every KILL_EVERY seconds, SIGKILL one worker of one of our gunicorns (the master starts a new one)."""
    rng = random.Random(2)
    while not stop.wait(KILL_EVERY):
        found = [pid for master in masters for pid in workers_of(master)]
        if found:
            pid = rng.choice(found)
            try:
                os.kill(pid, signal.SIGKILL)
                kills.append(pid)
            except ProcessLookupError:
                pass


def create_database(base_url: str, name: str) -> str:
    import psycopg

    with psycopg.connect(base_url.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return base_url.rsplit("/", 1)[0] + "/" + name


# ---------------------------------------------------------------- after the load


def search_ids(port: int, title: str) -> set[int] | None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=clients.CLIENT_TIMEOUT)
    try:
        conn.request("GET", "/api/v1/search?" + urlencode({"q": title, "type": "achievement", "per_page": 100}))
        response = conn.getresponse()
        body = response.read()
        if response.status != 200:
            return None
        return {hit["id"] for hit in json.loads(body)["hits"]}
    except (OSError, http.client.HTTPException, ValueError):
        return None
    finally:
        conn.close()


def index_agrees(outcome: Outcome, ports: list[int], records: list, stopped: float) -> None:
    """Every approved soak record found on every server, none of the others, by INDEX_WITHIN s after the load.

    Searches run 8 at a time, pass after pass, until all agree or the time is up; the lag is when the last
    disagreement ended (the answer that showed it had)."""
    approved = {i for i, _, status in records if status == "approved"}
    titles = {i: t for i, t, _ in records}
    outcome.approved = len(approved)
    pending = {(port, i) for port in ports for i in titles}
    settled: dict[tuple[int, int], float] = {}
    with ThreadPoolExecutor(8) as pool:
        while pending:
            keys = sorted(pending)
            for key, ids in zip(keys, pool.map(lambda k: search_ids(k[0], titles[k[1]]), keys), strict=True):
                if ids is not None and (key[1] in ids) == (key[1] in approved):
                    pending.discard(key)
                    settled[key] = time.monotonic() - stopped
            if time.monotonic() - stopped > INDEX_WITHIN:
                break
            time.sleep(0.2)
    lag = max(settled.values(), default=0.0)
    if not pending and lag <= INDEX_WITHIN:
        outcome.index_lag = lag
        return
    late = sorted(key for key, at in settled.items() if at > INDEX_WITHIN)
    outcome.index_missing = [f":{port} does not find approved #{i} {titles[i]}" for port, i in sorted(pending)
                             if i in approved]
    outcome.index_leaks = [f":{port} finds unapproved #{i} {titles[i]}" for port, i in sorted(pending)
                           if i not in approved]
    outcome.index_missing += [f":{port} agreed on #{i} only after {settled[port, i]:.1f} s" for port, i in late]


def flask_check(env: dict) -> list[str]:
    done = subprocess.run([str(BIN / "flask"), "--app", "innovation_hub", "check"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    lines = [line[4:] for line in done.stdout.splitlines() if line.startswith("  - ")]
    if done.returncode != 0 and not lines:
        lines = [f"flask check failed ({done.returncode}): {done.stderr.strip()[-500:]}"]
    return lines


# ---------------------------------------------------------------- one phase


def run_phase(phase: Phase, work: Path, seconds: float, pg_url: str | None, secret_key: str) -> Outcome:
    folder = work / f"phase{phase.number}"
    folder.mkdir()
    base = {**os.environ, "FLASK_SECRET_KEY": secret_key, "PYTHONDONTWRITEBYTECODE": "1"}
    if phase.postgres:
        base["FLASK_SQLALCHEMY_DATABASE_URI"] = create_database(pg_url, f"soak_phase{phase.number}")
    if phase.servers > 1:  # as the README says for several servers: one upload folder that all of them mount
        base["FLASK_UPLOADS_FOLDER"] = str(folder / "shared-uploads")
    envs = [dict(base, INNOVATION_HUB_INSTANCE=str(folder / f"instance-{chr(97 + i)}")) for i in range(phase.servers)]
    print(f"\n== phase {phase.number}: {phase.name} — setting up", flush=True)
    flask(envs[0], "init-db")
    flask(envs[0], "seed-demo")
    flask(envs[0], "reindex", "--if-missing")
    run([PYTHON, ROOT / "bench" / "soak_site.py", "setup", folder / "setup.json"], envs[0], "soak set-up")
    for env in envs[1:]:
        flask(env, "reindex")  # the second machine's own index of the shared database
    setup = json.loads((folder / "setup.json").read_text())
    servers = []
    try:
        for i, env in enumerate(envs):
            log = folder / f"server-{chr(97 + i)}"
            log.mkdir()
            servers.append(start_gunicorn(env, log))
        ports = [port for _, port in servers]
        stats = clients.Stats()
        ctx = clients.Context(ports, setup, stats, seconds, phase.number, secret_key)
        stop_killing, kills = threading.Event(), []
        if phase.kill:
            threading.Thread(target=killer, args=([p.pid for p, _ in servers], stop_killing, kills),
                             daemon=True).start()
        print(f"   load for {seconds:.0f} s on {', '.join(f':{p}' for p in ports)} "
              f"({SEARCHERS} searchers, {SUBMITTERS} studios + admin, {JUDGES} judges, {VOTERS} voters)", flush=True)
        started = time.monotonic()
        threads = clients.start_all(ctx, SEARCHERS, SUBMITTERS, JUDGES, VOTERS)
        progress(ctx, stats, seconds)
        # Started now, it has the app loaded when the load stops, and reads the records when told.
        reader = subprocess.Popen([str(PYTHON), str(ROOT / "bench" / "soak_site.py"), "records",
                                   str(folder / "records.json")], cwd=ROOT, env=envs[0], stdin=subprocess.PIPE)
        ctx.stop.wait(max(0.0, ctx.deadline - time.monotonic()))
        ctx.stop.set()
        stop_killing.set()
        for thread in threads:  # in-flight requests end within the client timeout
            thread.join(clients.CLIENT_TIMEOUT + 5)
        stopped = time.monotonic()
        outcome = Outcome(phase, stats, stopped - started, kills=len(kills))
        reader.communicate(b"go\n", timeout=60)
        if reader.returncode != 0:
            raise RuntimeError("soak records failed")
        index_agrees(outcome, ports, json.loads((folder / "records.json").read_text()), stopped)
    finally:
        for proc, _ in servers:
            stop_group(proc)
    (folder / "acks.json").write_text(json.dumps(stats.acks, ensure_ascii=False))
    verified = json.loads(run([PYTHON, ROOT / "bench" / "soak_site.py", "verify", folder / "acks.json"], envs[0],
                              "soak verify").strip().splitlines()[-1])
    outcome.checked, outcome.lost = verified["checked"], verified["lost"]
    for env in envs:
        outcome.violations[Path(env["INNOVATION_HUB_INSTANCE"]).name] = flask_check(env)
    report_phase(outcome)
    return outcome


def progress(ctx: clients.Context, stats: clients.Stats, seconds: float) -> None:
    """A line every 30 s while the load runs, so a long run shows it is alive; returns 10 s before the end."""
    while ctx.deadline - time.monotonic() > 10:
        ctx.stop.wait(min(30, max(0.0, ctx.deadline - time.monotonic() - 10)))
        left = ctx.deadline - time.monotonic()
        if left > 10:
            print(f"   … {seconds - left:.0f} s: {stats.requests} requests, {len(stats.server_errors)} 5xx, "
                  f"{len(stats.hung)} hung", flush=True)


# ---------------------------------------------------------------- reporting


def figures(o: Outcome) -> dict[str, str]:
    s = o.stats
    writes = [t for kind, values in s.latencies.items() if kind.startswith("write:") for t in values]
    searches = s.latencies.get("search", [])
    four = sum(n for status, n in s.statuses.items() if 400 <= status < 500)
    acked = sum(len(v) for v in s.acks.values())
    return {
        "phase": f"{o.phase.number}. {o.phase.name}",
        "requests": f"{s.requests} ({s.requests / o.seconds:.0f}/s)",
        "5xx": str(len(s.server_errors)),
        "hung": str(len(s.hung)),
        "conn. errors": str(len(s.failed)) + (f" ({o.kills} kills)" if o.phase.kill else ""),
        "4xx": str(four),
        "writes acked / lost": f"{acked} / {len(o.lost)}",
        "index = db (5 s)": (f"yes, {o.index_lag:.1f} s ({o.approved} approved)" if o.index_lag is not None
                             else f"no: {len(o.index_missing)} missing, {len(o.index_leaks)} leaking "
                                  f"({o.approved} approved)"),
        "search p50/p95 ms": f"{ms(percentile(searches, .5))} / {ms(percentile(searches, .95))}",
        "write p50/p95 ms": f"{ms(percentile(writes, .5))} / {ms(percentile(writes, .95))}",
        "flask check": " + ".join(str(len(v)) for v in o.violations.values()),
    }


def report_phase(o: Outcome) -> None:
    s = o.stats
    print(f"   {' · '.join(f'{k} {v}' for k, v in figures(o).items() if k != 'phase')}")
    by_kind = ", ".join(f"{kind} {len(v)} p95 {ms(percentile(v, .95))} ms" for kind, v in sorted(s.latencies.items()))
    print(f"   by kind: {by_kind}")
    print(f"   statuses: {dict(sorted(s.statuses.items()))}; acknowledged: "
          f"{ {k: len(v) for k, v in s.acks.items()} }")
    for title, lines in (("5xx", s.server_errors), ("hung", s.hung), ("connection errors", s.failed),
                         ("lost", o.lost), ("index", o.index_missing + o.index_leaks),
                         *((f"flask check {name}", lines) for name, lines in o.violations.items())):
        if lines:
            print(f"   {title} ({len(lines)}):")
            for line in summarise(lines):
                print(f"     {line}")
    disagreeing = [line.split()[0] for line in o.index_missing + o.index_leaks]
    if disagreeing:
        print(f"   index disagreements by server: { {p: disagreeing.count(p) for p in sorted(set(disagreeing))} }")
    for text, ok in o.bounds():
        print(f"   [{'ok' if ok else 'FAIL'}] {text}")


def summarise(lines: list[str], limit: int = 8) -> list[str]:
    """The first few distinct lines, with how often each came."""
    counts: dict[str, int] = {}
    for line in lines:
        counts[line] = counts.get(line, 0) + 1
    shown = [f"{line}{f'  ×{n}' if n > 1 else ''}" for line, n in list(counts.items())[:limit]]
    if len(counts) > limit:
        shown.append(f"… and {len(counts) - limit} more distinct")
    return shown


def table(outcomes: list[Outcome]) -> str:
    rows = [figures(o) for o in outcomes]
    heads = list(rows[0])
    lines = ["| " + " | ".join(heads) + " | pass |", "|" + "---|" * (len(heads) + 1)]
    lines += ["| " + " | ".join(r[h] for h in heads) + f" | {'yes' if o.passed else 'no'} |"
              for r, o in zip(rows, outcomes, strict=True)]
    return "\n".join(lines)


def commit() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return done.stdout.strip() or "?"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("SOAK_SECONDS", 120)))
    parser.add_argument("--phases", default=os.environ.get("SOAK_PHASES", "1,2,3,4"))
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs, instances, acks)")
    args = parser.parse_args()
    chosen = [p for p in PHASES if str(p.number) in args.phases.split(",")]
    if not clients.free_address_check("127.0.1.10"):
        sys.exit("this machine does not let a client send from 127.0.x.y; the voters need their own addresses")
    work = Path(tempfile.mkdtemp(prefix="innovation-hub-soak-"))
    work.chmod(0o755)  # the PostgreSQL server runs as the postgres user and must reach its folder
    secret_key = secrets.token_hex(32)  # one key for every server of a phase, as two machines would share it
    pg_folder, pg_url = work / "pg", None
    outcomes: list[Outcome] = []
    started = time.monotonic()
    try:
        if any(p.postgres for p in chosen):
            pg_url = run([sys.executable, ROOT / "scripts" / "pg_server.py", "start", pg_folder], dict(os.environ),
                         "pg_server start").strip().splitlines()[-1]
        for phase in chosen:
            outcomes.append(run_phase(phase, work, args.seconds, pg_url, secret_key))
    finally:
        if pg_url:
            subprocess.run([sys.executable, str(ROOT / "scripts" / "pg_server.py"), "stop", str(pg_folder)],
                           check=False)
        if args.keep:
            print(f"\nwork folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    if not outcomes:
        return 1
    summary = (f"Soak at commit {commit()}, {datetime.now():%Y-%m-%d %H:%M}, {args.seconds:.0f} s per phase, "
               f"gunicorn -w {WORKERS}, {SEARCHERS} searchers + {SUBMITTERS} studios + 1 admin + {JUDGES} judges + "
               f"{VOTERS} voters; whole run {time.monotonic() - started:.0f} s\n\n{table(outcomes)}\n")
    failed = [f"phase {o.phase.number}: {text}" for o in outcomes for text, ok in o.bounds() if not ok]
    summary += "\n" + ("\n".join(f"- FAIL {line}" for line in failed) if failed else "All bounds held.") + "\n"
    print("\n" + summary)
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / f"soak-{datetime.now():%Y%m%d-%H%M%S}.md").write_text(summary)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
