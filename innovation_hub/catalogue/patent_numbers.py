"""Chinese patent application numbers: normalise, verify the check character, derive kind and term.

Since 2003: 12 digits + check (202110123456.7); before: 8 digits + check (98123456.X).
The check is sum(digit × weight) mod 11 with weights 2..9,2,3,4,5 from the left; 10 is written X.
Stored normalised as "DIGITS.C"; shown as "ZLDIGITS.C".
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from ..models import PatentKind

_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
# The type digit: 1 invention, 2 utility model, 3 design; 8 and 9 are PCT national-phase
# entries of an invention and of a utility model.
_KIND_BY_TYPE_DIGIT = {
    "1": PatentKind.INVENTION,
    "8": PatentKind.INVENTION,
    "2": PatentKind.UTILITY,
    "9": PatentKind.UTILITY,
    "3": PatentKind.DESIGN,
}
# Designs filed from this day get 15 years (the 2020 amendment of the Patent Law).
DESIGN_15_YEARS_FROM = date(2021, 6, 1)


class PatentNumberError(ValueError):
    """A patent number that cannot be accepted; the message is for the user."""


def check_character(digits: str) -> str:
    """The check character of 8 or 12 digits."""
    total = sum(int(d) * w for d, w in zip(digits, _WEIGHTS, strict=False))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").upper()
    text = re.sub(r"[\s\-]", "", text)
    if text.startswith("ZL") or text.startswith("CN"):
        text = text[2:]
    return text


def looks_like_number(text: str) -> bool:
    """Whether `text` has the form of an application number (check not verified)."""
    return re.fullmatch(r"(\d{12}|\d{8})\.?[\dX]?", _clean(text)) is not None


def normalise(text: str, *, require_check: bool = True) -> str:
    """Return the stored form "DIGITS.C" of any accepted input, or raise PatentNumberError.

    Accepted: an optional ZL (or CN) prefix, spaces, full-width characters, the dot optional.
    With require_check=False a number without its check character gets it computed (search uses
    this); a check character that is present must always be right.
    """
    cleaned = _clean(text)
    match = re.fullmatch(r"(\d{12}|\d{8})\.?([\dX])?", cleaned)
    if not match:
        raise PatentNumberError(
            f"专利号“{text}”格式不正确：应为 12 位数字加校验位（如 ZL202110123456.7），"
            "2003 年以前为 8 位数字加校验位"
        )
    digits, given = match.group(1), match.group(2)
    expected = check_character(digits)
    if given is None:
        if require_check:
            raise PatentNumberError(f"专利号“{text}”缺少校验位，应为 {digits}.{expected}")
        given = expected
    if given != expected:
        raise PatentNumberError(f"专利号“{text}”校验位错误：{digits} 的校验位应为 {expected}，而不是 {given}")
    if type_digit(digits) not in _KIND_BY_TYPE_DIGIT:
        raise PatentNumberError(f"专利号“{text}”的专利类型位“{type_digit(digits)}”无效（应为 1、2、3、8 或 9）")
    return f"{digits}.{given}"


def type_digit(number: str) -> str:
    digits = number.split(".")[0]
    return digits[4] if len(digits) == 12 else digits[2]


def kind_of(number: str) -> PatentKind:
    """The kind the number's type digit says."""
    return _KIND_BY_TYPE_DIGIT[type_digit(number)]


def display(number: str) -> str:
    return f"ZL{number}"


def term_end(kind: PatentKind, filing_date: date | None) -> date | None:
    """The last day of protection: N years from the filing date, ending the day before."""
    if filing_date is None:
        return None
    if kind is PatentKind.INVENTION:
        years = 20
    elif kind is PatentKind.DESIGN and filing_date >= DESIGN_15_YEARS_FROM:
        years = 15
    else:
        years = 10
    try:
        anniversary = filing_date.replace(year=filing_date.year + years)
    except ValueError:  # 29 February
        anniversary = filing_date.replace(year=filing_date.year + years, day=28)
    return date.fromordinal(anniversary.toordinal() - 1)


def make_number(year: int, kind: PatentKind, serial: int) -> str:
    """A valid normalised post-2003 number (demo data and tests)."""
    digits = f"{year:04d}{kind.rank}{serial:07d}"
    return f"{digits}.{check_character(digits)}"
