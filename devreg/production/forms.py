"""Production licence form."""

from __future__ import annotations

from datetime import date

from wtforms import DateField, SelectField, SelectMultipleField, StringField, ValidationError
from wtforms.validators import InputRequired
from wtforms.widgets import CheckboxInput, ListWidget

from devreg.forms import BaseForm
from devreg.i18n import _l
from devreg.production.numbers import parse_licence_number

REQUIRED = _l("This field is required.")


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class LicenceForm(BaseForm):
    number = StringField(_l("Licence number"), validators=[InputRequired(message=REQUIRED)],
                         description=_l("e.g. 苏药监械生产许20190001号"))
    organisation_id = SelectField(_l("Manufacturer"), coerce=int, choices=[],
                                  validators=[InputRequired(message=REQUIRED)])
    valid_until = DateField(_l("Valid until"), validators=[InputRequired(message=REQUIRED)])
    scope = MultiCheckboxField(_l("Scope (catalogue subcategories)"), choices=[],
                               validators=[InputRequired(message=_l("Choose at least one "
                                                                    "subcategory."))])

    def validate_number(self, field):  # type: ignore[no-untyped-def]
        if parse_licence_number(field.data or "", current_year=date.today().year) is None:
            raise ValidationError(_l("Not a production licence number in the official format, "
                                     "e.g. 冀药监械生产许20190001号 (or 食药监 before 2022)."))
