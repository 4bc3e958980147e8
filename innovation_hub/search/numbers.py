"""Part of a patent number: any 6+ consecutive digits of an application number find the patent.

A patent's document holds the digit 6-grams of its number (check character left out) tagged with where
they start: 201722325112 gives "0:201722", "1:017223", … "6:325112" (seven terms; an 8-digit number
from before 2003, three). A query's digits stand at some offset of the number: the patents that
have every one of its 6-grams at that offset, for each offset that fits. The grams overlap by five
digits and each is pinned to its place, so this is containment exactly, no false positive: the
patents found are those whose number holds the typed digits in a row.

Typed forms: "2017223251", "CN2017223251", "ZL2017223251" (one term: a space after ZL makes "zl" a
word of its own, which finds nothing), with or without a check character after a dot ("22325112.X").
A full number is still found by the "number" field first (queries.PART_WEIGHTS): its digits also
match here, ranked below, with the other numbers that hold an 8-digit old number's digits.
"""

from __future__ import annotations

import re

from . import analysis

GRAM = 6
NUMBER_DIGITS = 12  # the longest application number (since 2003); older ones have 8
_DIGITS = re.compile(r"(?:cn|zl)?(\d{6,12})(?:\.[0-9x])?")


def grams(number: str) -> list[str]:
    """The index terms of a normalised number ("DIGITS.C"): each 6-gram of the digits with its offset."""
    digits = (number or "").split(".")[0]
    if not digits.isdigit():
        return []
    return [f"{i}:{digits[i:i + GRAM]}" for i in range(len(digits) - GRAM + 1)]


def query_digits(term: str) -> str | None:
    """The digits of a term typed as (part of) a patent number, 6 to 12 of them, or None."""
    match = _DIGITS.fullmatch(re.sub(r"[\s\-]", "", analysis.normalise(term)))
    return match.group(1) if match else None


def query_alternatives(digits: str) -> list[list[str]]:
    """For each offset where `digits` fit in a number, the terms a number holding them there has."""
    count = len(digits) - GRAM + 1
    return [[f"{offset + i}:{digits[i:i + GRAM]}" for i in range(count)]
            for offset in range(NUMBER_DIGITS - len(digits) + 1)]


def NumberGramAnalyzer():  # noqa: N802 (Whoosh analyzers are built by factory functions)
    return analysis.list_analyzer(grams)
