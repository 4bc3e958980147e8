"""Access rules of the public award routes, merged into tests/test_access_matrix.py's coverage check.

endpoint: (method, expected per role in ROLES order, URL values), and FORMS: what each POST sends;
see tests/test_access_matrix.py.
The objects are those of tests/awards/test_access_public.py's world; its STATE_RULES add each route per round state."""

from tests.test_access_matrix import PUBLIC

PUBLIC_POST = ("ok", "ok", "ok", "ok", "ok")
# A certificate of studio A's entry: the administrator and studio A print it; studio B and the judge may not.
CERTIFICATE = ("login", 200, 403, 403, 200)
# A round's certificates: all for the administrator, a studio its own (studio B has none: 404), not the judge.
ROUND_CERTIFICATES = ("login", 200, 404, 403, 200)

RULES: dict = {
    "awards.round_list": ("GET", PUBLIC, {}),
    "awards.round_detail": ("GET", PUBLIC, {"round_id": "final_round"}),
    "awards.publicity": ("GET", PUBLIC, {"round_id": "publicity_round"}),
    "awards.file_objection": ("POST", PUBLIC_POST, {"round_id": "publicity_round"}),
    "awards.vote_gallery": ("GET", PUBLIC, {"round_id": "voting_round"}),
    "awards.cast_vote": ("POST", PUBLIC_POST, {"round_id": "voting_round"}),
    "awards.results": ("GET", PUBLIC, {"round_id": "final_round"}),
    "awards.certificate_check": ("GET", PUBLIC, {"serial": "certificate_of_a"}),
    "awards.certificate_print": ("GET", CERTIFICATE, {"serial": "certificate_of_a"}),
    "awards.certificates_print": ("GET", ROUND_CERTIFICATES, {"round_id": "final_round"}),
    "awards_api.round_index": ("GET", PUBLIC, {}),
    "awards_api.round_results": ("GET", PUBLIC, {"round_id": "publicity_round"}),
}


def _vote_form(post) -> dict:
    """A vote for the round's first entry, as its vote page sends it: a ballot code (each request its own, from
    the world's "ballot_codes") or the captcha answered for this browser (its voter cookie) in this round."""
    from flask import current_app, url_for
    from sqlalchemy import select

    from innovation_hub.awards import captcha, voter
    from innovation_hub.awards.models import AwardRound, Nomination
    from innovation_hub.extensions import db

    award_round = post.get(AwardRound, "round_id")
    if award_round is None:  # an unknown round (404): there is no entry to vote for
        return {"entry": "1"}
    entry = db.session.scalar(select(Nomination.id).where(Nomination.round_id == award_round.id)
                              .order_by(Nomination.id).limit(1))
    if award_round.uses_ballots:
        return {"code": post.objects["ballot_codes"].pop(), "entries": str(entry)}
    if post.client.get_cookie(voter.COOKIE, path=voter.COOKIE_PATH) is None:  # an open vote page gives one
        with current_app.test_request_context():
            gallery = url_for("awards.vote_gallery", round_id=post.objects["voting_round"])
        post.client.get(gallery)
    token = voter.read_cookie(post.client.get_cookie(voter.COOKIE, path=voter.COOKIE_PATH).value)
    challenge = captcha.issue(voter.captcha_binding(award_round, token), current_app.secret_key)
    return {"entry": str(entry), "captcha_token": challenge.token, "captcha_answer": str(challenge.question.answer)}


# What each POST sends (see tests/test_access_matrix.py's FORMS).
FORMS: dict = {
    "awards.file_objection": {"name": "张三", "contact": "13800000000", "entry": "0", "reason": "对评审结果有疑问"},
    "awards.cast_vote": _vote_form,
}
