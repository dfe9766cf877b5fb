"""Authorization in one place.

Two questions, two answers:
- *May this user see this record?* is answered by the domain's ``queries`` (``get_*_or_404``),
  which scope every lookup by organisation and jurisdiction and answer 404 for anything else,
  so a record's existence never leaks.
- *May this user do this action?* is answered here: ``authorize(user, "domain.verb", obj)``
  raises 403 when the registered policy says no. Each action is one ``@policy`` function.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user, login_required

PolicyFn = Callable[[Any, Any], bool]
_POLICIES: dict[str, PolicyFn] = {}
F = TypeVar("F", bound=Callable[..., Any])


class UnknownAction(LookupError):
    """Asking about an action no policy defines is a programming error, never a silent 'no'."""


def policy(action: str) -> Callable[[PolicyFn], PolicyFn]:
    def register(fn: PolicyFn) -> PolicyFn:
        if action in _POLICIES:
            raise ValueError(f"policy {action!r} registered twice")
        _POLICIES[action] = fn
        return fn

    return register


def can(user: Any, action: str, obj: Any = None) -> bool:
    try:
        rule = _POLICIES[action]
    except KeyError:
        raise UnknownAction(action) from None
    if user is None or not user.is_authenticated:
        return False
    return bool(rule(user, obj))


def authorize(user: Any, action: str, obj: Any = None) -> None:
    if not can(user, action, obj):
        abort(403)


def requires(action: str) -> Callable[[F], F]:
    """Sign-in plus a role-level policy (no record) for a whole view."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            authorize(current_user, action)
            return view(*args, **kwargs)

        return login_required(wrapped)  # type: ignore[return-value]

    return decorate


def registered_actions() -> list[str]:
    return sorted(_POLICIES)
