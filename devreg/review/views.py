"""Reviewer queues and the decision endpoints of the application page."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user, login_required

from devreg.auth.models import User
from devreg.clock import china_today
from devreg.errors import DomainError
from devreg.extensions import db
from devreg.i18n import _
from devreg.listing import list_page
from devreg.permissions import authorize
from devreg.registrations.clock_pages import clocks_for
from devreg.registrations.lists import ROW_LOADING, queue_spec
from devreg.registrations.pages import run_action
from devreg.registrations.queries import get_application_or_404
from devreg.review import bp
from devreg.review import services as svc
from devreg.review.queries import QUEUES, queue_counts, queue_query
from devreg.security import signature_rate_limit


@bp.route("/queue")
@login_required
def queue():
    """One tab per duty of the user, opening on the first tab with work; each tab a paged,
    filtered, sorted list (filters and page in the URL)."""
    authorize(current_user, "review.queue")
    today = china_today()
    counts = queue_counts(current_user)
    tabs = list(counts)
    stage = request.args.get("stage", "")
    if stage not in tabs:
        stage = next((key for key in tabs if counts[key]), tabs[0] if tabs else "")
    if not stage:
        return render_template("review/queue.html", page=None, rows=[], stage="", tabs=[],
                               counts={}, queues=QUEUES)
    page = list_page(queue_query(current_user, stage).options(*ROW_LOADING),
                     queue_spec(current_user, today), view_args={"stage": stage})
    return render_template("review/queue.html", page=page, rows=clocks_for(page.items, today),
                           stage=stage, tabs=tabs, counts=counts, queues=QUEUES)


@bp.route("/applications/<int:application_id>/accept", methods=["POST"])
@login_required
@signature_rate_limit
def accept(application_id: int):
    application = get_application_or_404(application_id, current_user)
    return run_action(application, "accept", lambda form: svc.accept(
        application, actor=current_user, password=form.signature_password.data,
        today=china_today(),
        # the stream fields exist only when the holder requested a stream
        stream_decision=form.stream_decision.data if form.stream_decision else None,
        stream_reasons=(form.stream_reasons.data or "") if form.stream_reasons else ""),
        _("Application accepted; acceptance number issued."))


@bp.route("/applications/<int:application_id>/correction", methods=["POST"])
@login_required
@signature_rate_limit
def request_correction(application_id: int):
    application = get_application_or_404(application_id, current_user)
    return run_action(application, "correction", lambda form: svc.request_correction(
        application, actor=current_user, password=form.signature_password.data,
        items=form.items.data, today=china_today()), _("Correction notice sent to the holder."))


@bp.route("/applications/<int:application_id>/refuse-acceptance", methods=["POST"])
@login_required
@signature_rate_limit
def refuse_acceptance(application_id: int):
    application = get_application_or_404(application_id, current_user)
    return run_action(application, "refuse_acceptance", lambda form: svc.refuse_acceptance(
        application, actor=current_user, password=form.signature_password.data,
        reasons=form.reasons.data, today=china_today()), _("Application not accepted."))


@bp.route("/applications/<int:application_id>/assign", methods=["POST"])
@login_required
def assign(application_id: int):
    application = get_application_or_404(application_id, current_user)

    def action(form):  # type: ignore[no-untyped-def]
        reviewer = db.session.get(User, form.reviewer_id.data)
        if reviewer is None:
            raise DomainError(_("Choose a reviewer."))
        svc.assign_reviewer(application, actor=current_user, reviewer=reviewer,
                            today=china_today())

    return run_action(application, "assign", action, _("Technical review assigned."))


@bp.route("/applications/<int:application_id>/supplement", methods=["POST"])
@login_required
@signature_rate_limit
def request_supplement(application_id: int):
    application = get_application_or_404(application_id, current_user)
    return run_action(application, "supplement", lambda form: svc.request_supplement(
        application, actor=current_user, password=form.signature_password.data,
        items=form.items.data, today=china_today()),
        _("Supplement notice sent; the review clock is stopped."))


@bp.route("/applications/<int:application_id>/qms", methods=["POST"])
@login_required
def record_qms(application_id: int):
    application = get_application_or_404(application_id, current_user)
    return run_action(application, "qms", lambda form: svc.record_qms(
        application, actor=current_user, result=form.result.data, notes=form.notes.data,
        today=china_today()), _("QMS verification recorded."))


@bp.route("/applications/<int:application_id>/qms-start", methods=["POST"])
@login_required
def start_qms(application_id: int):
    application = get_application_or_404(application_id, current_user)
    return run_action(application, "qms_start", lambda form: svc.start_qms(
        application, actor=current_user, today=china_today()),
        _("QMS verification started; the review clock is paused until the result."))


@bp.route("/applications/<int:application_id>/pause", methods=["POST"])
@login_required
@signature_rate_limit
def pause(application_id: int):
    application = get_application_or_404(application_id, current_user)
    return run_action(application, "pause", lambda form: svc.record_pause(
        application, actor=current_user, password=form.signature_password.data,
        reason=form.reason.data, notice=form.notice.data, today=china_today()),
        _("Clock paused; the notice is shown to the holder."))


@bp.route("/applications/<int:application_id>/resume", methods=["POST"])
@login_required
def resume(application_id: int):
    application = get_application_or_404(application_id, current_user)
    return run_action(application, "resume", lambda form: svc.resume_clock(
        application, actor=current_user, today=china_today()),
        _("The clock runs again from the next working day."))


@bp.route("/applications/<int:application_id>/extend", methods=["POST"])
@login_required
@signature_rate_limit
def extend(application_id: int):
    application = get_application_or_404(application_id, current_user)
    return run_action(application, "extend", lambda form: svc.extend_clock(
        application, actor=current_user, password=form.signature_password.data,
        working_days=form.working_days.data, reason=form.reason.data, today=china_today()),
        _("Time limit extended; the holder sees the reason."))


@bp.route("/applications/<int:application_id>/opinion", methods=["POST"])
@login_required
@signature_rate_limit
def give_opinion(application_id: int):
    application = get_application_or_404(application_id, current_user)
    return run_action(application, "opinion", lambda form: svc.give_opinion(
        application, actor=current_user, password=form.signature_password.data,
        recommendation=form.recommendation.data, text=form.text.data, today=china_today()),
        _("Review opinion signed."))


@bp.route("/applications/<int:application_id>/objection-outcome", methods=["POST"])
@login_required
@signature_rate_limit
def resolve_objection(application_id: int):
    application = get_application_or_404(application_id, current_user)
    return run_action(application, "objection_outcome", lambda form: svc.resolve_objection(
        application, actor=current_user, password=form.signature_password.data,
        outcome=form.outcome.data, text=form.text.data, today=china_today()),
        _("Answer to the objection signed; the clock runs again."))


@bp.route("/applications/<int:application_id>/decide", methods=["POST"])
@login_required
@signature_rate_limit
def decide(application_id: int):
    application = get_application_or_404(application_id, current_user)
    return run_action(application, "decide", lambda form: svc.decide(
        application, actor=current_user, password=form.signature_password.data,
        approve=form.decision.data == "approve", reasons=form.reasons.data,
        today=china_today()), _("Decision signed."))
