"""The Whoosh schema: one document per public studio, achievement and patent."""

from whoosh.fields import ID, TEXT, Schema
from whoosh.formats import Existence

from .analysis import GramAnalyzer, NameAnalyzer, WordAnalyzer
from .numbers import NumberGramAnalyzer
from .pinyin import NamePinyinAnalyzer, TitlePinyinAnalyzer

# Bump when build_schema() or docarrays.ARRAYS changes: an index built under another version is rebuilt, not read.
SCHEMA_VERSION = 9


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
        # Nothing is stored and nothing is a column: a hit's type and id, the facets, years, lengths and
        # stored runs are the application's per-document arrays (docarrays.ARRAYS), in a file beside
        # each segment, which every worker holds in memory.
        key=ID(unique=True),  # "achievement:12"
        # No field keeps positions (phrases are confirmed on the stored runs): a cheaper index.
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
    )
