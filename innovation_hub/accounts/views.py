"""Login, logout, password change, and the administrator's account list."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from ..extensions import db
from ..security import client_address, roles_required, safe_next
from . import services
from .forms import ConfirmForm, LoginForm, PasswordForm, UserForm
from .models import Role, User

bp = Blueprint("accounts", __name__)


def _home_of(user: User) -> str:
    return url_for("accounts.user_list") if user.is_admin else url_for("catalogue.home")


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.username.data, form.password.data, client_address())
        except services.LoginRefused as error:
            form.password.errors.append(str(error))
            status = 400
        else:
            login_user(user)
            flash(f"欢迎，{user.name}", "success")
            return redirect(safe_next(request.args.get("next"), _home_of(user)))
    elif request.method == "POST":
        status = 400
    return render_template("accounts/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    if ConfirmForm().validate_on_submit():
        services.end_sessions(current_user)
        logout_user()
        flash("已退出登录", "success")
    return redirect(url_for("catalogue.home"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.old_password.data, form.new_password.data)
        except services.AccountError as error:
            form.new_password.errors.append(str(error))
            status = 400
        else:
            login_user(current_user)  # the session version changed: keep this session, end the others
            flash("密码已修改，其他设备上的登录已失效", "success")
            return redirect(url_for("catalogue.home"))
    elif request.method == "POST":
        status = 400
    return render_template("accounts/password.html", form=form, password_rules=services.PASSWORD_RULES), status


@bp.get("/admin/users")
@roles_required(Role.ADMIN)
def user_list():
    users = db.session.execute(select(User).order_by(User.role, User.username)).scalars().all()
    return render_template("accounts/users.html", users=users, form=UserForm(), confirm=ConfirmForm(),
                           password_rules=services.PASSWORD_RULES)


@bp.post("/admin/users")
@roles_required(Role.ADMIN)
def user_create():
    form = UserForm()
    if form.validate_on_submit():
        try:
            user = services.create_user(current_user, form.username.data, form.password.data,
                                        Role(form.role.data), studio_name=form.studio_name.data or "",
                                        display_name=form.display_name.data or "")
        except services.PasswordRuleError as error:
            form.password.errors.append(str(error))
        except services.AccountError as error:
            form.username.errors.append(str(error))
        else:
            flash(f"已创建账号 {user.username}", "success")
            return redirect(url_for("accounts.user_list"))
    users = db.session.execute(select(User).order_by(User.role, User.username)).scalars().all()
    return render_template("accounts/users.html", users=users, form=form, confirm=ConfirmForm(),
                           password_rules=services.PASSWORD_RULES), 400


@bp.post("/admin/users/<int:user_id>/active")
@roles_required(Role.ADMIN)
def user_set_active(user_id: int):
    user = db.get_or_404(User, user_id)
    if ConfirmForm().validate_on_submit():
        active = request.form.get("active") == "1"
        try:
            services.set_active(current_user, user, active)
        except services.AccountError as error:
            flash(str(error), "danger")
        else:
            flash(f"已{'启用' if active else '停用'}账号 {user.username}", "success")
    return redirect(url_for("accounts.user_list"))
