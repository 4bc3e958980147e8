"""Award rounds: the scoring rules, tested without the app."""
