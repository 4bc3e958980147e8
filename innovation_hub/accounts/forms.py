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


class UserForm(FlaskForm):
    username = StringField("用户名", validators=[DataRequired("请填写用户名"), Length(max=40)])
    display_name = StringField("姓名或单位", validators=[Optional(), Length(max=80)])
    role = SelectField("角色", choices=[SelectChoice(r.value, r.label) for r in Role])
    studio_name = StringField("所属工作室（工作室账号必填）", validators=[Optional(), Length(max=120)])
    password = PasswordField("初始密码", validators=[DataRequired("请填写初始密码")])


class ConfirmForm(FlaskForm):
    """An empty form: its CSRF token guards a one-button POST (logout, disable)."""
