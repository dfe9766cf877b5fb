"""Holder forms: devices, applications, uploads, submission, supplement answers."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from devreg.forms import BaseForm
from devreg.i18n import _l
from devreg.signatures.forms import SignatureForm

REQUIRED = _l("This field is required.")


class DeviceForm(BaseForm):
    name = StringField(_l("Device name"), validators=[InputRequired(message=REQUIRED),
                                                      Length(max=200)])
    model_spec = TextAreaField(_l("Models and specifications"),
                               validators=[InputRequired(message=REQUIRED), Length(max=5000)])
    structure = TextAreaField(_l("Structure and composition"),
                              validators=[InputRequired(message=REQUIRED), Length(max=5000)])
    intended_use = TextAreaField(_l("Intended use"),
                                 validators=[InputRequired(message=REQUIRED), Length(max=5000)])
    technical_requirements = TextAreaField(
        _l("Product technical requirements"), validators=[Optional(), Length(max=20000)],
        description=_l("The performance indicators and test methods (产品技术要求), in "
                       "summary; the full document is dossier chapter 3."))
    device_class = RadioField(
        _l("Device class"), default="2",
        choices=[("1", _l("Class I")), ("2", _l("Class II")), ("3", _l("Class III"))],
        validators=[InputRequired(message=REQUIRED)])
    category_code = SelectField(_l("Catalogue subcategory"), choices=[],
                                validators=[InputRequired(message=REQUIRED)])
    is_ivd_reagent = BooleanField(_l("In-vitro diagnostic reagent (numbering code 40)"))


class InitialApplicationForm(BaseForm):
    production_address = TextAreaField(
        _l("Production address(es)"), validators=[InputRequired(message=REQUIRED),
                                                   Length(max=2000)],
        description=_l("As it will be printed on the certificate; one per line."))


class CertificateApplicationForm(BaseForm):
    """Change registration, renewal, cancellation and change filing."""

    change_description = TextAreaField(_l("Description of the change or reason"),
                                       validators=[InputRequired(message=REQUIRED),
                                                   Length(max=5000)])
    device_name = StringField(_l("New device name"), validators=[Optional(), Length(max=200)])
    model_spec = TextAreaField(_l("New models and specifications"),
                               validators=[Optional(), Length(max=5000)])
    structure = TextAreaField(_l("New structure and composition"),
                              validators=[Optional(), Length(max=5000)])
    intended_use = TextAreaField(_l("New intended use"), validators=[Optional(),
                                                                     Length(max=5000)])
    technical_requirements = TextAreaField(_l("New product technical requirements"),
                                           validators=[Optional(), Length(max=20000)])
    holder_name = StringField(_l("New holder name"), validators=[Optional(), Length(max=200)])
    holder_address = StringField(_l("New holder address"), validators=[Optional(),
                                                                       Length(max=300)])
    production_address = TextAreaField(_l("New production address"),
                                       validators=[Optional(), Length(max=2000)])
    # Order 47 Art 79 ¶2: substantive changes, described for review (change registration)
    design = TextAreaField(_l("Change of design"), validators=[Optional(), Length(max=5000)])
    raw_materials = TextAreaField(_l("Change of raw materials"),
                                  validators=[Optional(), Length(max=5000)])
    production_process = TextAreaField(_l("Change of production process"),
                                       validators=[Optional(), Length(max=5000)])
    method_of_use = TextAreaField(_l("Change of method of use"),
                                  validators=[Optional(), Length(max=5000)])
    changed_on = DateField(_l("Date of the change"), validators=[Optional()],
                           description=_l("A change filing is due within 30 days of the change "
                                          "(Order 47 Art 79)."))


class UploadForm(BaseForm):
    chapter = SelectField(_l("Chapter"), choices=[], validators=[InputRequired(message=REQUIRED)])
    file = FileField(_l("File (PDF, PNG, JPEG, DOCX or XLSX)"),
                     validators=[FileRequired(message=_l("Choose a file."))])


class SubmitForm(SignatureForm):
    declaration = BooleanField(_l("I declare that the dossier is true, accurate and complete, "
                                  "and that the device is Class II."))


class SupplementAnswerForm(SignatureForm):
    answer = TextAreaField(_l("Answer to every requested item"),
                           validators=[InputRequired(message=REQUIRED), Length(max=20000)])


class RemoveFileForm(BaseForm):
    """CSRF only: takes a chapter's current file out of the draft dossier."""


class WithdrawForm(BaseForm):
    # Order 47 Art 55: the reason is stated (a never-submitted draft needs none)
    reason = TextAreaField(_l("Reason for withdrawing"),
                           validators=[Optional(), Length(max=20000)])


class StreamRequestForm(BaseForm):
    stream = SelectField(_l("Review stream"), choices=[],
                         validators=[InputRequired(message=REQUIRED)])
    reason = TextAreaField(_l("Why the application qualifies"),
                           validators=[InputRequired(message=REQUIRED), Length(max=20000)])


class ObjectionForm(SignatureForm):
    text = TextAreaField(_l("Objection (on the original application and dossier only)"),
                         validators=[InputRequired(message=REQUIRED), Length(max=20000)])
