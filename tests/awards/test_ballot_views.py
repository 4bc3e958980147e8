"""Ballot codes as the administrator and a voter use them: a batch issued, printed and downloaded, voided; a ballot
cast with a code on the vote page."""

import re
from io import BytesIO

from sqlalchemy import func, select

from innovation_hub.awards import ballots, queries
from innovation_hub.awards.models import BallotBatch, Vote
from innovation_hub.extensions import db
from tests.awards.test_ballots import ballot_round
from tests.factories import login

BASE = "/admin/awards"


def text_of(response) -> str:
    return response.get_data(as_text=True)


def as_admin(client, stage):
    assert login(client, stage.admin.username).status_code == 302
    return client


def issued(client, stage, size="12", label="市电力公司工会") -> BallotBatch:
    response = client.post(f"{BASE}/{stage.round.id}/ballots", data={"label": label, "size": size})
    assert response.status_code == 302
    return db.session.scalars(select(BallotBatch).order_by(BallotBatch.id.desc())).first()


def printed_codes(client, stage, batch) -> list[str]:
    page = text_of(client.get(f"{BASE}/{stage.round.id}/ballots/{batch.id}/print"))
    return re.findall(r'class="ballot-code font-monospace">([^<]+)<', page)


def test_an_administrator_issues_prints_and_downloads_a_batch(app, client):
    from openpyxl import load_workbook

    stage = ballot_round()
    as_admin(client, stage)
    page = text_of(client.get(f"{BASE}/{stage.round.id}"))
    assert f'href="{BASE}/{stage.round.id}/ballots"' in page  # the round's tab
    batch = issued(client, stage)
    listing = text_of(client.get(f"{BASE}/{stage.round.id}/ballots"))
    assert "已生成批次“市电力公司工会”的 12 个投票码" in listing and "ballot-batches" in listing
    printing = client.get(f"{BASE}/{stage.round.id}/ballots/{batch.id}/print")
    sheet = text_of(printing)
    codes = printed_codes(client, stage, batch)
    assert len(codes) == len(set(codes)) == 12 and all(re.fullmatch(r"[2-9A-HJKMNP-Z]{4}(-[2-9A-HJKMNP-Z]{4}){2}", c)
                                                       for c in codes)
    assert sheet.count(stage.round.name + " · 公众投票") == 12
    assert f"投票网址：http://localhost/awards/{stage.round.id}/vote" in sheet
    assert sheet.count('<symbol id="vote-qr"') == 1 and sheet.count('<use href="#vote-qr"/>') == 12  # drawn once
    assert "每个投票码投一次，最多选 2 项成果 · 市电力公司工会 · 第 12 张" in sheet
    assert "<script>" not in sheet and "js/print.js" in sheet and "onclick" not in sheet
    download = client.get(f"{BASE}/{stage.round.id}/ballots/{batch.id}.xlsx")
    assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
    rows = list(load_workbook(BytesIO(download.data)).active.iter_rows(values_only=True))
    assert rows[0] == ("序号", "投票码", "批次", "评选", "投票网址", "状态", "使用时间")
    assert [r[1] for r in rows[1:]] == codes
    vote_url = f"http://localhost/awards/{stage.round.id}/vote"
    assert rows[1][2:6] == ("市电力公司工会", stage.round.name, vote_url, "未使用")


def test_issuing_refused_shows_why(app, client):
    stage = ballot_round()
    as_admin(client, stage)
    missing = client.post(f"{BASE}/{stage.round.id}/ballots", data={"label": "", "size": "5"})
    assert missing.status_code == 400 and "请填写批次名称" in text_of(missing)
    too_many = client.post(f"{BASE}/{stage.round.id}/ballots", data={"label": "某单位", "size": "5001"})
    assert too_many.status_code == 400 and "每批投票码数量须在 1 到 5000 之间" in text_of(too_many)
    open_vote = ballot_round(vote_mode="open")
    page = text_of(client.get(f"{BASE}/{open_vote.round.id}/ballots"))
    assert "使用开放投票" in page and 'name="size"' not in page
    refused = client.post(f"{BASE}/{open_vote.round.id}/ballots", data={"label": "某单位", "size": "5"})
    assert refused.status_code == 400 and "不是凭投票码投票" in text_of(refused)
    assert db.session.scalar(select(func.count()).select_from(BallotBatch)) == 0


def ballot(client, stage, code, *entries, **environ):
    return client.post(f"/awards/{stage.round.id}/vote", environ_base=environ,
                       data={"code": code, "entries": [str(e.id) for e in entries]})


def test_a_voter_casts_a_ballot_with_a_code_once(app, client):
    stage = ballot_round(choices=2)
    batch = issued(as_admin(client, stage), stage)
    code = printed_codes(client, stage, batch)[0]
    voter = app.test_client()
    page = text_of(voter.get(f"/awards/{stage.round.id}/vote"))
    assert 'name="code"' in page and 'type="checkbox" name="entries"' in page and 'name="captcha_token"' not in page
    assert "凭投票码投票（每码一次，最多选 2 项）" in page
    a, b, c = stage.nominations
    response = ballot(voter, stage, code.lower(), a, b)
    assert response.status_code == 302
    done = text_of(voter.get(response.headers["Location"]))
    assert f"本次为 2 项成果各投一票：《{a.title}》、《{b.title}》" in done
    again = ballot(voter, stage, code, c)
    assert again.status_code == 400 and "只能投一次" in text_of(again)
    assert f'value="{c.id}" id="choose-{c.id}" checked' in text_of(again)  # what was ticked stays ticked
    assert f'value="{code}"' in text_of(again)
    three = ballot(voter, stage, printed_codes(client, stage, batch)[1], a, b, c)
    assert three.status_code == 400 and "每张选票最多选 2 项成果" in text_of(three)
    assert queries.vote_counts(stage.round) == {a.id: 1, b.id: 1}


def test_a_single_choice_ballot_offers_radio_buttons(app, client):
    stage = ballot_round(choices=1)
    page = text_of(client.get(f"/awards/{stage.round.id}/vote"))
    assert 'type="radio" name="entries"' in page and "最多 1 项" in page


def test_wrong_codes_on_the_page_are_limited_per_address(app, client, monkeypatch):
    stage = ballot_round()
    monkeypatch.setattr(ballots, "FAILURES_PER_ADDRESS_PER_HOUR", 2)
    entry = stage.nominations[0]
    wrong = ballot(client, stage, "2222-3333-4444", entry, REMOTE_ADDR="10.5.5.5")
    assert wrong.status_code == 400 and "投票码不正确" in text_of(wrong) and "还可输错 1 次" in text_of(wrong)
    assert ballot(client, stage, "2222-3333-4445", entry, REMOTE_ADDR="10.5.5.5").status_code == 400
    limited = ballot(client, stage, "2222-3333-4446", entry, REMOTE_ADDR="10.5.5.5")
    assert limited.status_code == 429 and "输错投票码的次数过多" in text_of(limited)
    elsewhere = ballot(client, stage, "2222-3333-4446", entry, REMOTE_ADDR="10.5.5.6")
    assert elsewhere.status_code == 400
    malformed = ballot(client, stage, "0000-OOOO-1111", entry, REMOTE_ADDR="10.5.5.6")
    assert malformed.status_code == 400 and "不含 0、O、1、I、L" in text_of(malformed)


def test_a_voided_batch_is_refused_on_the_vote_page(app, client):
    stage = ballot_round()
    batch = issued(as_admin(client, stage), stage, size="3", label="已泄露的批次")
    first, second, _third = printed_codes(client, stage, batch)
    assert ballot(app.test_client(), stage, first, stage.nominations[0]).status_code == 302
    no_reason = client.post(f"{BASE}/{stage.round.id}/ballots/{batch.id}/void", data={"reason": ""})
    assert no_reason.status_code == 400 and "请填写理由" in text_of(no_reason)
    response = client.post(f"{BASE}/{stage.round.id}/ballots/{batch.id}/void", data={"reason": "投票码在网上被公开"})
    assert response.status_code == 302
    page = text_of(client.get(response.headers["Location"]))
    assert "已作废批次“已泄露的批次”" in page and "已投出的 1 票不再计入" in page and "投票码在网上被公开" in page
    refused = ballot(app.test_client(), stage, second, stage.nominations[0])
    assert refused.status_code == 400 and "所属的批次已作废" in text_of(refused)
    assert queries.vote_counts(stage.round) == {}
    assert db.session.scalar(select(func.count()).select_from(Vote)) == 1  # kept, not counted


def test_the_open_vote_takes_no_ballot_codes(app, client):
    stage = ballot_round(vote_mode="open")
    page = text_of(client.get(f"/awards/{stage.round.id}/vote"))
    assert 'name="captcha_token"' in page and 'name="code"' not in page
