"""The judge's pages (评审): assigned entries, the score form, conflicts (回避).

Every entry route finds the entry through the judge's own assignment and answers 404 when there is none, when
the judge declared or was given a conflict on it, or when it is an entry of the judge's own studio or host unit:
a judge never learns what such an entry is. State changes go through awards.judge_scores and awards.assignment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ...accounts.models import Role
from ...extensions import db
from ...models import local_time, utcnow
from ...security import roles_required
from .. import assignment as assigning
from .. import blind, judge_scores, queries, scoring
from ..conflicts import standing_conflict
from ..forms.judge import ConflictForm, points_text, score_form
from ..models import Assignment, AwardRound, NominationState, RoundState
from .service_call import run_service

bp = Blueprint("judging", __name__, url_prefix="/judge")

S = RoundState


@bp.context_processor
def award_helpers():
    return {"RoundState": RoundState, "points_text": points_text, "today": local_time(utcnow()).date()}


# ------------------------------------------------------------------ loading, with the conflict rules


def _round_or_404(round_id: int) -> AwardRound:
    award_round = db.get_or_404(AwardRound, round_id)
    if not any(j.user_id == current_user.id for j in award_round.judges):
        abort(404)
    return award_round


def _assignment_or_404(nomination_id: int) -> Assignment:
    """The judge's own assignment of this entry; 404 for a conflict of any kind or an entry not given to it."""
    a = queries.assignment_of_judge(current_user, nomination_id)
    if a is None or a.conflict or a.nomination.state is not NominationState.QUALIFIED \
            or standing_conflict(current_user, a.nomination.studio) is not None:
        abort(404)
    return a


# ------------------------------------------------------------------ what the pages show


@dataclass(frozen=True)
class _AssignmentState:
    """What the entry page shows of the judge's assignment (not the nomination, which names the studio)."""

    nomination_id: int
    submitted_at: datetime | None

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None

    @classmethod
    def of(cls, a: Assignment) -> _AssignmentState:
        return cls(a.nomination_id, a.submitted_at)


def _title(a: Assignment) -> str:
    """The entry's title for messages: masked in a blind round, as on the page."""
    return blind.title_of(a.nomination, a.round.blind)


def _progress(entries: list[queries.JudgeEntry]) -> dict:
    submitted = sum(e.submitted for e in entries)
    drafts = sum(1 for e in entries if not e.submitted and e.scored)
    return {"total": len(entries), "submitted": submitted, "drafts": drafts,
            "untouched": len(entries) - submitted - drafts}


def _weighted(criteria, values: dict[int, str]) -> tuple[str, str, int]:
    """(weighted total of the readable in-range values, full marks, criteria scored), as the page's JS computes it."""
    given = []
    for c in criteria:
        try:
            points = Decimal((values.get(c.id) or "").strip())
        except InvalidOperation:
            continue
        if points.is_finite() and 0 <= points <= c.max_points:
            given.append((c.weight, points))
    total = Decimal(scoring.weighted_total(given))
    full = Decimal(scoring.weighted_total((c.weight, Decimal(c.max_points)) for c in criteria))
    return points_text(total.quantize(Decimal("0.01"))), points_text(full.quantize(Decimal("0.01"))), len(given)


def _entry_page(a: Assignment, form=None, conflict_form=None, error: str = "", typed=(), status: int = 200):
    """The entry as blind.entry_view gives it to this judge: the template never reads the records themselves."""
    award_round = a.round
    saved = {s.criterion_id: s.points for s in a.scores}
    form = form or score_form(award_round.criteria, saved)
    shown = {c.id: f.data or "" for c, f in form.criterion_fields()}
    if a.is_submitted:
        shown = {cid: points_text(p) for cid, p in saved.items()}
    total, full, scored = _weighted(award_round.criteria, shown)
    return render_template(
        "awards/judge/entry.html", a=_AssignmentState.of(a), round=award_round,
        entry=blind.entry_view(a.nomination, award_round.blind, current_user), form=form,
        conflict_form=conflict_form or ConflictForm(formdata=None), saved=saved, error=error,
        typed=typed, total=total, full=full, scored=scored,
        can_score=award_round.state is S.SCORING and not a.is_submitted,
        can_declare=award_round.state in assigning.ASSIGNING and not a.is_submitted,
    ), status


# ------------------------------------------------------------------ routes


@bp.get("/")
@roles_required(Role.JUDGE)
def home():
    rounds = []
    for award_round in queries.rounds_of_judge(current_user):
        entries = queries.judge_assignments(current_user, award_round)
        rounds.append((award_round, _progress(entries)))
    return render_template("awards/judge/home.html", rounds=rounds)


@bp.get("/rounds/<int:round_id>")
@roles_required(Role.JUDGE)
def round_entries(round_id: int):
    award_round = _round_or_404(round_id)
    entries = queries.judge_assignments(current_user, award_round)
    number = next(j.number for j in award_round.judges if j.user_id == current_user.id)
    return render_template("awards/judge/round.html", round=award_round, entries=entries,
                           progress=_progress(entries), number=number,
                           conflicts=queries.declared_conflicts(current_user, award_round))


@bp.get("/entries/<int:nomination_id>")
@roles_required(Role.JUDGE)
def entry(nomination_id: int):
    return _entry_page(_assignment_or_404(nomination_id))


@bp.post("/entries/<int:nomination_id>/scores")
@roles_required(Role.JUDGE)
def score(nomination_id: int):
    a = _assignment_or_404(nomination_id)
    form = score_form(a.round.criteria, formdata=request.form)
    if not form.validate_on_submit():
        return _entry_page(a, form, error="；".join(e for errors in form.errors.values() for e in errors), status=400)
    submit = bool(form.submit_scores.data)
    if not submit and not form.save_draft.data:
        return _entry_page(a, form, error="请点击“保存草稿”或“提交评分”", status=400)

    def refused(error):
        locked = a.is_submitted or a.round.state is not S.SCORING  # the form is not shown: list what was typed
        return _entry_page(a, form, error=error.description, typed=form.typed() if locked else (), status=400)

    def saved(_):
        if submit:
            flash(f"《{_title(a)}》的评分已提交并锁定。", "success")
        else:
            flash(f"已保存《{_title(a)}》的评分草稿；全部指标打分后请点击“提交评分”。", "success")
        return redirect(url_for(".entry", nomination_id=nomination_id))

    return run_service(lambda: judge_scores.save_scores(current_user, a, form.points(request.form), submit=submit),
                       saved, refused)


@bp.post("/entries/<int:nomination_id>/conflict")
@roles_required(Role.JUDGE)
def declare_conflict(nomination_id: int):
    a = _assignment_or_404(nomination_id)
    conflict_form = ConflictForm(formdata=request.form)
    if not conflict_form.validate_on_submit():
        return _entry_page(a, conflict_form=conflict_form, status=400)

    def refused(error):
        conflict_form.reason.errors = [error.description]
        return _entry_page(a, conflict_form=conflict_form, status=400)

    def declared(_):
        flash(f"已对《{_title(a)}》申报回避，该成果已从您的评审列表中移除，管理员将重新分配评委。", "success")
        return redirect(url_for(".round_entries", round_id=a.round_id))

    return run_service(lambda: assigning.declare_conflict(current_user, a, conflict_form.reason.data), declared,
                       refused)
