"""Sign-in, password and user-management forms."""

from __future__ import annotations

from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import Email, EqualTo, InputRequired, Length, Optional

from devreg.auth.roles import Role
from devreg.forms import BaseForm
from devreg.i18n import _l

REQUIRED = _l("This field is required.")


class LoginForm(BaseForm):
    email = EmailField(_l("Email"), validators=[InputRequired(message=REQUIRED),
                                                Length(max=254)])
    password = PasswordField(_l("Password"), validators=[InputRequired(message=REQUIRED)])


class PasswordChangeForm(BaseForm):
    current_password = PasswordField(_l("Current password"),
                                     validators=[InputRequired(message=REQUIRED)])
    new_password = PasswordField(
        _l("New password"),
        validators=[InputRequired(message=REQUIRED), Length(max=200)],
        description=_l("At least 10 characters, not your email, not a common password."),
    )
    confirm_password = PasswordField(
        _l("Repeat the new password"),
        validators=[InputRequired(message=REQUIRED),
                    EqualTo("new_password", message=_l("The two passwords differ."))],
    )


def role_choices() -> list[tuple[str, str]]:
    return [(r.value, r.title) for r in Role]


class UserFields(BaseForm):
    email = EmailField(_l("Email"), validators=[
        InputRequired(message=REQUIRED),
        Email(message=_l("Enter a valid email address."), check_deliverability=False),
        Length(max=254)])
    display_name = StringField(_l("Printed name"), validators=[InputRequired(message=REQUIRED),
                                                               Length(max=100)])
    role = SelectField(_l("Role"), choices=[], validators=[InputRequired(message=REQUIRED)])
    organisation_id = SelectField(_l("Organisation"), coerce=int, choices=[],
                                  validators=[Optional()])
    has_accept_duty = BooleanField(_l("Acceptance duty"))
    has_review_duty = BooleanField(_l("Technical review duty"))
    has_approve_duty = BooleanField(_l("Approval duty"))


class UserEditForm(UserFields):
    identity_reason = StringField(
        _l("Reason for a change of name or email"),
        validators=[Optional(), Length(max=200)],
        description=_l("Only corrections for the same person (a misspelt name, a legal name "
                       "change, a new address): an account is never handed to someone else."))


class UserCreateForm(UserFields):
    password = PasswordField(
        _l("Initial password"),
        validators=[InputRequired(message=REQUIRED), Length(max=200)],
        description=_l("At least 10 characters, not the email, not a common password."),
    )


class PasswordResetForm(BaseForm):
    new_password = PasswordField(_l("New password"),
                                 validators=[InputRequired(message=REQUIRED), Length(max=200)])


class ConfirmForm(BaseForm):
    """A bare POST form: the CSRF token is its only field."""
