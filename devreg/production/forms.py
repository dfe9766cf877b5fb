"""Production licence form."""

from __future__ import annotations

from wtforms import (
    DateField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from devreg.clock import china_today
from devreg.forms import BaseForm
from devreg.i18n import _l
from devreg.production.numbers import parse_licence_number
from devreg.signatures.forms import SignatureForm

REQUIRED = _l("This field is required.")


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class LicenceForm(BaseForm):
    #: the version the page showed (optimistic locking); filled from the record on GET
    version = HiddenField()
    number = StringField(_l("Licence number"), validators=[InputRequired(message=REQUIRED)],
                         description=_l("e.g. 苏药监械生产许20190001号"))
    organisation_id = SelectField(_l("Manufacturer"), coerce=int, choices=[],
                                  validators=[InputRequired(message=REQUIRED)])
    province_code = SelectField(
        _l("Issuing province"), choices=[], validators=[Optional()],
        description=_l("The province where the production sites are (Order 53 Art 4, 18), "
                       "which need not be the company's registered province. Left blank: the "
                       "province the number's abbreviation names."))
    valid_until = DateField(_l("Valid until"), validators=[InputRequired(message=REQUIRED)])
    scope = MultiCheckboxField(_l("Scope (catalogue subcategories)"), choices=[],
                               validators=[InputRequired(message=_l("Choose at least one "
                                                                    "subcategory."))])

    def validate_number(self, field):  # type: ignore[no-untyped-def]
        if parse_licence_number(field.data or "", current_year=china_today().year) is None:
            raise ValidationError(_l("Not a production licence number in the official format, "
                                     "e.g. 冀药监械生产许20190001号 (or 食药监 before 2022)."))


class SiteForm(BaseForm):
    address = StringField(_l("Production site address"),
                          validators=[InputRequired(message=REQUIRED), Length(max=300)])


class ScopeChangeForm(BaseForm):
    codes = MultiCheckboxField(_l("Subcategories to add"), choices=[], validators=[Optional()])
    new_site_address = StringField(_l("New production site (optional)"),
                                   validators=[Optional(), Length(max=300)])
    reason = TextAreaField(_l("Reason"), validators=[InputRequired(message=REQUIRED),
                                                     Length(max=5000)])


class ScopeDecisionForm(SignatureForm):
    decision = RadioField(_l("Decision"), choices=[("approve", _l("Approve")),
                                                   ("reject", _l("Reject"))],
                          validators=[InputRequired(message=REQUIRED)])
    reason = TextAreaField(_l("Reasons (required for rejection)"),
                           validators=[Optional(), Length(max=5000)])


class RenewalForm(BaseForm):
    applied_on = DateField(_l("Renewal applied for on"),
                           validators=[InputRequired(message=REQUIRED)])
    approved_on = DateField(_l("Renewal approved on"),
                            validators=[InputRequired(message=REQUIRED)])


class NoCommissionEntryForm(BaseForm):
    code = StringField(_l("Catalogue code"), validators=[InputRequired(message=REQUIRED),
                                                         Length(max=20)],
                       description=_l("As printed on the list, e.g. 12-01-01"))
    name = StringField(_l("Product name"), validators=[InputRequired(message=REQUIRED),
                                                       Length(max=200)])
    keyword = StringField(_l("Keyword a device name must contain"),
                          validators=[InputRequired(message=REQUIRED), Length(max=100)])
