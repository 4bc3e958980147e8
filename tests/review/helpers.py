"""Builders and small helpers of the review tests."""

from __future__ import annotations

from datetime import timedelta

from innovation_hub.database import write_transaction
from innovation_hub.models import RecordStatus, utcnow
from tests.factories import gen_achievement, gen_patent


def submitted(studio, title: str, minutes_ago: int = 0, *, patent: bool = False, **fields):
    """A record waiting in the queue, submitted `minutes_ago`."""
    builder = gen_patent if patent else gen_achievement
    record = builder(studio, title, status=RecordStatus.SUBMITTED, **fields)
    with write_transaction():
        record.submitted_at = utcnow() - timedelta(minutes=minutes_ago)
    return record


def text(response) -> str:
    return response.get_data(as_text=True)
