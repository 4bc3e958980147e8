"""Patent numbers: every accepted input form, the check character, kind and term."""

from datetime import date

import pytest

from innovation_hub.catalogue import patent_numbers as pn
from innovation_hub.models import PatentKind


@pytest.mark.parametrize("text", [
    "202110123456.7", "2021101234567", "ZL202110123456.7", "zl 2021 1012 3456.7", "ZL 202110123456.7",
    "ＺＬ２０２１１０１２３４５６．７", " 202110123456.7 ", "CN202110123456.7",
])
def test_every_accepted_form_normalises_to_one_stored_number(text):
    assert pn.normalise(text) == "202110123456.7"


def test_eight_digit_numbers_before_2003():
    # 9 8 1 0 5 4 3 2 × 2..9 = 18+24+4+0+30+28+24+18 = 146; 146 mod 11 = 3
    assert pn.normalise("ZL98105432.3") == "98105432.3"
    assert pn.kind_of("98105432.3") is PatentKind.INVENTION


def test_check_character_x_for_ten():
    digits = next(f"2019200{n:05d}" for n in range(1000) if pn.check_character(f"2019200{n:05d}") == "X")
    assert pn.normalise(f"{digits}.x") == f"{digits}.X"


@pytest.mark.parametrize("text, message", [
    ("202110123456.8", "校验位错误"),
    ("ZL202110123456.0", "应为 7"),
    ("20211012345.7", "格式不正确"),
    ("abc", "格式不正确"),
    ("", "格式不正确"),
    ("202150123456." + pn.check_character("202150123456"), "专利类型位"),
])
def test_invalid_numbers_are_refused_with_a_chinese_reason(text, message):
    with pytest.raises(pn.PatentNumberError, match=message):
        pn.normalise(text)


def test_missing_check_character_is_an_error_unless_computing_is_asked_for():
    with pytest.raises(pn.PatentNumberError, match="缺少校验位"):
        pn.normalise("202110123456")
    assert pn.normalise("202110123456", require_check=False) == "202110123456.7"


@pytest.mark.parametrize("digit, kind", [("1", PatentKind.INVENTION), ("2", PatentKind.UTILITY),
                                          ("3", PatentKind.DESIGN), ("8", PatentKind.INVENTION),
                                          ("9", PatentKind.UTILITY)])
def test_type_digit_gives_the_kind(digit, kind):
    digits = f"2020{digit}0001234"
    assert pn.kind_of(pn.normalise(digits + pn.check_character(digits))) is kind


def test_display_form():
    assert pn.display("202110123456.7") == "ZL202110123456.7"


@pytest.mark.parametrize("kind, filed, end", [
    (PatentKind.INVENTION, date(2015, 3, 5), date(2035, 3, 4)),
    (PatentKind.UTILITY, date(2015, 3, 5), date(2025, 3, 4)),
    (PatentKind.DESIGN, date(2021, 5, 31), date(2031, 5, 30)),
    (PatentKind.DESIGN, date(2021, 6, 1), date(2036, 5, 31)),
    (PatentKind.UTILITY, date(2016, 2, 29), date(2026, 2, 27)),
])
def test_term_end(kind, filed, end):
    assert pn.term_end(kind, filed) == end


def test_make_number_is_valid():
    number = pn.make_number(2023, PatentKind.DESIGN, 42)
    assert pn.normalise(number) == number and pn.kind_of(number) is PatentKind.DESIGN
