"""The public award pages as a visitor uses them: rounds, 公示 and objections, the public vote, results."""

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from innovation_hub.awards import captcha, objections_votes, publication, queries, voter
from innovation_hub.awards.models import Objection, PublicityShows, RoundState, Vote
from innovation_hub.database import write_transaction
from innovation_hub.extensions import db
from tests.awards import helpers
from tests.awards.test_access_public import final_round, publicity_round, voting_round
from tests.factories import gen_round, gen_user


def text_of(response) -> str:
    return response.get_data(as_text=True)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# ---------------------------------------------------------------- rounds


def test_the_round_list_shows_every_round_but_those_in_preparation(app, client):
    draft = gen_round(gen_user(), "尚在筹备的评选")
    nominating = helpers.build(entries=1, until="nominating")
    final = final_round(name="二〇二四年度成果评选")
    page = text_of(client.get("/awards/"))
    assert "二〇二四年度成果评选" in page and nominating.round.name in page
    assert "award-state-final" in page and "award-state-nominating" in page
    assert draft.name not in page and "award-state-draft" not in page
    assert f"/awards/{final.round.id}/results" in page


def test_a_round_page_shows_its_procedure_dates_criteria_and_quota(app, client):
    stage = voting_round(quota=7)
    page = text_of(client.get(f"/awards/{stage.round.id}"))
    assert 'aria-current="step"' in page and re.search(r'current"[^>]*>\s*3\. 专家评审', page)
    for name, points in (("先进性", 20), ("经济效益", 40)):
        assert re.search(rf"<td>{name}</td><td[^>]*>{points}</td><td[^>]*>1.00</td>", page)
    assert "7 项" in page and "专家评分占 80%" in page
    assert f'href="/awards/{stage.round.id}/vote"' in page  # the stage offers the vote
    assert "/publicity" not in page


def test_a_round_in_publicity_links_to_its_list_and_objection_form(app, client):
    stage = publicity_round()
    page = text_of(client.get(f"/awards/{stage.round.id}"))
    assert f'href="/awards/{stage.round.id}/publicity"' in page and "提出异议" in page
    assert "/vote" not in page and "/results" not in page


# ---------------------------------------------------------------- 公示


def published_scores(stage):
    return [f"{e.score:.2f}" for e in publication.published_entries(publication.published(stage.round))]


def test_publicity_lists_the_snapshot_in_rank_order_with_scores(app, client):
    stage = publicity_round(entries=3, quota=1)
    page = text_of(client.get(f"/awards/{stage.round.id}/publicity"))
    titles = [a.title for a in stage.achievements]
    assert [page.index(t) for t in titles] == sorted(page.index(t) for t in titles)  # entry 0 ranks first
    assert "综合得分" in page and all(score in page for score in published_scores(stage))
    assert page.count("拟评优秀</span>") == 1 and page.index("拟评优秀</span>") < page.index(titles[1])
    assert stage.studios[0].name in page
    assert re.search(r'award-days-left">7<', page)  # published just now for 7 days


def test_publicity_can_show_only_the_rank(app, client):
    stage = publicity_round(publicity_shows=PublicityShows.RANK)
    page = text_of(client.get(f"/awards/{stage.round.id}/publicity"))
    assert "综合得分" not in page
    assert not any(score in page for score in published_scores(stage))
    assert "名次" in page and stage.achievements[0].title in page


def objection_data(**changes):
    return {"name": "张三", "contact": "13900000000", "entry": "0", "reason": "经济效益数据与实际不符", **changes}


def test_an_objection_is_stored_and_acknowledged_with_a_reference(app, client):
    stage = publicity_round()
    entry = stage.nominations[1]
    response = client.post(f"/awards/{stage.round.id}/objections", data=objection_data(entry=str(entry.id)),
                           environ_base={"REMOTE_ADDR": "10.8.0.7"})
    assert response.status_code == 302
    objection = db.session.scalars(select(Objection)).one()
    assert (objection.round_id, objection.nomination_id, objection.name, objection.contact, objection.address) == (
        stage.round.id, entry.id, "张三", "13900000000", "10.8.0.7")
    assert objection.reason == "经济效益数据与实际不符"
    page = text_of(client.get(response.headers["Location"]))
    reference = publication.objection_reference(objection)
    assert f"受理编号 {reference}" in page and re.fullmatch(r"YY\d{8}-\d{5}", reference)
    assert queries.objections(stage.round, unanswered_only=True) == [objection]  # what administrators read


def test_an_invalid_objection_keeps_what_was_typed(app, client):
    stage = publicity_round()
    response = client.post(f"/awards/{stage.round.id}/objections",
                           data=objection_data(reason="  ", contact="王五的电话 13700000000", name="王" * 51))
    page = text_of(response)
    assert response.status_code == 400
    assert "请填写异议理由" in page and "姓名不能超过 50 个字" in page
    assert 'value="王五的电话 13700000000"' in page and "王" * 51 in page
    wrong_entry = client.post(f"/awards/{stage.round.id}/objections", data=objection_data(entry="999999"))
    assert wrong_entry.status_code == 400 and "请从列表中选择成果" in text_of(wrong_entry)
    assert count(Objection) == 0


def test_too_many_objections_from_one_address_get_429_and_keep_the_text(app, client, monkeypatch):
    stage = publicity_round()
    monkeypatch.setattr(objections_votes, "OBJECTIONS_PER_ADDRESS_PER_DAY", 1)
    url = f"/awards/{stage.round.id}/objections"
    assert client.post(url, data=objection_data()).status_code == 302
    refused = client.post(url, data=objection_data(reason="第二条异议的理由"))
    assert refused.status_code == 429
    assert "提交异议过于频繁" in text_of(refused) and "第二条异议的理由" in text_of(refused)
    other = client.post(url, data=objection_data(), environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert other.status_code == 302
    assert count(Objection) == 2


def test_objections_are_taken_only_during_publicity(app, client):
    stage = final_round()
    page = text_of(client.get(f"/awards/{stage.round.id}/publicity"))
    assert "公示已结束" in page and 'name="reason"' not in page and "已表彰" in page
    refused = client.post(f"/awards/{stage.round.id}/objections", data=objection_data())
    assert refused.status_code == 400 and "当前不在公示期" in text_of(refused)
    ended = publicity_round()
    helpers.end_publicity(ended.round)
    page = text_of(client.get(f"/awards/{ended.round.id}/publicity"))
    assert 'name="reason"' not in page and "公示已结束" in page
    assert client.post(f"/awards/{ended.round.id}/objections", data=objection_data()).status_code == 400
    scoring = helpers.build(entries=1, judges=1)
    assert client.post(f"/awards/{scoring.round.id}/objections", data=objection_data()).status_code == 404
    assert count(Objection) == 0


# ---------------------------------------------------------------- the public vote


def voter_cookie(client):
    cookie = client.get_cookie(voter.COOKIE, path=voter.COOKIE_PATH)
    return cookie.value if cookie else None


def solve(app, page: str, wrong: bool = False) -> dict:
    """The captcha fields of a vote page, answered (the nonce is read the way the server reads it)."""
    token = re.search(r'name="captcha_token" value="([^"]+)"', page).group(1)
    nonce = captcha._serializer(app.secret_key).loads(token)["n"]
    answer = captcha.question_for(nonce, app.secret_key).answer + (1 if wrong else 0)
    return {"captcha_token": token, "captcha_answer": str(answer)}


def vote(app, client, stage, entry, **environ):
    url = f"/awards/{stage.round.id}/vote"
    page = text_of(client.get(url, environ_base=environ))
    return client.post(url, data={"entry": str(entry.id), **solve(app, page)}, environ_base=environ)


def test_the_vote_page_sets_a_signed_httponly_voter_cookie(app, client):
    stage = voting_round()
    response = client.get(f"/awards/{stage.round.id}/vote")
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(voter.COOKIE + "="))
    assert "HttpOnly" in header and "Path=/awards/" in header and "SameSite=Lax" in header
    value = voter_cookie(client)
    token = voter.read_cookie(value)
    assert token and len(token) >= 20 and value != token and value.count(".") == 1  # payload.signature
    assert voter.read_cookie(value[:-2] + ("AA" if not value.endswith("AA") else "BB")) is None
    again = client.get(f"/awards/{stage.round.id}/vote")  # a valid cookie is kept
    assert not any(h.startswith(voter.COOKIE) for h in again.headers.getlist("Set-Cookie"))
    page = text_of(again)
    for entry in stage.nominations:
        assert entry.title in page and f'name="entry" value="{entry.id}"' in page
    assert "改进了设备" in page and "技术革新" in page and "<svg" in page


def test_a_forged_voter_cookie_is_replaced(app, client):
    stage = voting_round()
    client.set_cookie(voter.COOKIE, "forged-token.signature", path=voter.COOKIE_PATH)
    client.get(f"/awards/{stage.round.id}/vote")
    replaced = voter_cookie(client)
    assert replaced != "forged-token.signature" and voter.read_cookie(replaced)


def test_one_vote_per_entry_per_day_per_browser(app, client, monkeypatch):
    stage = voting_round()
    first, second = stage.nominations[:2]
    response = vote(app, client, stage, first)
    assert response.status_code == 302
    page = text_of(client.get(response.headers["Location"]))
    assert "投票成功" in page and first.title in page and "今日已投票" in page
    token = voter.read_cookie(voter_cookie(client))
    assert db.session.scalars(select(Vote.token_hash)).all() == [objections_votes.token_hash(token)]
    again = vote(app, client, stage, first)
    assert again.status_code == 400 and "您今天已为该成果投过票" in text_of(again)
    assert vote(app, client, stage, second).status_code == 302
    assert queries.vote_counts(stage.round) == {first.id: 1, second.id: 1}
    tomorrow = objections_votes.utcnow() + timedelta(days=1)
    monkeypatch.setattr(objections_votes, "utcnow", lambda: tomorrow)
    assert vote(app, client, stage, first).status_code == 302
    assert queries.vote_counts(stage.round)[first.id] == 2


def test_another_browser_is_another_voter(app, client):
    stage = voting_round()
    assert vote(app, client, stage, stage.nominations[0]).status_code == 302
    assert vote(app, app.test_client(), stage, stage.nominations[0]).status_code == 302
    assert count(Vote) == 2


def test_a_wrong_captcha_is_refused_and_spent(app, client):
    stage = voting_round()
    url = f"/awards/{stage.round.id}/vote"
    page = text_of(client.get(url))
    wrong = client.post(url, data={"entry": str(stage.nominations[0].id), **solve(app, page, wrong=True)})
    assert wrong.status_code == 400 and "验证码计算结果不正确" in text_of(wrong)
    second_guess = client.post(url, data={"entry": str(stage.nominations[0].id), **solve(app, page)})
    assert second_guess.status_code == 400 and "这道验证码题目已经作答过" in text_of(second_guess)
    fresh = solve(app, text_of(second_guess))  # the refusal draws a new question, which counts
    assert fresh["captcha_token"] != solve(app, page)["captcha_token"]
    assert client.post(url, data={"entry": str(stage.nominations[0].id), **fresh}).status_code == 302
    assert count(Vote) == 1
    missing = client.post(url, data={"entry": str(stage.nominations[0].id), **solve(app, page), "captcha_answer": ""})
    assert missing.status_code == 400 and "请先填写验证码" in text_of(missing)
    tampered = solve(app, page)
    tampered["captcha_token"] = tampered["captcha_token"][:-3] + "xyz"
    forged = client.post(url, data={"entry": str(stage.nominations[0].id), **tampered})
    assert forged.status_code == 400 and "验证码无效" in text_of(forged)
    assert count(Vote) == 1


def test_an_expired_captcha_is_refused(app, client, monkeypatch):
    stage = voting_round()
    url = f"/awards/{stage.round.id}/vote"
    answered = solve(app, text_of(client.get(url)))
    later = captcha._now() + captcha.MAX_AGE + 5
    monkeypatch.setattr(captcha, "_now", lambda: later)
    response = client.post(url, data={"entry": str(stage.nominations[0].id), **answered})
    assert response.status_code == 400 and "验证码已过期" in text_of(response)
    assert count(Vote) == 0


def test_a_used_captcha_cannot_be_replayed(app, client):
    stage = voting_round()
    url = f"/awards/{stage.round.id}/vote"
    answered = solve(app, text_of(client.get(url)))
    assert client.post(url, data={"entry": str(stage.nominations[0].id), **answered}).status_code == 302
    replayed = client.post(url, data={"entry": str(stage.nominations[1].id), **answered})
    assert replayed.status_code == 400 and "这道验证码题目已经作答过" in text_of(replayed)
    assert solve(app, text_of(replayed))["captcha_token"] != answered["captcha_token"]  # a new question
    stolen = app.test_client().post(url, data={"entry": str(stage.nominations[2].id), **answered})
    assert stolen.status_code == 400 and "验证码已失效" in text_of(stolen)  # bound to its browser
    assert count(Vote) == 1


def test_votes_from_one_address_are_limited(app, monkeypatch):
    stage = voting_round()
    monkeypatch.setattr(objections_votes, "VOTES_PER_ADDRESS_PER_HOUR", 2)
    entry = stage.nominations[0]
    for _ in range(2):
        assert vote(app, app.test_client(), stage, entry, REMOTE_ADDR="10.3.3.3").status_code == 302
    refused = vote(app, app.test_client(), stage, entry, REMOTE_ADDR="10.3.3.3")
    assert refused.status_code == 429 and "投票过于频繁" in text_of(refused)
    assert vote(app, app.test_client(), stage, entry, REMOTE_ADDR="10.4.4.4").status_code == 302
    assert count(Vote) == 3


def test_an_entry_of_another_round_cannot_be_voted_for(app, client):
    stage, other = voting_round(), voting_round()
    url = f"/awards/{stage.round.id}/vote"
    answered = solve(app, text_of(client.get(url)))
    response = client.post(url, data={"entry": str(other.nominations[0].id), **answered})
    assert response.status_code == 400 and "不是本次评选的参评成果" in text_of(response)
    assert count(Vote) == 0


def test_the_vote_page_before_and_after_voting(app, client):
    before = helpers.build(entries=1, judges=1, until="qualifying", public_vote=True)
    page = text_of(client.get(f"/awards/{before.round.id}/vote"))
    assert "公众投票将在“评审结束”阶段开放" in page and 'name="captcha_token"' not in page
    after = publicity_round(public_vote=True)
    page = text_of(client.get(f"/awards/{after.round.id}/vote"))
    assert "公众投票已结束" in page and 'name="entry"' not in page and "/publicity" in page
    assert client.get(f"/awards/{helpers.build(entries=1, judges=1).round.id}/vote").status_code == 404


def test_vote_counts_are_not_shown_while_voting(app, client):
    stage = voting_round()
    for i in range(3):
        objections_votes.cast_vote(stage.round, stage.nominations[0], f"browser-{i}", f"10.0.0.{i}")
    page = text_of(client.get(f"/awards/{stage.round.id}/vote"))
    assert "票数" in page and not re.search(r"3\s*票", page)


# ---------------------------------------------------------------- captcha


def test_captcha_questions_are_small_sums_drawn_without_text(app):
    for i in range(200):
        question = captcha.question_for(f"nonce-{i}", "key")
        assert 1 <= question.answer <= 58 and question.op in "+-"
    challenge = captcha.issue("binding", "key")
    svg = str(challenge.svg)
    assert svg.startswith("<svg") and "<text" not in svg and challenge.question.text not in svg
    full_width = str(challenge.question.answer).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    spent = []

    def spend(nonce):
        spent.append(nonce)
        return spent.count(nonce) == 1

    captcha.check(challenge.token, full_width, "binding", "key", spend)  # as a Chinese input method types digits
    with pytest.raises(captcha.CaptchaError, match="已经作答过"):
        captcha.check(challenge.token, full_width, "binding", "key", spend)
    with pytest.raises(captcha.CaptchaError, match="验证码已失效"):
        captcha.check(challenge.token, str(challenge.question.answer), "other", "key", spend)
    with pytest.raises(captcha.CaptchaError, match="验证码无效"):
        captcha.check(challenge.token, str(challenge.question.answer), "binding", "another key", spend)
    assert len(spent) == 2  # a foreign or forged token spends nothing


# ---------------------------------------------------------------- results


def test_results_after_finalisation_show_the_final_snapshot_with_certificates(app, client):
    stage = final_round(entries=3, quota=1)
    assert client.get(f"/awards/{publicity_round().round.id}/results").status_code == 404
    page = text_of(client.get(f"/awards/{stage.round.id}/results"))
    entries = publication.published_entries(publication.published(stage.round))
    assert [e.rank for e in entries] == [1, 2, 3] and entries[0].excellent and entries[0].certificate
    for e in entries:
        assert e.title in page and f"{e.score:.2f}" in page
    assert page.count("优秀成果</span>") == 1
    assert f'href="/awards/certificates/{entries[0].certificate}"' in page
    assert stage.round.state is RoundState.FINAL


def test_results_do_not_change_when_a_title_is_edited_after_finalisation(app, client):
    stage = final_round()
    before = text_of(client.get(f"/awards/{stage.round.id}/results"))
    old_title = stage.achievements[0].title
    with write_transaction():
        stage.achievements[0].title = "事后改过的成果名称"
    db.session.expire_all()
    after = text_of(client.get(f"/awards/{stage.round.id}/results"))
    assert old_title in after and "事后改过的成果名称" not in after
    assert re.sub(r'name="csrf_token" value="[^"]*"', "", before) == re.sub(r'name="csrf_token" value="[^"]*"', "",
                                                                             after)


def test_publicity_period_days_left_counts_part_days(app):
    stage = publicity_round()
    starts = stage.round.publicity_starts_at
    period = publication.publicity_period(stage.round, starts + timedelta(days=6, hours=1))
    assert (period.days_left, period.open) == (1, True)
    period = publication.publicity_period(stage.round, starts + timedelta(days=7))
    assert (period.days_left, period.open) == (0, False)
    assert isinstance(period.starts_at, datetime) and period.starts_at - starts == timedelta(hours=8)

