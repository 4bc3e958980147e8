"""Blind rounds (匿名评审): titles, summaries and file names named after people reach blind judges masked, and
while a blind round is scored the public vote is closed (or, when the round allows it, names no studio)."""

from io import BytesIO

import pytest

from innovation_hub.awards import assignment, blind, lifecycle, objections_votes, queries
from innovation_hub.awards.models import VoteStage
from innovation_hub.models import RecordStatus
from innovation_hub.submissions.services import approve_record, attach_file, submit_record
from innovation_hub.uploads import check_upload
from tests.awards import helpers
from tests.awards.test_judge_views import PDF, fields
from tests.factories import gen_achievement, gen_judge, gen_round, gen_studio, gen_user, login

STUDIO, UNIT, LEADER, COMPLETERS = "孙领办劳模创新工作室", "北方重型机械有限公司", "孙领办", ("张三丰", "李四")
NAMES = (STUDIO, UNIT, LEADER, *COMPLETERS, "张三")
TITLE = "张三丰操作法在孙领办劳模创新工作室的推广"


def named_entry(**settings) -> helpers.Stage:
    """A round in 专家评审 with one entry named after its completer, its studio and the studio's leader."""
    admin = gen_user()
    award_round = gen_round(admin, judges_per_entry=1, **settings)
    studio = gen_studio(STUDIO, host_unit=UNIT, leader=LEADER)
    account = gen_user(f"studio-{award_round.id}", "studio", studio=studio)
    achievement = gen_achievement(studio, TITLE, completers=COMPLETERS, status=RecordStatus.DRAFT,
                                  summary="张三丰、李四在北方重型机械有限公司总结的操作法，孙领办审定。")
    attach_file(account, achievement, check_upload("张三丰操作法效益证明.pdf", BytesIO(PDF)))
    attach_file(account, achievement, check_upload("孙领办.pdf", BytesIO(PDF)))
    submit_record(account, achievement)
    approve_record(admin, achievement)
    stage = helpers.Stage(admin, award_round, [studio], [achievement])
    helpers.nominate_all(stage)
    helpers.qualify_all(stage)
    helpers.add_judges(stage, [gen_judge(f"judge-named-{award_round.id}")])
    assignment.auto_assign(admin, award_round)
    lifecycle.start_scoring(admin, award_round)
    return stage


def text_of(response) -> str:
    return response.get_data(as_text=True)


def names_in(html: str) -> list[str]:
    return [n for n in NAMES if n in html]


def test_redaction_masks_the_longest_names_first():
    names = ["张三", "张三丰", "北方重型机械有限公司"]
    ordered = sorted(names, key=lambda n: (-len(n), n))
    assert blind.redact("张三丰与张三在北方重型机械有限公司", ordered) == "××与××在××"
    assert blind.redact("没有人名", ordered) == "没有人名"
    assert blind.redact("张三丰操作法", []) == "张三丰操作法"


def test_a_blind_judge_reads_titles_summaries_and_file_names_masked(app, client):
    stage = named_entry(blind=True)
    entry = stage.nominations[0]
    login(client, stage.judges[0].username)
    listing = text_of(client.get(f"/judge/rounds/{stage.round.id}"))
    page = text_of(client.get(f"/judge/entries/{entry.id}"))
    saved = client.post(f"/judge/entries/{entry.id}/scores", data={**fields(stage, 先进性="12"), "save_draft": "1"})
    flashed = text_of(client.get(saved.headers["Location"]))
    masked = "××操作法在××的推广"
    for name, html in (("list", listing), ("entry", page), ("after saving", flashed)):
        assert masked in html and names_in(html) == [], f"{name} page names {names_in(html)}"
    assert "××、××在××总结的操作法，××审定。" in page
    assert "证明材料 1：××操作法效益证明.pdf" in page and "证明材料 2：证明材料.pdf" in page
    assert f"已保存《{masked}》的评分草稿" in flashed
    listed = queries.judge_assignments(stage.judges[0], stage.round)[0]
    assert listed.title == masked and not hasattr(listed, "studio_name") and not hasattr(listed, "nomination")
    view = blind.entry_view(entry, True)
    assert [f for f in ("studio", "host_unit", "completers") if hasattr(view, f)] == []


def test_a_blind_judge_s_pages_json_and_downloads_never_name_the_studio(app, client):
    stage = named_entry(blind=True)
    entry, rid = stage.nominations[0], stage.round.id
    login(client, stage.judges[0].username)
    view = blind.entry_view(entry, True, stage.judges[0])
    assert view.files and all(f.downloadable for f in view.files)
    urls = ["/judge/", f"/judge/rounds/{rid}", f"/judge/entries/{entry.id}", "/api/v1/awards",
            f"/api/v1/awards/{rid}/results", f"/awards/{rid}", *(f"/files/{f.id}" for f in view.files)]
    for url in urls:
        response = client.get(url)
        said = " ".join(f"{k}: {v}" for k, v in response.headers.items())
        if url.startswith("/files/"):  # a file's own bytes are the studio's, and no page: its name is the header
            response.close()
        else:
            said += text_of(response)
        assert response.status_code in (200, 403) and names_in(said) == [], f"{url} names {names_in(said)}"
    # The exports are the administrator's: a judge gets none of them.
    for which in ("scores", "ranking", "all"):
        assert client.get(f"/admin/awards/{rid}/export/{which}.xlsx").status_code in (302, 403)


def test_a_blind_entry_s_files_cost_the_same_queries_however_many_there_are(app, count_sql):
    from innovation_hub.extensions import db
    from innovation_hub.submissions.models import ProofFile

    stage = named_entry(blind=True)
    entry, judge = stage.nominations[0], stage.judges[0]

    def queries_for_files() -> tuple[int, int]:
        db.session.expire_all()
        with count_sql() as counter:
            view = blind.entry_view(entry, True, judge)
        assert all(f.downloadable for f in view.files)
        return len(view.files), counter.count

    files, few = queries_for_files()
    first = entry.achievement.proof_files[0]
    for n in range(5):
        db.session.add(ProofFile(achievement_id=first.achievement_id, studio_id=first.studio_id,
                                 original_name=f"附件{n}.pdf", stored_name=f"extra-{n}.pdf",
                                 content_type=first.content_type, size=first.size))
    db.session.commit()
    assert queries_for_files() == (files + 5, few)


def test_the_same_entry_is_shown_whole_in_an_open_round(app, client):
    stage = named_entry(blind=False)
    login(client, stage.judges[0].username)
    page = text_of(client.get(f"/judge/entries/{stage.nominations[0].id}"))
    assert TITLE in page and "张三丰操作法效益证明.pdf" in page and set(names_in(page)) == set(NAMES)


# ---------------------------------------------------------------- the public vote of a blind round


def public_pages(client, stage) -> dict[str, str]:
    rid = stage.round.id
    return {url: text_of(client.get(url)) for url in (
        "/awards/", f"/awards/{rid}", f"/awards/{rid}/vote", "/api/v1/awards", f"/api/v1/awards/{rid}/results")}


def test_a_blind_round_being_scored_has_no_vote_and_names_no_studio(app, client):
    stage = named_entry(blind=True, public_vote=True)  # the vote stage defaults to 评审结束后
    pages = public_pages(client, stage)
    for url, html in pages.items():
        assert names_in(html) == [], f"{url} names {names_in(html)}"
    vote_page = pages[f"/awards/{stage.round.id}/vote"]
    assert "公众投票将在“评审结束”阶段开放" in vote_page
    assert 'name="entry"' not in vote_page and "操作法" not in vote_page
    refused = client.post(f"/awards/{stage.round.id}/vote", data={"entry": str(stage.nominations[0].id)})
    assert refused.status_code == 400 and names_in(text_of(refused)) == []


def test_a_blind_round_that_votes_while_scored_masks_its_entries(app, client):
    from tests.awards.test_public_views import solve

    stage = named_entry(blind=True, public_vote=True, vote_stage=VoteStage.SCORING)
    pages = public_pages(client, stage)
    for url, html in pages.items():
        assert names_in(html) == [], f"{url} names {names_in(html)}"
    vote_page = pages[f"/awards/{stage.round.id}/vote"]
    assert "××操作法在××的推广" in vote_page and "××、××在××总结的操作法" in vote_page
    url = f"/awards/{stage.round.id}/vote"
    voted = client.post(url, data={"entry": str(stage.nominations[0].id), **solve(app, vote_page)})
    assert voted.status_code == 302
    after = text_of(client.get(voted.headers["Location"]))
    assert "感谢您为《××操作法在××的推广》投票" in after and names_in(after) == []


@pytest.mark.parametrize("stage_setting", [VoteStage.SCORING, VoteStage.CLOSED])
def test_once_scoring_is_closed_the_vote_page_names_the_studio(app, client, stage_setting):
    stage = named_entry(blind=True, public_vote=True, vote_stage=stage_setting)
    helpers.score_all(stage)
    lifecycle.close_scoring(stage.admin, stage.round)
    assert objections_votes.shows_studios(stage.round)
    page = text_of(client.get(f"/awards/{stage.round.id}/vote"))
    if stage_setting is VoteStage.CLOSED:  # the vote runs now, the blind review is over
        assert TITLE in page and STUDIO in page
    else:
        assert "公众投票已结束" in page
