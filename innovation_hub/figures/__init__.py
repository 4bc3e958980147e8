"""Honest figures: patents' legal status, the per-year value ledger of achievements, and the figures built on them."""
