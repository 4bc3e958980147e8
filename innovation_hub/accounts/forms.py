"""Forms of the accounts area, with Chinese labels and messages."""

from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from .models import Role


class LoginForm(FlaskForm):
    username = StringField("用户名", validators=[DataRequired("请填写用户名"), Length(max=40)])
    password = PasswordField("密码", validators=[DataRequired("请填写密码")])


class PasswordForm(FlaskForm):
    old_password = PasswordField("原密码", validators=[DataRequired("请填写原密码")])
    # The password rules live in services.check_password_rules, the one place every path goes through.
    new_password = PasswordField("新密码", validators=[DataRequired("请填写新密码")])
    confirm = PasswordField("再次输入新密码", validators=[EqualTo("new_password", "两次输入的新密码不一致")])


UNIT_LABEL = "工作单位（评委填写）"
UNIT_HELP = "评委不会分到依托单位与其工作单位相同的工作室的成果（回避）"
STUDIO_LABEL = "所属工作室（工作室账号必填）"


class UserForm(FlaskForm):
    username = StringField("用户名", validators=[DataRequired("请填写用户名"), Length(max=40)])
    display_name = StringField("姓名或单位", validators=[Optional(), Length(max=80)])
    role = SelectField("角色", choices=[SelectChoice(r.value, r.label) for r in Role])
    unit = StringField(UNIT_LABEL, validators=[Optional(), Length(max=120, message="工作单位不超过 120 字")])
    studio_name = StringField(STUDIO_LABEL, validators=[Optional(), Length(max=120)])
    password = PasswordField("初始密码", validators=[DataRequired("请填写初始密码")])


class UserEditForm(FlaskForm):
    display_name = StringField("姓名或单位", validators=[Optional(), Length(max=80, message="姓名或单位不超过 80 字")])
    unit = StringField(UNIT_LABEL, validators=[Optional(), Length(max=120, message="工作单位不超过 120 字")])
    studio_name = StringField(STUDIO_LABEL, validators=[Optional(), Length(max=120)])


class ConfirmForm(FlaskForm):
    """An empty form: its CSRF token guards a one-button POST (logout, disable)."""
