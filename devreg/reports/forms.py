"""Report forms."""

from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import BooleanField, IntegerField
from wtforms.validators import InputRequired, NumberRange

from devreg.i18n import _l
from devreg.signatures.forms import SignatureForm

REQUIRED = _l("This field is required.")


class SelfInspectionForm(SignatureForm):
    year = IntegerField(_l("Year reported on"), validators=[
        InputRequired(message=REQUIRED), NumberRange(min=2000, max=2100)])
    report = FileField(_l("Self-inspection report"))
    declaration = BooleanField(_l("I declare that the report is true, accurate and complete "
                                  "(Order 53 Art 45)."))
