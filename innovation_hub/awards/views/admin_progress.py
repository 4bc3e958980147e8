"""评选管理 → 评审进度: per judge and per entry, with drafts, missing scores and disputed entries."""

from __future__ import annotations

from flask import render_template

from ...accounts.models import Role
from ...security import roles_required
from .. import queries
from .admin_site import PageRoutes, round_or_404

routes = PageRoutes()


@routes.get("/<int:round_id>/progress")
@roles_required(Role.ADMIN)
def progress(round_id: int):
    award_round = round_or_404(round_id)
    entries = queries.entry_progress(award_round)
    ranking = queries.ranking(award_round) if award_round.criteria else None
    spreads = {r.entry_id: r.spread for r in ranking.entries} if ranking else {}
    titles = {n.id: n for n in queries.qualified(award_round)}
    return render_template(
        "awards/admin/progress.html", award_round=award_round, judges=queries.judge_progress(award_round),
        drafts=queries.draft_counts(award_round), entries=entries, spreads=spreads, nominations=titles,
        disputed=queries.disputed_entries(award_round), missing=queries.missing_scores(award_round),
        full_marks=ranking.full_marks if ranking else 0, dispute_share=queries.DISPUTE_SHARE,
    )
