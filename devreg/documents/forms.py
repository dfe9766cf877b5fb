"""The seal upload and the public hash check."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional, Regexp

from devreg.forms import BaseForm
from devreg.i18n import _l


class SealForm(BaseForm):
    province = SelectField(_l("Province"), choices=[],
                           validators=[InputRequired(message=_l("Choose a province."))])
    file = FileField(_l("Seal image (PNG or JPEG, at most 1 MB)"),
                     validators=[FileRequired(message=_l("Choose an image file."))])


class HashCheckForm(BaseForm):
    file = FileField(_l("The PDF you received"))
    sha256 = StringField(_l("or its SHA-256 (64 hexadecimal characters)"), validators=[
        Optional(), Length(max=64),
        Regexp(r"^[0-9a-fA-F]{64}$",
               message=_l("A SHA-256 is 64 hexadecimal characters (0-9, a-f)."))])
