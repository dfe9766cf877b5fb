"""The import upload, its confirmation, and the signed counter setting."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, IntegerField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange

from devreg.forms import BaseForm
from devreg.i18n import _l
from devreg.signatures.forms import SignatureForm

REQUIRED = _l("This field is required.")


class ImportForm(BaseForm):
    kind = SelectField(_l("What the file holds"), choices=[],
                       validators=[InputRequired(message=REQUIRED)])
    file = FileField(_l("File (.xlsx or .csv UTF-8)"),
                     validators=[FileRequired(message=_l("Choose a file."))])


class ConfirmForm(BaseForm):
    token = HiddenField(validators=[InputRequired()])


class CounterForm(SignatureForm):
    province_code = SelectField(_l("Province"), choices=[],
                                validators=[InputRequired(message=REQUIRED)])
    year = IntegerField(_l("Year"), validators=[
        InputRequired(message=_l("Enter a year.")),
        NumberRange(min=2000, max=2100, message=_l("Enter a year between 2000 and 2100."))])
    value = IntegerField(_l("Last serial used"), validators=[
        InputRequired(message=_l("Enter a number.")),
        NumberRange(min=0, max=9999, message=_l("Enter a number from 0 to 9999."))],
        description=_l("The next certificate gets the serial after this one."))
    reason = TextAreaField(_l("Reason"), validators=[InputRequired(message=REQUIRED),
                                                     Length(max=2000)])
