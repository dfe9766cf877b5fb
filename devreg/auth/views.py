"""Sign-in, sign-out, own password, and the admin's user pages."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from devreg.auth import bp
from devreg.auth import services as svc
from devreg.auth.forms import (
    ConfirmForm,
    LoginForm,
    PasswordChangeForm,
    PasswordResetForm,
    UserCreateForm,
    UserEditForm,
    UserFields,
    role_choices,
)
from devreg.auth.models import User
from devreg.auth.queries import get_user_or_404
from devreg.auth.roles import Role
from devreg.errors import DomainError
from devreg.extensions import db
from devreg.i18n import _
from devreg.listing import list_page
from devreg.orgs.lists import USER_LIST
from devreg.orgs.queries import organisation_choices
from devreg.permissions import authorize, requires
from devreg.security import login_rate_limit


def is_safe_next(target: str | None) -> bool:
    """Only same-site paths: no scheme, no host, no protocol-relative or backslash tricks."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and "\\" not in target and all(
        ch.isprintable() for ch in target)


#: what a user whose password an administrator set may reach before choosing their own: the page
#: to change it, signing out, the language switch and the static files
OWN_PASSWORD_EXEMPT = frozenset({"auth.change_password", "auth.logout", "main.set_locale",
                                 "static"})


@bp.before_app_request
def require_own_password():  # type: ignore[no-untyped-def]
    """An administrator created the account or reset its password: until the user sets their
    own, every other page redirects to the password page (21 CFR 11.300(b))."""
    if (not request.path.startswith("/api/")  # the API never reads the session
            and current_user.is_authenticated and current_user.must_change_password
            and request.endpoint not in OWN_PASSWORD_EXEMPT):
        flash(_("An administrator set your password. Choose your own password before you "
                "continue."), "warning")
        return redirect(url_for("auth.change_password"))
    return None


@bp.route("/login", methods=["GET", "POST"])
@login_rate_limit
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    next_target = request.args.get("next")
    if form.validate_on_submit():
        try:
            user = svc.authenticate(form.email.data, form.password.data)
        except svc.SignInRefused as refused:
            db.session.commit()  # keep the failed-attempt count and any lock
            form.password.errors = [refused.message]
            return render_template("auth/login.html", form=form), 200
        locale = session.get("locale")
        session.clear()  # a fresh session on sign-in: nothing from before survives
        if locale:
            session["locale"] = locale
        login_user(user)
        session.permanent = True  # the cookie expires after IDLE_TIMEOUT_MINUTES unused
        db.session.commit()
        return redirect(next_target if is_safe_next(next_target) else url_for("main.home"))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    if ConfirmForm().validate_on_submit():
        svc.end_sessions(current_user)
        db.session.commit()
        logout_user()
        session.clear()
        flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    authorize(current_user, "auth.change_own_password")
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            svc.change_password(current_user, current=form.current_password.data,
                                new=form.new_password.data)
        except svc.WrongCurrentPassword as error:
            form.current_password.errors = [error.message]
        except DomainError as error:
            form.new_password.errors = [error.message, *error.details]
        else:
            db.session.commit()
            login_user(current_user)  # re-issue this session with the new session version
            flash(_("Your password is changed. Other sessions were signed out."), "success")
            return redirect(url_for("main.home"))
    return render_template("auth/change_password.html", form=form)


# --- administration -------------------------------------------------------------------------


@bp.route("/admin/users")
@requires("auth.manage_users")
def user_list():
    page = list_page(select(User), USER_LIST)
    return render_template("auth/user_list.html", users=page.items, page=page,
                           action_form=ConfirmForm())


def _prepare(form: UserFields) -> None:
    form.role.choices = role_choices()
    form.organisation_id.choices = [(0, _("(none: administrators only)")),
                                    *organisation_choices()]


def _user_data(form: UserFields) -> svc.UserData:
    return svc.UserData(
        email=form.email.data,
        display_name=form.display_name.data,
        role=Role(form.role.data),
        organisation_id=form.organisation_id.data or None,
        has_accept_duty=form.has_accept_duty.data,
        has_review_duty=form.has_review_duty.data,
        has_approve_duty=form.has_approve_duty.data,
    )


@bp.route("/admin/users/new", methods=["GET", "POST"])
@requires("auth.manage_users")
def user_create():
    form = UserCreateForm()
    _prepare(form)
    if form.validate_on_submit():
        try:
            user = svc.create_user(_user_data(form), password=form.password.data)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "danger")
            form.password.errors = list(error.details)
        else:
            db.session.commit()
            flash(_("Account %(email)s created.", email=user.email), "success")
            return redirect(url_for("auth.user_detail", user_id=user.id))
    return render_template("auth/user_form.html", form=form, user=None)


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@requires("auth.manage_users")
def user_detail(user_id: int):
    user = get_user_or_404(user_id)
    form = UserEditForm(obj=user)
    _prepare(form)
    if request.method == "GET":
        form.organisation_id.data = user.organisation_id or 0
    if form.validate_on_submit():
        try:
            identity_changed = svc.update_user(user, _user_data(form),
                                               reason=form.identity_reason.data or "")
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "danger")
            if isinstance(error, svc.IdentityChangeRefused):
                form.identity_reason.errors = [error.message]
        else:
            db.session.commit()
            if user.id == current_user.id:
                login_user(current_user)  # this session goes on with the new session version
            flash(_("Account saved; its sessions are ended.") if identity_changed
                  else _("Account saved."), "success")
            return redirect(url_for("auth.user_detail", user_id=user.id))
    return render_template("auth/user_form.html", form=form, user=user,
                           action_form=ConfirmForm(), reset_form=PasswordResetForm())


@bp.route("/admin/users/<int:user_id>/<any(activate, deactivate, unlock):action>",
          methods=["POST"])
@requires("auth.manage_users")
def user_action(user_id: int, action: str):
    user = get_user_or_404(user_id)
    if not ConfirmForm().validate_on_submit():
        flash(_("The form expired. Please try again."), "warning")
        return redirect(url_for("auth.user_detail", user_id=user.id))
    try:
        if action == "unlock":
            svc.unlock(user)
        else:
            svc.set_active(user, action == "activate", actor=current_user)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash({"unlock": _("Account unlocked."), "activate": _("Account activated."),
               "deactivate": _("Account deactivated; its sessions are ended.")}[action],
              "success")
    return redirect(url_for("auth.user_detail", user_id=user.id))


@bp.route("/admin/users/<int:user_id>/reset-password", methods=["POST"])
@requires("auth.manage_users")
def user_reset_password(user_id: int):
    user = get_user_or_404(user_id)
    form = PasswordResetForm()
    if form.validate_on_submit():
        try:
            svc.reset_password(user, new_password=form.new_password.data)
        except DomainError as error:
            db.session.rollback()
            flash(" ".join([error.message, *error.details]), "danger")
        else:
            db.session.commit()
            flash(_("Password reset; the user's sessions are ended."), "success")
    else:
        flash(_("Enter the new password."), "danger")
    return redirect(url_for("auth.user_detail", user_id=user.id))
