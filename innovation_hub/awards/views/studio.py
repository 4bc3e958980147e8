"""The studio's award pages (推荐申报): open rounds, eligible achievements, nominations and their state.

The eligibility rules are shown before anything is submitted (awards.nominating.eligibility); nominating and
withdrawing go through awards.nominating, which refuses another studio's achievement (403) or an ineligible one
(400) with a Chinese message, shown on the page.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from ...accounts.models import Role
from ...catalogue.models import Achievement
from ...errors import PermissionDenied
from ...extensions import db
from ...models import local_time, utcnow
from ...security import roles_required
from .. import nominating, queries
from ..forms.judge import ConfirmForm
from ..models import AwardRound, Nomination, NominationState, RoundState
from .service_call import run_service

bp = Blueprint("nominating", __name__, url_prefix="/studio/awards")

S = RoundState


@bp.context_processor
def award_states():
    return {"RoundState": RoundState, "NominationState": NominationState, "today": local_time(utcnow()).date()}


@dataclass
class OpenRound:
    round: AwardRound
    used: int  # nominations the studio holds in the round (withdrawn ones do not count)
    candidates: list[tuple[Achievement, list[str]]]  # each approved achievement with why it cannot be nominated

    @property
    def eligible(self) -> int:
        return sum(1 for _, reasons in self.candidates if not reasons)


def _studio():
    studio = current_user.studio
    if studio is None:
        raise PermissionDenied("此账号没有所属工作室，请联系管理员")
    return studio


def _open_rounds(studio) -> list[OpenRound]:
    rounds = queries.nominating_rounds()
    achievements = queries.approved_achievements(studio.id)
    return [OpenRound(r, nominating.studio_nomination_count(r, studio.id),
                      [(a, nominating.eligibility(r, a)) for a in achievements]) for r in rounds]


def _outcome(nomination: Nomination, excellent: dict[int, set[int]]) -> str | None:
    """优秀 or not, once the round's result is published (公示 or final); None before."""
    award_round = nomination.round
    if award_round.state not in (S.PUBLICITY, S.FINAL) or nomination.state is not NominationState.QUALIFIED:
        return None
    if award_round.id not in excellent:
        frozen = queries.latest_snapshot(award_round)
        excellent[award_round.id] = {e["id"] for e in frozen.data["entries"] if e["excellent"]} if frozen else set()
    if nomination.id in excellent[award_round.id]:
        return "拟评为优秀成果（公示中）" if award_round.state is S.PUBLICITY else "优秀成果"
    return "未获评优秀"


def _nominations(studio) -> list[tuple[Nomination, str | None]]:
    excellent: dict[int, set[int]] = {}
    return [(n, _outcome(n, excellent)) for n in queries.studio_nominations(studio.id)]


def _home(error: str = "", status: int = 200):
    studio = _studio()
    return render_template("awards/studio/home.html", studio=studio, open_rounds=_open_rounds(studio),
                           nominations=_nominations(studio), form=ConfirmForm(formdata=None), error=error), status


@bp.get("/")
@roles_required(Role.STUDIO)
def home():
    return _home()


def _refused(error):
    return _home(error=error.description, status=400)


def _done(message: str):
    def answer(_):
        flash(message, "success")
        return redirect(url_for(".home"))
    return answer


@bp.post("/rounds/<int:round_id>/achievements/<int:achievement_id>/nominate")
@roles_required(Role.STUDIO)
def nominate(round_id: int, achievement_id: int):
    _studio()
    award_round = db.get_or_404(AwardRound, round_id)
    achievement = db.get_or_404(Achievement, achievement_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for(".home"))
    done = f"已将《{achievement.title}》推荐参加“{award_round.name}”，等待资格审核；申报截止前可以撤回。"
    return run_service(lambda: nominating.nominate(current_user, award_round, achievement), _done(done), _refused)


@bp.post("/nominations/<int:nomination_id>/withdraw")
@roles_required(Role.STUDIO)
def withdraw(nomination_id: int):
    _studio()
    nomination = db.get_or_404(Nomination, nomination_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for(".home"))
    done = f"已撤回《{nomination.title}》的推荐；申报截止前可以重新推荐。"
    return run_service(lambda: nominating.withdraw(current_user, nomination), _done(done), _refused)
