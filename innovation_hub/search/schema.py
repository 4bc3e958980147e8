"""The Whoosh schema: one document per public studio, achievement and patent."""

from whoosh.fields import ID, NUMERIC, TEXT, Schema

from .analysis import GramAnalyzer, NameAnalyzer, WordAnalyzer

# Bump when build_schema() changes: an index built under another version is rebuilt, not read.
SCHEMA_VERSION = 1

# Title matches outrank summary matches: the title fields weigh three times the body fields.
TITLE_BOOST = 3.0


def build_schema() -> Schema:
    return Schema(
        key=ID(stored=True, unique=True),  # "achievement:12"
        type=ID(stored=True, sortable=True),
        record_id=NUMERIC(stored=True, bits=64),
        # Word fields are never phrase-queried (the gram fields are): no positions, a cheaper index.
        # Summaries have only the gram field: every word of a summary is a run of its bigrams, so a
        # word field there would add index time (a third of it, measured) and no matches.
        title=TEXT(analyzer=WordAnalyzer(), field_boost=TITLE_BOOST, phrase=False),
        title_grams=TEXT(analyzer=GramAnalyzer(), field_boost=TITLE_BOOST),
        body_grams=TEXT(analyzer=GramAnalyzer()),
        people=TEXT(analyzer=NameAnalyzer(), field_boost=2.0, phrase=False),
        studio=TEXT(analyzer=WordAnalyzer(), field_boost=0.5, phrase=False),
        number=ID(),
        category=ID(sortable=True),
        kind=ID(sortable=True),
        level=ID(sortable=True),
        industry=ID(sortable=True),
        district=ID(sortable=True),
        year=NUMERIC(sortable=True, stored=True),
        newest=NUMERIC(sortable=True, bits=64),
    )
