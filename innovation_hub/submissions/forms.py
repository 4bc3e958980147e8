"""Forms of the studio area (工作室后台), with Chinese labels, placeholders and messages."""

from __future__ import annotations

from datetime import date

from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from ..catalogue import patent_numbers
from ..catalogue.services import AchievementData, PatentData
from ..forms import (
    ChineseDateField,
    ChineseForm,
    ChoiceField,
    CountField,
    WanField,
    YearField,
    enum_choices,
    member_range,
    not_in_future,
    people_list,
    year_range,
)
from ..models import Category, District, PatentKind
from ..record_fields import split_names
from .models import ControlledField
from .services import ProfileData

FIRST_PATENT_DAY = date(1985, 4, 1)  # the Patent Law took effect; no Chinese patent was filed before


class AchievementForm(ChineseForm):
    title = StringField("成果名称", validators=[DataRequired("请填写成果名称"),
                                            Length(max=200, message="成果名称不能超过 200 个字")],
                        render_kw={"placeholder": "如：带电作业绝缘杆伸缩式改进", "autocomplete": "off"})
    category = ChoiceField("类别", choices=enum_choices(Category, "请选择类别"),
                           validators=[DataRequired("请选择类别")])
    year = YearField("完成年份", validators=[InputRequired("请填写完成年份"), year_range],
                     render_kw={"placeholder": f"如 {date.today().year}", "inputmode": "numeric"})
    completers = StringField("完成人", validators=[people_list, Length(max=500, message="完成人不能超过 500 个字")],
                             render_kw={"placeholder": "多人请用顿号、逗号或空格分隔，按排名先后填写"})
    value_wan = WanField("经济效益（万元）", render_kw={"placeholder": "选填，如 12.5", "inputmode": "decimal"})
    summary = TextAreaField("成果摘要", validators=[Length(max=5000, message="摘要不能超过 5000 个字")],
                            render_kw={"rows": 6, "placeholder": "解决了什么问题、怎样做的、取得了什么效果"})

    def fill_from(self, achievement) -> None:
        """The saved record, shown in the form on GET."""
        self.title.data, self.category.data, self.year.data = achievement.title, achievement.category.value, \
            achievement.year
        self.completers.data = "、".join(p.name for p in achievement.completers)
        self.value_wan.data, self.summary.data = achievement.value_wan, achievement.summary

    def to_data(self, studio_name: str) -> AchievementData:
        return AchievementData(
            studio_name=studio_name, title=self.title.data.strip(), category=Category(self.category.data),
            year=self.year.data, completers=split_names(self.completers.data), value_wan=self.value_wan.data,
            summary=(self.summary.data or "").strip(),
        )


class PatentForm(ChineseForm):
    number = StringField("专利号", validators=[DataRequired("请填写专利号")],
                         render_kw={"placeholder": "如 ZL202110123456.7（含校验位）", "autocomplete": "off"})
    title = StringField("专利名称", validators=[DataRequired("请填写专利名称"),
                                            Length(max=200, message="专利名称不能超过 200 个字")])
    kind = ChoiceField("专利类型", choices=enum_choices(PatentKind, "请选择专利类型"),
                       validators=[DataRequired("请选择专利类型")])
    inventors = StringField("发明人", validators=[people_list, Length(max=500, message="发明人不能超过 500 个字")],
                            render_kw={"placeholder": "多人请用顿号、逗号或空格分隔，按排名先后填写"})
    patentee = StringField("专利权人", validators=[Length(max=200, message="专利权人不能超过 200 个字")],
                           render_kw={"placeholder": "如：依托单位名称"})
    filing_date = ChineseDateField("申请日", validators=[Optional(), not_in_future])
    grant_date = ChineseDateField("授权日", validators=[Optional(), not_in_future])
    achievement = ChoiceField("关联成果", choices=[SelectChoice("", "（无）")])
    abstract = TextAreaField("摘要", validators=[Length(max=5000, message="摘要不能超过 5000 个字")],
                             render_kw={"rows": 6})

    def __init__(self, *args, achievements=(), **kwargs):
        super().__init__(*args, **kwargs)
        # The studio's own achievements, whatever their status: a patent may belong to a draft.
        self._achievement_titles = {str(a.id): a.title for a in achievements}
        self.achievement.choices = [SelectChoice("", "（无）")] + [
            SelectChoice(str(a.id), f"{a.title}（{a.status.label}）") for a in achievements]

    def validate_number(self, field) -> None:
        try:
            field.data = patent_numbers.display(patent_numbers.normalise(field.data))
        except patent_numbers.PatentNumberError as error:
            raise ValidationError(str(error)) from None

    def validate_kind(self, field) -> None:
        """The number's type digit says the kind (1/8 发明, 2/9 实用新型, 3 外观设计); they must agree."""
        if self.number.errors or not field.data or not self.number.data:
            return
        number = patent_numbers.normalise(self.number.data)
        said, chosen = patent_numbers.kind_of(number), PatentKind(field.data)
        if said is not chosen:
            raise ValidationError(f"专利号 {patent_numbers.display(number)} 的类型位表示{said.label}专利，"
                                  f"与所选专利类型“{chosen.label}”不符")

    def validate_filing_date(self, field) -> None:
        if field.data is not None and field.data < FIRST_PATENT_DAY:
            raise ValidationError("申请日不能早于 1985 年 4 月 1 日（《专利法》施行之日）")

    def validate_grant_date(self, field) -> None:
        if field.data is not None and field.data < FIRST_PATENT_DAY:
            raise ValidationError("授权日不能早于 1985 年 4 月 1 日（《专利法》施行之日）")
        if field.data is not None and self.filing_date.data is not None and field.data < self.filing_date.data:
            raise ValidationError("授权日不能早于申请日")

    def fill_from(self, patent) -> None:
        self.number.data, self.title.data, self.kind.data = patent.display_number, patent.title, patent.kind.value
        self.inventors.data = "、".join(p.name for p in patent.inventors)
        self.patentee.data, self.filing_date.data, self.grant_date.data = \
            patent.patentee, patent.filing_date, patent.grant_date
        self.achievement.data = str(patent.achievement_id) if patent.achievement_id else ""
        self.abstract.data = patent.abstract

    def to_data(self, studio_name: str) -> PatentData:
        return PatentData(
            number=self.number.data, title=self.title.data.strip(), kind=PatentKind(self.kind.data),
            studio_name=studio_name, inventors=split_names(self.inventors.data),
            patentee=(self.patentee.data or "").strip(), filing_date=self.filing_date.data,
            grant_date=self.grant_date.data, achievement_title=self._achievement_titles.get(self.achievement.data, ""),
            abstract=(self.abstract.data or "").strip(),
        )


class ProfileForm(ChineseForm):
    intro = TextAreaField("工作室简介", validators=[Length(max=5000, message="简介不能超过 5000 个字")],
                          render_kw={"rows": 8})
    members = CountField("成员人数", validators=[Optional(), member_range], render_kw={"inputmode": "numeric"})
    industry = StringField("行业", validators=[DataRequired("请填写行业"),
                                          Length(max=40, message="行业不能超过 40 个字")],
                           render_kw={"placeholder": "如：电力、机械制造"})
    district = ChoiceField("所在地区", choices=enum_choices(District, "请选择所在地区"),
                           validators=[DataRequired("请选择所在地区")])
    # 行业, 依托单位 and 所在地区 are public facets: a change here is a request the office approves.
    host_unit = StringField("依托单位", validators=[Optional(), Length(max=120, message="依托单位不能超过 120 个字")])

    def fill_from(self, studio) -> None:
        self.intro.data, self.members.data, self.industry.data = studio.intro, studio.members, studio.industry
        self.district.data = studio.district.value if studio.district else ""
        self.host_unit.data = studio.host_unit

    def show_requested(self, requests) -> None:
        """Pending change requests: the fields show the value asked for (typing the current one back withdraws it)."""
        for request in requests:
            if not request.is_pending:
                continue
            if request.field is ControlledField.DISTRICT:
                district = District.from_label(request.new_value)
                self.district.data = district.value if district else self.district.data
            else:
                getattr(self, request.field.value).data = request.new_value

    def to_data(self) -> ProfileData:
        return ProfileData(intro=(self.intro.data or "").strip(), members=self.members.data,
                           industry=self.industry.data.strip(), district=District(self.district.data),
                           host_unit=(self.host_unit.data or "").strip())


class UploadForm(ChineseForm):
    file = FileField("证明材料", validators=[FileRequired("请选择要上传的文件")],
                     render_kw={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"})
    public = BooleanField("公开：记录审核通过后，公众可以查看此文件")
