"""The Whoosh schema: one document per public studio, achievement and patent."""

from whoosh.columns import NumericColumn, RefBytesColumn, VarBytesColumn
from whoosh.fields import COLUMN, ID, TEXT, Schema
from whoosh.formats import Existence

from .analysis import GramAnalyzer, NameAnalyzer, WordAnalyzer
from .numbers import NumberGramAnalyzer
from .pinyin import NamePinyinAnalyzer, TitlePinyinAnalyzer

# Bump when build_schema() changes: an index built under another version is rebuilt, not read.
SCHEMA_VERSION = 7


def _presence(analyzer) -> TEXT:
    """A text field that records only which documents have each term.

    The ranking (queries.py) reads document sets, never Whoosh's frequencies or field lengths, so
    these fields skip both: no value bytes per posting and no length column read back for every
    posting while the segment is written. similar() ranks the same way (no Whoosh scorer is used).
    """
    field = TEXT(analyzer=analyzer, phrase=False)
    field.format = Existence()
    field.scorable = False
    return field


def build_schema() -> Schema:
    return Schema(
        # Nothing is stored: a hit's type and id are read from columns, which every worker holds in
        # memory, where Whoosh's stored fields were unpickled from disk for each hit.
        key=ID(unique=True),  # "achievement:12"
        type=ID(sortable=RefBytesColumn()),
        # Never queried, so not indexed: a NUMERIC field adds 16 trie terms a document.
        record_id=COLUMN(NumericColumn("I", default=0)),
        # No field keeps positions (phrases are confirmed on the stored runs): a cheaper index.
        # The title's and summary's analysis.run_text (UTF-8). A title phrase is confirmed there among
        # the documents that have all its bigrams (cheaper than Whoosh's positional phrase matcher).
        title_runs=COLUMN(VarBytesColumn()),
        # Summaries are searched in this column alone, as one string per segment held in memory
        # (index.text_matches): their bigrams were 73 % of all postings, and so of indexing time.
        # UTF-16-LE (documents.TEXT_ENCODING): the segment's bytes decode to a str in one call, and
        # str.find over two bytes a character is faster than bytes.find over UTF-8's three.
        body_runs=COLUMN(VarBytesColumn()),
        title=_presence(WordAnalyzer()),
        # No positions: a phrase is the documents with all its bigrams whose title_runs contain it.
        title_grams=_presence(GramAnalyzer()),
        people=_presence(NameAnalyzer()),
        studio=_presence(WordAnalyzer()),
        number=ID(),
        # Pinyin and initials of the title (a studio's name) and of the people (pinyin.py): looked up only
        # for a Latin term that finds nothing else.
        title_pinyin=_presence(TitlePinyinAnalyzer()),
        people_pinyin=_presence(NamePinyinAnalyzer()),
        # A patent number's digit 6-grams with their offsets: 6+ typed digits find it (numbers.py).
        number_grams=_presence(NumberGramAnalyzer()),
        # Facets as a table of values plus one small number a document: read as one array (index.py).
        category=ID(sortable=RefBytesColumn()),
        kind=ID(sortable=RefBytesColumn()),
        level=ID(sortable=RefBytesColumn()),
        industry=ID(sortable=RefBytesColumn()),
        district=ID(sortable=RefBytesColumn()),
        # Columns only: years are filtered and counted from the column, newest only sorts.
        year=COLUMN(NumericColumn("i", default=0)),
        newest=COLUMN(NumericColumn("q", default=0)),
        # Field lengths in characters, for the ranking's length normalisation (queries.py).
        title_len=COLUMN(NumericColumn("I", default=0)),
        # The record's studio (a studio's own id): a studio found by name or host unit brings its records.
        studio_id=COLUMN(NumericColumn("I", default=0)),
        body_len=COLUMN(NumericColumn("I", default=0)),
        # The record's updated_at when it was indexed (documents.version): flask check finds stale documents.
        version=COLUMN(NumericColumn("q", default=0)),
    )
