"""Organisation form."""

from __future__ import annotations

from wtforms import BooleanField, SelectField, StringField, ValidationError
from wtforms.validators import InputRequired, Length, Optional

from devreg.forms import BaseForm
from devreg.i18n import _l
from devreg.orgs.uscc import is_valid_uscc, normalise_uscc

REQUIRED = _l("This field is required.")


class OrganisationForm(BaseForm):
    name_zh = StringField(_l("Name (Chinese)"), validators=[InputRequired(message=REQUIRED),
                                                           Length(max=200)])
    name_en = StringField(_l("Name (English, optional)"), validators=[Optional(),
                                                                     Length(max=200)])
    uscc = StringField(
        _l("Unified Social Credit Code"),
        validators=[InputRequired(message=REQUIRED)],
        filters=[lambda v: normalise_uscc(v) if isinstance(v, str) else v],
        description=_l("18 characters, e.g. 91350100M000100Y43"),
    )
    province_code = SelectField(_l("Province"), choices=[],
                                validators=[InputRequired(message=REQUIRED)])
    address = StringField(_l("Address"), validators=[InputRequired(message=REQUIRED),
                                                     Length(max=300)])
    is_holder = BooleanField(_l("Registration holder (注册人)"))
    is_manufacturer = BooleanField(_l("Manufacturer (生产企业)"))
    is_regulator = BooleanField(_l("Regulator (provincial medical products administration)"))

    def validate_uscc(self, field):  # type: ignore[no-untyped-def]
        if not is_valid_uscc(field.data or ""):
            raise ValidationError(_l("This is not a valid Unified Social Credit Code: it needs "
                                     "18 characters and a matching check character."))

    def validate_is_regulator(self, field):  # type: ignore[no-untyped-def]
        company = self.is_holder.data or self.is_manufacturer.data
        if field.data and company:
            raise ValidationError(_l("A regulator cannot also be a holder or manufacturer."))
        if not field.data and not company:
            raise ValidationError(_l("Choose what the organisation is."))
