"""The POST body every state-changing record form shares (applications, arrangements):
validate, check the version the page showed, call the service, commit once. On a stale page, a
race with another transaction, or a rule that says no, the user sees the record's current state
with a clear message, keeps what was typed, and nothing is saved."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect
from sqlalchemy.orm.exc import StaleDataError

from devreg.errors import DomainError
from devreg.extensions import db
from devreg.i18n import _
from devreg.signatures.services import SignatureRefused

#: render(bound_form_or_None, status) -> response: the record page with that form bound
Render = Callable[[Any, int], Any]


def run_form_action(record: Any, form: Any, action: Callable[[Any], Any], *, render: Render,
                    detail_url: str, success: str) -> Any:
    if not form.validate_on_submit():
        return render(form, 400)
    if hasattr(form, "version") and form.version.data != str(record.version):
        flash(_("This record was changed by someone else while you had the page open. Here is "
                "its current state; nothing of yours was saved."), "warning")
        return render(None, 409)
    try:
        action(form)
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        flash(_("This record was changed by someone else at the same moment. Here is its "
                "current state; nothing of yours was saved."), "warning")
        return redirect(detail_url)
    except DomainError as error:
        db.session.rollback()
        db.session.refresh(record)
        message = " ".join([error.message, *error.details])
        if isinstance(error, SignatureRefused):
            form.signature_password.errors = [error.message]
        else:
            field = next((f for f in form if f.type not in ("CSRFTokenField", "HiddenField",
                                                            "PasswordField")), None)
            if field is not None:
                field.errors = [message]
        flash(message, "danger")
        return render(form, 422)
    flash(success, "success")
    return redirect(detail_url)
