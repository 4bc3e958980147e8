"""The award rounds' pages: one blueprint per audience (administrator, judge, studio, the public, JSON).

register(app) is the one place they are added to the app; the administrator's blueprint is built there from its
page modules (admin_site.admin_blueprint).
"""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from ...extensions import csrf
    from . import (
        admin_assignments,
        admin_ballots,
        admin_criteria,
        admin_judges,
        admin_nominations,
        admin_objections,
        admin_progress,
        admin_results,
        admin_rounds,
        judge,
        public,
        studio,
    )
    from .admin_site import admin_blueprint

    app.register_blueprint(admin_blueprint(
        admin_rounds.routes, admin_criteria.routes, admin_nominations.routes, admin_judges.routes,
        admin_assignments.routes, admin_progress.routes, admin_results.routes, admin_objections.routes,
        admin_ballots.routes))
    for blueprint in (judge.bp, studio.bp, public.bp, public.api_bp):
        app.register_blueprint(blueprint)
    csrf.exempt(public.api_bp)  # read-only JSON, no forms
