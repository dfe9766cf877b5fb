"""The account page's form for a new personal API token."""

from __future__ import annotations

from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from devreg.api.tokens import LIFETIMES, SCOPES
from devreg.forms import BaseForm
from devreg.i18n import _l
from devreg.production.forms import MultiCheckboxField


class TokenForm(BaseForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)],
                       description=_l("What the token is for, e.g. “ERP sync”."))
    scopes = MultiCheckboxField(_l("May read"), validators=[DataRequired()])
    days = SelectField(_l("Works for"), coerce=int, default=90)

    def set_choices(self, allowed: tuple[str, ...] | list[str]) -> None:
        self.scopes.choices = [(s, str(SCOPES[s])) for s in allowed]
        self.days.choices = [(d, str(_l("%(days)d days", days=d))) for d in LIFETIMES]
