"""The application page, shared by holder and reviewer views, and the action runner that every
state-changing view uses: validate, check the version, call the service, commit once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from devreg.actions import run_form_action
from devreg.arrangements.queries import arrangements_filed_by
from devreg.auth.models import User
from devreg.auth.roles import Duty, Role
from devreg.clock import china_today
from devreg.extensions import db
from devreg.permissions import authorize, can
from devreg.registrations import content as frozen
from devreg.registrations import forms as holder_forms
from devreg.registrations.clocks import clock_for
from devreg.registrations.deadlines import filing_window
from devreg.registrations.models import Application
from devreg.registrations.services import UPLOAD_STATES
from devreg.registrations.states import OPEN_STATES, TRANSITIONS
from devreg.registrations.states import ApplicationState as S
from devreg.review import forms as review_forms
from devreg.review.services import review_path_allows
from devreg.workdays.queries import calendar_for

#: form name -> (form class, policy that shows it, transition events it fires; None: no
#: transition, shown in the states listed in FORM_STATES)
ACTION_FORMS: dict[str, tuple[type, str, tuple[str, ...] | None]] = {
    "upload": (holder_forms.UploadForm, "registrations.edit", None),
    "remove_file": (holder_forms.RemoveFileForm, "registrations.edit", None),
    "submit": (holder_forms.SubmitForm, "registrations.submit", ("submit", "resubmit", "file")),
    "withdraw": (holder_forms.WithdrawForm, "registrations.withdraw", ("withdraw",)),
    "answer": (holder_forms.SupplementAnswerForm, "registrations.answer_supplement",
               ("answer_supplement",)),
    "accept": (review_forms.AcceptForm, "review.accept", ("accept",)),
    "correction": (review_forms.CorrectionForm, "review.accept", ("request_correction",)),
    "refuse_acceptance": (review_forms.RefuseAcceptanceForm, "review.accept",
                          ("refuse_acceptance",)),
    "priority": (review_forms.PriorityForm, "review.set_priority", None),
    "assign": (review_forms.AssignForm, "review.assign", ("assign",)),
    "supplement": (review_forms.SupplementRequestForm, "review.review", ("request_supplement",)),
    "qms": (review_forms.QmsForm, "review.review", None),
    "opinion": (review_forms.OpinionForm, "review.review", ("give_opinion",)),
    "decide": (review_forms.DecisionForm, "review.decide", ("approve",)),
}
FORM_STATES = {"upload": UPLOAD_STATES, "remove_file": UPLOAD_STATES, "qms": (S.IN_REVIEW,),
               "priority": tuple(OPEN_STATES)}


def _offered(name: str, application: Application) -> bool:
    """Shown when the user's role allows it and the current state has such an edge."""
    _cls, policy, events = ACTION_FORMS[name]
    if not can(current_user, policy, application):
        return False
    if events is None:
        return application.state in FORM_STATES[name]
    if name in ("assign", "decide") and not review_path_allows(application, events[0]):
        return False
    return any((event, application.state) in TRANSITIONS for event in events)


def qms_elapsed_working_days(application: Application, today: date) -> int | None:
    """Working days the QMS verification has taken so far (or took, once recorded), counted from
    the start of technical review, during which it is organised. Order 47 Art 93's 30-day limit
    is a Class III rule: a Class II verification has no limit, so this count is shown instead."""
    if application.review_started_on is None or not application.kind_enum.is_reviewed:
        return None
    if application.qms_recorded_on is None and application.state != S.IN_REVIEW:
        return None
    end = application.qms_recorded_on or today
    return calendar_for(application.province_code).working_days_between(
        application.review_started_on, end)


def review_colleagues(application: Application) -> list[User]:
    reviewers = db.session.scalars(
        select(User).where(User.role == Role.REVIEWER, User.is_active,
                           User.has_review_duty).order_by(User.display_name))
    return [u for u in reviewers if u.jurisdiction == application.province_code
            and u.has_duty(Duty.REVIEW)]


def _blank(name: str, application: Application) -> Any:
    form_class = ACTION_FORMS[name][0]
    form = form_class(formdata=None)
    if hasattr(form, "version"):
        form.version.data = str(application.version)
    return form


def render_application(application: Application, *, bound: dict[str, Any] | None = None,
                       status: int = 200):  # type: ignore[no-untyped-def]
    forms = {}
    for name in ACTION_FORMS:
        if _offered(name, application):
            forms[name] = (bound or {}).get(name) or _blank(name, application)
    if "upload" in forms:
        forms["upload"].chapter.choices = [(c.code, str(c.title)) for c in application.checklist]
    if "assign" in forms:
        forms["assign"].reviewer_id.choices = [
            (u.id, u.display_name) for u in review_colleagues(application)]
    rounds = application.contents
    # each round with what changed since the one before (the first: None)
    submitted_rounds = [(row, frozen.changes_between(rounds[i - 1], row) if i else None)
                        for i, row in enumerate(rounds)]
    return render_template(
        "registrations/application_detail.html", application=application, forms=forms,
        submitted_rounds=submitted_rounds, item_title=frozen.item_title,
        clock=clock_for(application, china_today()), today=china_today(),
        qms_elapsed=qms_elapsed_working_days(application, china_today()),
        filing=filing_window(application, application.received_on or china_today()),
        linked_arrangements=arrangements_filed_by(application),
    ), status


def run_action(application: Application, name: str, action: Callable[[Any], Any],
               success: str):  # type: ignore[no-untyped-def]
    """POST handler body shared by every application action."""
    form_class, policy, _events = ACTION_FORMS[name]
    # a role that may not take this action gets 403 before anything it sent is looked at
    authorize(current_user, policy, application)
    form = form_class()
    if name == "assign":
        form.reviewer_id.choices = [(u.id, u.display_name)
                                    for u in review_colleagues(application)]
    if name == "upload":
        form.chapter.choices = [(c.code, str(c.title)) for c in application.checklist]
    return run_form_action(
        application, form, action, success=success,
        render=lambda bound, status: render_application(
            application, bound={name: bound} if bound else None, status=status),
        detail_url=url_for("registrations.application_detail", application_id=application.id))
