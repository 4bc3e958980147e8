"""GET /api/v1/awards and /api/v1/awards/<id>/results: the rounds the public may see and their published results."""

from innovation_hub.awards import queries, snapshot
from innovation_hub.awards.models import RoundState
from innovation_hub.database import write_transaction
from innovation_hub.extensions import db
from tests.awards import helpers
from tests.awards.test_access_public import MAXES, final_round, publicity_round, voting_round
from tests.factories import gen_round, gen_user


def decimals(value) -> int:
    text = repr(value)
    return len(text.split(".")[1]) if "." in text else 0


def test_the_round_list_has_the_visible_rounds_with_their_state(app, client):
    draft = gen_round(gen_user(), "筹备中的评选")
    voting = voting_round()
    shown = publicity_round()
    response = client.get("/api/v1/awards")
    assert response.status_code == 200 and response.is_json
    body = response.get_json()
    by_id = {r["id"]: r for r in body["items"]}
    assert body["total"] == 2 and set(by_id) == {voting.round.id, shown.round.id} and draft.id not in by_id
    assert by_id[shown.round.id]["state"] == {"code": "publicity", "label": "成果公示"}
    assert by_id[voting.round.id]["state"] == {"code": "scoring", "label": "专家评审"}
    listed = by_id[shown.round.id]
    assert set(listed) >= {"id", "name", "year", "state", "quota", "publicity", "results_url"}
    assert (listed["name"], listed["year"], listed["quota"]) == (shown.round.name, 2024, 1)
    assert listed["results_url"] == f"/api/v1/awards/{shown.round.id}/results"
    assert listed["publicity"]["starts_at"].endswith("+08:00") and listed["publicity"]["ends_at"] > \
        listed["publicity"]["starts_at"]
    assert by_id[voting.round.id]["results_url"] is None
    assert by_id[voting.round.id]["publicity"] == {"starts_at": None, "ends_at": None}


def test_results_come_from_the_snapshot_with_anonymised_judges(app, client):
    stage = publicity_round(entries=3, judges=3, quota=1)
    body = client.get(f"/api/v1/awards/{stage.round.id}/results").get_json()
    frozen = snapshot.latest(stage.round, RoundState.PUBLICITY).data
    assert body["round"]["id"] == stage.round.id and body["stage"] == "publicity"
    assert [c["name"] for c in body["criteria"]] == ["先进性", "实用性", "经济效益", "社会效益"]
    assert [c["max_points"] for c in body["criteria"]] == list(MAXES)
    assert body["method"]["trimmed"] is False and body["method"]["full_marks"] == 100
    achievement_of = {n.id: n.achievement_id for n in stage.nominations}
    assert [e["id"] for e in body["entries"]] == [achievement_of[e["id"]] for e in frozen["entries"]]
    first = body["entries"][0]
    assert set(first) >= {"id", "title", "studio", "judges", "aggregate", "final", "rank", "excellent"}
    assert first["id"] == stage.achievements[0].id and first["title"] == stage.achievements[0].title
    assert first["studio"] == stage.studios[0].name
    numbers = sorted(queries.judge_numbers(stage.round).values())
    assert list(first["judges"]) == [str(n) for n in numbers] == ["1", "2", "3"]  # 评委编号, not user ids
    assert [(e["rank"], e["excellent"]) for e in body["entries"]] == [(1, True), (2, False), (3, False)]
    assert first["aggregate"] == 90 and first["final"] == 90


def test_figures_are_plain_numbers_rounded_to_two_decimals(app, client):
    # Three judges at 10, 10 and 10.01 on the first criterion: their mean repeats (…0.0033…) without end.
    stage = publicity_round(entries=2, judges=3,
                            points=lambda j, n, c: (10.01 if j == 2 and c == 0 else 10) if n == 0 else 5)
    body = client.get(f"/api/v1/awards/{stage.round.id}/results").get_json()
    entry = body["entries"][0]
    raw = snapshot.latest(stage.round, RoundState.PUBLICITY).data["entries"][0]
    assert decimals(raw["aggregate"]) > 2  # the snapshot keeps full precision …
    assert entry["aggregate"] == round(raw["aggregate"], 2) == 40.0  # … the API rounds to 2 decimals
    for e in body["entries"]:
        for value in [e["aggregate"], e["final"], *e["judges"].values()]:
            assert isinstance(value, int | float) and decimals(value) <= 2


def test_results_are_not_found_for_an_unknown_round_and_refused_before_publicity(app, client):
    missing = client.get("/api/v1/awards/999999/results")
    assert missing.status_code == 404 and missing.is_json and missing.get_json() == {"error": "没有这个评选"}
    draft = gen_round(gen_user())
    assert client.get(f"/api/v1/awards/{draft.id}/results").status_code == 404
    scoring = helpers.build(entries=1, judges=1)
    early = client.get(f"/api/v1/awards/{scoring.round.id}/results")
    assert early.status_code == 403 and early.is_json and "尚未公示" in early.get_json()["error"]


def test_results_do_not_change_when_records_are_edited_after_finalisation(app, client):
    stage = final_round()
    url = f"/api/v1/awards/{stage.round.id}/results"
    before = client.get(url).get_json()
    old_title = stage.achievements[0].title
    assert before["stage"] == "final" and before["entries"][0]["certificate"]
    with write_transaction():
        stage.achievements[0].title = "事后改过的成果名称"
        stage.studios[0].name = "事后改名的工作室"
    db.session.expire_all()
    after = client.get(url).get_json()
    assert after["entries"] == before["entries"]
    assert after["entries"][0]["title"] == old_title
    assert "事后改" not in client.get(url).get_data(as_text=True)


def test_the_api_is_read_only(app, client):
    stage = publicity_round()
    assert client.post(f"/api/v1/awards/{stage.round.id}/results").status_code == 405
    assert client.post("/api/v1/awards").get_json() == {"error": "不支持此请求方式"}
