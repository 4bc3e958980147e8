"""Pinyin and initials: "gaolu" and "glfk" find 高炉 and 高炉风口, "sundianwu" finds 孙殿武's records.

Documents: the title (a studio's name) and the people's names get tone-less, lower-case pinyin tokens
(pypinyin, 绿 → "lv"): for each jieba word its full pinyin and its initials, and for 2–3 words standing
in a row their concatenations (高炉风口 → "gaolufengkou", "glfk"); each name whole ("sundianwu", "sdw").
Latin letters and digits are left alone (the title field has them already). Tokens under two letters
are not kept: "l" or "g" would match half the catalogue.

Queries: a term of Latin letters only looks these fields up, and only when the term's other parts
(words, bigrams, summaries, names, numbers) find nothing (queries._term_parts). A real Latin token
(PLC, AGV, BIM, sf6) then keeps exactly today's results and total, never mixed with titles whose
initials happen to spell it; and pinyin matches never rank above a Chinese match of the same term.
The query side needs no pypinyin: the typed pinyin is already the term.

pypinyin costs ~0.35 s and ~55 MiB to import and ~20 µs a character, so it is imported only by a
process that writes documents, and each word's pinyin is computed once per process (words repeat:
a title's words are mostly the catalogue's common ones).
"""

from __future__ import annotations

import re
from functools import lru_cache

from . import analysis

MAX_RUN_WORDS = 3  # the longest run of words whose concatenated pinyin is a token
MIN_TOKEN = 2
_LETTERS = re.compile(r"[a-z]+")


@lru_cache(maxsize=200_000)
def word_pinyin(word: str) -> tuple[str, str]:
    """(full pinyin, initials) of a word of Chinese characters, tone-less and lower case."""
    from pypinyin import lazy_pinyin  # imported on first use: only indexing needs it

    syllables = [s for s in lazy_pinyin(word, errors="ignore") if s.isalpha()]
    return "".join(syllables).lower(), "".join(s[0] for s in syllables).lower()


def _run_tokens(run: str, out: list[str]) -> None:
    for word, _start, _end in analysis.jieba_words(run, mode="search"):
        if word not in analysis.STOP_WORDS:
            out.extend(word_pinyin(word))
    row = [word_pinyin(w) for w, _s, _e in analysis.jieba_words(run) if w not in analysis.STOP_WORDS]
    for size in range(2, MAX_RUN_WORDS + 1):
        for i in range(len(row) - size + 1):
            words = row[i:i + size]
            out.append("".join(full for full, _ in words))
            out.append("".join(initials for _, initials in words))


def title_tokens(text: str) -> list[str]:
    """The pinyin tokens of a title or a studio's name."""
    out: list[str] = []
    for run in analysis.han_runs(text):
        _run_tokens(run, out)
    return list(dict.fromkeys(t for t in out if len(t) >= MIN_TOKEN))


def name_tokens(text: str) -> list[str]:
    """The pinyin tokens of person names (完成人, 发明人, 领办人): each name's full pinyin and initials."""
    out: list[str] = []
    for name in analysis.names(text):
        for run in analysis.han_runs(name):
            out.extend(word_pinyin(run))
    return list(dict.fromkeys(t for t in out if len(t) >= MIN_TOKEN))


def query_text(term: str) -> str | None:
    """The term as a pinyin token to look up, when it can be one: Latin letters only, two or more."""
    term = analysis.normalise(term)
    return term if len(term) >= MIN_TOKEN and _LETTERS.fullmatch(term) else None


def TitlePinyinAnalyzer():  # noqa: N802 (Whoosh analyzers are built by factory functions)
    return analysis.list_analyzer(title_tokens)


def NamePinyinAnalyzer():  # noqa: N802
    return analysis.list_analyzer(name_tokens)
