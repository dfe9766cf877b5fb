"""``flask api export-registry``: build the day's bulk export (for a daily cron job)."""

from __future__ import annotations

from datetime import date

import click
from flask.cli import with_appcontext

from devreg.clock import china_today


@click.group("api")
def api_group() -> None:
    """The REST API's jobs."""


@api_group.command("export-registry")
@click.option("--day", help="YYYY-MM-DD (default: today, China time)")
@with_appcontext
def export_registry_command(day: str | None) -> None:
    """Build the day's registry export (JSON Lines and CSV with SHA-256) in the file store."""
    from devreg.api import export

    try:
        when = date.fromisoformat(day) if day else china_today()
    except ValueError:
        raise click.ClickException(f"--day {day!r} is not a date (YYYY-MM-DD)") from None
    try:
        record = export.build(when)
    except Exception as error:  # one clear line, never a traceback
        raise click.ClickException(f"export failed: {error}") from None
    files = ", ".join(f"{fmt} {meta['size']} bytes sha256 {meta['sha256'][:16]}…"
                      for fmt, meta in record["files"].items())
    click.echo(f"registry export {record['day']}: {record['count']} certificates; {files}")
