"""Consistency checks of a site's stored state (`flask --app innovation_hub check`): files, scores, results…"""

# Each module registers its checks as it is imported, records before rounds: the order `flask check` reports in.
from . import records, rounds  # noqa: F401
from .checks import CHECKS, Check, available_checks, run_checks

__all__ = ["CHECKS", "Check", "available_checks", "run_checks"]
