"""Problem details (RFC 9457) for every error of an API path: ``application/problem+json``
with a translated title and detail, and the field errors of a refused query, in the language
of the request's Accept-Language (a session's saved choice does not apply to the API)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import marshmallow as ma
from flask import jsonify, request
from flask_babel import get_locale
from werkzeug.exceptions import HTTPException

from devreg.i18n import _

PROBLEM_JSON = "application/problem+json"


class FieldErrorSchema(ma.Schema):
    field = ma.fields.String(required=True, metadata={"description": "the parameter"})
    location = ma.fields.String(required=True,
                                metadata={"description": "query, path or header"})
    message = ma.fields.String(required=True)


class ProblemSchema(ma.Schema):
    """RFC 9457 problem details."""

    type = ma.fields.String(required=True, metadata={"example": "about:blank"})
    title = ma.fields.String(required=True)
    status = ma.fields.Integer(required=True)
    detail = ma.fields.String()
    instance = ma.fields.String()
    errors = ma.fields.List(ma.fields.Nested(FieldErrorSchema))


def _titles() -> dict[int, str]:
    return {
        400: _("Bad request"),
        401: _("Authentication required"),
        403: _("Not allowed"),
        404: _("Not found"),
        405: _("Method not allowed"),
        406: _("Not acceptable"),
        413: _("Request too large"),
        422: _("Invalid parameters"),
        429: _("Too many requests"),
        500: _("Server error"),
    }


def _details() -> dict[int, str]:
    return {
        400: _("The request could not be read."),
        401: _("Send a valid personal API token: Authorization: Bearer <token>."),
        403: _("The token's scope does not allow this."),
        404: _("No such record, or not one you may see."),
        405: _("The API is read-only: use GET."),
        422: _("One or more parameters are not valid; see errors."),
        429: _("Slow down: too many requests from this address. Try again in a minute."),
        500: _("Something went wrong on our side. The error was logged."),
    }


#: marshmallow's and webargs' English messages, matched to a translated message
_MESSAGES: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (re.compile(r"Not a valid date\."),
     lambda m: _("Not a valid date: use YYYY-MM-DD, e.g. 2026-06-01.")),
    (re.compile(r"Not a valid integer\."), lambda m: _("Not a whole number.")),
    (re.compile(r"Not a valid string\."), lambda m: _("Not a text value.")),
    (re.compile(r"Missing data for required field\."), lambda m: _("This parameter is required.")),
    (re.compile(r"Must be one of: (.*)\."),
     lambda m: _("Must be one of: %(choices)s.", choices=m.group(1))),
    (re.compile(r"Must be greater than or equal to (\d+) and less than or equal to (\d+)\."),
     lambda m: _("Must be between %(low)s and %(high)s.", low=m.group(1), high=m.group(2))),
    (re.compile(r"Longer than maximum length (\d+)\."),
     lambda m: _("At most %(count)s characters.", count=m.group(1))),
    (re.compile(r"Unknown field\."), lambda m: _("Unknown parameter.")),
]


def translate_message(message: Any) -> str:
    text = str(message)
    for pattern, translated in _MESSAGES:
        match = pattern.fullmatch(text)
        if match:
            return translated(match)
    return text  # devreg's own validators raise messages already translated


def field_errors(messages: Any) -> list[dict[str, str]]:
    """webargs' {location: {field: [messages]}} as a flat list of field errors."""
    errors = []
    if not isinstance(messages, dict):
        return errors
    for location, fields in messages.items():
        if not isinstance(fields, dict):
            continue
        for field, texts in fields.items():
            for text in texts if isinstance(texts, list | tuple) else [texts]:
                errors.append({"field": str(field), "location": str(location),
                               "message": translate_message(text)})
    return errors


def content_language() -> str:
    locale = get_locale()
    return "zh-CN" if locale is not None and locale.language == "zh" else "en"


def problem(status: int, detail: str | None = None, *,
            errors: list[dict[str, str]] | None = None, headers: dict[str, str] | None = None):
    """A problem details response."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": _titles().get(status, str(status)),
        "status": status,
        "detail": detail or _details().get(status, ""),
        "instance": request.path,
    }
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM_JSON
    response.headers["Content-Language"] = content_language()
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def render_problem(error: HTTPException):  # type: ignore[no-untyped-def]
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    headers = dict(data.get("headers") or {})
    if status == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)  # type: ignore[attr-defined]
    if status == 401:
        headers.setdefault("WWW-Authenticate", 'Bearer realm="devreg"')
    detail = data.get("message")
    if detail is None and getattr(error, "api_detail", None):
        detail = error.api_detail  # type: ignore[attr-defined]
    return problem(status, str(detail) if detail else None,
                   errors=field_errors(data.get("messages") or data.get("errors")),
                   headers=headers)
