"""Forms of the legal status override and the value lines (flask-wtf, CSRF)."""

from __future__ import annotations

from datetime import date

from flask_wtf.file import FileField
from wtforms import TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length

from ..forms import ChineseForm, ChoiceField, WanField, YearField, year_range
from ..models import LegalStatus
from .services import ValueLineData

DERIVED = "derived"


class LegalStatusForm(ChineseForm):
    status = ChoiceField(
        "法律状态",
        choices=[SelectChoice(DERIVED, "按授权日和保护期推算")] + [SelectChoice(m.value, m.label) for m in LegalStatus],
        validators=[DataRequired("请选择法律状态")],
    )
    reason = TextAreaField("理由", validators=[DataRequired("请填写更改法律状态的理由"),
                                             Length(max=500, message="理由不能超过 500 个字")],
                           render_kw={"rows": 3,
                                      "placeholder": "如：未按规定缴纳年费，专利权于 2024-05-01 终止（公告号…）"})

    def chosen(self) -> LegalStatus | None:
        return None if self.status.data == DERIVED else LegalStatus(self.status.data)


class ValueLineForm(ChineseForm):
    year = YearField("年度", validators=[InputRequired("请填写年度"), year_range],
                     render_kw={"placeholder": f"如 {date.today().year - 1}", "inputmode": "numeric"})
    amount_wan = WanField("金额（万元）", validators=[InputRequired("请填写金额")],
                          render_kw={"placeholder": "如 12.5", "inputmode": "decimal"})
    basis = TextAreaField("测算依据", validators=[DataRequired("请填写测算依据"),
                                               Length(max=2000, message="测算依据不能超过 2000 个字")],
                          render_kw={"rows": 3,
                                     "placeholder": "如：年节约电费 8 万元 + 减少停机损失 4.5 万元，财务部门核算"})
    evidence = FileField("效益证明文件（选填，PDF/JPG/PNG）",
                         render_kw={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"})

    def to_data(self) -> ValueLineData:
        return ValueLineData(year=self.year.data, amount_wan=self.amount_wan.data, basis=self.basis.data.strip())
