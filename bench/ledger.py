"""The ledger (台账) import at 100k rows: dry run and import into an empty site, and crafted bombs refused.

The workbook is generated once from bench/search.py's synthetic catalogue (4 % studios, 75 %
achievements, 21 % patents, the demo generator's text; every studio's title history on the optional
工作室称号 sheet), written by the site's own exporter and saved with a shared-strings table as Excel
saves it. Each timed run is `flask --app innovation_hub import LEDGER [--dry-run]` in a fresh process
on a fresh instance folder whose schema was created first (not timed): what an administrator waits
for, start-up included, and for the import the search index built after the commit (a rebuild: the
new records are the whole catalogue). One more import in this script's own process splits that time
into its steps. Then crafted Excel bombs are imported with the default limits: time and peak memory
until each is refused. Prints Markdown tables, also written to bench/results/ledger-<timestamp>.md.
Run by hand (`.venv/bin/python bench/ledger.py [--quick]`) or with `make bench`; nothing listens on a port.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the test suite's crafted files (tests/ledger/bombs.py)
FLASK = [str(ROOT / ".venv" / "bin" / "flask"), "--app", "innovation_hub"]
ROWS = 100_000
QUICK_ROWS = 10_000
REPEATS = 3
TARGET_S = 20.0  # the target for 100k rows, dry run and import
RESULT = "BENCH-RESULT "
MIB = 1024 * 1024


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ============================================================== the workbooks

def generate(path: Path, rows: int) -> dict[str, int]:
    """A valid ledger of `rows` data rows over the three sheets (plus the title history); rows per sheet.

    Written by the site's own exporter (build_workbook, shared strings as Excel writes them) from
    plain objects with the attributes its columns read.
    """
    from types import SimpleNamespace as Record

    from search import plan_catalogue  # bench/search.py

    from innovation_hub.catalogue import patent_numbers
    from innovation_hub.demo import vocabulary
    from innovation_hub.ledger.exporter import build_workbook
    from tests.ledger.bombs import shared_strings

    planned = plan_catalogue(rows)["rows"]
    rng = random.Random(rows)
    people = {p["id"]: Record(name=p["name"]) for p in planned["people"]}
    honours = vocabulary.HONOURS_NATIONAL + vocabulary.HONOURS_PROVINCIAL + vocabulary.HONOURS_CITY
    studios = {}
    for s in planned["studios"]:
        held = rng.sample(honours, rng.choice((0, 1, 1, 2)))
        leader = Record(name=people[s["leader_id"]].name,
                        honours=[Record(display=f"{title}（{rng.randint(2005, 2023)}）") for title in held])
        studios[s["id"]] = Record(**{**s, "leader": leader, "titles": []})
    titles = []
    for t in planned["studio_titles"]:
        studio = studios[t["studio_id"]]
        studio.titles.append(Record(**t, studio=studio))
        titles.append(studio.titles[-1])

    def linked(links: list[dict], owner: str) -> dict[int, list]:
        out: dict[int, list] = {}
        for link in links:
            out.setdefault(link[owner], []).append(people[link["person_id"]])
        return out

    completers = linked(planned["achievement_completers"], "achievement_id")
    inventors = linked(planned["patent_inventors"], "patent_id")
    achievements = {a["id"]: Record(**a, studio=studios[a["studio_id"]], completers=completers.get(a["id"], []),
                                    is_public=True) for a in planned["achievements"]}
    patents = [Record(**p, studio=studios[p["studio_id"]], inventors=inventors.get(p["id"], []),
                      achievement=achievements.get(p["achievement_id"]),
                      display_number=patent_numbers.display(p["number"])) for p in planned["patents"]]
    build_workbook(list(studios.values()), list(achievements.values()), patents, titles).save(path)
    shared_strings(path)  # as Excel and WPS save it (openpyxl writes inline strings)
    return {"studios": len(studios), "achievements": len(achievements), "patents": len(patents),
            "titles": len(titles)}


def bomb_files(tmp: Path) -> list[tuple[str, Path]]:
    """Crafted files of the kinds the issue found, at full size: (description, path)."""
    from tests.ledger import bombs
    from tests.ledger.helpers import ACHIEVEMENT_HEADERS, valid_ledger

    files = []
    path = valid_ledger(tmp / "blank-rows.xlsx")
    part = bombs.sheet_part(path, "成果")
    bombs.rewrite(path, lambda name, data: None if name == part else data, [(part, [
        bombs.SHEET_HEAD.encode(), bombs.header_row(ACHIEVEMENT_HEADERS), *bombs.blank_rows(2, 1_048_576),
        bombs.SHEET_TAIL.encode()])])
    files.append(("a sheet of 1,048,575 blank rows, each numbered", path))
    path = valid_ledger(tmp / "blank-flood.xlsx")
    bombs.rewrite(path, lambda name, data: None if name == part else data, [(part, [
        bombs.SHEET_HEAD.encode(), bombs.header_row(ACHIEVEMENT_HEADERS),
        *bombs.repeated(b'<row r="3" spans="1:7"/>', 1100 * MIB), bombs.SHEET_TAIL.encode()])])
    files.append(("a sheet inflating to 1.1 GB of blank rows", path))
    path = bombs.shared_strings(valid_ledger(tmp / "strings.xlsx"),
                                bombs.repeated(b"<si><t>" + "填充".encode() * 400 + b"</t></si>", 1100 * MIB))
    files.append(("a 1.1 GB shared-strings table", path))
    return files


# ============================================================== runs

def fresh_instance(tmp: Path, name: str) -> dict:
    """The environment of a new instance folder with its schema created."""
    instance = tmp / name
    shutil.rmtree(instance, ignore_errors=True)
    env = {**os.environ, "INNOVATION_HUB_INSTANCE": str(instance)}
    subprocess.run([*FLASK, "init-db"], cwd=ROOT, env=env, check=True, capture_output=True)
    return env


def timed(cmd: list[str], env: dict) -> dict:
    """Wall time, exit code, output and the peak RSS (os.wait4) of one command."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        t = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return {"seconds": seconds, "rc": proc.returncode, "stdout": out.read(), "stderr": err.read(),
                "peak_kib": usage.ru_maxrss}


def run_import(ledger: Path, env: dict, dry_run: bool = False) -> dict:
    result = timed([*FLASK, "import", str(ledger), *(["--dry-run"] if dry_run else [])], env)
    if result["rc"] != 0:
        sys.exit(f"import failed ({result['rc']}):\n{result['stderr'][-3000:]}")
    return result


def phase_steps(ledger: str) -> dict:
    """One import in this process, timed step by step: the progress hook, then the commit."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from innovation_hub import create_app
    from innovation_hub.ledger.importer import import_ledger

    marks: list[tuple[str, float]] = []

    class Mark:
        def __init__(self, items, label):
            self.items, self.label = items, label

        def __enter__(self):
            marks.append((self.label, time.perf_counter()))
            return self.items

        def __exit__(self, *exc):
            marks.append(("end " + self.label, time.perf_counter()))

    event.listen(Session, "after_commit", lambda session: marks.append(("commit", time.perf_counter())))
    app = create_app()
    with app.app_context():
        start = time.perf_counter()
        report = import_ledger(ledger, progress=lambda items, length, label: Mark(items, label))
        end = time.perf_counter()
    first_check = next(t for label, t in marks if label.startswith("校验"))
    first_write = next(t for label, t in marks if label.startswith("写入"))
    last_write = max(t for label, t in marks if label.startswith("end 写入"))
    committed = next(t for label, t in marks if label == "commit" and t >= last_write)
    return {"read_s": first_check - start, "validate_s": first_write - first_check,
            "write_s": committed - first_write, "index_s": end - committed, "total_s": end - start,
            "created": report.created}


def run_phase(*args: str, env: dict | None = None) -> dict:
    """This file with --phase … in its own process; its result line parsed."""
    out = subprocess.run([sys.executable, __file__, "--phase", *args], cwd=ROOT, env=env, check=True,
                         stdout=subprocess.PIPE, text=True).stdout
    return json.loads(next(line for line in out.splitlines() if line.startswith(RESULT))[len(RESULT):])


def run_bombs(tmp: Path) -> list[dict]:
    env = fresh_instance(tmp, "site-bombs")
    out = []
    for name, path in bomb_files(tmp):
        result = timed([*FLASK, "import", str(path)], env)
        if result["rc"] != 1:
            sys.exit(f"{name}: not refused ({result['rc']})\n{result['stdout']}{result['stderr']}")
        message = result["stderr"].splitlines()[0]
        out.append({"name": name, "bytes": path.stat().st_size, "seconds": result["seconds"],
                    "peak_kib": result["peak_kib"], "message": message})
        log(f"  {name}: refused in {result['seconds']:.2f} s")
        path.unlink()
    return out


# ============================================================== report

def report(rows: int, counts: dict, size: int, dry: list[dict], imports: list[dict], again: list[dict],
           steps: dict, bombs: list[dict], started: datetime) -> str:
    def med(runs):
        return statistics.median(r["seconds"] for r in runs)

    def runs(items):
        return ", ".join(f"{r['seconds']:.1f}" for r in items)

    def peak(items):
        return f"{max(r['peak_kib'] for r in items) / 1024:.0f} MiB"

    lines = [
        f"# Ledger import, {rows:,} rows ({started:%Y-%m-%d %H:%M})", "",
        f"Workbook: {counts['studios']:,} studios, {counts['achievements']:,} achievements, "
        f"{counts['patents']:,} patents (+ {counts['titles']:,} title rows), {size / MIB:.1f} MiB.", "",
        f"| run | median of {len(dry)} | runs (s) | peak RSS | target |", "|---|--:|---|--:|--:|",
        f"| `import --dry-run`, empty site | {med(dry):.1f} s | {runs(dry)} | {peak(dry)} | ≤ {TARGET_S:.0f} s |",
        f"| `import`, empty site (search index included) | {med(imports):.1f} s | {runs(imports)} | {peak(imports)} "
        f"| ≤ {TARGET_S:.0f} s |",
        f"| `import` of the same file again (all unchanged) | {med(again):.1f} s | {runs(again)} | {peak(again)} | |",
        "",
        "One import in-process, by step: "
        f"read {steps['read_s']:.1f} s, validate {steps['validate_s']:.1f} s, "
        f"write and commit {steps['write_s']:.1f} s, "
        f"then the search index {steps['index_s']:.1f} s (total {steps['total_s']:.1f} s).", "",
        "| crafted file, default limits | file | refused in | peak RSS | first line of the message |",
        "|---|--:|--:|--:|---|",
    ]
    for bomb in bombs:
        lines.append(f"| {bomb['name']} | {bomb['bytes'] / MIB:.1f} MiB | {bomb['seconds']:.2f} s | "
                     f"{bomb['peak_kib'] / 1024:.0f} MiB | {bomb['message']} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=ROWS, help=f"data rows in the workbook (default {ROWS:,})")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_ROWS:,} rows, one run each")
    parser.add_argument("--repeats", type=int, default=REPEATS, help=f"runs of each kind (default {REPEATS})")
    parser.add_argument("--keep", type=Path, help="the workbook's path: generated there once, then reused")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase == "steps":
        print(RESULT + json.dumps(phase_steps(args.path)), flush=True)
        return
    if args.phase == "generate":
        print(RESULT + json.dumps(generate(Path(args.path), args.rows)), flush=True)
        return
    rows, repeats = (QUICK_ROWS, 1) if args.quick else (args.rows, args.repeats)
    started = datetime.now()
    tmp = Path(tempfile.mkdtemp(prefix="innovation-hub-bench-ledger-"))
    try:
        ledger = args.keep or tmp / f"ledger-{rows}.xlsx"
        counts_file = ledger.with_suffix(".json")
        if ledger.exists() and counts_file.exists() and json.loads(counts_file.read_text())["rows"] == rows:
            counts = json.loads(counts_file.read_text())
        else:
            log(f"generating a {rows:,}-row ledger …")
            t = time.perf_counter()
            # In its own process: this one stays small, and each command it starts is measured from a small fork.
            counts = {**run_phase("generate", "--path", str(ledger), "--rows", str(rows)), "rows": rows}
            counts_file.write_text(json.dumps(counts))
            log(f"  {counts} in {time.perf_counter() - t:.1f} s, {ledger.stat().st_size / MIB:.1f} MiB")
        dry, imports, again = [], [], []
        for trial in range(repeats):
            dry.append(run_import(ledger, fresh_instance(tmp, f"site-dry-{trial}"), dry_run=True))
            env = fresh_instance(tmp, f"site-{trial}")
            imports.append(run_import(ledger, env))
            again.append(run_import(ledger, env))  # the same file into the site it filled: nothing changes
            for site in (f"site-dry-{trial}", f"site-{trial}"):
                shutil.rmtree(tmp / site)
            log(f"  #{trial + 1}: dry run {dry[-1]['seconds']:.1f} s, import {imports[-1]['seconds']:.1f} s, "
                f"again {again[-1]['seconds']:.1f} s")
        steps = run_phase("steps", "--path", str(ledger), env=fresh_instance(tmp, "site-steps"))
        log(f"  steps: {steps}")
        bombs = run_bombs(tmp)
        text = report(rows, counts, ledger.stat().st_size, dry, imports, again, steps, bombs, started)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(text)
    out_file = ROOT / "bench" / "results" / f"ledger-{started:%Y%m%d-%H%M%S}.md"
    out_file.parent.mkdir(parents=True, exist_ok=True)
    out_file.write_text(text)
    print(f"written to {out_file.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
