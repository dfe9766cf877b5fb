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
from devreg.registrations.clocks import (
    clock_for,
    clock_periods,
    objection_deadline,
    objection_open,
)
from devreg.registrations.deadlines import filing_window
from devreg.registrations.models import MANUAL_PAUSE_REASONS, Application
from devreg.registrations.services import UPLOAD_STATES
from devreg.registrations.states import TRANSITIONS
from devreg.registrations.states import ApplicationState as S
from devreg.review import forms as review_forms
from devreg.review.services import PAUSE_STATES, review_path_allows
from devreg.workdays.models import Stage, Stream
from devreg.workdays.queries import calendar_for, streams_for

#: form name -> (form class, policy that shows it, transition events it fires; None: no
#: transition, shown in the states listed in FORM_STATES)
ACTION_FORMS: dict[str, tuple[type, str, tuple[str, ...] | None]] = {
    "upload": (holder_forms.UploadForm, "registrations.edit", None),
    "remove_file": (holder_forms.RemoveFileForm, "registrations.edit", None),
    "stream": (holder_forms.StreamRequestForm, "registrations.edit", None),
    "submit": (holder_forms.SubmitForm, "registrations.submit", ("submit", "resubmit", "file")),
    "withdraw": (holder_forms.WithdrawForm, "registrations.withdraw", ("withdraw",)),
    "answer": (holder_forms.SupplementAnswerForm, "registrations.answer_supplement",
               ("answer_supplement",)),
    "object": (holder_forms.ObjectionForm, "registrations.object", ("object",)),
    "accept": (review_forms.AcceptForm, "review.accept", ("accept",)),
    "correction": (review_forms.CorrectionForm, "review.accept", ("request_correction",)),
    "refuse_acceptance": (review_forms.RefuseAcceptanceForm, "review.accept",
                          ("refuse_acceptance",)),
    "assign": (review_forms.AssignForm, "review.assign", ("assign",)),
    "supplement": (review_forms.SupplementRequestForm, "review.review", ("request_supplement",)),
    "qms_start": (review_forms.QmsStartForm, "review.review", None),
    "qms": (review_forms.QmsForm, "review.review", None),
    "pause": (review_forms.PauseForm, "review.pause", None),
    "resume": (review_forms.ResumeForm, "review.pause", None),
    "extend": (review_forms.ExtensionForm, "review.extend", None),
    "opinion": (review_forms.OpinionForm, "review.review", ("give_opinion",)),
    "objection_outcome": (review_forms.ObjectionOutcomeForm, "review.review",
                          ("resolve_objection",)),
    "decide": (review_forms.DecisionForm, "review.decide", ("approve", "refuse")),
}
FORM_STATES = {"upload": UPLOAD_STATES, "remove_file": UPLOAD_STATES, "qms": (S.IN_REVIEW,),
               "stream": (S.DRAFT, S.CORRECTION_REQUESTED),
               "qms_start": (S.IN_REVIEW,), "pause": PAUSE_STATES, "resume": PAUSE_STATES,
               "extend": (S.ACCEPTED, S.IN_REVIEW)}
#: further conditions of the forms without a transition
FORM_CONDITIONS: dict[str, Callable[[Application], bool]] = {
    "qms_start": lambda a: a.qms_started_on is None and a.qms_result is None,
    "pause": lambda a: a.open_pause is None,
    "resume": lambda a: (a.open_pause is not None
                         and a.open_pause.reason_enum in MANUAL_PAUSE_REASONS),
    "object": lambda a: objection_open(a, china_today()),
    "stream": lambda a: bool(_stream_choices(a)),
    "extend": lambda a: not any(
        e.stage == (Stage.SUPPLEMENT_REVIEW if a.supplement_answered_on
                    else Stage.TECHNICAL_REVIEW).value for e in a.clock_extensions),
}


def _offered(name: str, application: Application) -> bool:
    """Shown when the user's role allows it and the current state has such an edge."""
    _cls, policy, events = ACTION_FORMS[name]
    if not can(current_user, policy, application):
        return False
    condition = FORM_CONDITIONS.get(name)
    if condition is not None and not condition(application):
        return False
    if events is None:
        return application.state in FORM_STATES[name]
    return any((event, application.state) in TRANSITIONS
               and (name not in ("assign", "decide") or review_path_allows(application, event))
               for event in events)


def _stream_choices(application: Application) -> list[tuple[str, str]]:
    """The special streams the province runs for this kind of application."""
    runs = streams_for(application.province_code)
    return [(s.value, s.title) for s in Stream
            if application.kind in runs.get(s.value, [])]


def _fit_forms(name: str, form: Any, application: Application) -> None:
    """Per-application choices and fields of the action forms."""
    if name == "assign":
        form.reviewer_id.choices = [(u.id, u.display_name)
                                    for u in review_colleagues(application)]
    elif name == "upload":
        form.chapter.choices = [(c.code, str(c.title)) for c in application.checklist]
    elif name == "decide":
        _decision_choices(form, application)
    elif name == "stream":
        form.stream.choices = _stream_choices(application)
    elif name == "accept" and not application.requested_stream:
        del form.stream_decision
        del form.stream_reasons


def _decision_choices(form: Any, application: Application) -> None:
    """After a terminated review only a refusal (不予注册) is offered (Order 47 Art 54)."""
    if application.state == S.TERMINATED:
        form.decision.choices = [c for c in form.decision.choices if c[0] == "refuse"]


def qms_elapsed_working_days(application: Application, today: date) -> int | None:
    """Working days the QMS verification has taken so far (or took, once recorded), from its
    own start. Order 47 Art 93's 30-day limit is a Class III rule: a Class II verification has
    no limit, so this count is shown instead. A result recorded before verifications had a
    start counts from the start of technical review."""
    if not application.kind_enum.is_reviewed:
        return None
    start = application.qms_started_on
    if start is None and application.qms_recorded_on is not None:
        start = application.review_started_on
    if start is None:
        return None
    if application.qms_recorded_on is None and application.state != S.IN_REVIEW:
        return None
    return calendar_for(application.province_code).working_days_between(
        start, application.qms_recorded_on or today)


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
    for name, form in forms.items():
        _fit_forms(name, form, application)
    today = china_today()
    calendar = calendar_for(application.province_code)
    rounds = application.contents
    # each round with what changed since the one before (the first: None)
    submitted_rounds = [(row, frozen.changes_between(rounds[i - 1], row) if i else None)
                        for i, row in enumerate(rounds)]
    return render_template(
        "registrations/application_detail.html", application=application, forms=forms,
        submitted_rounds=submitted_rounds, item_title=frozen.item_title,
        clock=clock_for(application, today, calendar), today=today,
        qms_elapsed=qms_elapsed_working_days(application, today),
        filing=filing_window(application, application.received_on or today),
        periods=clock_periods(application, today, calendar),
        objection_until=objection_deadline(application, calendar),
        stream_title=Stream(application.stream).title,
        requested_stream_title=(Stream(application.requested_stream).title
                                if application.requested_stream else None),
        linked_arrangements=arrangements_filed_by(application),
    ), status


def run_action(application: Application, name: str, action: Callable[[Any], Any],
               success: str):  # type: ignore[no-untyped-def]
    """POST handler body shared by every application action."""
    form_class, policy, _events = ACTION_FORMS[name]
    # a role that may not take this action gets 403 before anything it sent is looked at
    authorize(current_user, policy, application)
    form = form_class()
    _fit_forms(name, form, application)
    return run_form_action(
        application, form, action, success=success,
        render=lambda bound, status: render_application(
            application, bound={name: bound} if bound else None, status=status),
        detail_url=url_for("registrations.application_detail", application_id=application.id))
