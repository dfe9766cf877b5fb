"""The inbox and the account's notification choices."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import update

from devreg.db import utcnow
from devreg.errors import DomainError
from devreg.extensions import db
from devreg.forms import BaseForm
from devreg.i18n import _
from devreg.notifications import bp
from devreg.notifications import services as svc
from devreg.notifications.forms import preferences_form
from devreg.notifications.kinds import KINDS, kinds_for
from devreg.notifications.models import InboxItem
from devreg.notifications.queries import inbox_page, kinds_in_inbox
from devreg.permissions import authorize


def _own_item(item_id: int) -> InboxItem:
    item = db.session.get(InboxItem, item_id)
    if item is None or item.user_id != current_user.id:
        abort(404)
    authorize(current_user, "notifications.inbox", item)
    return item


@bp.route("/inbox")
@login_required
def inbox():
    authorize(current_user, "notifications.inbox")
    kind = request.args.get("kind") or None
    if kind not in KINDS:
        kind = None
    unread_only = request.args.get("state") == "unread"
    page = request.args.get("page", 1, type=int) or 1
    items, has_next = inbox_page(current_user.id, kind=kind, unread_only=unread_only,
                                 page=max(page, 1))
    return render_template("notifications/inbox.html", items=items, kind=kind,
                           unread_only=unread_only, page=max(page, 1), has_next=has_next,
                           kinds=kinds_in_inbox(current_user.id), KINDS=KINDS,
                           form=BaseForm())


@bp.route("/inbox/<int:item_id>")
@login_required
def inbox_item(item_id: int):
    """Opening an item marks it read, as opening an e-mail does."""
    item = _own_item(item_id)
    if item.read_at is None:
        item.read_at = utcnow()
        db.session.commit()
    return render_template("notifications/item.html", item=item, KINDS=KINDS, form=BaseForm())


@bp.route("/inbox/<int:item_id>/<any(read, unread):action>", methods=["POST"])
@login_required
def mark(item_id: int, action: str):
    item = _own_item(item_id)
    if BaseForm().validate_on_submit():
        item.read_at = utcnow() if action == "read" else None
        db.session.commit()
    return redirect(url_for("notifications.inbox", **_filters()))


@bp.route("/inbox/read-all", methods=["POST"])
@login_required
def read_all():
    authorize(current_user, "notifications.inbox")
    if BaseForm().validate_on_submit():
        db.session.execute(update(InboxItem).where(
            InboxItem.user_id == current_user.id, InboxItem.read_at.is_(None))
            .values(read_at=utcnow()))
        db.session.commit()
        flash(_("Every message is marked read."), "success")
    return redirect(url_for("notifications.inbox"))


def _filters() -> dict[str, str]:
    return {key: value for key in ("kind", "state")
            if (value := request.form.get(key) or request.args.get(key))}


@bp.route("/account/notifications", methods=["GET", "POST"])
@login_required
def preferences():
    authorize(current_user, "notifications.inbox")
    current = svc.preferences_of(current_user)
    form = preferences_form(current_user.role)
    if not form.is_submitted():
        form.language.data = svc.language_of(current_user)
        for kind, channel in current.items():
            getattr(form, f"kind_{kind}").data = channel.value
    status = 200
    if form.is_submitted():
        # a mandatory kind's select is disabled (not posted): it stays "both"
        for kind in kinds_for(current_user.role):
            field = getattr(form, f"kind_{kind}")
            if KINDS[kind].mandatory and f"kind_{kind}" not in request.form:
                field.data = "both"
        if form.validate():
            choices = {kind: getattr(form, f"kind_{kind}").data
                       for kind in kinds_for(current_user.role)}
            try:
                svc.set_preferences(current_user, choices)
            except DomainError as error:
                db.session.rollback()
                form.form_errors.append(error.message)
                form.form_errors.extend(error.details)
                status = 422
            else:
                current_user.locale = form.language.data
                db.session.commit()
                flash(_("Your notification choices are saved."), "success")
                return redirect(url_for("notifications.preferences"))
        else:
            status = 422
    return render_template("notifications/preferences.html", form=form, KINDS=KINDS,
                           kinds=kinds_for(current_user.role)), status
