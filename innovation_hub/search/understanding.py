"""Query understanding: from what a person typed to the terms a search requires. Pure: no index.

A person types words ("高炉 布料"), a title's run of characters ("焊接机器人检修"), or a question
("如何快速修补沥青路面的坑槽？"). Each becomes terms, every one of which a record must hold (queries.py):

- Spaces and punctuation (，。？！、…) separate; a phrase in quotes ("在线监测", “在线监测”) is one term, as typed.
- A run of characters with no question word in it (焊接机器人, a pasted title) is one term: its words may
  stand in a title in any order ("机器人焊接" finds 焊接机器人…), or the run as typed in a title or summary;
  when no record matches it so, queries.py looks for its words one by one (a partial match).
- A question (a run holding a question word or a sentence's particle: 如何, 怎样, 吗 …) is cut into jieba's
  words, each its own term; question words, particles and function words are dropped (DROPPED), domain
  words never.
- A term's words ("pieces") are the finest: a compound jieba also cuts smaller (节能降耗 → 节能 + 降耗) is
  required as its parts, and the compound as typed only adds to the score (the title phrase part).
- A term that is a record type, category, level, patent kind or district label (专利, 先进操作法, 国家级,
  发明, 北票市) carries the filter it names (Term.label); queries.py decides whether it filters or stays a word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..models import Category, District, Level, PatentKind
from . import analysis

MAX_TERMS = 12


def _listed(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Question words and requests: what a person asks, never what a record holds. Dropped where jieba cuts
# them as a word of their own (so 有没有 goes, 有载调压 stays).
QUESTION_WORDS = _listed("""
如何 如何才能 如何才 怎样 怎样才能 怎样才 怎么 怎么样 怎么样才能 怎么才能 怎么办 咋 咋样 咋办
为什么 为何 为啥 什么 什么样 啥 哪些 哪个 哪种 哪里 哪儿 哪 多少 是否 是不是 有没有 有无 能否 可否
能不能 可不可以 可以 能够 请问 请教 请 求 求助 想问 想知道 想 我想 帮忙 麻烦 介绍 介绍一下 一下
关于 有关 对于 涉及 相关 方面 的话 才能
""")
# Particles, pronouns and function words standing alone as a word: they hold no topic. The one-character
# ones are also never indexed as title words (analysis.STOP_WORDS), so they could not be required anyway.
PARTICLES = _listed("""
吗 呢 吧 啊 呀 嘛 哦 的 了 地 得 着 过 么 我 我们 你 你们 他 他们 它 这 那 这个 那个 这些 那些 这种 那种
一个 一些 有 是 能 会 要 用 让 给 做 搞 弄 去 来 把 被 对 在 从 向 跟 和 与 及 或 或者 还是 以及 并 也 都 就
""") | analysis.STOP_WORDS
DROPPED = QUESTION_WORDS | PARTICLES
# What makes a run a question, to be cut into words: a question word, or a particle that ends a question.
# Other function words (…的研制, 过/电压) are left out of a term's words without cutting the run: a pasted
# title stays one term (one scan of the summaries, where its words as terms took one each).
SENTENCE_MARKS = QUESTION_WORDS | _listed("吗 呢 吧 啊 呀 嘛 哦")
_QUOTED = re.compile(r'"([^"]+)"|“([^”]+)”|「([^」]+)」|『([^』]+)』')
_SEPARATORS = re.compile(r"[^\w.+#/\-]+")  # punctuation, brackets, operators' symbols: not part of a word
_HAN = re.compile(r"[\u3400-\u9fff]+")


def _labels() -> dict[str, tuple[str, str]]:
    """Label → (the SearchQuery filter it names, the value): the enums' Chinese titles and common aliases."""
    out: dict[str, tuple[str, str]] = {}
    for name, enum_cls in (("category", Category), ("level", Level), ("kind", PatentKind), ("district", District)):
        for member in enum_cls:
            out[analysis.normalise(member.label)] = (name, member.value)
    # The record types (queries.RECORD_TYPES): "有没有关于高炉的专利" asks for patents.
    out.update({"成果": ("type", "achievement"), "专利": ("type", "patent"), "工作室": ("type", "studio")})
    out.update({"发明专利": ("kind", PatentKind.INVENTION.value), "实用新型专利": ("kind", PatentKind.UTILITY.value),
                "外观设计专利": ("kind", PatentKind.DESIGN.value), "喀左": ("district", District.KAZUO.value)})
    # A district without its 区/市/县 (北票, 凌源), except 朝阳: the city's own name, not 朝阳县.
    for member in District:
        short = member.label[:-1]
        if member.label[-1] in "区市县" and len(short) >= 2 and short != "朝阳":
            out.setdefault(short, ("district", member.value))
    return out


LABELS = _labels()


@dataclass(frozen=True)
class Term:
    """One thing a record must hold."""

    text: str  # normalised, as typed: matched as a phrase in titles and summaries, and as a name
    pieces: tuple[str, ...]  # its finest words: all of them in a title, in any order, match the title
    quoted: bool = False  # typed in quotes: only the phrase as typed matches
    label: tuple[str, str] | None = None  # (filter, value) when the term names a category, level, kind, district


@dataclass(frozen=True)
class Understanding:
    terms: tuple[Term, ...]
    dropped: tuple[str, ...] = ()  # question words and particles left out, in order

    @property
    def pieces(self) -> list[str]:
        """Every term's words, once each: what a partial match counts."""
        return list(dict.fromkeys(p for term in self.terms for p in term.pieces))


def understand(text: str) -> Understanding:
    """The terms of what a person typed (see the module's docstring)."""
    terms: list[Term] = []
    dropped: list[str] = []
    normalised = analysis.normalise(text)
    position = 0
    for quoted in _QUOTED.finditer(normalised):
        _free_text(normalised[position:quoted.start()], terms, dropped)
        phrase = analysis.run_text(next(g for g in quoted.groups() if g))
        if phrase:
            terms.append(Term(phrase, (phrase,), quoted=True))
        position = quoted.end()
    _free_text(normalised[position:], terms, dropped)
    unique = list({term.text: term for term in terms}.values())[:MAX_TERMS]
    return Understanding(tuple(unique), tuple(dropped))


def _free_text(text: str, terms: list[Term], dropped: list[str]) -> None:
    for token in _SEPARATORS.sub(" ", text).split():
        token = token.strip(".-/")
        if token:
            terms.extend(_token_terms(token, dropped))


def _token_terms(token: str, dropped: list[str]) -> list[Term]:
    """The terms of one space-separated token: itself, or a question's words (see the module's docstring)."""
    pieces: list[str] = []  # words of 2+ characters and mixed tokens, in order
    lone: list[str] = []  # one-character words left alone
    sentence = False
    group: list[str] = []  # words between two dropped ones
    for word in [*analysis.cut(token), None]:
        if word is not None and word not in DROPPED:
            group.append(word)
            continue
        _pieces(group, pieces, lone)
        group = []
        if word is not None:
            dropped.append(word)
            sentence = sentence or word in SENTENCE_MARKS
    if not pieces:
        pieces = lone  # the whole token is one character (砖), or only such: required as they are
    if not pieces:
        return []
    if not sentence:
        finest = tuple(dict.fromkeys(p for piece in pieces for p in finest_words(piece)))
        return [_term(token, finest)]
    return [_term(piece, finest_words(piece)) for piece in dict.fromkeys(pieces)]


def _pieces(words: list[str], pieces: list[str], lone: list[str]) -> None:
    """The pieces of a run of words: one-character words in a row joined (扒/渣, 跑/偏, 坑/槽: a word jieba
    does not know); one alone before a word joined to it (尚/庆丰: a surname), else left out (油温/高)."""
    out: list[str] = []
    singles: list[str] = []
    for word in [*words, None]:
        if word is not None and len(word) == 1 and _HAN.fullmatch(word):
            singles.append(word)
            continue
        if len(singles) > 1:
            out.append("".join(singles))
        elif singles and word is not None and not out:
            word = singles[0] + word
        elif singles:
            lone.append(singles[0])
        singles = []
        if word is not None:
            out.append(word)
    pieces.extend(out)


def _term(text: str, pieces: tuple[str, ...]) -> Term:
    return Term(text, pieces, label=LABELS.get(text))


def finest_words(word: str) -> tuple[str, ...]:
    """A compound as the fewest smaller words jieba also finds in it that cover it end to end
    (节能降耗 → 节能, 降耗; 焊接机器人 → 焊接, 机器人), else the word itself (变压器, 机器人)."""
    if len(word) < 4 or not _HAN.fullmatch(word):
        return (word,)
    spans = {(start, start + len(w)) for w in set(analysis.words(word)) if 2 <= len(w) < len(word)
             for start in _starts(word, w)}
    # best[i]: the fewest words covering word[:i] exactly, as their end positions
    best: dict[int, list[int]] = {0: []}
    for end in range(2, len(word) + 1):
        options = [best[start] + [end] for start, stop in spans if stop == end and start in best]
        if options:
            best[end] = min(options, key=len)
    if len(word) not in best:
        return (word,)
    ends = best[len(word)]
    return tuple(word[start:stop] for start, stop in zip([0, *ends[:-1]], ends, strict=True))


def _starts(text: str, word: str) -> list[int]:
    out, at = [], text.find(word)
    while at >= 0:
        out.append(at)
        at = text.find(word, at + 1)
    return out
