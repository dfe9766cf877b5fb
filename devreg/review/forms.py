"""Reviewer forms; every decision carries the signature password."""

from __future__ import annotations

from wtforms import IntegerField, RadioField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from devreg.forms import BaseForm, StaleGuard
from devreg.i18n import _l
from devreg.registrations.models import MANUAL_PAUSE_REASONS, PAUSE_REASON_TITLES
from devreg.signatures.forms import SignatureForm

REQUIRED = _l("This field is required.")


class AcceptForm(StaleGuard, SignatureForm):
    #: shown only when the holder requested a special stream (removed from the form otherwise)
    stream_decision = RadioField(_l("Requested review stream"), choices=[
        ("grant", _l("Grant")), ("refuse", _l("Refuse"))], validators=[Optional()])
    stream_reasons = TextAreaField(_l("Reasons (required when the stream is refused)"),
                                   validators=[Optional(), Length(max=20000)])


class CorrectionForm(StaleGuard, SignatureForm):
    items = TextAreaField(_l("Every item to correct (all at once)"),
                          validators=[InputRequired(message=REQUIRED), Length(max=20000)])


class RefuseAcceptanceForm(StaleGuard, SignatureForm):
    reasons = TextAreaField(_l("Reasons for not accepting"),
                            validators=[InputRequired(message=REQUIRED), Length(max=20000)])


class AssignForm(StaleGuard, BaseForm):
    reviewer_id = SelectField(_l("Reviewer"), coerce=int, choices=[],
                              validators=[InputRequired(message=REQUIRED)])


class SupplementRequestForm(StaleGuard, SignatureForm):
    items = TextAreaField(_l("Every item the holder must supply (one notice)"),
                          validators=[InputRequired(message=REQUIRED), Length(max=20000)])


class QmsForm(StaleGuard, BaseForm):
    result = RadioField(_l("QMS verification result"), choices=[
        ("pass", _l("Pass")), ("pass_after_rectification", _l("Pass after rectification")),
        ("fail", _l("Fail"))], validators=[InputRequired(message=REQUIRED)])
    notes = TextAreaField(_l("Findings"), validators=[Optional(), Length(max=20000)])


class QmsStartForm(StaleGuard, BaseForm):
    """CSRF and version only: the verification starts today and pauses the review clock."""


class PauseForm(StaleGuard, SignatureForm):
    reason = SelectField(_l("Why the clock stops"), choices=[
        (r.value, PAUSE_REASON_TITLES[r]) for r in MANUAL_PAUSE_REASONS],
        validators=[InputRequired(message=REQUIRED)])
    notice = TextAreaField(_l("Written notice to the holder (the reason)"),
                           validators=[InputRequired(message=REQUIRED), Length(max=20000)])


class ResumeForm(StaleGuard, BaseForm):
    """CSRF and version only: the clock runs again from the next working day."""


class ExtensionForm(StaleGuard, SignatureForm):
    working_days = IntegerField(
        _l("Extension (working days)"),
        validators=[InputRequired(message=REQUIRED),
                    NumberRange(min=1, max=999, message=_l("Enter a number of working days."))],
        description=_l("At most half of the stage's limit, once (Order 47 Art 96)."))
    reason = TextAreaField(_l("Reason, as the holder is told it in writing"),
                           validators=[InputRequired(message=REQUIRED), Length(max=20000)])


class OpinionForm(StaleGuard, SignatureForm):
    recommendation = RadioField(_l("Recommendation"), choices=[
        ("approve", _l("Approve")), ("refuse", _l("Refuse"))],
        validators=[InputRequired(message=REQUIRED)])
    text = TextAreaField(_l("Review opinion"), validators=[InputRequired(message=REQUIRED),
                                                          Length(max=20000)])


class DecisionForm(StaleGuard, SignatureForm):
    decision = RadioField(_l("Decision"), choices=[
        ("approve", _l("Approve")), ("refuse", _l("Refuse"))],
        validators=[InputRequired(message=REQUIRED)])
    reasons = TextAreaField(_l("Reasons (required for refusal)"),
                            validators=[Optional(), Length(max=20000)])


class ObjectionOutcomeForm(StaleGuard, SignatureForm):
    outcome = RadioField(_l("Outcome"), choices=[
        ("maintained", _l("Opinion maintained")),
        ("revised", _l("Opinion revised: approval recommended"))],
        validators=[InputRequired(message=REQUIRED)])
    text = TextAreaField(_l("Answer to the holder"),
                         validators=[InputRequired(message=REQUIRED), Length(max=20000)])


class RevokeForm(SignatureForm):
    reasons = TextAreaField(_l("Reasons for revocation"),
                            validators=[InputRequired(message=REQUIRED), Length(max=20000)])
