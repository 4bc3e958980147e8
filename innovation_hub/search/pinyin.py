"""Pinyin and initials: "gaolu" and "glfk" find 高炉 and 高炉风口, "sundianwu" finds 孙殿武's records.

Documents: the title (a studio's name) gets tone-less, lower-case pinyin tokens (pypinyin, 绿 → "lv"):
for each jieba word its full pinyin and its initials ("gaolu", "byq"), and for two or three words in
a row their initials together (高炉风口 → "glfk"); people's names each whole ("sundianwu", "sdw").
Latin letters and digits are left alone (the title field has them already). Full pinyin under two
letters and initials under three are not kept: "gl" or "l" would match half the catalogue.

Runs of several words' full pinyin are not indexed: nearly every one is a term of its own (a 10k
catalogue had 47k pinyin terms with them, 24k without), and Whoosh's writing time and size follow
the number of terms. A typed run ("gaolufengkou", "zhiliuchongdianzhuang") is cut at query time into
the fewest indexed tokens that read as pinyin (split()), which must then all be in the title, as if
typed with spaces between them. Initials are not cut ("xyzzy" could be 效益 + 制造业).

Queries: a term of Latin letters only looks these fields up, and only when the term's other parts
(words, bigrams, summaries, names, numbers) find nothing (the parts of a term, queries.py). A real Latin token
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

MIN_TOKEN = 2
# Initials of two letters ("gl": 高炉, 管路, 给料, 隔离 …) say next to nothing and were a third of the postings.
MIN_INITIALS = 3
MAX_INITIALS_WORDS = 3  # initials of up to three words in a row are one token: 变压器油色谱 → "byqysp"
MAX_SPLIT_CHARS = 40  # a longer Latin term is not cut into pinyin tokens (at most 40·41/2 look-ups)
_LETTERS = re.compile(r"[a-z]+")
# Tone-less syllables, loosely (a few impossible ones pass): tells full pinyin from initials and words
# such as "xyzzy" or "plc", which have no vowel where pinyin needs one.
_SYLLABLES = re.compile(r"(?:(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?(?:iang|iong|uang|ang|eng|ing|ong|uan|ian|iao|"
                        r"uai|ai|ei|ao|ou|an|en|in|un|ia|ie|iu|ua|uo|ue|ui|ve|er|a|o|e|i|u|v)|ng|n)+")


@lru_cache(maxsize=200_000)
def word_pinyin(word: str) -> tuple[str, str]:
    """(full pinyin, initials) of a word of Chinese characters, tone-less and lower case."""
    from pypinyin import lazy_pinyin  # imported on first use: only indexing needs it

    syllables = [s for s in lazy_pinyin(word, errors="ignore") if s.isalpha()]
    return "".join(syllables).lower(), "".join(s[0] for s in syllables).lower()


def _tokens(full: str, initials: str, out: list[str]) -> None:
    if len(full) >= MIN_TOKEN:
        out.append(full)
    if len(initials) >= MIN_INITIALS:
        out.append(initials)


def _run_tokens(run: str, out: list[str]) -> None:
    for word, _start, _end in analysis.jieba_words(run, mode="search"):
        if word not in analysis.STOP_WORDS:
            _tokens(*word_pinyin(word), out)
    row = [word_pinyin(w)[1] for w, _s, _e in analysis.jieba_words(run) if w not in analysis.STOP_WORDS]
    for size in range(2, MAX_INITIALS_WORDS + 1):
        out.extend(run for run in ("".join(row[i:i + size]) for i in range(len(row) - size + 1))
                   if len(run) >= MIN_INITIALS)


def title_tokens(text: str) -> list[str]:
    """The pinyin tokens of a title or a studio's name."""
    out: list[str] = []
    for run in analysis.han_runs(text):
        _run_tokens(run, out)
    return list(dict.fromkeys(out))


def name_tokens(text: str) -> list[str]:
    """The pinyin tokens of person names (完成人, 发明人, 领办人): each name's full pinyin and initials.

    Read a character at a time: names are mostly distinct, their characters are not (8.5k names of a
    10k catalogue, 0.3 s of pypinyin as whole words)."""
    out: list[str] = []
    for name in analysis.names(text):
        for run in analysis.han_runs(name):
            syllables = [word_pinyin(char) for char in run]
            _tokens("".join(f for f, _ in syllables), "".join(i for _, i in syllables), out)
    return list(dict.fromkeys(out))


def query_text(term: str) -> str | None:
    """The term as a pinyin token to look up, when it can be one: Latin letters only, two or more."""
    term = analysis.normalise(term)
    return term if len(term) >= MIN_TOKEN and _LETTERS.fullmatch(term) else None


def is_pinyin(text: str) -> bool:
    """Whether `text` reads as tone-less pinyin syllables."""
    return _SYLLABLES.fullmatch(text) is not None


def split(text: str, indexed) -> list[str] | None:
    """Full pinyin cut into the fewest pieces that are pinyin and indexed tokens (`indexed(piece)` says),
    two or more; None when no cut works. "gaolufengkou" → ["gaolu", "fengkou"]."""
    if len(text) > MAX_SPLIT_CHARS or not is_pinyin(text):
        return None
    # best[i]: the fewest pieces covering text[:i], and where its last piece starts.
    best: list[tuple[int, int] | None] = [(0, 0)] + [None] * len(text)
    for end in range(MIN_TOKEN, len(text) + 1):
        for start in range(end - MIN_TOKEN + 1):
            if best[start] is not None and (best[end] is None or best[start][0] + 1 < best[end][0]) \
                    and is_pinyin(text[start:end]) and indexed(text[start:end]):
                best[end] = (best[start][0] + 1, start)
    if best[-1] is None or best[-1][0] < 2:
        return None
    pieces, end = [], len(text)
    while end:
        start = best[end][1]
        pieces.append(text[start:end])
        end = start
    return pieces[::-1]


def TitlePinyinAnalyzer():  # noqa: N802 (Whoosh analyzers are built by factory functions)
    return analysis.list_analyzer(title_tokens)


def NamePinyinAnalyzer():  # noqa: N802
    return analysis.list_analyzer(name_tokens)
