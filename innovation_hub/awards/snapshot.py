"""The frozen result of a round: the ranking as JSON at 公示 and at 表彰, and the certificates of 优秀 entries.

A snapshot copies titles and studio names, so editing a record later never changes a published result.
"""

from __future__ import annotations

import json
import secrets

from sqlalchemy.orm import joinedload

from ..catalogue.models import Achievement
from ..extensions import db
from ..models import utcnow
from . import queries
from .models import AwardRound, Certificate, Nomination, NominationState, ResultSnapshot, RoundState


def build(award_round: AwardRound, stage: RoundState) -> dict:
    """The round's current ranking as plain JSON data, judges by their anonymised numbers."""
    result = queries.ranking(award_round)
    numbers = queries.judge_numbers(award_round)
    entries = {n.id: n for n in db.session.scalars(
        db.select(Nomination).where(Nomination.round_id == award_round.id,
                                    Nomination.state == NominationState.QUALIFIED)
        .options(joinedload(Nomination.achievement).selectinload(Achievement.completer_links),
                 joinedload(Nomination.studio)))}

    def by_number(per_judge: dict[int, float]) -> dict[str, float]:
        return {str(numbers[j]): total for j, total in sorted(per_judge.items(), key=lambda kv: numbers[kv[0]])}

    return {
        "round": {"id": award_round.id, "name": award_round.name, "year": award_round.year,
                  "quota": award_round.quota},
        "stage": stage.value,
        "created_at": utcnow().isoformat(timespec="seconds") + "Z",
        "method": {"trimmed": award_round.trimmed, "trim_from": award_round.trim_from,
                   "normalise": award_round.normalise, "public_vote": award_round.public_vote,
                   "vote_weight": float(award_round.vote_weight) if award_round.public_vote else None,
                   "publicity_shows": award_round.publicity_shows.value},
        "criteria": [{"id": c.id, "name": c.name, "max_points": c.max_points, "weight": float(c.weight)}
                     for c in award_round.criteria],
        "full_marks": result.full_marks,
        "judges": sorted(numbers.values()),
        "warnings": list(result.warnings),
        "entries": [{
            "id": r.entry_id,
            "achievement_id": entries[r.entry_id].achievement_id,
            "title": entries[r.entry_id].achievement.title,
            "studio": entries[r.entry_id].studio.name,
            "completers": [person.name for person in entries[r.entry_id].achievement.completers],
            "judge_totals": by_number(r.judge_totals),
            "adjusted_totals": by_number(r.adjusted_totals),
            "dropped": [numbers[j] for j in r.dropped],
            "aggregate": r.aggregate,
            "expert_100": r.expert_100,
            "votes": r.votes,
            "vote_scaled": r.vote_scaled,
            "final": r.final,
            "all_judges_total": r.all_judges_total,
            "top_criterion_total": r.top_criterion_total,
            "spread": r.spread,
            "rank": r.rank,
            "excellent": r.excellent,
        } for r in result.entries],
    }


def store(session, award_round: AwardRound, stage: RoundState, data: dict) -> ResultSnapshot:
    frozen = ResultSnapshot(round_id=award_round.id, stage=stage, data_json=json.dumps(data, ensure_ascii=False))
    session.add(frozen)
    return frozen


def latest(award_round: AwardRound, stage: RoundState | None = None) -> ResultSnapshot | None:
    return queries.latest_snapshot(award_round, stage)


def finalise(session, award_round: AwardRound, published: dict) -> int:
    """Store the 公示 result as final, with a certificate serial on each 优秀 entry; returns how many were issued."""
    data = dict(published, stage=RoundState.FINAL.value,
                finalised_at=award_round.finalised_at.isoformat(timespec="seconds") + "Z")
    issued = 0
    for entry in data["entries"]:
        if not entry["excellent"]:
            continue
        issued += 1
        # Sequential and readable, with a random tail so that serials cannot be guessed from one another.
        serial = f"{award_round.year}{award_round.id:03d}{issued:03d}-{secrets.token_hex(3).upper()}"
        session.add(Certificate(round_id=award_round.id, nomination_id=entry["id"], serial=serial))
        entry["certificate"] = serial
    store(session, award_round, RoundState.FINAL, data)
    return issued
