"""Start-up speed-ups that patch another library's private names, each only under the versions it was tested with.

One is left, because it pays (measured; README, "Start-up speed-ups"): werkzeug's URL builders made
on first use. Another library's internals can change in any release, so each speed-up checks the
installed version and, under one it was not tested with, skips itself with a logged warning: the
site then works the same, only starts slower. tests/test_speedups.py checks for each the library
behaviour it relies on, and fails when the installed version is not a tested one.

(Whoosh's internals have their own module, search/whoosh_adapter.py, which refuses any other Whoosh:
there the patches change what search does, not only how fast it starts.)
"""

from __future__ import annotations

import logging
from importlib.metadata import version

from werkzeug.routing.rules import Rule

log = logging.getLogger(__name__)

# werkzeug's Rule.compile() → _compile_builder(append_unknown) → _build / _build_unknown, as read in these.
WERKZEUG_TESTED = ("3.1",)

_warned: set[str] = set()


def install() -> None:
    """Install every speed-up the installed libraries allow (idempotent: create_app calls it each time)."""
    build_urls_lazily()


def tested(library: str, series: tuple[str, ...]) -> bool:
    """Whether the installed `library` is of a tested release series ("3.1" for 3.1.x); warns once if not."""
    found = version(library)
    if any(found == s or found.startswith(s + ".") for s in series):
        return True
    if library not in _warned:
        _warned.add(library)
        log.warning("start-up speed-up for %s skipped: tested with %s, found %s (innovation_hub/speedups.py)",
                    library, ", ".join(series), found)
    return False


def werkzeug_compile_builder():
    """werkzeug's own Rule._compile_builder, whether or not the lazy one is installed."""
    builder = Rule._compile_builder
    return getattr(builder, "werkzeug_builder", builder)


def build_urls_lazily() -> bool:
    """Werkzeug writes and compiles two URL-building functions for every rule as the rule is added
    (Rule.compile calls _compile_builder twice): about 130 ms CPU of every create_app for this
    site's ~145 rules, before a worker can answer and for every test's app, while a process builds
    URLs for few of them. Each is now made the first time it is called. Whether it is installed."""
    if hasattr(Rule._compile_builder, "werkzeug_builder"):
        return True
    if not tested("werkzeug", WERKZEUG_TESTED):
        return False
    compile_builder = Rule._compile_builder

    def lazy_builder(self, append_unknown: bool = True):
        name = "_build_unknown" if append_unknown else "_build"

        def build(rule, *args, **kwargs):
            made = compile_builder(rule, append_unknown).__get__(rule, None)
            setattr(rule, name, made)  # later calls go straight to it
            return made(*args, **kwargs)

        return build

    lazy_builder.werkzeug_builder = compile_builder
    Rule._compile_builder = lazy_builder
    return True
