"""A time bound for one search: the loops that read postings and scan text check it and give up.

Nothing here interrupts code: every loop of the search package is finite (no Whoosh matcher that
skips by quality is used, see queries.py), and the checks make a search under load answer with
what it has after SEARCH_TIME_LIMIT seconds instead of holding a worker.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Iterator
from contextlib import contextmanager

_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("search_deadline", default=None)
clock = time.monotonic  # a module attribute, so a test can stand in for the clock


class TimeUp(Exception):
    """The search's time is up: what is computed so far is the answer."""


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Within the block, check() raises TimeUp once `seconds` have passed (None: no bound)."""
    token = _deadline.set(None if seconds is None else clock() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


def expired() -> bool:
    deadline = _deadline.get()
    return deadline is not None and clock() > deadline


def check() -> None:
    if expired():
        raise TimeUp()
