"""`flask audit verify`."""

from __future__ import annotations

import sys

import click

from devreg.audit import bp
from devreg.audit.queries import verify_chain


@bp.cli.command("verify")
def verify_command() -> None:
    """Check every audit event's hash and its link to the previous event."""
    count, broken = verify_chain()
    if broken is None:
        click.echo(f"OK: {count} events, chain intact")
        return
    click.echo(f"BROKEN at event {broken.event_id}: {broken.reason}", err=False)
    sys.exit(1)
