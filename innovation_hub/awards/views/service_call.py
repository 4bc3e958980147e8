"""run_service: how every award page calls a service and answers its refusal (the only `except AwardError` of
the award pages)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask.typing import ResponseReturnValue

from ...extensions import db
from ..services import AwardError

T = TypeVar("T")


def run_service(call: Callable[[], T], done: Callable[[T], ResponseReturnValue],
                refused: Callable[[AwardError], ResponseReturnValue]) -> ResponseReturnValue:
    """Call one service: `done(result)` answers when it acted, `refused(error)` when it said no (AwardError).

    A refusal changed nothing stored; what the call had changed in memory is reloaded before the page is drawn,
    so the page shows what is stored.
    """
    try:
        result = call()
    except AwardError as error:
        db.session.expire_all()
        return refused(error)
    return done(result)
