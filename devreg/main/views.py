"""Each role lands on a home page made for it."""

from __future__ import annotations

from flask import current_app, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from devreg.auth.forms import ConfirmForm
from devreg.auth.roles import Role
from devreg.extensions import db
from devreg.main import bp
from devreg.main.home import home_context


@bp.route("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    return render_template("main/index.html")


@bp.route("/home")
@login_required
def home():
    role = Role(current_user.role)
    return render_template(f"main/home_{role.value}.html", **home_context(current_user))


@bp.route("/locale/<code>", methods=["POST"])
def set_locale(code: str):
    """Remember the language for this browser and, when signed in, for the account."""
    if ConfirmForm().validate_on_submit() and code in current_app.config["LANGUAGES"]:
        session["locale"] = code
        if current_user.is_authenticated:
            current_user.locale = code
            db.session.commit()
    target = request.form.get("next", "")
    from devreg.auth.views import is_safe_next

    return redirect(target if is_safe_next(target) else url_for("main.index"))


@bp.route("/language/<code>")
def switch_locale(code: str):
    """The anonymous visitor's language switch: a plain link, so that public pages carry no
    form and set no cookie. It only remembers the language for this browser (a signed-in user
    switches through the POST form, which also saves it on the account)."""
    if code in current_app.config["LANGUAGES"]:
        session["locale"] = code
    target = request.args.get("next", "")
    from devreg.auth.views import is_safe_next

    return redirect(target if is_safe_next(target) else url_for("main.index"))


@bp.route("/healthz")
def healthz():
    """Liveness: the process answers. Touches nothing else."""
    return {"status": "ok"}


@bp.route("/readyz")
def readyz():
    """Readiness: the database, Redis (when configured) and the file store are reachable."""
    from devreg.readiness import check_all

    checks = check_all()
    ready = all(value == "ok" for value in checks.values())
    return {"status": "ok" if ready else "unavailable", "checks": checks}, 200 if ready else 503
