"""Arrangement pages for holders, manufacturers and the supervising regulators."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from devreg.actions import run_form_action
from devreg.arrangements import bp
from devreg.arrangements import forms as f
from devreg.arrangements import services as svc
from devreg.arrangements.clauses import CLAUSES
from devreg.arrangements.lists import arrangement_list_spec
from devreg.arrangements.models import Arrangement, SupervisionAction
from devreg.arrangements.notices import notices_of, provinces_of
from devreg.arrangements.queries import (
    arrangements_visible_to,
    cross_regional_matrix,
    feedback_clocks,
    get_arrangement_or_404,
    inspections_due,
    live_commissioned,
    notice_count,
    notices_for,
    review_dues,
    reviews_of,
    supervision_actions,
)
from devreg.arrangements.states import TRANSITIONS
from devreg.audit.queries import history_of
from devreg.auth.roles import Role
from devreg.clock import china_today
from devreg.errors import DomainError
from devreg.extensions import db
from devreg.forms import BaseForm
from devreg.i18n import _
from devreg.listing import list_page
from devreg.permissions import authorize, can
from devreg.production.queries import active_sites
from devreg.reference.queries import all_provinces
from devreg.registrations import files
from devreg.registrations.queries import devices_visible_to
from devreg.security import signature_rate_limit

#: form name -> (form class, policy, transition event or None)
ACTIONS: dict[str, tuple[type, str, str | None]] = {
    "confirm": (f.ConfirmForm, "arrangements.respond", "confirm"),
    "decline": (f.DeclineForm, "arrangements.respond", "decline"),
    "withdraw": (f.WithdrawForm, "arrangements.withdraw", "withdraw"),
    "end": (f.EndForm, "arrangements.end", "end"),
    "suspend": (f.SuspendForm, "arrangements.order", "suspend"),
    "lift": (f.LiftForm, "arrangements.order", "lift"),
    "supervision": (f.SupervisionForm, "arrangements.supervise", None),
    "review": (f.AgreementReviewForm, "arrangements.record_review", None),
}
TIMELINE_ACTIONS = ("create", "confirm", "activate", "suspend", "lift", "end", "decline",
                    "withdraw")

#: the latest notices shown on the supervision page (the count shows how many there are)
NOTICES_SHOWN = 20


def _offered(name: str, arrangement: Arrangement) -> bool:
    _cls, policy, event = ACTIONS[name]
    if not can(current_user, policy, arrangement):
        return False
    return event is None or (event, arrangement.state) in TRANSITIONS


def _render(arrangement: Arrangement, bound: dict[str, Any] | None = None, status: int = 200):  # type: ignore[no-untyped-def]
    forms = {}
    for name, (cls, _policy, _event) in ACTIONS.items():
        if _offered(name, arrangement):
            form = (bound or {}).get(name) or cls(formdata=None)
            if hasattr(form, "version") and not form.version.data:
                form.version.data = str(arrangement.version)
            forms[name] = form
    timeline = [e for e in history_of(arrangement) if e.action in TIMELINE_ACTIONS]
    return render_template(
        "arrangements/detail.html", arrangement=arrangement, forms=forms, timeline=timeline,
        actions=supervision_actions(arrangement), clauses=CLAUSES,
        reviews=reviews_of(arrangement), review_due=next(iter(review_dues(
            [arrangement] if arrangement.state in ("confirmed", "active", "suspended")
            else [])), None),
        licence_problem=svc.licence_problem(arrangement, arrangement.device, china_today())
        if arrangement.state == "proposed" else None,
        notices=notices_of(arrangement, current_user),
        notice_form=f.NoticeForm(formdata=None)
        if can(current_user, "arrangements.write_notice", arrangement)
        and len(provinces_of(arrangement)) > 1 else None,
    ), status


def _run(arrangement: Arrangement, name: str, action: Callable[[Any], Any], success: str):  # type: ignore[no-untyped-def]
    form_class, policy, _event = ACTIONS[name]
    # a role that may not take this action gets 403 before anything it sent is looked at
    authorize(current_user, policy, arrangement)
    form = form_class()
    return run_form_action(
        arrangement, form, action, success=success,
        render=lambda bound, status: _render(arrangement, {name: bound} if bound else None,
                                             status),
        detail_url=url_for("arrangements.detail", arrangement_id=arrangement.id))


@bp.route("/arrangements")
@login_required
def arrangement_list():
    authorize(current_user, "arrangements.view_list")
    page = list_page(arrangements_visible_to(current_user),
                     arrangement_list_spec("arrangements.arrangement_list"))
    return render_template("arrangements/list.html", arrangements=page.items, page=page)


@bp.route("/arrangements/new", methods=["GET", "POST"])
@login_required
def propose():
    authorize(current_user, "arrangements.propose")
    form = f.ProposalForm()
    devices = db.session.scalars(devices_visible_to(current_user)).all()
    form.device_id.choices = [(d.id, d.name) for d in devices]
    form.site_id.choices = [
        (s.id, f"{s.licence.organisation.name} · {s.address} ({s.licence.province.name}, "
               f"{s.licence.number})") for s in active_sites()]
    preselected = request.args.get("device_id", type=int)  # None unless a number
    if not form.is_submitted() and preselected is not None:
        form.device_id.data = preselected
    if form.validate_on_submit():
        upload, commission = form.agreement.data, form.commission_agreement.data
        has_file = upload is not None and getattr(upload, "filename", "")
        has_commission = commission is not None and getattr(commission, "filename", "")
        try:
            arrangement = svc.propose(
                svc.Proposal(device_id=form.device_id.data, site_id=form.site_id.data,
                             planned_start=form.planned_start.data,
                             planned_end=form.planned_end.data,
                             clauses=tuple(form.clauses.data or ()),
                             agreement_until=form.agreement_until.data,
                             commission_until=form.commission_until.data),
                actor=current_user, agreement_name=upload.filename if has_file else None,
                agreement_stream=upload.stream if has_file else None,
                commission_name=commission.filename if has_commission else None,
                commission_stream=commission.stream if has_commission else None)
        except DomainError as error:
            db.session.rollback()
            form.site_id.errors = [" ".join([error.message, *error.details])]
        else:
            db.session.commit()
            flash(_("Arrangement proposed; the manufacturer is asked to confirm."), "success")
            return redirect(url_for("arrangements.detail", arrangement_id=arrangement.id))
    return render_template("arrangements/propose.html", form=form)


@bp.route("/arrangements/<int:arrangement_id>")
@login_required
def detail(arrangement_id: int):
    return _render(get_arrangement_or_404(arrangement_id, current_user))


@bp.route("/arrangements/<int:arrangement_id>/agreement")
@login_required
def agreement(arrangement_id: int):
    arrangement = get_arrangement_or_404(arrangement_id, current_user)
    # ?file=commission: the commission agreement; otherwise the quality agreement
    record = (arrangement.commission_file if request.args.get("file") == "commission"
              else arrangement.agreement_file)
    if record is None:
        abort(404)
    return files.download(record.stored_name, size=record.size, mimetype=record.content_type,
                          download_name=record.original_name)


@bp.route("/arrangements/<int:arrangement_id>/<any(confirm, decline, withdraw, end, suspend, "
          "lift, supervision, review):name>", methods=["POST"])
@login_required
@signature_rate_limit
def act(arrangement_id: int, name: str):
    arrangement = get_arrangement_or_404(arrangement_id, current_user)
    today = china_today()
    actions: dict[str, tuple[Callable[[Any], Any], str]] = {
        "confirm": (lambda form: svc.confirm(arrangement, actor=current_user,
                                             password=form.signature_password.data,
                                             today=today),
                    _("Arrangement confirmed and signed.")),
        "decline": (lambda form: svc.decline(arrangement, actor=current_user,
                                             reason=form.reason.data),
                    _("Arrangement declined.")),
        "withdraw": (lambda form: svc.withdraw(arrangement, actor=current_user),
                     _("Proposal withdrawn.")),
        "end": (lambda form: svc.end(arrangement, actor=current_user, end_date=form.end_date.data,
                                     reason=form.reason.data), _("Arrangement ended.")),
        "suspend": (lambda form: svc.suspend(arrangement, actor=current_user,
                                             password=form.signature_password.data,
                                             reason=form.reason.data, today=today,
                                             part=form.part.data or None),
                    _("Arrangement suspended; both provinces are notified.")),
        "lift": (lambda form: svc.lift(arrangement, actor=current_user,
                                       password=form.signature_password.data,
                                       reason=form.reason.data, today=today),
                 _("Suspension lifted.")),
        "supervision": (lambda form: svc.record_supervision(
            arrangement, actor=current_user, kind=form.kind.data,
            action_date=form.action_date.data, result=form.result.data or None,
            findings=form.findings.data, part=form.part.data or None,
            mode=form.mode.data or "own"), _("Supervision action recorded.")),
        "review": (lambda form: svc.record_review(
            arrangement, actor=current_user, kind=form.kind.data, done_on=form.done_on.data,
            notes=form.notes.data, today=today), _("Recorded.")),
    }
    action, message = actions[name]
    return _run(arrangement, name, action, message)


@bp.route("/supervision")
@login_required
def supervision():
    """The reviewer's supervision queue: arrangements touching its province, and notices."""
    if current_user.role != Role.REVIEWER:
        abort(403)
    page = list_page(arrangements_visible_to(current_user),
                     arrangement_list_spec("arrangements.supervision"))
    owed, awaited = feedback_clocks(current_user.jurisdiction)
    return render_template("arrangements/supervision.html", arrangements=page.items,
                           feedback_owed=owed, feedback_awaited=awaited,
                           inspections_due=inspections_due(current_user.jurisdiction),
                           reviews_overdue=[d for d in review_dues(live_commissioned(
                               arrangements_visible_to(current_user)))
                               if d.overdue(china_today())],
                           notices=notices_for(current_user.jurisdiction, limit=NOTICES_SHOWN),
                           notice_count=notice_count(current_user.jurisdiction), page=page,
                           matrix=cross_regional_matrix(), provinces=all_provinces())



@bp.route("/supervision/notices")
@login_required
def notice_list():
    """Every notice the reviewer's province received or wrote, paged and filtered."""
    if current_user.role != Role.REVIEWER:
        abort(403)
    from sqlalchemy import or_, select
    from sqlalchemy.orm import selectinload

    from devreg.arrangements.lists import notice_list_spec
    from devreg.arrangements.models import Notice

    province = current_user.jurisdiction
    query = select(Notice).where(or_(Notice.province_code == province,
                                     Notice.from_province_code == province)).options(
        selectinload(Notice.arrangement).selectinload(Arrangement.device))
    page = list_page(query, notice_list_spec(province))
    return render_template("arrangements/notice_list.html", page=page, notices=page.items)


@bp.route("/supervision/actions/<int:action_id>/feedback", methods=["POST"])
@login_required
def feedback(action_id: int):
    """The province that carried out a delegated inspection or a disposition records that it
    fed the result back to the other province (2022 opinion: within 10 working days)."""
    action = db.session.get(SupervisionAction, action_id)
    if action is None:
        abort(404)
    get_arrangement_or_404(action.arrangement_id, current_user)  # visibility first: 404
    authorize(current_user, "arrangements.supervise", action.arrangement)
    form = BaseForm()
    if form.validate_on_submit():
        try:
            svc.record_feedback(action, actor=current_user, on=china_today())
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "danger")
        else:
            db.session.commit()
            flash(_("Feedback recorded; the other province is notified."), "success")
    return redirect(url_for("arrangements.detail", arrangement_id=action.arrangement_id))

from devreg.arrangements import notice_views  # noqa: E402, F401  (the notice pages)
