"""Login, logout, password change, and the administrator's account list."""

from __future__ import annotations

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import db
from ..security import client_address, roles_required, safe_next
from . import queries, services
from .forms import UNIT_HELP, ConfirmForm, LoginForm, PasswordForm, UserEditForm, UserForm
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
            target = safe_next(request.args.get("next"), _home_of(user))
            if user.must_change_password:
                return redirect(url_for("accounts.change_password", next=target))
            return redirect(target)
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
    # Where the user was going when a forced change (after a reset) sent them here.
    target = safe_next(request.args.get("next"), _home_of(current_user))
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.old_password.data, form.new_password.data)
        except services.AccountError as error:
            (form.old_password if error.field == "old_password" else form.new_password).errors.append(str(error))
            status = 400
        else:
            login_user(current_user)  # the session version changed: keep this session, end the others
            flash("密码已修改，其他设备上的登录已失效", "success")
            return redirect(target)
    elif request.method == "POST":
        status = 400
    return render_template("accounts/password.html", form=form, password_rules=services.PASSWORD_RULES,
                           forced=current_user.must_change_password), status


def _users_page(form: UserForm):
    users = queries.users_by_role()
    return render_template("accounts/users.html", users=users, form=form, confirm=ConfirmForm(),
                           locks=services.lock_states(users), password_rules=services.PASSWORD_RULES,
                           unit_help=UNIT_HELP)


@bp.get("/admin/users")
@roles_required(Role.ADMIN)
def user_list():
    return _users_page(UserForm())


@bp.post("/admin/users")
@roles_required(Role.ADMIN)
def user_create():
    form = UserForm()
    if form.validate_on_submit():
        try:
            user = services.create_user(current_user, form.username.data, form.password.data,
                                        Role(form.role.data), studio_name=form.studio_name.data or "",
                                        display_name=form.display_name.data or "", unit=form.unit.data or "")
        except services.PasswordRuleError as error:
            form.password.errors.append(str(error))
        except services.AccountError as error:
            form[error.field or "username"].errors.append(str(error))
        else:
            flash(f"已创建账号 {user.username}", "success")
            return redirect(url_for("accounts.user_list"))
    return _users_page(form), 400


def _edit_page(user: User, form: UserEditForm | None = None):
    if form is None:
        form = UserEditForm(formdata=None, display_name=user.display_name, unit=user.unit or "",
                            studio_name=user.studio.name if user.studio else "")
    return render_template("accounts/user_edit.html", user=user, form=form, confirm=ConfirmForm(),
                           lock=services.lock_states([user]).get(user.id), unit_help=UNIT_HELP,
                           stamp=services.password_stamp(user))


@bp.get("/admin/users/<int:user_id>")
@roles_required(Role.ADMIN)
def user_edit(user_id: int):
    return _edit_page(db.get_or_404(User, user_id))


@bp.post("/admin/users/<int:user_id>")
@roles_required(Role.ADMIN)
def user_update(user_id: int):
    user = db.get_or_404(User, user_id)
    form = UserEditForm()
    if form.validate_on_submit():
        try:
            changes = services.update_user(current_user, user, display_name=form.display_name.data or "",
                                           unit=form.unit.data or "", studio_name=form.studio_name.data or "")
        except services.AccountError as error:
            # Beside the field it is about when the page shows that field, else above the form.
            shown = {"unit": user.is_judge, "studio_name": user.is_studio}
            if shown.get(error.field):
                form[error.field].errors.append(str(error))
            else:
                flash(str(error), "danger")
        else:
            flash(f"已保存账号 {user.username}：" + "；".join(changes) if changes else "没有改动", "success")
            return redirect(url_for("accounts.user_list"))
    return _edit_page(user, form), 400


@bp.post("/admin/users/<int:user_id>/reset-password")
@roles_required(Role.ADMIN)
def user_reset_password(user_id: int):
    """The temporary password is in this answer only: not in the session cookie, not in a flash, not stored."""
    user = db.get_or_404(User, user_id)
    if not ConfirmForm().validate_on_submit():
        return _edit_page(user), 400
    try:
        password = services.reset_password(current_user, user, stamp=request.form.get("stamp", ""))
    except services.AccountError as error:
        flash(str(error), "danger")
        return redirect(url_for("accounts.user_edit", user_id=user.id))
    response = make_response(render_template("accounts/password_reset.html", user=user, password=password))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/admin/users/<int:user_id>/unlock")
@roles_required(Role.ADMIN)
def user_unlock(user_id: int):
    user = db.get_or_404(User, user_id)
    if ConfirmForm().validate_on_submit():
        try:
            failures = services.unlock(current_user, user)
        except services.AccountError as error:
            flash(str(error), "warning")
        else:
            flash(f"已解锁账号 {user.username}（清除登录失败 {failures} 次），现在可以登录", "success")
    return redirect(safe_next(request.form.get("next"), url_for("accounts.user_list")))


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
