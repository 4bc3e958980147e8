"""The start-up speed-ups of speedups.py: for each, the library behaviour it relies on, that it gives the
same results as the library's own code, and that it skips itself under an untested library version."""

import inspect
import logging

from flask import url_for
from werkzeug.routing import Map
from werkzeug.routing.rules import Rule

from innovation_hub import speedups

# ------------------------------------------------------------------ werkzeug's URL builders made on first use


def test_the_installed_werkzeug_is_a_tested_one():
    """A werkzeug upgrade fails here first: read Rule.compile/_compile_builder/build again, then add the series."""
    assert speedups.tested("werkzeug", speedups.WERKZEUG_TESTED)


def test_werkzeug_compiles_both_builders_through_compile_builder_as_a_rule_is_added(app):
    """What the patch relies on: Rule.compile() gets _build and _build_unknown from
    _compile_builder(append_unknown) bound to the rule, and Rule.build() calls them with the values."""
    assert speedups.build_urls_lazily()
    werkzeug_builder = speedups.werkzeug_compile_builder()
    assert list(inspect.signature(werkzeug_builder).parameters) == ["self", "append_unknown"]
    build_source = inspect.getsource(Rule.build)
    assert "self._build_unknown(**values)" in build_source and "self._build(**values)" in build_source
    rule = Rule("/studios/<int:studio_id>", endpoint="studio")
    Map([rule])  # adding the rule compiles it
    assert rule._build.__func__.__name__ == rule._build_unknown.__func__.__name__ == "build", "not made yet"
    assert rule.build({"studio_id": 7}, append_unknown=False) == ("", "/studios/7")
    assert rule.build({"studio_id": 7, "page": 2}) == ("", "/studios/7?page=2")
    assert rule._build.__func__.__name__ != "build" and rule._build_unknown.__func__.__name__ != "build"


def test_every_rule_builds_the_same_url_as_werkzeug_compiles_it(app):
    assert speedups.build_urls_lazily()
    compile_builder = speedups.werkzeug_compile_builder()
    rules = [r for r in app.url_map.iter_rules() if r.endpoint != "static"]
    assert len(rules) > 50
    with app.test_request_context():
        for rule in rules:
            values = {arg: _a_value(rule._converters[arg]) for arg in rule.arguments}
            assert rule._build.__func__.__name__ == "build", "not made until first used"
            expected = compile_builder(rule, False).__get__(rule, None)(**values)
            url_for(rule.endpoint, **values)
            assert rule._build(**values) == expected
            assert rule._build.__func__.__name__ != "build", "made once, then reused"
        assert url_for("search_api.api_search", q="检修", page=2).startswith("/api/v1/search?")


def test_an_untested_werkzeug_keeps_its_own_builders_with_a_warning(monkeypatch, caplog):
    werkzeug_builder = speedups.werkzeug_compile_builder()
    monkeypatch.setattr(Rule, "_compile_builder", werkzeug_builder)  # as before install; restored afterwards
    monkeypatch.setattr(speedups, "version", lambda name: "3.2.0")
    monkeypatch.setattr(speedups, "_warned", set())
    monkeypatch.setattr(speedups.log, "disabled", False)  # Alembic's fileConfig disables existing loggers
    with caplog.at_level(logging.WARNING, logger=speedups.__name__):
        assert not speedups.build_urls_lazily()
        assert not speedups.build_urls_lazily()
    assert Rule._compile_builder is werkzeug_builder
    assert [r.getMessage() for r in caplog.records] == [
        "start-up speed-up for werkzeug skipped: tested with 3.1, found 3.2.0 (innovation_hub/speedups.py)"]
    rule = Rule("/a/<int:n>", endpoint="a")
    Map([rule])
    assert rule.build({"n": 3}) == ("", "/a/3")


def test_a_release_series_is_matched_whole(monkeypatch):
    monkeypatch.setattr(speedups, "_warned", {"werkzeug"})  # no warning wanted here
    for found, ok in (("3.1", True), ("3.1.9", True), ("3.10.0", False), ("3.2.0", False), ("4.0", False)):
        monkeypatch.setattr(speedups, "version", lambda name, found=found: found)
        assert speedups.tested("werkzeug", ("3.1",)) is ok, found


def _a_value(converter):
    items = getattr(converter, "items", None)  # any(...)
    return sorted(items)[0] if items else 7
