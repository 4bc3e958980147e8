"""Forms of the public award pages: an objection (异议) during 公示, a vote with its captcha, a ballot with its code."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _id(value) -> int:
    """A submitted id, 0 for anything that is not one (never a coercion error in English)."""
    text = str(value or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 12 else 0


class EntryField(SelectField):
    """A select of entries whose wrong answer is said in Chinese."""

    def pre_validate(self, form) -> None:
        if self.data not in {value for value, _ in self.choices}:
            raise ValidationError("请从列表中选择成果")


class ObjectionForm(FlaskForm):
    name = StringField("姓名", filters=[_strip], validators=[
        DataRequired("请填写姓名"), Length(max=50, message="姓名不能超过 50 个字")])
    contact = StringField("联系方式", filters=[_strip], validators=[
        DataRequired("请填写联系方式（电话或电子邮箱）"), Length(max=100, message="联系方式不能超过 100 个字")])
    entry = EntryField("针对的成果", coerce=_id, default=0)
    reason = TextAreaField("异议理由", filters=[_strip], validators=[
        DataRequired("请填写异议理由"), Length(max=2000, message="异议理由不能超过 2000 个字")])

    def offer(self, entries) -> ObjectionForm:
        """The entries an objection may name: the published ones (nomination id, rank and title)."""
        self.entry.choices = [(0, "针对整个评选结果")] + [
            (e.nomination_id, f"{e.rank}. {e.title}" if e.rank else e.title) for e in entries]
        return self


class VoteForm(FlaskForm):
    # The vote button of each entry submits its id under this name.
    entry = HiddenField(filters=[_id], validators=[DataRequired("请选择要投票的成果")])
    captcha_token = HiddenField()
    captcha_answer = StringField("验证码", filters=[_strip], validators=[
        DataRequired("请先填写验证码（图中算式的结果），再点击投票"), Length(max=8, message="请填写算式的计算结果")])


class EntriesField(SelectMultipleField):
    """The entries ticked on a ballot; a value not offered is said in Chinese."""

    def pre_validate(self, form) -> None:
        offered = {value for value, _ in self.choices}
        if any(value not in offered for value in self.data or ()):
            raise ValidationError("请从列表中选择成果")


class BallotForm(FlaskForm):
    code = StringField("投票码", filters=[_strip], validators=[
        DataRequired("请输入投票码"), Length(max=30, message="投票码为 12 位，请核对后重新输入")])
    entries = EntriesField("选择成果", coerce=_id)

    def offer(self, entries) -> BallotForm:
        """The entries a ballot may choose: the gallery's (blind.EntryView)."""
        self.entries.choices = [(e.nomination_id, e.title) for e in entries]
        return self
