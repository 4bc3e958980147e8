"""The administrator's award forms (评选管理), with Chinese labels, help texts and messages."""

from __future__ import annotations

import unicodedata
from dataclasses import fields
from datetime import date
from decimal import Decimal, InvalidOperation

from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, Optional

from ...forms import ChineseDateField, ChineseForm, ChoiceField, CountField, YearField
from ...models import LabelledEnum
from ..models import AwardRound, PublicityShows, RoundState, VoteMode, VoteStage
from ..services import FIELD_RULES, CriterionData, RoundData

REASON_MAX = 1000

# Why a setting stops being editable, by the last stage in which it may change.
_FROZEN_WHY = {
    "year": "推荐申报结束后，申报条件不能再改",
    "recent_years": "推荐申报结束后，申报条件不能再改",
    "max_per_studio": "推荐申报结束后，申报条件不能再改",
    "nomination_deadline": "推荐申报已结束",
    "scoring_deadline": "专家评审已结束",
    "publicity_days": "公示已发布",
    "publicity_shows": "评选已表彰，结果已冻结",
    "vote_starts_on": "公示已发布，投票结果已冻结",
    "vote_ends_on": "公示已发布，投票结果已冻结",
    "name": "评选已表彰，结果已冻结",
}
_METHOD_FROZEN = "专家评审开始后，评审办法不能再改（否则会改变评选结果）"


def _plain(value):
    """A setting as its form field holds it: an enum by its stored value."""
    return value.value if isinstance(value, LabelledEnum) else value


class DecimalText(StringField):
    """A decimal typed as text ("0.8", "０.８"); the service checks the range and names the setting."""

    def process_formdata(self, valuelist):
        self.data = None
        if not valuelist or not (raw := unicodedata.normalize("NFKC", valuelist[0] or "").strip()):
            return
        try:
            value = Decimal(raw)
        except InvalidOperation:
            raise ValueError(f"{self.label.text}应为数字，如 0.8") from None
        if not value.is_finite():
            raise ValueError(f"{self.label.text}应为数字，如 0.8")
        self.data = value

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return f"{self.data:f}" if self.data is not None else ""


class RoundForm(ChineseForm):
    """Every setting of a round; `freeze(round)` turns the ones the service no longer accepts read-only."""

    name = StringField("评选名称", validators=[DataRequired("请填写评选名称"),
                                           Length(max=120, message="评选名称不能超过 120 个字")],
                       description="如：2024 年度职工技术创新成果评选",
                       render_kw={"placeholder": "如：2024 年度职工技术创新成果评选"})
    year = YearField("年度", validators=[InputRequired("请填写年度")], description="评选所属年度，四位数字",
                     render_kw={"inputmode": "numeric"})
    quota = CountField("优秀名额", validators=[InputRequired("请填写优秀名额")],
                       description="排名前几项评为优秀成果；末位并列时会提示，由评审委员会确定",
                       render_kw={"inputmode": "numeric"})
    nomination_deadline = ChineseDateField("推荐截止日期", validators=[Optional()],
                                           description="工作室推荐申报的最后一天（含当天）；可不填")
    scoring_deadline = ChineseDateField("评审截止日期", validators=[Optional()],
                                        description="提醒评委的截止日期，不能早于推荐截止日期；可不填")
    publicity_days = CountField("公示天数", validators=[InputRequired("请填写公示天数")],
                                description="发布公示后接受异议的天数（1–60 天），期满后才能表彰",
                                render_kw={"inputmode": "numeric"})
    blind = BooleanField("匿名评审", description="评委看不到成果的工作室、完成人和依托单位")
    trimmed = BooleanField("去掉一个最高分和一个最低分",
                           description="每项成果评委人数达到下面的人数时，去掉一个最高分和一个最低分再取平均")
    trim_from = CountField("去掉最高最低分的最少评委数", validators=[InputRequired("请填写评委数")],
                           description="至少 3 位；评分评委少于此数的成果直接取平均",
                           render_kw={"inputmode": "numeric"})
    normalise = BooleanField("评委分数标准化",
                             description="按每位评委自己的打分尺度换算（标准分），抵消打分偏松或偏严")
    judges_per_entry = CountField("每项成果评委数（k）", validators=[InputRequired("请填写每项成果评委数")],
                                  description="自动分配时每项成果分给几位评委；评委不足时按可用评委分配",
                                  render_kw={"inputmode": "numeric"})
    public_vote = BooleanField("公众投票", description="在下面选定的阶段开放公众投票，票数按比例计入综合得分")
    vote_mode = ChoiceField("投票方式", choices=[SelectChoice(m.value, m.label) for m in VoteMode],
                            description="开放投票：任何人凭浏览器投票，每项成果每天一票，按网络地址限次；"
                                        "投票码：由管理员分批发放给会员单位，每码投一次，防刷票")
    vote_stage = ChoiceField("投票阶段", choices=[SelectChoice(v.value, v.label) for v in VoteStage],
                             description="投票须在公示前结束（公示名单含投票结果并冻结）。匿名评审的评选选“专家评审期间”时，"
                                         "投票页不显示工作室，名称中的人名、单位名以“××”代替")
    vote_starts_on = ChineseDateField("投票开始日期", validators=[Optional()],
                                      description="在投票阶段内，从这一天起接受投票；可不填")
    vote_ends_on = ChineseDateField("投票截止日期", validators=[Optional()],
                                    description="投票的最后一天（含当天）；可不填，则到投票阶段结束为止")
    ballot_choices = CountField("每张选票可选成果数", validators=[InputRequired("请填写每张选票可选成果数")],
                                description="投票码方式下，一个投票码最多可为几项成果各投一票（1–100）",
                                render_kw={"inputmode": "numeric"})
    vote_weight = DecimalText("专家评分权重（w）", validators=[InputRequired("请填写专家评分权重")],
                              description="0 到 1 之间：综合得分 = 专家得分 × w + 投票得分 × (1 − w)，"
                                          "投票最多的成果记 100 分；不设公众投票时不起作用",
                              render_kw={"inputmode": "decimal"})
    publicity_shows = ChoiceField("公示显示", choices=[SelectChoice(p.value, p.label) for p in PublicityShows],
                                  description="公示名单上显示每项成果的综合得分，或只显示名次")
    recent_years = CountField("申报条件：近 N 年完成", validators=[Optional()],
                              description="只接受评选年度前 N 年及以后完成的成果（如 3：2024 年度接受 2021 年及以后）；"
                                          "不填则不限",
                              render_kw={"inputmode": "numeric", "placeholder": "不限"})
    max_per_studio = CountField("申报条件：每个工作室最多推荐 M 项", validators=[Optional()],
                                description="不填则不限", render_kw={"inputmode": "numeric", "placeholder": "不限"})

    GROUPS = (
        ("基本信息", ("name", "year", "quota", "nomination_deadline", "scoring_deadline", "publicity_days")),
        ("申报条件", ("recent_years", "max_per_studio")),
        ("评审办法", ("judges_per_entry", "blind", "trimmed", "trim_from", "normalise")),
        ("公众投票与公示", ("public_vote", "vote_weight", "vote_mode", "vote_stage", "vote_starts_on", "vote_ends_on",
                      "ballot_choices", "publicity_shows")),
    )

    def fill_defaults(self) -> None:
        """A new round: the service's defaults, this year."""
        defaults = RoundData(name="", year=date.today().year)
        for f in fields(RoundData):
            if f.name != "name":
                self[f.name].data = _plain(getattr(defaults, f.name))

    def fill_from(self, award_round: AwardRound) -> None:
        for f in fields(RoundData):
            self[f.name].data = _plain(getattr(award_round, f.name))

    def freeze(self, award_round: AwardRound) -> None:
        """Mark the settings the service refuses to change now: read-only, with the reason, holding the round's value.

        A disabled input is not sent, so an unsent (or unticked) frozen setting keeps the round's value; a crafted
        value is passed on, for the service to refuse with its message.
        """
        state = award_round.state
        for name, (_label, states) in FIELD_RULES.items():
            field = self[name]
            field.frozen = None
            if state in states:
                continue
            field.frozen = f"已进入“{state.label}”阶段，{_FROZEN_WHY.get(name, _METHOD_FROZEN)}"
            field.render_kw = {**(field.render_kw or {}), "disabled": True}
            field.validators = []
            if field.type == "BooleanField" or not field.raw_data:
                field.data, field.raw_data = _plain(getattr(award_round, name)), None

    @property
    def frozen_all(self) -> bool:
        return all(getattr(self[name], "frozen", None) for name in FIELD_RULES)

    def to_data(self) -> RoundData:
        values = {f.name: self[f.name].data for f in fields(RoundData)}
        values["publicity_shows"] = PublicityShows(values["publicity_shows"])
        values["vote_mode"], values["vote_stage"] = VoteMode(values["vote_mode"]), VoteStage(values["vote_stage"])
        values["name"] = (values["name"] or "").strip()
        return RoundData(**values)


class CriterionForm(ChineseForm):
    name = StringField("指标名称", validators=[DataRequired("请填写指标名称"),
                                           Length(max=40, message="指标名称不能超过 40 个字")],
                       render_kw={"placeholder": "如：先进性"})
    max_points = CountField("满分", validators=[InputRequired("请填写满分")], render_kw={"inputmode": "numeric"})
    weight = DecimalText("权重", validators=[InputRequired("请填写权重")], default=Decimal("1"),
                         render_kw={"inputmode": "decimal"})
    guide = TextAreaField("评分说明", validators=[Length(max=2000, message="评分说明不能超过 2000 个字")],
                          render_kw={"rows": 2, "placeholder": "评委打分时看到的说明，如：技术水平在本行业的领先程度"})

    def fill_from(self, criterion) -> None:
        self.name.data, self.max_points.data = criterion.name, criterion.max_points
        self.weight.data, self.guide.data = criterion.weight, criterion.guide

    def to_data(self) -> CriterionData:
        return CriterionData(self.name.data, self.max_points.data, self.weight.data, self.guide.data or "")


class MoveForm(ChineseForm):
    direction = HiddenField(validators=[AnyOf(["up", "down"], message="无效的排序方向")])


class TransitionForm(ChineseForm):
    """One step of the procedure; the reason is required by the service for the steps back."""

    target = HiddenField(validators=[AnyOf([s.value for s in RoundState], message="未知的评选阶段")])
    force = HiddenField(default="")
    reason = TextAreaField("理由", validators=[Length(max=REASON_MAX, message=f"理由不能超过 {REASON_MAX} 个字")],
                           render_kw={"rows": 3})


class ReasonForm(ChineseForm):
    reason = TextAreaField("理由", validators=[DataRequired("请填写理由"),
                                             Length(max=REASON_MAX, message=f"理由不能超过 {REASON_MAX} 个字")],
                           render_kw={"rows": 3})


class DecisionForm(ChineseForm):
    """资格审核: 通过, or 不通过 with the reason the studio reads."""

    decision = HiddenField(validators=[AnyOf(["qualify", "reject"], message="请选择通过或不通过")])
    reason = TextAreaField("不通过的理由", validators=[
        Length(max=REASON_MAX, message=f"理由不能超过 {REASON_MAX} 个字")],
        render_kw={"rows": 2, "placeholder": "不通过时必填，工作室会看到，如：成果完成于 2018 年，超出申报年限"})


def _judge_choices(judges) -> list[SelectChoice]:
    return [SelectChoice("", "请选择评委")] + [SelectChoice(str(j.user_id), f"评委 {j.number} 号：{j.user.name}")
                                           for j in judges]


def _entry_choices(entries) -> list[SelectChoice]:
    return [SelectChoice("", "请选择成果")] + [
        SelectChoice(str(n.id), f"{n.achievement_id}　{n.title}（{n.studio.name}）") for n in entries]


class JudgeForm(ChineseForm):
    user = ChoiceField("评委账号", validators=[DataRequired("请选择评委账号")])
    unit = StringField("工作单位", validators=[Optional(), Length(max=120, message="工作单位不超过 120 字")],
                       description="用于回避：评委不会分到依托单位与其工作单位相同的工作室的成果。"
                                   "留空则沿用账号中的工作单位；填写则同时更新该评委账号的工作单位。")

    def __init__(self, *args, accounts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.user.choices = [SelectChoice("", "请选择评委账号")] + [
            SelectChoice(str(u.id), f"{u.name}（{u.username}）· 工作单位：{u.unit or '未填写'}") for u in accounts]


class AssignForm(ChineseForm):
    nomination = ChoiceField("成果", validators=[DataRequired("请选择成果")])
    judge = ChoiceField("评委", validators=[DataRequired("请选择评委")])

    def __init__(self, *args, entries=(), judges=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.nomination.choices, self.judge.choices = _entry_choices(entries), _judge_choices(judges)


class ConflictForm(AssignForm):
    reason = TextAreaField("回避理由", validators=[DataRequired("请填写回避理由"),
                                               Length(max=REASON_MAX, message=f"理由不能超过 {REASON_MAX} 个字")],
                           render_kw={"rows": 2, "placeholder": "如：该评委曾参与此成果的研发"})


class AnswerForm(ChineseForm):
    answer = TextAreaField("答复", validators=[DataRequired("请填写答复内容"),
                                             Length(max=2000, message="答复不能超过 2000 个字")],
                           render_kw={"rows": 3})


class BallotBatchForm(ChineseForm):
    """A batch of ballot codes (投票码) to issue."""

    label = StringField("批次名称", validators=[DataRequired("请填写批次名称（如发放的会员单位）"),
                                           Length(max=60, message="批次名称不能超过 60 个字")],
                        description="发给谁，如“市电力公司工会”；打印和下载时印在每张投票码上",
                        render_kw={"placeholder": "如：市电力公司工会"})
    size = CountField("数量", validators=[InputRequired("请填写数量")], description="本批投票码的个数（1–5000）",
                      render_kw={"inputmode": "numeric"})
