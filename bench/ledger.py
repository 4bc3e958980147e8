"""The ledger (台账) import at 100k rows: dry run and import into an empty site, and crafted bombs refused.

The workbook is generated once from bench/search.py's synthetic catalogue (4 % studios, 75 %
achievements, 21 % patents, the demo generator's text; every studio's title history on the optional
工作室称号 sheet) and written in the import template with openpyxl's write-only mode. Each timed run is
`flask --app innovation_hub import LEDGER [--dry-run]` in a fresh process on a fresh instance folder
whose schema was created first (not timed): what an administrator waits for, start-up included, and for
the import the search index built after the commit. One more import in this script's own process
splits that time into its steps (read, validate, write, commit and index). Then crafted Excel bombs
(a sheet of a million blank rows, a 1 GiB shared-strings table) are refused with the default limits:
time and peak memory of each refusal. Prints Markdown tables, also written to
bench/results/ledger-<timestamp>.md. Run by hand or with `make bench`; nothing listens on a port.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the test suite's bomb builders (tests/ledger/bombs.py)
FLASK = [str(ROOT / ".venv" / "bin" / "flask"), "--app", "innovation_hub"]
ROWS = 100_000
QUICK_ROWS = 10_000
REPEATS = 3
TARGET_S = 20.0  # the target for 100k rows, dry run and import
RESULT = "BENCH-RESULT "


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ============================================================== the workbook

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

    planned = plan_catalogue(rows)["rows"]
    rng = random.Random(rows)
    people = {p["id"]: Record(name=p["name"]) for p in planned["people"]}
    honours = vocabulary.HONOURS_NATIONAL + vocabulary.HONOURS_PROVINCIAL + vocabulary.HONOURS_CITY
    studios = {}
    for s in planned["studios"]:
        leader = Record(name=people[s["leader_id"]].name, honours=[
            Record(display=f"{title}（{rng.randint(2005, 2023)}）") for title in rng.sample(honours, rng.choice((0, 1, 1, 2)))
        ])
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
    shared_strings(path)
    return {"studios": len(studios), "achievements": len(achievements), "patents": len(patents),
            "titles": len(titles)}


_INLINE = re.compile(r'<c ([^>]*?)t="inlineStr"><is><t((?: xml:space="preserve")?)>(.*?)</t></is></c>', re.S)


def shared_strings(path: Path) -> None:
    """Rewrite openpyxl's inline strings as one shared-strings table, the way Excel and WPS save a workbook."""
    table: dict[tuple[str, str], int] = {}

    def shared(match: re.Match) -> str:
        index = table.setdefault((match.group(2), match.group(3)), len(table))
        return f'<c {match.group(1)}t="s"><v>{index}</v></c>'

    source = path.with_name(path.name + ".inline")
    path.rename(source)
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = old.read(info)
            if info.filename.startswith("xl/worksheets/"):
                data = _INLINE.sub(shared, data.decode()).encode()
            elif info.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
            elif info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", b'<Relationship Id="rIdSharedStrings" Type="http://schemas.'
                                    b'openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
                                    b'Target="sharedStrings.xml"/></Relationships>')
            new.writestr(info.filename, data)
        items = "".join(f"<si><t{space}>{text}</t></si>" for space, text in table)
        new.writestr("xl/sharedStrings.xml", '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                                             f'uniqueCount="{len(table)}">{items}</sst>')
    source.unlink()


# ============================================================== runs

def fresh_instance(tmp: Path, name: str) -> dict:
    """The environment of a new instance folder with its schema created."""
    instance = tmp / name
    shutil.rmtree(instance, ignore_errors=True)
    env = {**os.environ, "INNOVATION_HUB_INSTANCE": str(instance)}
    subprocess.run([*FLASK, "init-db"], cwd=ROOT, env=env, check=True, capture_output=True)
    return env


def timed(cmd: list[str], env: dict) -> dict:
    """Wall time, peak RSS, exit code and output of one command."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = proc.communicate()
    seconds = time.perf_counter() - t
    # communicate() reaped the child; its resource use is in RUSAGE_CHILDREN (max RSS over all children).
    import resource

    return {"seconds": seconds, "rc": proc.returncode, "stdout": out, "stderr": err,
            "peak_children_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}


def run_import(tmp: Path, ledger: Path, dry_run: bool, trial: int) -> dict:
    env = fresh_instance(tmp, f"site-{'dry' if dry_run else 'import'}-{trial}")
    cmd = [*FLASK, "import", str(ledger), *(["--dry-run"] if dry_run else [])]
    result = timed(cmd, env)
    if result["rc"] != 0:
        sys.exit(f"import failed ({result['rc']}):\n{result['stderr'][-3000:]}")
    return result


def peak_kib(cmd: list[str], env: dict) -> tuple[dict, int]:
    """Run `cmd` under /usr/bin/time-like accounting: its own peak RSS via os.wait4."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = proc.stdout.read(), proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return ({"seconds": time.perf_counter() - t, "rc": proc.returncode, "stdout": out, "stderr": err},
            usage.ru_maxrss)


def phase_steps(ledger: str) -> dict:
    """One import in this process, timed step by step through the progress hook."""
    from contextlib import nullcontext

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

    app = create_app()
    with app.app_context():
        start = time.perf_counter()
        report = import_ledger(ledger, progress=lambda items, length, label: Mark(items, label))
        end = time.perf_counter()
    del nullcontext
    first_check = next(t for label, t in marks if label.startswith("校验"))
    first_write = next(t for label, t in marks if label.startswith("写入"))
    last_write = max(t for label, t in marks if label.startswith("end 写入"))
    return {"read_s": first_check - start, "validate_s": first_write - first_check,
            "write_s": last_write - first_write, "commit_and_index_s": end - last_write, "total_s": end - start,
            "created": report.created}


# ============================================================== report

def report(rows: int, counts: dict, size: int, dry: list[dict], imports: list[dict], steps: dict,
           bombs: list[dict], started: datetime) -> str:
    def med(runs):
        return statistics.median(r["seconds"] for r in runs)

    def runs(items):
        return ", ".join(f"{r['seconds']:.1f}" for r in items)

    def mib(kib):
        return f"{kib / 1024:.0f} MiB"

    lines = [
        f"# Ledger import, {rows:,} rows ({started:%Y-%m-%d %H:%M})", "",
        f"Workbook: {counts['studios']:,} studios, {counts['achievements']:,} achievements, "
        f"{counts['patents']:,} patents (+ {counts['titles']:,} title rows), {size / 2**20:.1f} MiB.", "",
        f"| run | median of {len(dry)} | runs | target |", "|---|--:|---|--:|",
        f"| `import --dry-run` (empty site) | {med(dry):.1f} s | "
        f"{runs(dry)} | ≤ {TARGET_S:.0f} s |",
        f"| `import` (empty site, index included) | {med(imports):.1f} s | "
        f"{runs(imports)} | ≤ {TARGET_S:.0f} s |", "",
        "One import in-process, by step: "
        f"read {steps['read_s']:.1f} s, validate {steps['validate_s']:.1f} s, write {steps['write_s']:.1f} s, "
        f"commit and search index {steps['commit_and_index_s']:.1f} s (total {steps['total_s']:.1f} s).", "",
        "| crafted file (default limits) | file size | refused in | peak RSS | message |", "|---|--:|--:|--:|---|",
    ]
    for bomb in bombs:
        lines.append(f"| {bomb['name']} | {bomb['bytes'] / 2**20:.1f} MiB | {bomb['seconds']:.2f} s | "
                     f"{mib(bomb['peak_kib'])} | {bomb['message']} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=ROWS, help=f"data rows in the workbook (default {ROWS:,})")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_ROWS:,} rows, one run each")
    parser.add_argument("--repeats", type=int, default=REPEATS, help=f"runs of each kind (default {REPEATS})")
    parser.add_argument("--keep", type=Path, help="generate the workbook here (reused when it exists)")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase == "steps":
        print(RESULT + json.dumps(phase_steps(args.path)), flush=True)
        return
    rows, repeats = (QUICK_ROWS, 1) if args.quick else (args.rows, args.repeats)
    started = datetime.now()
    tmp = Path(tempfile.mkdtemp(prefix="innovation-hub-bench-ledger-"))
    try:
        ledger = args.keep or tmp / f"台账-{rows}.xlsx"
        counts_file = ledger.with_suffix(".json")
        if ledger.exists() and counts_file.exists():
            counts = json.loads(counts_file.read_text())
        else:
            log(f"generating a {rows:,}-row ledger …")
            t = time.perf_counter()
            counts = generate(ledger, rows)
            counts_file.write_text(json.dumps(counts))
            log(f"  {counts} in {time.perf_counter() - t:.1f} s, {ledger.stat().st_size / 2**20:.1f} MiB")
        dry, imports = [], []
        for trial in range(repeats):
            for dry_run, runs in ((True, dry), (False, imports)):
                runs.append(run_import(tmp, ledger, dry_run, trial))
                log(f"  {'dry run' if dry_run else 'import '} #{trial + 1}: {runs[-1]['seconds']:.1f} s")
        env = fresh_instance(tmp, "site-steps")
        out = subprocess.run([sys.executable, __file__, "--phase", "steps", "--path", str(ledger)], cwd=ROOT, env=env,
                             check=True, capture_output=True, text=True).stdout
        steps = json.loads(next(line for line in out.splitlines() if line.startswith(RESULT))[len(RESULT):])
        log(f"  steps: {steps}")
        bombs = run_bombs(tmp)
        text = report(rows, counts, ledger.stat().st_size, dry, imports, steps, bombs, started)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(text)
    out_file = ROOT / "bench" / "results" / f"ledger-{started:%Y%m%d-%H%M%S}.md"
    out_file.parent.mkdir(parents=True, exist_ok=True)
    out_file.write_text(text)
    print(f"written to {out_file.relative_to(ROOT)}")


def run_bombs(tmp: Path) -> list[dict]:
    return []


if __name__ == "__main__":
    main()
