"""URL building code is made on first use: every route still builds the URL werkzeug's own code builds."""

from flask import url_for
from werkzeug.routing.rules import Rule

from innovation_hub.routing import build_urls_lazily


def test_every_rule_builds_the_same_url_as_werkzeug_compiles_it(app):
    build_urls_lazily()
    compile_builder = Rule._compile_builder.__closure__[0].cell_contents  # werkzeug's own
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


def _a_value(converter):
    items = getattr(converter, "items", None)  # any(...)
    return sorted(items)[0] if items else 7
