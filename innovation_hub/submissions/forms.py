"""Forms of the studio area (工作室后台), with Chinese labels, placeholders and messages."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.meta import DefaultMeta
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from ..catalogue import patent_numbers
from ..catalogue.services import AchievementData, PatentData
from ..models import Category, District, PatentKind
from ..office.models import ControlledField
from .services import ProfileData

MIN_YEAR = 1949
MAX_WAN = Decimal("10000000")  # 1000 亿元, as the ledger: anything larger is a typing slip
MAX_NAME = 50
MAX_PEOPLE = 30
MAX_MEMBERS = 100000
NAME_SEPARATORS = re.compile(r"[、，,\s]+")
FIRST_PATENT_DAY = date(1985, 4, 1)  # the Patent Law took effect; no Chinese patent was filed before


def max_year() -> int:
    """The latest 完成年份 accepted: next year (a result finished this winter is filed in spring)."""
    return date.today().year + 1


def split_names(text: str) -> list[str]:
    """完成人 or 发明人 in order, split on 、，, or spaces."""
    return [name for name in NAME_SEPARATORS.split(unicodedata.normalize("NFKC", text or "").strip()) if name]


def _numeric(text: str, *suffixes: str) -> str:
    """What was typed, with full-width digits made ASCII, thousands commas and a unit suffix removed."""
    cleaned = unicodedata.normalize("NFKC", text or "").strip().replace(",", "")
    for suffix in suffixes:
        cleaned = cleaned.removesuffix(suffix).strip()
    return cleaned


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


class YearField(IntegerField):
    def process_formdata(self, valuelist):
        if not valuelist:
            return
        raw = _numeric(valuelist[0], "年")
        self.data = int(raw) if re.fullmatch(r"\d{1,4}", raw) else None
        if raw and self.data is None:
            raise ValueError(f"{self.label.text}应为四位数字，如 {date.today().year}")


class CountField(IntegerField):
    def process_formdata(self, valuelist):
        if not valuelist:
            return
        raw = _numeric(valuelist[0], "人")
        self.data = int(raw) if re.fullmatch(r"[+-]?\d{1,9}", raw) else None
        if raw and self.data is None:
            raise ValueError(f"{self.label.text}应为整数")


class WanField(StringField):
    """An amount in 万元: not negative, at most two decimals ("12.5", "1,200", "１２.５万元" all read)."""

    def process_formdata(self, valuelist):
        self.data = None
        if not valuelist or not (raw := _numeric(valuelist[0], "万元", "万")):
            return
        try:
            value = Decimal(raw)
        except InvalidOperation:
            raise ValueError(f"{self.label.text}应为数字，如 12.5") from None
        if not value.is_finite():
            raise ValueError(f"{self.label.text}应为数字，如 12.5")
        if value < 0:
            raise ValueError(f"{self.label.text}不能为负数")
        if value > MAX_WAN:
            raise ValueError(f"{self.label.text}不能超过 {MAX_WAN} 万元，请核对单位（万元）")
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
    if field.data is not None and not MIN_YEAR <= field.data <= max_year():
        raise ValidationError(f"{field.label.text}应在 {MIN_YEAR} 至 {max_year()} 年之间")


def people_list(form, field) -> None:
    """At least one name, none too long, none twice."""
    names = split_names(field.data)
    if not names:
        raise ValidationError(f"请填写{field.label.text}")
    if len(names) > MAX_PEOPLE:
        raise ValidationError(f"{field.label.text}最多 {MAX_PEOPLE} 人")
    for name in names:
        if len(name) > MAX_NAME:
            raise ValidationError(f"姓名“{name[:10]}…”超过 {MAX_NAME} 个字，多个姓名请用“、”分隔")
    repeated = sorted({name for name in names if names.count(name) > 1}, key=names.index)
    if repeated:
        raise ValidationError(f"“{'、'.join(repeated)}”重复填写了")


def not_in_future(form, field) -> None:
    if field.data is not None and field.data > date.today():
        raise ValidationError(f"{field.label.text}不能晚于今天")


def member_range(form, field) -> None:
    if field.data is not None and field.data < 0:
        raise ValidationError("成员人数不能为负数")
    if field.data is not None and field.data > MAX_MEMBERS:
        raise ValidationError(f"成员人数不能超过 {MAX_MEMBERS}")


def _enum_choices(enum_cls, prompt: str) -> list[SelectChoice]:
    return [SelectChoice("", prompt)] + [SelectChoice(m.value, m.label) for m in enum_cls]


class AchievementForm(ChineseForm):
    title = StringField("成果名称", validators=[DataRequired("请填写成果名称"),
                                            Length(max=200, message="成果名称不能超过 200 个字")],
                        render_kw={"placeholder": "如：带电作业绝缘杆伸缩式改进", "autocomplete": "off"})
    category = ChoiceField("类别", choices=_enum_choices(Category, "请选择类别"),
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
    kind = ChoiceField("专利类型", choices=_enum_choices(PatentKind, "请选择专利类型"),
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
    district = ChoiceField("所在地区", choices=_enum_choices(District, "请选择所在地区"),
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
