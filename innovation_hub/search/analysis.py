"""Text analysis for Chinese search: normalisation, jieba words, character bigrams, names.

Written on jieba.tokenize, not jieba.analyse's ChineseAnalyzer: that one gives tokens
character offsets where Whoosh expects word positions (phrase queries then miss), and
importing jieba.analyse costs 0.5 s and ~100 MB per process (DESIGN.md).
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from pathlib import Path

import jieba
from whoosh.analysis import Token, Tokenizer

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
NAME_SEPARATORS = re.compile(r"[、，,;；\s]+")

_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None


def normalise(text: str) -> str:
    """NFKC (full-width → half-width) and lower case; Φ and φ become one letter."""
    return unicodedata.normalize("NFKC", text or "").lower().replace("ϕ", "φ").replace("ø", "φ")


def setup(cache_dir: str | Path | None = None) -> jieba.Tokenizer:
    """Load jieba with the domain dictionary once per process (about 0.5 s the first time)."""
    global _tokenizer
    with _lock:
        if _tokenizer is None:
            logging.getLogger("jieba").setLevel(logging.WARNING)
            tokenizer = jieba.Tokenizer()
            if cache_dir is not None:
                # jieba caches its prefix dictionary; keep it in the app's folder, not the shared /tmp.
                Path(cache_dir).mkdir(parents=True, exist_ok=True)
                tokenizer.tmp_dir = str(cache_dir)
            tokenizer.initialize()
            with USER_DICT.open("rb") as f:  # jieba leaves a file it opened itself unclosed
                tokenizer.load_userdict(f)
            _tokenizer = tokenizer
        return _tokenizer


def _jieba() -> jieba.Tokenizer:
    return _tokenizer or setup()


def words(text: str) -> list[str]:
    """Index terms of `text`: jieba search-mode words of Chinese runs, mixed tokens whole."""
    out: list[str] = []
    for run in _SPLIT.findall(normalise(text)):
        if _HAN.fullmatch(run):
            for word, _start, _end in _jieba().tokenize(run, mode="search"):
                if word not in STOP_WORDS:
                    out.append(word)
        else:
            out.append(run)
    return out


def grams(text: str) -> list[str]:
    """Overlapping character bigrams of each run of letters, digits and Chinese characters.

    Any 2+ character string inside a run is then a phrase of consecutive bigrams,
    whatever jieba made of it. A single-character run is its own gram.
    """
    out: list[str] = []
    for run in re.findall(r"[\u3400-\u9fff0-9a-zφ]+", normalise(text)):
        if len(run) == 1:
            out.append(run)
        else:
            out.extend(run[i:i + 2] for i in range(len(run) - 1))
    return out


def names(text: str) -> list[str]:
    """Person names as whole tokens (完成人, 发明人, 领办人)."""
    return [n for n in (normalise(part).strip() for part in NAME_SEPARATORS.split(text or "")) if n]


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


def WordAnalyzer():  # noqa: N802 (Whoosh analyzers are built by factory functions)
    return _ListTokenizer(words)


def GramAnalyzer():  # noqa: N802
    return _ListTokenizer(grams)


def NameAnalyzer():  # noqa: N802
    return _ListTokenizer(names)
