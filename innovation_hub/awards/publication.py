"""What the public may see of a round: which rounds, the list published in the frozen snapshot, and its JSON.

Read-only. Published lists come from the stored snapshot (the 公示 one during publicity, the final one after 表彰),
never from live records, so editing an achievement later does not change what was published.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..catalogue.models import Achievement
from ..extensions import db
from ..models import local_time, utcnow
from . import queries
from .blind import EntryView, entry_view
from .models import AwardRound, Nomination, NominationState, Objection, ResultSnapshot, RoundState, VoteMode
from .objections_votes import shows_studios, vote_is_over, vote_refusal

S = RoundState
PUBLISHED_STATES = (S.PUBLICITY, S.FINAL)


def visible_rounds() -> list[AwardRound]:
    """Every round but those still 筹备中, newest year first."""
    return list(db.session.scalars(select(AwardRound).where(AwardRound.state != S.DRAFT)
                                   .order_by(AwardRound.year.desc(), AwardRound.id.desc())))


def visible_round(round_id: int) -> AwardRound | None:
    award_round = db.session.get(AwardRound, round_id)
    return award_round if award_round is not None and award_round.state is not S.DRAFT else None


def published(award_round: AwardRound) -> ResultSnapshot | None:
    """The snapshot the public may read now: the 公示 one during publicity, the final one after 表彰, else None."""
    if award_round.state not in PUBLISHED_STATES:
        return None
    return queries.latest_snapshot(award_round, award_round.state)


def vote_open(award_round: AwardRound, now: datetime | None = None) -> bool:
    return vote_refusal(award_round, now) is None


def vote_over(award_round: AwardRound, now: datetime | None = None) -> bool:
    return vote_is_over(award_round, now)


def vote_schedule(award_round: AwardRound) -> str:
    """When and how the round's public vote runs, in one phrase: 专家评审期间，2024-06-01 至 2024-06-07，凭投票码."""
    starts, ends = award_round.vote_starts_on, award_round.vote_ends_on
    days = ""
    if starts or ends:
        days = f"，{starts:%Y-%m-%d} 起" if starts and not ends else (
            f"，至 {ends:%Y-%m-%d}" if ends and not starts else f"，{starts:%Y-%m-%d} 至 {ends:%Y-%m-%d}")
    how = (f"，凭投票码投票（每码一次，最多选 {award_round.ballot_choices} 项）"
           if award_round.vote_mode is VoteMode.BALLOT else "，每项成果每人每天可投一票")
    return f"{award_round.vote_stage.label}{days}{how}"


@dataclass(frozen=True)
class Offers:
    """What a round's stage offers the public, with a sentence saying where it stands."""

    vote: bool
    publicity: bool  # the published list
    objections: bool  # the objection form accepts objections now
    results: bool
    note: str


def _note(award_round: AwardRound) -> str:
    state = award_round.state
    if state is S.NOMINATING:
        deadline = award_round.nomination_deadline
        return ("推荐申报进行中" + (f"，截止 {deadline:%Y-%m-%d}" if deadline else "")
                + "；各工作室登录后在“评选申报”中推荐成果。")
    return {
        S.QUALIFYING: "推荐已截止，正在进行资格审核。",
        S.SCORING: "专家评审进行中" + ("，同时开放公众投票。" if vote_open(award_round) else "。"),
        S.CLOSED: "专家评审已结束，" + ("正在进行公众投票，" if vote_open(award_round) else "")
                  + "结果将在公示期内公布。",
        S.PUBLICITY: "评选结果公示中，公示期内可对结果提出异议。",
        S.FINAL: "评选已结束，优秀成果已表彰。",
    }.get(state, "")


def offers(award_round: AwardRound, now: datetime | None = None) -> Offers:
    period = publicity_period(award_round, now)
    return Offers(vote=vote_open(award_round), publicity=award_round.state in PUBLISHED_STATES,
                  objections=period is not None and period.open, results=award_round.state is S.FINAL,
                  note=_note(award_round))


@dataclass(frozen=True)
class Period:
    starts_at: datetime  # 北京时间
    ends_at: datetime | None
    days_left: int  # whole or part days until the end; 0 once it is over
    open: bool  # objections accepted now


def publicity_period(award_round: AwardRound, now: datetime | None = None) -> Period | None:
    if award_round.publicity_starts_at is None or award_round.state not in PUBLISHED_STATES:
        return None
    now = now or utcnow()
    ends = award_round.publicity_ends_at
    remaining = (ends - now) if ends is not None else timedelta(0)
    days_left = max(0, math.ceil(remaining / timedelta(days=1)))
    is_open = award_round.state is S.PUBLICITY and (ends is None or now < ends)
    return Period(local_time(award_round.publicity_starts_at), local_time(ends), days_left, is_open)


@dataclass(frozen=True)
class PublishedEntry:
    nomination_id: int
    achievement_id: int
    rank: int | None  # None: no complete score, not ranked
    title: str
    studio: str
    score: float | None  # the 综合得分 out of 100 (with the public vote, when the round has one)
    excellent: bool
    certificate: str | None  # serial, after 表彰


def published_entries(frozen: ResultSnapshot) -> list[PublishedEntry]:
    """The snapshot's entries in rank order, as published (titles and studios as they were then)."""
    return [PublishedEntry(e["id"], e["achievement_id"], e["rank"], e["title"], e["studio"], _num(e["final"]),
                           e["excellent"], e.get("certificate")) for e in frozen.data["entries"]]


def objection_reference(objection: Objection) -> str:
    """受理编号 shown to whoever filed the objection (and to administrators), e.g. YY20240601-00012."""
    return f"YY{local_time(objection.created_at):%Y%m%d}-{objection.id:05d}"


def entry_of(award_round: AwardRound, nomination_id: int | None) -> Nomination | None:
    """A nomination of this round by id (None for none, or one of another round)."""
    if not nomination_id:
        return None
    nomination = db.session.get(Nomination, nomination_id)
    return nomination if nomination is not None and nomination.round_id == award_round.id else None


def gallery(award_round: AwardRound) -> list[EntryView]:
    """The qualified entries of a round in nomination order, as the vote page shows them: while a blind round is
    scored, without studios and with the names of studios, units and people masked (blind.py)."""
    blind = not shows_studios(award_round)
    rows = db.session.scalars(
        select(Nomination).where(Nomination.round_id == award_round.id, Nomination.state == NominationState.QUALIFIED)
        .options(joinedload(Nomination.achievement).selectinload(Achievement.completer_links),
                 joinedload(Nomination.studio)).order_by(Nomination.id))
    return [entry_view(n, blind) for n in rows]


def entry_count(award_round: AwardRound) -> int:
    return len(queries.qualified(award_round)) if award_round.state.rank >= S.SCORING.rank else 0


# ---------------------------------------------------------------- JSON (/api/v1/awards)


def _num(value) -> float | None:
    """Figures in the JSON and on the pages: plain numbers rounded to 2 decimals (None stays None)."""
    return None if value is None else round(float(value), 2)


def _time(value: datetime | None) -> str | None:
    """A stored UTC time as ISO 8601 in 北京时间, with its offset."""
    return None if value is None else local_time(value).isoformat(timespec="seconds") + "+08:00"


def api_round(award_round: AwardRound) -> dict:
    """One round as the API lists it; results_url (the JSON results) once 公示 has started."""
    return {
        "id": award_round.id,
        "name": award_round.name,
        "year": award_round.year,
        "state": {"code": award_round.state.value, "label": award_round.state.label},
        "quota": award_round.quota,
        "public_vote": award_round.public_vote,
        "publicity": {"starts_at": _time(award_round.publicity_starts_at),
                      "ends_at": _time(award_round.publicity_ends_at)},
        "finalised_at": _time(award_round.finalised_at),
        "url": url_for("awards.round_detail", round_id=award_round.id),
        "results_url": url_for("awards_api.round_results", round_id=award_round.id)
        if award_round.state in PUBLISHED_STATES else None,
    }


def api_results(award_round: AwardRound, frozen: ResultSnapshot) -> dict:
    """The published result from the stored snapshot.

    Every figure is a plain JSON number rounded to 2 decimals. "id" is the ACHIEVEMENT id; "judges" maps each
    anonymised 评委编号 (a string key) to that judge's weighted total; "aggregate" is the expert score on the
    criteria's scale (trimmed and normalised as the method says), "final" the 综合得分 out of 100.
    """
    data = frozen.data
    public_vote = bool(data["method"].get("public_vote"))
    return {
        "round": api_round(award_round),
        "stage": data["stage"],
        "published_at": data["created_at"],
        "entries": [{
            "id": e["achievement_id"],
            "title": e["title"],
            "studio": e["studio"],
            "judges": {number: _num(total) for number, total in e["judge_totals"].items()},
            "dropped": e["dropped"],
            "aggregate": _num(e["aggregate"]),
            "votes": e["votes"] if public_vote else None,
            "final": _num(e["final"]),
            "rank": e["rank"],
            "excellent": e["excellent"],
            "certificate": e.get("certificate"),
        } for e in data["entries"]],
        "criteria": [{"name": c["name"], "max_points": c["max_points"], "weight": _num(c["weight"])}
                     for c in data["criteria"]],
        "method": {**data["method"], "vote_weight": _num(data["method"].get("vote_weight")),
                   "full_marks": _num(data["full_marks"])},
    }
