"""The account page's personal API tokens: create one (shown once), see them, revoke one."""

from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from devreg.api.forms import TokenForm
from devreg.api.models import ApiToken
from devreg.api.tokens import create_token, revoke_token, scopes_for, tokens_of
from devreg.clock import china_today
from devreg.errors import DomainError
from devreg.extensions import db
from devreg.i18n import _

bp = Blueprint("api_tokens", __name__)


def _page(form: TokenForm, *, created: str | None = None, status: int = 200):  # type: ignore[no-untyped-def]
    response = make_response(render_template(
        "api/tokens.html", form=form, tokens=tokens_of(current_user), created=created,
        today=china_today()), status)
    # the page may show a new token: never kept by a browser or a proxy
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/account/tokens", methods=["GET", "POST"])
@login_required
def tokens():
    allowed = scopes_for(current_user)
    if not allowed:
        abort(403)  # administrators have no API tokens
    form = TokenForm()
    form.set_choices(list(allowed))
    if form.validate_on_submit():
        try:
            _token, raw = create_token(current_user, name=form.name.data,
                                       scopes=form.scopes.data, days=form.days.data,
                                       today=china_today())
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            form.name.errors = [error.message]
        except IntegrityError:  # the same name created at the same moment elsewhere
            db.session.rollback()
            form.name.errors = [_("You already have a token of that name: choose another "
                                  "name or revoke it.")]
        else:
            flash(_("Token created. Copy it now: it is not shown again."), "success")
            fresh = TokenForm(formdata=None)
            fresh.set_choices(list(allowed))
            return _page(fresh, created=raw, status=201)
        return _page(form, status=422)
    return _page(form, status=422 if form.is_submitted() else 200)


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke(token_id: int):
    token = db.session.scalar(select(ApiToken).where(ApiToken.id == token_id,
                                                     ApiToken.user_id == current_user.id))
    if token is None:
        abort(404)  # another account's token: its existence does not leak
    try:  # (CSRFProtect has checked the form's token)
        revoke_token(token)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "warning")
    else:
        flash(_("Token “%(name)s” revoked: it no longer works.", name=token.name), "success")
    return redirect(url_for("api_tokens.tokens"))
