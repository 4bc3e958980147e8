"""Forms of the office's catalogue pages, with the shared field types of innovation_hub/forms.py."""

from __future__ import annotations

from datetime import date

from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from ..catalogue.services import StudioData, TitleData
from ..forms import (
    ChineseDateField,
    ChineseForm,
    ChoiceField,
    CountField,
    YearField,
    enum_choices,
    member_range,
    not_in_future,
    year_range,
)
from ..ledger.template import CellError
from ..ledger.template import honours as parse_honours
from ..models import District, Level
from ..record_fields import MAX_NAME
from .services import StudioEdit


def _honours(form, field) -> None:
    try:
        field.parsed = parse_honours(field.data or "")
    except CellError as error:
        raise ValidationError(str(error)) from None


class StudioForm(ChineseForm):
    name = StringField("工作室名称", validators=[DataRequired("请填写工作室名称"),
                                            Length(max=120, message="名称不能超过 120 个字")])
    host_unit = StringField("依托单位", validators=[DataRequired("请填写依托单位"),
                                              Length(max=120, message="依托单位不能超过 120 个字")])
    industry = StringField("行业", validators=[DataRequired("请填写行业"),
                                          Length(max=40, message="行业不能超过 40 个字")],
                           render_kw={"placeholder": "如：电力、机械制造"})
    district = ChoiceField("所在地区", choices=enum_choices(District, "请选择所在地区"),
                           validators=[DataRequired("请选择所在地区")])
    members = CountField("成员人数", validators=[Optional(), member_range], render_kw={"inputmode": "numeric"})
    intro = TextAreaField("简介", validators=[Length(max=5000, message="简介不能超过 5000 个字")],
                          render_kw={"rows": 6})

    def fill_from(self, studio) -> None:
        self.name.data, self.host_unit.data, self.industry.data = studio.name, studio.host_unit, studio.industry
        self.district.data, self.members.data, self.intro.data = studio.district.value, studio.members, studio.intro

    def to_edit(self) -> StudioEdit:
        return StudioEdit(name=self.name.data.strip(), host_unit=self.host_unit.data.strip(),
                          industry=self.industry.data.strip(), district=District(self.district.data),
                          members=self.members.data, intro=(self.intro.data or "").strip())


class LeaderFields:
    """A new studio's leader; defined before TitleFields so the form shows it before the first title."""

    leader = StringField("领办人", validators=[DataRequired("请填写领办人"),
                                          Length(max=MAX_NAME, message=f"姓名不能超过 {MAX_NAME} 个字")])
    leader_honours = StringField("领办人荣誉", validators=[Length(max=500), _honours],
                                 render_kw={"placeholder": "如：全国劳动模范（2015）、朝阳工匠（2019）；选填"})


class TitleFields:
    """命名: level, conferring body, year, document number (a new studio's first title, or one more)."""

    level = ChoiceField("级别", choices=enum_choices(Level, "请选择级别"), validators=[DataRequired("请选择级别")])
    conferred_by = StringField("授予单位", validators=[Length(max=120, message="授予单位不能超过 120 个字")],
                               render_kw={"placeholder": "如：市总工会"})
    year = YearField("命名年份", validators=[InputRequired("请填写命名年份"), year_range],
                     render_kw={"inputmode": "numeric", "placeholder": f"如 {date.today().year}"})
    doc_number = StringField("文号", validators=[Length(max=80, message="文号不能超过 80 个字")],
                             render_kw={"placeholder": "如：朝工发〔2021〕12号"})

    def to_title(self) -> TitleData:
        return TitleData(level=Level(self.level.data), year=self.year.data,
                         conferred_by=(self.conferred_by.data or "").strip(),
                         doc_number=(self.doc_number.data or "").strip())


class TitleForm(TitleFields, ChineseForm):
    pass


class NewStudioForm(TitleFields, LeaderFields, StudioForm):
    def to_data(self) -> StudioData:
        edit = self.to_edit()
        return StudioData(name=edit.name, host_unit=edit.host_unit, industry=edit.industry, district=edit.district,
                          leader_name=self.leader.data.strip(), leader_honours=self.leader_honours.parsed,
                          titles=[self.to_title()], members=edit.members, intro=edit.intro)


class RevokeForm(ChineseForm):
    revoked_on = ChineseDateField("撤销日期", validators=[InputRequired("请填写撤销日期"), not_in_future])
    doc_number = StringField("撤销文号", validators=[Length(max=80, message="文号不能超过 80 个字")])
    reason = TextAreaField("撤销理由", validators=[DataRequired("请填写撤销理由"),
                                               Length(max=1000, message="理由不能超过 1000 个字")],
                           render_kw={"rows": 3})


class LeaderForm(ChineseForm):
    name = StringField("新领办人", validators=[DataRequired("请填写新领办人姓名"),
                                           Length(max=MAX_NAME, message=f"姓名不能超过 {MAX_NAME} 个字")])
    honours = StringField("荣誉", validators=[Length(max=500), _honours],
                          render_kw={"placeholder": "如：省劳动模范（2020）；选填"})
    on = ChineseDateField("交接日期", validators=[InputRequired("请填写交接日期"), not_in_future])


class ReasonForm(ChineseForm):
    reason = TextAreaField("理由", validators=[DataRequired("请填写理由"),
                                             Length(max=1000, message="理由不能超过 1000 个字")],
                           render_kw={"rows": 3})


class MergeForm(ChineseForm):
    duplicate = ChoiceField("重复登记的工作室（将被并入并删除）", choices=[],
                            validators=[DataRequired("请选择重复的工作室")])

    def __init__(self, *args, studios=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.duplicate.choices = [("", "请选择")] + [(str(s.id), s.name) for s in studios]
