"""URL building code made on first use instead of at start-up."""

from __future__ import annotations

from werkzeug.routing.rules import Rule


def build_urls_lazily() -> None:
    """Werkzeug writes and compiles two URL-building functions for every rule as the rule is added:
    about 40 ms of every start for this site's ~90 rules, before a worker can answer, while a
    process builds URLs for few of them. Each is now made the first time it is called. Idempotent."""
    compile_builder = Rule._compile_builder
    if getattr(compile_builder, "innovation_hub", False):
        return

    def lazy_builder(self, append_unknown: bool = True):
        name = "_build_unknown" if append_unknown else "_build"

        def build(rule, *args, **kwargs):
            made = compile_builder(rule, append_unknown).__get__(rule, None)
            setattr(rule, name, made)  # later calls go straight to it
            return made(*args, **kwargs)

        return build

    lazy_builder.innovation_hub = True
    Rule._compile_builder = lazy_builder
