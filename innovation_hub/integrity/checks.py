"""The named consistency checks (`flask --app innovation_hub check`): the registry and the runner.

Each check reads the database (and the upload folder) and returns Chinese violation lines. Read-only. They look for
what the services' own rules should never let through, but which a race between processes, a killed worker, a
restored backup or a hand edit could leave behind: a proof file row without its file (or a file without a row), a
score outside its range or by a judge who must not score, a published result that no longer follows from its
scores, a broken patent number or completer order, a record decided twice. The checks themselves are in
records.py (files, the catalogue, the review workflow) and rounds.py (the award rounds' scores, results, votes).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..extensions import db


@dataclass(frozen=True)
class Check:
    name: str  # for `flask check --only NAME`
    title: str  # the heading the report prints
    run: Callable[[], list[str]]


CHECKS: dict[str, Check] = {}


def check(name: str, title: str):
    """Register a check function under `name`."""
    def register(run: Callable[[], list[str]]) -> Callable[[], list[str]]:
        CHECKS[name] = Check(name, title, run)
        return run
    return register


def available_checks() -> list[Check]:
    """Every registered check, plus the search index's own when the search package offers one."""
    from .. import search

    found = list(CHECKS.values())
    verify_index = getattr(search, "verify_index", None)
    if verify_index is not None:
        found.append(Check("search", "检索索引与数据库", verify_index))
    return found


def run_checks(names: list[str] | tuple[str, ...] = ()) -> list[tuple[Check, list[str]]]:
    """Run the named checks (all when none are named); a check that fails to run reports that as its violation."""
    chosen = [c for c in available_checks() if not names or c.name in names]
    results = []
    for item in chosen:
        try:
            found = list(item.run())
        except Exception as error:  # one broken check must not hide what the others find
            db.session.rollback()
            found = [f"检查未能完成：{type(error).__name__}: {error}"]
        results.append((item, found))
    return results
