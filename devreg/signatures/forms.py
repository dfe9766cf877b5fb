"""The password re-entry every signing form carries."""

from wtforms import PasswordField
from wtforms.validators import InputRequired

from devreg.forms import BaseForm
from devreg.i18n import _l


class SignatureForm(BaseForm):
    """Subclass and add the decision's own fields; ``signature_password`` is checked by sign()."""

    signature_password = PasswordField(
        _l("Your password (electronic signature)"),
        validators=[InputRequired(message=_l("Enter your password to sign."))],
        description=_l("Re-entering your password signs this record with your name, "
                       "the date and time, and the meaning shown."),
    )
