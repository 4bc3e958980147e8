"""Forms of the lifecycle pages: open a year, the yearly report, grade / return, 复核, 摘牌, 恢复."""

from __future__ import annotations

from wtforms import StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..forms import ChineseDateField, ChineseForm, ChoiceField, CountField, WanField, YearField
from .models import DelistCause, Grade, RecheckOutcome
from .services import DelistData, RecheckData, ReportData

TEXT_MAX = 2000
DOC_MAX = 80


def _choices(enum_cls):
    return [SelectChoice(m.value, m.label) for m in enum_cls]


def _doc_number():
    return StringField("文号", validators=[Length(max=DOC_MAX, message=f"文号不能超过 {DOC_MAX} 个字")],
                       render_kw={"placeholder": "例如：朝工发〔2025〕12号"})


def _reason(label: str, required: bool, placeholder: str = ""):
    validators = [Length(max=TEXT_MAX, message=f"{label}不能超过 {TEXT_MAX} 个字")]
    if required:
        validators.insert(0, DataRequired(f"请填写{label}"))
    return TextAreaField(label, validators=validators, render_kw={"rows": 3, "placeholder": placeholder})


class OpenYearForm(ChineseForm):
    year = YearField("考核年度", validators=[InputRequired("请填写考核年度")], render_kw={"inputmode": "numeric"})
    deadline = ChineseDateField("报送截止日期", validators=[InputRequired("请填写报送截止日期")],
                                render_kw={"type": "date"})
    note = TextAreaField("通知说明", validators=[Length(max=TEXT_MAX, message=f"通知说明不能超过 {TEXT_MAX} 个字")],
                         render_kw={"rows": 2, "placeholder": "工作室填报时会看到这段说明"})


class ReportForm(ChineseForm):
    value_wan = WanField("创造价值（万元）", validators=[Optional()], render_kw={"inputmode": "decimal"})
    training_sessions = CountField("开展培训（场次）", validators=[
        InputRequired("请填写培训场次，没有请填 0"), NumberRange(0, 100000, "培训场次应在 0 到 100000 之间")],
        render_kw={"inputmode": "numeric"})
    apprentices = CountField("带徒人数", validators=[
        InputRequired("请填写带徒人数，没有请填 0"), NumberRange(0, 100000, "带徒人数应在 0 到 100000 之间")],
        render_kw={"inputmode": "numeric"})
    activities = TextAreaField("年度工作情况", validators=[
        Length(max=5000, message="年度工作情况不能超过 5000 个字")],
        render_kw={"rows": 6, "placeholder": "开展的攻关、培训、带徒、交流等活动及取得的成效"})

    def fill_from(self, report) -> None:
        self.value_wan.data = report.value_wan
        self.training_sessions.data = report.training_sessions
        self.apprentices.data = report.apprentices
        self.activities.data = report.activities

    def to_data(self) -> ReportData:
        return ReportData(self.value_wan.data, self.training_sessions.data, self.apprentices.data,
                          self.activities.data or "")


class GradeForm(ChineseForm):
    grade = ChoiceField("考核结果", choices=_choices(Grade), validators=[InputRequired("请选择考核结果")])
    comment = _reason("评语", False, "评定为基本合格或不合格时必填，工作室和公众会看到")


class ReturnReportForm(ChineseForm):
    reason = _reason("退回理由", True, "例如：创造价值缺少测算依据，请补充后重新提交")


class RecheckForm(ChineseForm):
    decided_on = ChineseDateField("复核日期", validators=[InputRequired("请填写复核日期")], render_kw={"type": "date"})
    outcome = ChoiceField("复核结果", choices=_choices(RecheckOutcome), validators=[InputRequired("请选择复核结果")])
    doc_number = _doc_number()
    reason = _reason("复核意见", False, "不通过时必填")

    def to_data(self) -> RecheckData:
        return RecheckData(self.decided_on.data, RecheckOutcome(self.outcome.data), self.doc_number.data or "",
                           self.reason.data or "")


class DelistForm(ChineseForm):
    decided_on = ChineseDateField("摘牌日期", validators=[InputRequired("请填写摘牌日期")], render_kw={"type": "date"})
    cause = ChoiceField("摘牌原因类别", choices=_choices(DelistCause), validators=[InputRequired("请选择原因类别")])
    doc_number = _doc_number()
    reason = _reason("摘牌理由", True, "公众会在工作室页面看到")

    def to_data(self) -> DelistData:
        return DelistData(self.decided_on.data, DelistCause(self.cause.data), self.reason.data,
                          self.doc_number.data or "")


class RestoreForm(ChineseForm):
    decided_on = ChineseDateField("恢复日期", validators=[InputRequired("请填写恢复日期")], render_kw={"type": "date"})
    doc_number = _doc_number()
    reason = _reason("恢复理由", True)
