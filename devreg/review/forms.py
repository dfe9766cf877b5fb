"""Reviewer forms; every decision carries the signature password."""

from __future__ import annotations

from wtforms import HiddenField, RadioField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from devreg.forms import BaseForm, StaleGuard
from devreg.i18n import _l
from devreg.signatures.forms import SignatureForm

REQUIRED = _l("This field is required.")


class AcceptForm(StaleGuard, SignatureForm):
    pass


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


class PriorityForm(StaleGuard, BaseForm):
    priority = HiddenField()


class RevokeForm(SignatureForm):
    reasons = TextAreaField(_l("Reasons for revocation"),
                            validators=[InputRequired(message=REQUIRED), Length(max=20000)])
