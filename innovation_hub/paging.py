"""One page of a list that is not a Flask-SQLAlchemy select (search hits, the review queue's rows).

The shared pager macro (templates/_macros/ui.html) reads page, pages, has_prev/has_next,
prev_num/next_num and iter_pages(); db.paginate's pages give the same, so every list draws one
pager. Lists over a select of one entity keep db.paginate.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any


@dataclass
class Page:
    """`items` of page `page` (from 1) of `total` items, `per_page` a page."""

    items: list[Any]
    page: int
    per_page: int
    total: int

    @property
    def offset(self) -> int:
        """How many items come before this page's first one."""
        return (self.page - 1) * self.per_page

    @property
    def pages(self) -> int:
        """The number of pages: 0 when there is nothing to show."""
        return -(-self.total // self.per_page)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None

    def iter_pages(self, *, left_edge: int = 2, left_current: int = 2, right_current: int = 4,
                   right_edge: int = 2) -> Iterator[int | None]:
        """The page numbers a pager shows, None for each gap: the first `left_edge`, the current
        page with `left_current` before and `right_current` after it, the last `right_edge`.
        Flask-SQLAlchemy's Pagination.iter_pages step for step, so a page past the end draws the
        same pager too (tests/test_paging.py compares them)."""
        end = self.pages + 1
        if end == 1:
            return
        left_end = min(1 + left_edge, end)
        yield from range(1, left_end)
        if left_end == end:
            return
        mid_start = max(left_end, self.page - left_current)
        mid_end = min(self.page + right_current + 1, end)
        if mid_start > left_end:
            yield None
        yield from range(mid_start, mid_end)
        if mid_end == end:
            return
        right_start = max(mid_end, end - right_edge)
        if right_start > mid_end:
            yield None
        yield from range(right_start, end)
