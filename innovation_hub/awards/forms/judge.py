"""Forms of the judge's pages (评分, 回避) and the studio's award pages (推荐, 撤回: CSRF-only buttons).

The score form only carries what was typed: the ranges and the completeness of a submission are the scoring
service's rules, so its Chinese messages are the ones the judge reads.
"""

from __future__ import annotations

from collections.abc import Container, Mapping, Sequence
from decimal import Decimal

from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from ...accounts.forms import ConfirmForm
from ...forms import ChineseForm
from ..models import Criterion

__all__ = ["ConfirmForm", "ConflictForm", "ScoreForm", "points_text", "score_form"]


def points_text(value: Decimal | None) -> str:
    """Points as typed by a person: 18.50 → "18.5", 20.00 → "20"."""
    if value is None:
        return ""
    return f"{Decimal(value).normalize():f}"


def field_name(criterion: Criterion) -> str:
    return f"c{criterion.id}"


class ScoreForm(ChineseForm):
    """One text field per criterion (`c<id>`), made by score_form(); two buttons: 保存草稿 and 提交评分."""

    save_draft = SubmitField("保存草稿")
    submit_scores = SubmitField("提交评分")
    criteria: Sequence[Criterion] = ()

    def criterion_fields(self) -> list[tuple[Criterion, StringField]]:
        return [(c, self[field_name(c)]) for c in self.criteria]

    def points(self, sent: Container[str]) -> dict[int, str]:
        """{criterion id: what was typed}; a field the request did not carry at all is left as it was saved."""
        return {c.id: (f.data or "") for c, f in self.criterion_fields() if f.name in sent}

    def typed(self) -> list[tuple[str, str]]:
        """(criterion name, what was typed) of the non-blank fields, to show back what was not saved."""
        return [(c.name, f.data.strip()) for c, f in self.criterion_fields() if (f.data or "").strip()]


def score_form(criteria: Sequence[Criterion], saved: Mapping[int, Decimal] | None = None,
               formdata=None) -> ScoreForm:
    """The score form of a round's criteria: from the request when formdata is given, else the saved points."""

    class RoundScoreForm(ScoreForm):
        pass

    for criterion in criteria:
        setattr(RoundScoreForm, field_name(criterion),
                StringField(f"{criterion.name}", validators=[Length(max=20, message="得分过长")]))
    RoundScoreForm.criteria = tuple(criteria)
    if formdata is not None:
        return RoundScoreForm(formdata=formdata)
    data = {field_name(c): points_text((saved or {}).get(c.id)) for c in criteria}
    return RoundScoreForm(formdata=None, data=data)


class ConflictForm(ChineseForm):
    """回避: the judge says why it must not judge this entry; the administrator reads the reason."""

    reason = TextAreaField("回避理由", validators=[
        DataRequired("请填写回避理由"), Length(max=500, message="回避理由不能超过 500 个字")])
