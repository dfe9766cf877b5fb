"""Arrangement forms."""

from __future__ import annotations

from flask_wtf.file import FileField, MultipleFileField
from wtforms import DateField, RadioField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from devreg.arrangements.clauses import CLAUSES
from devreg.forms import BaseForm, StaleGuard
from devreg.i18n import _l
from devreg.production.forms import MultiCheckboxField
from devreg.signatures.forms import SignatureForm

REQUIRED = _l("This field is required.")


class ProposalForm(BaseForm):
    device_id = SelectField(_l("Device"), coerce=int, choices=[],
                            validators=[InputRequired(message=REQUIRED)])
    site_id = SelectField(_l("Production site (manufacturer, licence)"), coerce=int, choices=[],
                          validators=[InputRequired(message=REQUIRED)])
    planned_start = DateField(_l("Planned start"), validators=[InputRequired(message=REQUIRED)])
    planned_end = DateField(_l("Planned end (optional)"), validators=[Optional()])
    clauses = MultiCheckboxField(
        _l("The quality agreement covers these clause headings"),
        choices=[(code, title) for code, title in CLAUSES.items()], validators=[Optional()])
    agreement = FileField(_l("Signed quality agreement (not needed for self-manufacture)"))
    agreement_until = DateField(_l("Quality agreement valid until"), validators=[Optional()])
    commission_agreement = FileField(_l("Signed commission agreement (委托协议; not needed for "
                                        "self-manufacture)"))
    commission_until = DateField(_l("Commission agreement valid until"),
                                 validators=[Optional()])

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.clauses.widget = ListWidget(prefix_label=False)
        self.clauses.option_widget = CheckboxInput()


class ConfirmForm(StaleGuard, SignatureForm):
    pass


class DeclineForm(StaleGuard, BaseForm):
    reason = TextAreaField(_l("Reason for declining"),
                           validators=[InputRequired(message=REQUIRED), Length(max=5000)])


class WithdrawForm(StaleGuard, BaseForm):
    pass


class EndForm(StaleGuard, BaseForm):
    end_date = DateField(_l("End date"), validators=[InputRequired(message=REQUIRED)])
    reason = TextAreaField(_l("Reason for ending"),
                           validators=[InputRequired(message=REQUIRED), Length(max=5000)])


PART_CHOICES = [("", _l("The part my province supervises")),
                ("holder", _l("The registration holder (holder's province)")),
                ("manufacturer", _l("The manufacturer's factory (site's province)"))]


class LiftForm(StaleGuard, SignatureForm):
    reason = TextAreaField(_l("Reasons"), validators=[InputRequired(message=REQUIRED),
                                                      Length(max=5000)])


class SuspendForm(LiftForm):
    part = SelectField(_l("The order concerns"), choices=PART_CHOICES, validators=[Optional()])


class SupervisionForm(BaseForm):
    kind = RadioField(_l("Action"), choices=[("inspection", _l("Inspection")),
                                             ("rectification", _l("Request for rectification"))],
                      validators=[InputRequired(message=REQUIRED)])
    action_date = DateField(_l("Date"), validators=[InputRequired(message=REQUIRED)])
    result = SelectField(_l("Inspection result"), choices=[
        ("", "—"), ("satisfactory", _l("Satisfactory")), ("deficiencies", _l("Deficiencies")),
        ("serious_deficiencies", _l("Serious deficiencies"))], validators=[Optional()])
    findings = TextAreaField(_l("Findings or requested rectification"),
                             validators=[InputRequired(message=REQUIRED), Length(max=20000)])
    part = SelectField(_l("The action concerns"), choices=PART_CHOICES, validators=[Optional()])
    mode = SelectField(_l("Carried out"), choices=[
        ("own", _l("By my province")),
        ("joint", _l("Jointly with the other province (Order 53 Art 57)")),
        ("delegated", _l("On delegation by the other province (Order 53 Art 57)"))],
        validators=[Optional()])


class AgreementReviewForm(BaseForm):
    kind = RadioField(_l("What was done"), choices=[
        ("audit", _l("Yearly audit of the manufacturer (NMPA 2022 No. 20)")),
        ("review", _l("Yearly review of the quality agreement (NMPA 2024 No. 38 §5)"))],
        validators=[InputRequired(message=REQUIRED)])
    done_on = DateField(_l("Date"), validators=[InputRequired(message=REQUIRED)])
    notes = TextAreaField(_l("Findings and conclusions"),
                          validators=[InputRequired(message=REQUIRED), Length(max=20000)])


class NoticeForm(BaseForm):
    """A written notice to the other province (信息通报), or an answer in its thread."""

    body = TextAreaField(_l("Notice"), validators=[InputRequired(), Length(max=5000)])
    attachments = MultipleFileField(_l("Attachments (PDF, images, DOCX, XLSX)"))
