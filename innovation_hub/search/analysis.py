"""Text analysis for Chinese search: normalisation, jieba words, character bigrams, names.

Normalisation folds traditional characters to simplified (OpenCC's t2s data, in its wheel, offline)
for documents and queries alike: "高爐" finds 高炉, and a record pasted in traditional characters is
found by simplified queries. Both sides, not only queries, because t2s also folds the few characters
simplified text keeps beside their simplified forms (乾 → 干, 於 → 于): done on one side only, a
record holding 乾 would not be found by typing it. On our corpora it changes no character of simplified
text; it costs ~3 µs a title, ~15 µs a 500-character summary.

Segmentation is jieba's, search mode, with our domain dictionary. It runs on rjieba (the
jieba-rs binding) when installed: the same dictionary and the same token stream (a test
compares them), loaded in 0.1 s instead of jieba's 0.8–1.3 s per process, and far faster
per character. Plain jieba is the reference and the fallback.

Written on tokenize(), not jieba.analyse's ChineseAnalyzer: that one gives tokens character
offsets where Whoosh expects word positions (phrase queries then miss), and importing
jieba.analyse costs 0.5 s and ~100 MB per process (DESIGN.md).
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from functools import lru_cache
from pathlib import Path

from whoosh.analysis import Token, Tokenizer

from ..record_fields import split_names

USER_DICT = Path(__file__).with_name("userdict.txt")
# Runs of Latin letters, digits and the few symbols that belong to technical tokens
# (PLC, 10kV, Φ600, DN150, 5G, 304L, H型钢's "h", CO2, 1.5mm): kept whole, never cut by jieba.
_MIXED = re.compile(r"[0-9a-zφ][0-9a-zφ.+#/\-]*[0-9a-zφ+#]|[0-9a-zφ]")
_HAN = re.compile(r"[\u3400-\u9fff]+")
_SPLIT = re.compile(r"([\u3400-\u9fff]+|[0-9a-zφ][0-9a-zφ.+#/\-]*[0-9a-zφ+#]|[0-9a-zφ])")
# Words too common to help; they are dropped from both documents and queries.
STOP_WORDS = frozenset(
    "的了和与及在是对等为把被将其并也而之或于以由中上下个一"
)

_lock = threading.Lock()
_tokenizer = None  # the rjieba module or a jieba.Tokenizer: both have tokenize(text, mode="search")
_converter = None  # OpenCC t2s: 10 ms to load, once per process; convert() keeps no state between calls


def to_simplified(text: str) -> str:
    """Traditional characters as simplified ones (OpenCC t2s); other text unchanged."""
    global _converter
    if _converter is None:
        with _lock:
            if _converter is None:
                import opencc

                _converter = opencc.OpenCC("t2s")
    return _converter.convert(text)


# Full-width ASCII forms and the ideographic space: NFKC's whole work on most Chinese text (its
# punctuation，（）：), done by one substitution. unicodedata.normalize decomposes and recomposes the
# whole text when it meets one of them: 22 µs for a 120-character summary, against 6 µs this way.
_FULL_WIDTH = re.compile("[\uff01-\uff5e\u3000]")


def _half_width(match: re.Match) -> str:
    char = match.group()
    return " " if char == "\u3000" else chr(ord(char) - 0xFEE0)


def nfkc(text: str) -> str:
    """unicodedata.normalize("NFKC", text), the same string, faster for text with full-width punctuation."""
    if unicodedata.is_normalized("NFKC", text):
        return text
    text = _FULL_WIDTH.sub(_half_width, text)
    return text if unicodedata.is_normalized("NFKC", text) else unicodedata.normalize("NFKC", text)


def normalise(text: str) -> str:
    """NFKC (full-width → half-width), simplified characters, lower case; Φ and φ become one letter."""
    text = text or ""
    # A document's title and names are normalised once per field that analyses them (4–5 times).
    return _normalised(text) if len(text) <= 200 else _normalise(text)


def _normalise(text: str) -> str:
    text = nfkc(text)
    if not text.isascii():
        text = to_simplified(text)
    return text.lower().replace("ϕ", "φ").replace("ø", "φ")


_normalised = lru_cache(maxsize=4096)(_normalise)


def user_words() -> list[tuple[str, int | None, str | None]]:
    """(word, frequency, tag) lines of the domain dictionary shipped in the package."""
    out = []
    for line in USER_DICT.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if parts:
            out.append((parts[0], int(parts[1]) if len(parts) > 1 else None, parts[2] if len(parts) > 2 else None))
    return out


def load_jieba(cache_dir: str | Path | None = None):
    """Plain jieba with the domain dictionary: the reference segmenter (about 1 s to load)."""
    import jieba

    logging.getLogger("jieba").setLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    if cache_dir is not None:
        # jieba caches its prefix dictionary; keep it in the app's folder, not the shared /tmp.
        Path(cache_dir).mkdir(parents=True, exist_ok=True)
        tokenizer.tmp_dir = str(cache_dir)
    tokenizer.initialize()
    for word, freq, tag in user_words():
        tokenizer.add_word(word, freq, tag)
    return tokenizer


def load_rjieba():
    """rjieba with the domain dictionary, or None when it is not installed."""
    try:
        import rjieba
    except ImportError:
        return None
    # Importing rjieba already builds a segmenter (0.2–0.4 s), whose methods are the module's own
    # tokenize and add_word: use the module, as a second Jieba() would cost as much again.
    for word, freq, tag in user_words():
        rjieba.add_word(word, freq, tag)
    return rjieba


def setup(cache_dir: str | Path | None = None):
    """Load the segmenter and the domain dictionary once per process."""
    global _tokenizer
    with _lock:
        if _tokenizer is None:
            _tokenizer = load_rjieba() or load_jieba(cache_dir)
        return _tokenizer


def _jieba():
    return _tokenizer or setup()


def jieba_words(run: str, mode: str = "default"):
    """jieba's (word, start, end) of a run of Chinese characters: "default" the best cut, "search" adds
    the shorter words inside long ones."""
    return _jieba().tokenize(run, mode=mode)


def han_runs(text: str) -> list[str]:
    """The runs of Chinese characters of the normalised text."""
    return _HAN.findall(normalise(text))


def words(text: str) -> list[str]:
    """Index terms of `text`: jieba search-mode words of Chinese runs, mixed tokens whole."""
    out: list[str] = []
    for run in _SPLIT.findall(normalise(text)):
        if _HAN.fullmatch(run):
            for word, _start, _end in jieba_words(run, mode="search"):
                if word not in STOP_WORDS:
                    out.append(word)
        else:
            out.append(run)
    return out


def cut(text: str) -> list[str]:
    """jieba's default-mode words of `text` (normalised): each character once, in order, no stop word
    dropped. Query understanding reads a typed sentence with it (understanding.py)."""
    out: list[str] = []
    for run in _SPLIT.findall(normalise(text)):
        if _HAN.fullmatch(run):
            out.extend(word for word, _start, _end in _jieba().tokenize(run))
        else:
            out.append(run)
    return out


_RUN = re.compile(r"[\u3400-\u9fff0-9a-zφ]+")


def runs(text: str) -> list[str]:
    """The runs of letters, digits and Chinese characters of the normalised text: what grams are cut from."""
    return _RUN.findall(normalise(text))


def run_text(text: str) -> str:
    """The runs joined by one space: a string a term's run_text is a substring of exactly when the
    term's bigrams stand in a row in the text (the phrase check, without reading positions)."""
    return " ".join(runs(text))


def grams(text: str) -> list[str]:
    """Overlapping character bigrams of each run of letters, digits and Chinese characters.

    Any 2+ character string inside a run is then a phrase of consecutive bigrams,
    whatever jieba made of it. A single-character run is its own gram.
    """
    out: list[str] = []
    for run in runs(text):
        if len(run) == 1:
            out.append(run)
        else:
            out.extend(run[i:i + 2] for i in range(len(run) - 1))
    return out


def names(text: str) -> list[str]:
    """Person names as whole tokens (完成人, 发明人, 领办人)."""
    return [n for n in (normalise(part).strip() for part in split_names(text)) if n]


class _ListTokenizer(Tokenizer):
    """A Whoosh tokenizer over one of the functions above, numbering tokens in order."""

    def __init__(self, split):
        self.split = split

    def __eq__(self, other):
        return type(other) is type(self) and other.split is self.split

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        terms = self.split(value) if tokenize else [value]
        for offset, term in enumerate(terms):
            token.text = term
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = term
            if positions:
                token.pos = start_pos + offset
            if chars:
                token.startchar = start_char
                token.endchar = start_char + len(term)
            yield token


def list_analyzer(split) -> Tokenizer:
    """A Whoosh analyzer over `split` (text -> terms), a module-level function (the schema is pickled)."""
    return _ListTokenizer(split)


def WordAnalyzer():  # noqa: N802 (Whoosh analyzers are built by factory functions)
    return _ListTokenizer(words)


def GramAnalyzer():  # noqa: N802
    return _ListTokenizer(grams)


def NameAnalyzer():  # noqa: N802
    return _ListTokenizer(names)
