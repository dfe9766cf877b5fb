"""The account page's notification choices, one select per kind the user can receive."""

from __future__ import annotations

from typing import Any

from wtforms import SelectField
from wtforms.validators import DataRequired, InputRequired

from devreg.forms import BaseForm
from devreg.i18n import _l
from devreg.notifications.kinds import KINDS, kinds_for
from devreg.notifications.models import Channel


class PreferencesForm(BaseForm):
    language = SelectField(_l("Language of e-mails and pages"),
                           choices=[("zh_CN", "中文"), ("en", "English")],
                           validators=[InputRequired()])


def preferences_form(role: str, **kwargs: Any) -> PreferencesForm:
    """A form with a ``kind_<name>`` select for each kind of the role."""

    class _Form(PreferencesForm):
        pass

    for kind in kinds_for(role):
        setattr(_Form, f"kind_{kind}", SelectField(
            KINDS[kind].title, choices=[(c.value, c.title) for c in Channel],
            validators=[DataRequired()], default=Channel.BOTH.value,
            render_kw={"disabled": True} if KINDS[kind].mandatory else None))
    return _Form(**kwargs)
