"""`flask outbox send`: send the due rows of the outbox (cron, or after a deployment without
Redis); `flask outbox status`: how many rows are in each state."""

from __future__ import annotations

import click
from sqlalchemy import func, select

from devreg.extensions import db


@click.group("outbox")
def outbox_group() -> None:
    """The e-mail outbox."""


@outbox_group.command("send")
def outbox_send_command() -> None:
    """Send every due e-mail; failures are retried later with backoff."""
    from devreg.notifications.sending import send_due

    try:
        result = send_due()
    except Exception as error:
        db.session.rollback()
        raise click.ClickException(f"outbox not sent: {type(error).__name__}: {error}") from None
    click.echo(f"sent: {len(result.sent)}, to retry: {len(result.retried)}, "
               f"failed: {len(result.failed)}")


@outbox_group.command("status")
def outbox_status_command() -> None:
    """Rows per status."""
    from devreg.notifications.models import OutboxMessage

    counts = dict(db.session.execute(select(OutboxMessage.status, func.count(OutboxMessage.id))
                                     .group_by(OutboxMessage.status)).all())
    click.echo(", ".join(f"{status}: {counts.get(status, 0)}"
                         for status in ("pending", "sending", "sent", "failed")))
