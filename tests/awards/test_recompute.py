"""The demo's finished round, recomputed from award-export's score sheet by scripts/recompute_awards.py (which
shares no code with the site), equals GET /api/v1/awards/<id>/results."""

import json
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from innovation_hub.awards.models import AwardRound
from innovation_hub.extensions import db

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "recompute_awards.py"
FINISHED = "示例：年度职工技术创新成果评选"


def recompute(scores: Path, results: dict, tmp_path: Path) -> subprocess.CompletedProcess:
    published = tmp_path / "results.json"
    published.write_text(json.dumps(results, ensure_ascii=False), encoding="utf-8")
    return subprocess.run([sys.executable, str(SCRIPT), str(scores), str(published)], capture_output=True,
                          text=True, timeout=120)


def test_the_demo_round_recomputes_from_its_export_to_the_published_results(app, runner, client, tmp_path,
                                                                            demo_seed):
    assert demo_seed.exit_code == 0
    round_id = db.session.scalar(select(AwardRound.id).where(AwardRound.name == FINISHED))
    scores = tmp_path / "scores.xlsx"
    exported = runner.invoke(args=["award-export", str(round_id), str(scores)])
    assert exported.exit_code == 0, exported.output
    results = client.get(f"/api/v1/awards/{round_id}/results").get_json()
    assert len(results["entries"]) == 111 and sum(e["excellent"] for e in results["entries"]) == 10

    checked = recompute(scores, results, tmp_path)
    assert checked.returncode == 0, checked.stderr
    assert "111 项成果重算，与发布结果一致" in checked.stderr
    mine = {e["id"]: e for e in json.loads(checked.stdout)}
    assert [mine[e["id"]]["rank"] for e in results["entries"]] == [e["rank"] for e in results["entries"]]

    # The check can fail: a published rank that the scores do not support is reported.
    results["entries"][0]["rank"], results["entries"][1]["rank"] = results["entries"][1]["rank"], 1
    tampered = recompute(scores, results, tmp_path)
    assert tampered.returncode == 1 and "rank" in tampered.stderr
