"""Our Page draws the shared pager exactly as db.paginate's pages do, past the last page included."""

from __future__ import annotations

import pytest
from sqlalchemy import literal, select, union_all

from innovation_hub.extensions import db
from innovation_hub.paging import Page

PAGER = {"left_edge": 1, "left_current": 2, "right_current": 2, "right_edge": 1}  # the macro's (_macros/ui.html)


def pager_view(page) -> tuple:
    """What the pager macro reads of a page."""
    return (page.page, page.per_page, page.total, page.pages, page.has_prev, page.has_next, page.prev_num,
            page.next_num, list(page.iter_pages(**PAGER)), list(page.iter_pages()))


def test_the_same_pager_as_db_paginate_for_every_page_of_several_totals(app):
    per_page = 3
    for total in (0, 1, 3, 4, 10, 20, 31):
        numbers = union_all(*(select(literal(n).label("n")) for n in range(max(total, 1)))).subquery()
        stmt = select(numbers.c.n).where(numbers.c.n < total).order_by(numbers.c.n)
        for page in range(1, 14):
            theirs = db.paginate(stmt, page=page, per_page=per_page, error_out=False, count=True)
            ours = Page(list(range((page - 1) * per_page, min(page * per_page, total))), page, per_page, total)
            assert pager_view(ours) == pager_view(theirs), (total, page)
            assert ours.items == theirs.items and ours.offset == (page - 1) * per_page


@pytest.mark.parametrize(("page", "expected"), [
    (1, [1, 2, 3, None, 20]),
    (7, [1, None, 5, 6, 7, 8, 9, None, 20]),
    (19, [1, None, 17, 18, 19, 20]),
    (25, [1, None]),  # past the end, as Flask-SQLAlchemy draws it
])
def test_the_pager_macro_numbers(page, expected):
    assert list(Page([], page, 10, 200).iter_pages(**PAGER)) == expected
