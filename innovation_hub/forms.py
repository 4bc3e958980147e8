"""The site's form base and fields (Chinese messages, years, 万元, dates, choices), shared by every feature's forms."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.meta import DefaultMeta
from wtforms.validators import ValidationError

from .record_fields import (
    MAX_MEMBERS,
    MIN_YEAR,
    AmountError,
    FieldError,
    check_names,
    max_year,
    numeric_text,
    parse_wan,
    split_names,
    year_in_range,
)


class ChineseForm(FlaskForm):
    """A FlaskForm whose built-in messages (a field that cannot be read, say) are WTForms' own Chinese."""

    class Meta:
        locales = ("zh",)

        def get_translations(self, form):
            # Flask-WTF asks Flask-Babel, which this site does not use; WTForms ships zh itself.
            return DefaultMeta.get_translations(self, form)


class ChoiceField(SelectField):
    """A select whose "not one of the options" message names the field in Chinese."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.type = "SelectField"  # rendered as one by the shared field macro

    def pre_validate(self, form):
        if not any(match for _value, _label, match, *_rest in self.iter_choices()):
            raise ValidationError(f"请从列表中选择{self.label.text}")


class _TypedInteger(IntegerField):
    """An integer as people type it: full-width digits, a unit after it (2021年, 12人)."""

    unit, digits = "", r"[+-]?\d{1,9}"

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        raw = numeric_text(valuelist[0], self.unit)
        self.data = int(raw) if re.fullmatch(self.digits, raw) else None
        if raw and self.data is None:
            raise ValueError(self.unreadable())

    def unreadable(self) -> str:
        return f"{self.label.text}应为整数"


class YearField(_TypedInteger):
    unit, digits = "年", r"\d{1,4}"

    def unreadable(self) -> str:
        return f"{self.label.text}应为四位数字，如 {date.today().year}"


class CountField(_TypedInteger):
    unit = "人"


class WanField(StringField):
    """An amount in 万元: not negative, at most two decimals ("12.5", "1,200", "１２.５万元" all read)."""

    def process_formdata(self, valuelist):
        self.data = None
        if not valuelist:
            return
        try:
            value = parse_wan(valuelist[0])
        except AmountError as error:
            raise ValueError(f"{self.label.text}{error}") from None
        if value is None:
            return
        # Typed by hand, a third decimal is a slip to point out (the ledger rounds a computed cell instead).
        if value != value.quantize(Decimal("0.01")):
            raise ValueError(f"{self.label.text}最多保留两位小数")
        self.data = value.quantize(Decimal("0.01"))

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return f"{self.data:f}" if self.data is not None else ""


class ChineseDateField(DateField):
    """A date as the browser's date picker sends it (2021-03-01), or typed as 2021/3/1, 2021.3.1, 2021年3月1日."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, format=["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日"], **kwargs)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(f"{self.label.text}应为有效日期，如 2021-03-01") from None


def year_range(form, field) -> None:
    if field.data is not None and not year_in_range(field.data):
        raise ValidationError(f"{field.label.text}应在 {MIN_YEAR} 至 {max_year()} 年之间")


def people_list(form, field) -> None:
    """At least one name, none too long, none twice."""
    names = split_names(field.data)
    if not names:
        raise ValidationError(f"请填写{field.label.text}")
    try:
        check_names(names, field.label.text)
    except FieldError as error:
        raise ValidationError(str(error)) from None


def not_in_future(form, field) -> None:
    if field.data is not None and field.data > date.today():
        raise ValidationError(f"{field.label.text}不能晚于今天")


def member_range(form, field) -> None:
    if field.data is not None and field.data < 0:
        raise ValidationError("成员人数不能为负数")
    if field.data is not None and field.data > MAX_MEMBERS:
        raise ValidationError(f"成员人数不能超过 {MAX_MEMBERS}")


def enum_choices(enum_cls, prompt: str) -> list[SelectChoice]:
    return [SelectChoice("", prompt)] + [SelectChoice(m.value, m.label) for m in enum_cls]
