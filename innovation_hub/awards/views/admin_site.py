"""The administrator's award pages (评选管理): the blueprint that gathers the page modules' routes, and the helpers
they share.

Each page module (admin_rounds, admin_criteria, admin_nominations, admin_judges, admin_assignments,
admin_progress, admin_results, admin_objections, admin_ballots) records its routes on its own PageRoutes;
admin_blueprint() adds them all to one blueprint, so every endpoint is awards_admin.<view> and every URL starts
with /admin/awards. Thin views: load, validate the form, call one award service through run_service, flash,
redirect. A refusal (AwardError) shows the service's Chinese message on the page the administrator was on, with
its 4xx code; nothing is changed.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, flash, redirect, url_for

from ...accounts.models import User
from ...extensions import db
from .. import publication
from ..models import AwardRound, NominationState, RoundState
from ..services import AwardError

S = RoundState


class PageRoutes:
    """The routes of one page module, recorded as `@routes.get(...)` / `@routes.post(...)` like a blueprint's."""

    def __init__(self) -> None:
        self.rules: list[tuple[str, Callable, dict]] = []

    def route(self, rule: str, **options) -> Callable:
        def record(view: Callable) -> Callable:
            self.rules.append((rule, view, options))
            return view
        return record

    def get(self, rule: str, **options) -> Callable:
        return self.route(rule, methods=["GET"], **options)

    def post(self, rule: str, **options) -> Callable:
        return self.route(rule, methods=["POST"], **options)


def _award_states() -> dict:
    return {"RoundState": RoundState, "NominationState": NominationState, "vote_schedule": publication.vote_schedule}


def admin_blueprint(*pages: PageRoutes) -> Blueprint:
    """A new 评选管理 blueprint with the pages' routes (one per app: a registered blueprint takes no new routes)."""
    bp = Blueprint("awards_admin", __name__, url_prefix="/admin/awards")
    bp.context_processor(_award_states)
    for page in pages:
        for rule, view, options in page.rules:
            bp.add_url_rule(rule, view_func=view, **options)
    return bp


def round_or_404(round_id: int) -> AwardRound:
    return db.get_or_404(AwardRound, round_id)


def own_or_404(model, object_id: int, award_round: AwardRound):
    """A criterion, nomination, judge, assignment or objection of this round, else 404."""
    found = db.session.get(model, object_id)
    if found is None or found.round_id != award_round.id:
        abort(404)
    return found


def refused(error: AwardError, page, *args, **kwargs):
    """The service said no: its message on the page the administrator was on, with its 4xx code."""
    flash(error.description, "danger")
    return page(*args, **kwargs), error.code


def refusal(page, *args, **kwargs):
    """run_service's `refused`: the service's reason on `page`, with its 4xx code."""
    return lambda error: refused(error, page, *args, **kwargs)


def invalid(form, page, *args, **kwargs):
    """A form that did not validate: the page again, with the errors beside the fields (400)."""
    for name, errors in form.errors.items():
        if form[name].type == "HiddenField" or name == "csrf_token":
            flash("；".join(errors), "danger")
    return page(*args, **kwargs), 400


def back(endpoint: str, award_round: AwardRound, done: str | None = None, **values):
    """Redirect to one of the round's pages, flashing `done` (what was done) when given."""
    if done:
        flash(done, "success")
    return redirect(url_for(endpoint, round_id=award_round.id, **values))


def judge_user(award_round: AwardRound, user_id) -> User:
    judge = next((j for j in award_round.judges if str(j.user_id) == str(user_id)), None)
    if judge is None:
        abort(404)
    return judge.user
