"""Consistency checks of a site's stored state (`flask --app innovation_hub check`): files, scores, results…"""

from .checks import CHECKS, Check, available_checks, run_checks

__all__ = ["CHECKS", "Check", "available_checks", "run_checks"]
