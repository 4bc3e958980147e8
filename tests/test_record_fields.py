"""The record fields read alike everywhere: the studio forms, the ledger (台账) and search agree on names,
years and 万元 amounts, because all three call innovation_hub/record_fields.py."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from flask import Flask
from werkzeug.datastructures import MultiDict

from innovation_hub import record_fields
from innovation_hub.errors import BadRequest
from innovation_hub.ledger import template
from innovation_hub.ledger.template import CellError
from innovation_hub.request_args import int_arg
from innovation_hub.search import analysis
from innovation_hub.submissions.forms import AchievementForm

FORM = {"title": "绝缘杆改进", "category": "innovation", "year": "2020", "completers": "张三",
        "value_wan": "", "summary": ""}


@pytest.fixture
def request_context():
    app = Flask(__name__)
    app.config.update(SECRET_KEY="test", WTF_CSRF_ENABLED=False)
    with app.test_request_context(method="POST"):
        yield


def _form(**fields) -> AchievementForm:
    form = AchievementForm(formdata=MultiDict({**FORM, **fields}))
    form.validate()
    return form


@pytest.mark.parametrize("typed", ["张三;李四", "张三；李四", "张三、李四", "张三，李四", "张三,李四", "张三 李四",
                                   "张三　李四", " 张三 ; 李四 "])
def test_names_split_the_same_on_the_form_in_the_ledger_and_in_search(request_context, typed):
    form = _form(completers=typed)
    assert not form.completers.errors
    assert form.to_data("工作室").completers == ["张三", "李四"]
    assert template.names(typed) == ["张三", "李四"]
    assert analysis.names(typed) == ["张三", "李四"]


def test_a_repeated_or_overlong_name_is_refused_by_the_form_and_the_ledger(request_context):
    assert "“张三”重复填写了" in _form(completers="张三;李四;张三").completers.errors[0]
    with pytest.raises(CellError, match="“张三”重复填写了"):
        template.names("张三;李四;张三")
    long = "王" * (record_fields.MAX_NAME + 1)
    assert f"超过 {record_fields.MAX_NAME} 个字" in _form(completers=long).completers.errors[0]
    with pytest.raises(CellError, match=f"超过 {record_fields.MAX_NAME} 个字"):
        template.names(long)
    many = "、".join(f"人{i}" for i in range(record_fields.MAX_PEOPLE + 1))
    assert f"最多 {record_fields.MAX_PEOPLE} 人" in _form(completers=many).completers.errors[0]
    with pytest.raises(CellError, match=f"最多 {record_fields.MAX_PEOPLE} 人"):
        template.names(many)


def test_year_limits_are_the_same_on_the_form_in_the_ledger_and_in_filters(request_context):
    low, high = record_fields.MIN_YEAR, date.today().year + 1
    assert record_fields.max_year() == high
    for year in (low, high):
        assert not _form(year=str(year)).year.errors
        assert template.year(year) == year
        assert int_arg(MultiDict({"year": str(year)}), "year", "年份") == year
    for year in (low - 1, high + 1):
        assert _form(year=str(year)).year.errors
        with pytest.raises(CellError, match="超出范围"):
            template.year(year)
    with pytest.raises(BadRequest):
        int_arg(MultiDict({"year": str(low - 1)}), "year", "年份")


@pytest.mark.parametrize(("typed", "value"), [
    ("12.5", Decimal("12.50")), ("１２.５万元", Decimal("12.50")), ("1,200", Decimal("1200.00")),
    ("8万", Decimal("8.00")), ("0", Decimal("0.00")),
])
def test_wan_amounts_read_the_same_on_the_form_and_in_the_ledger(request_context, typed, value):
    form = _form(value_wan=typed)
    assert not form.value_wan.errors
    assert form.value_wan.data == value
    assert template.amount_wan(typed) == value


@pytest.mark.parametrize(("typed", "says"), [
    ("-1", "不能为负数"), ("12万五", "应为数字"),
    (str(record_fields.MAX_WAN + 1), f"不能超过 {record_fields.MAX_WAN} 万元"),
])
def test_bad_wan_amounts_are_refused_by_both_in_the_same_words(request_context, typed, says):
    assert says in _form(value_wan=typed).value_wan.errors[0]
    with pytest.raises(CellError, match=f"经济效益{says}"):
        template.amount_wan(typed)
