"""Everyone signed in has an inbox and chooses what reaches them."""

from devreg.permissions import policy


@policy("notifications.inbox")
def inbox(user, item) -> bool:  # type: ignore[no-untyped-def]
    """One's own inbox items only (another's answers 404 in the view, never 403)."""
    return bool(user.is_authenticated) and (item is None or item.user_id == user.id)
