"""The public award pages: rounds, 公示, objections (异议), the public vote, results, certificate checks;
and the JSON API (/api/v1/awards)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, url_for
from flask_login import current_user, login_required

from ...security import client_address
from .. import ballots, blind, captcha, certificates, objections_votes, publication, voter
from ..forms.public import BallotForm, ObjectionForm, VoteForm
from ..models import PublicityShows, RoundState
from ..services import AwardError
from .service_call import run_service

bp = Blueprint("awards", __name__, url_prefix="/awards")
api_bp = Blueprint("awards_api", __name__, url_prefix="/api/v1/awards")

S = RoundState


def _round_or_404(round_id: int):
    return publication.visible_round(round_id) or abort(404)


@bp.after_request
def _remember_voter(response):
    return voter.remember(response)


@bp.get("/")
def round_list():
    return render_template("awards/public/round_list.html", rounds=publication.visible_rounds(),
                           offers=publication.offers)


@bp.get("/<int:round_id>")
def round_detail(round_id: int):
    award_round = _round_or_404(round_id)
    return render_template("awards/public/round.html", round=award_round,
                           period=publication.publicity_period(award_round),
                           entries=publication.entry_count(award_round),
                           schedule=publication.vote_schedule(award_round),
                           offers=publication.offers(award_round))


# ---------------------------------------------------------------- 公示 and objections


def _publicity_page(award_round, frozen, form: ObjectionForm, error: str | None = None):
    entries = publication.published_entries(frozen)
    form.offer(entries)
    return render_template("awards/public/publicity.html", round=award_round, entries=entries, form=form,
                           period=publication.publicity_period(award_round), error=error,
                           shows_score=award_round.publicity_shows is PublicityShows.SCORE)


@bp.get("/<int:round_id>/publicity")
def publicity(round_id: int):
    award_round = _round_or_404(round_id)
    frozen = publication.published(award_round) or abort(404)
    return _publicity_page(award_round, frozen, ObjectionForm())


@bp.post("/<int:round_id>/objections")
def file_objection(round_id: int):
    award_round = _round_or_404(round_id)
    frozen = publication.published(award_round) or abort(404)
    form = ObjectionForm()
    form.offer(publication.published_entries(frozen))
    if not form.validate():
        return _publicity_page(award_round, frozen, form, "请检查下面标出的内容"), 400

    def filed(objection):
        flash(f"已收到您的异议，受理编号 {publication.objection_reference(objection)}。"
              "工作人员将核实处理，并通过您留下的联系方式答复。", "success")
        return redirect(url_for(".publicity", round_id=award_round.id, _anchor="objection"))

    # Refused for a closed period (400) or the per-address limit (429): what was typed stays.
    return run_service(lambda: objections_votes.file_objection(
        award_round, publication.entry_of(award_round, form.entry.data), form.name.data, form.contact.data,
        form.reason.data, client_address()), filed,
        lambda refused: (_publicity_page(award_round, frozen, form, refused.description), refused.code))


# ---------------------------------------------------------------- the public vote


def _vote_page(award_round, error: str | None = None, status: int = 200, ballot: BallotForm | None = None):
    """The vote page: the open mode draws a captcha for this browser, the ballot mode asks for a code."""
    is_open = publication.vote_open(award_round)
    ballot_mode = award_round.uses_ballots
    entries = publication.gallery(award_round) if is_open else []
    challenge, voted = None, set()
    if is_open and not ballot_mode:
        token = voter.browser_token()
        challenge = captcha.issue(voter.captcha_binding(award_round, token), current_app.secret_key)
        voted = voter.voted_today(award_round, token)
    if ballot is None:
        ballot = BallotForm(formdata=None)
    ballot.offer(entries)
    return render_template("awards/public/vote.html", round=award_round, error=error, is_open=is_open,
                           ballot_mode=ballot_mode, ballot=ballot, challenge=challenge, entries=entries, voted=voted,
                           chosen=set(ballot.entries.data or ()), vote_over=publication.vote_over(award_round),
                           refusal=objections_votes.vote_refusal(award_round),
                           schedule=publication.vote_schedule(award_round),
                           offers=publication.offers(award_round)), status


def _voting_round_or_404(round_id: int):
    award_round = _round_or_404(round_id)
    if not award_round.public_vote:
        abort(404)
    return award_round


@bp.get("/<int:round_id>/vote")
def vote_gallery(round_id: int):
    return _vote_page(_voting_round_or_404(round_id))


@bp.post("/<int:round_id>/vote")
def cast_vote(round_id: int):
    award_round = _voting_round_or_404(round_id)
    if award_round.uses_ballots:
        return _cast_ballot(award_round)
    token = voter.browser_token()
    form = VoteForm()
    if not form.validate():
        return _vote_page(award_round, next(iter(form.errors.values()))[0], 400)
    nomination = publication.entry_of(award_round, form.entry.data)
    try:
        captcha.check(form.captcha_token.data, form.captcha_answer.data, voter.captcha_binding(award_round, token),
                      current_app.secret_key, objections_votes.spend_captcha)
    except captcha.CaptchaError as wrong:  # spent or not, the page draws a new question
        return _vote_page(award_round, str(wrong), 400)

    def voted(_):
        title = blind.title_of(nomination, not objections_votes.shows_studios(award_round))
        flash(f"投票成功！感谢您为《{title}》投票。每项成果每天可投一票。", "success")
        return redirect(url_for(".vote_gallery", round_id=award_round.id, _anchor=f"entry-{nomination.id}"))

    # Refused: not an entry, voted today already, closed (400) or the per-address limit (429).
    return run_service(lambda: objections_votes.cast_vote(award_round, _entry_or_refuse(nomination), token,
                                                          client_address()),
                       voted, lambda refused: _vote_page(award_round, refused.description, refused.code))


def _entry_or_refuse(nomination):
    if nomination is None:
        raise AwardError("该成果不是本次评选的参评成果")
    return nomination


def _cast_ballot(award_round):
    """A ballot: a code and the ticked entries; a refusal keeps both on the page."""
    form = BallotForm()
    form.offer(publication.gallery(award_round))
    if not form.validate():
        return _vote_page(award_round, next(iter(form.errors.values()))[0], 400, form)
    chosen = [publication.entry_of(award_round, n) for n in form.entries.data]

    def cast(_):
        hidden = not objections_votes.shows_studios(award_round)
        titles = "、".join(f"《{blind.title_of(n, hidden)}》" for n in chosen)
        flash(f"投票成功！您的投票码已使用，本次为 {len(chosen)} 项成果各投一票：{titles}。感谢参与！", "success")
        return redirect(url_for(".vote_gallery", round_id=award_round.id))

    # Refused: not an entry, a wrong, used or void code, too many choices (400), too many wrong codes (429).
    return run_service(
        lambda: ballots.cast_ballot(award_round, form.code.data, [_entry_or_refuse(n) for n in chosen],
                                    client_address()),
        cast, lambda refused: _vote_page(award_round, refused.description, refused.code, form))


# ---------------------------------------------------------------- results and certificates


@bp.get("/<int:round_id>/results")
def results(round_id: int):
    award_round = _round_or_404(round_id)
    frozen = (publication.published(award_round) if award_round.state is S.FINAL else None) or abort(404)
    return render_template("awards/public/results.html", round=award_round,
                           entries=publication.published_entries(frozen),
                           period=publication.publicity_period(award_round))


@bp.get("/certificates/<serial>")
def certificate_check(serial: str):
    found = certificates.find(serial)
    if found is None:
        return render_template("awards/public/certificate_check.html", sheet=None, serial=serial[:60]), 404
    return render_template("awards/public/certificate_check.html", sheet=certificates.sheet(found), serial=serial)


@bp.get("/certificates/<serial>/print")
@login_required
def certificate_print(serial: str):
    found = certificates.find(serial) or abort(404)
    if not certificates.can_print(current_user, found):
        abort(403)
    return render_template("awards/public/certificates_print.html", round=found.round,
                           sheets=[certificates.sheet(found)])


@bp.get("/<int:round_id>/certificates")
@login_required
def certificates_print(round_id: int):
    award_round = _round_or_404(round_id)
    if not (current_user.is_admin or current_user.is_studio):
        abort(403)
    if award_round.state is not S.FINAL:
        abort(404)
    studio_id = None if current_user.is_admin else current_user.studio_id
    found = certificates.of_round(award_round, studio_id) if studio_id or current_user.is_admin else []
    if not found and not current_user.is_admin:
        abort(404, description="本工作室在该评选中没有获奖证书")
    return render_template("awards/public/certificates_print.html", round=award_round,
                           sheets=[certificates.sheet(c) for c in found])


# ---------------------------------------------------------------- JSON


@api_bp.get("")
def round_index():
    rounds = publication.visible_rounds()
    return jsonify(total=len(rounds), items=[publication.api_round(r) for r in rounds])


@api_bp.get("/<int:round_id>/results")
def round_results(round_id: int):
    award_round = publication.visible_round(round_id) or abort(404, description="没有这个评选")
    frozen = publication.published(award_round)
    if frozen is None:
        abort(403, description=f"评选“{award_round.name}”尚未公示（当前处于“{award_round.state.label}”阶段），"
                               "公示开始后才能查看结果")
    return jsonify(publication.api_results(award_round, frozen))
