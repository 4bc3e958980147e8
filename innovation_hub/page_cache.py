"""A per-worker cache of public pages, valid while the catalogue version is unchanged.

One cheap SELECT of the version per request decides; a page is rebuilt only after a commit
changed the catalogue. Responses carry an ETag so browsers revalidate with a 304.
"""

from __future__ import annotations

import threading
import zlib
from collections import OrderedDict
from dataclasses import dataclass
from functools import wraps

from flask import Response, current_app, make_response, request, session

from .models import local_today
from .security import has_login


@dataclass(frozen=True)
class CachedPage:
    version: int
    body: bytes
    mimetype: str
    headers: tuple[tuple[str, str], ...]

    @property
    def etag(self) -> str:
        # The same in every worker, so a browser's If-None-Match matches whichever answers.
        return f"v{self.version}-{zlib.crc32(self.body):08x}"


class PageCache:
    """A bounded LRU of rendered 200 responses keyed by full path; `version()` says whether they still hold."""

    def __init__(self, version, max_entries: int = 512):
        self.version = version
        self.max_entries = max_entries
        self._pages: OrderedDict[str, CachedPage] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str, version: int) -> CachedPage | None:
        with self._lock:
            page = self._pages.get(key)
            if page is None or page.version != version:
                return None
            self._pages.move_to_end(key)
            return page

    def put(self, key: str, page: CachedPage) -> None:
        with self._lock:
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > self.max_entries:
                self._pages.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()


_KEPT_HEADERS = ("Content-Disposition",)


def cached_page(view):
    """Serve `view`'s 200 responses from the page cache while the catalogue is unchanged."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        cache: PageCache | None = current_app.extensions.get("page_cache")
        if cache is None or not _cacheable():
            return view(*args, **kwargs)
        version = cache.version()
        # Also by the day: a patent's legal status (有效 → 届满) changes at midnight without any write.
        key = f"{local_today().isoformat()} {request.full_path}"
        page = cache.get(key, version)
        if page is None:
            response = make_response(view(*args, **kwargs))
            if response.status_code != 200 or response.direct_passthrough:
                return response
            page = CachedPage(
                version, response.get_data(), response.mimetype,
                tuple((h, response.headers[h]) for h in _KEPT_HEADERS if h in response.headers),
            )
            cache.put(key, page)
        response = Response(page.body, mimetype=page.mimetype, headers=list(page.headers))
        response.set_etag(page.etag)
        response.cache_control.no_cache = True  # revalidate each time: a 304 costs one small query
        return response.make_conditional(request)

    return wrapper


def _cacheable() -> bool:
    """Only anonymous GETs without flashed messages are shared: a page for a logged-in user names them."""
    return request.method == "GET" and not has_login() and "_flashes" not in session


def init_app(app, version) -> None:
    """`version()` is the catalogue's current version, handed in by create_app (this module knows no feature)."""
    if app.config.get("PAGE_CACHE_ENTRIES", 512):
        app.extensions["page_cache"] = PageCache(version, app.config.get("PAGE_CACHE_ENTRIES", 512))
