"""Form base: CSRF always on, translated WTForms messages, stripped text."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import HiddenField


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class BaseForm(FlaskForm):
    class Meta:
        def bind_field(self, form, unbound_field, options):  # type: ignore[no-untyped-def]
            filters = list(unbound_field.kwargs.get("filters", []))
            if unbound_field.field_class.__name__ in {"StringField", "TextAreaField",
                                                      "EmailField"}:
                filters.append(_strip)
            return unbound_field.bind(form=form, filters=filters, **options)



class StaleGuard:
    """Mixin: the record version the page was rendered with. An action posted from a stale
    page is refused (optimistic locking), so two people acting at once cannot overwrite."""

    version = HiddenField()
