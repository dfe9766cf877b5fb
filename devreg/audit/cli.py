"""`flask audit verify` and `flask audit checkpoint`."""

from __future__ import annotations

import sys

import click

from devreg.audit import bp, checkpoints
from devreg.audit.models import GENESIS_HASH
from devreg.audit.queries import extends, legacy_count, trail_head, verify_rows, verify_trail


def _progress(message: str) -> None:
    click.echo(message, err=True)


@bp.cli.command("verify")
@click.option("--checkpoints", "checkpoint_file", default=None, metavar="PATH",
              help="Checkpoint file to compare against (default: AUDIT_CHECKPOINT_PATH).")
def verify_command(checkpoint_file: str | None) -> None:
    """Check every event's HMAC and link, the trail against every checkpoint, and every audited
    row against the state its events reconstruct. One line per problem; exit 1 if any."""
    path = checkpoint_file or checkpoints.checkpoint_path()
    report = verify_trail(checkpoints.read(path), progress=_progress)
    problems = report.problems + verify_rows(progress=_progress if report.events > 100_000
                                             else None)
    if not problems:
        legacy = f" ({report.legacy} legacy SHA-256 events)" if report.legacy else ""
        matched = ("1 checkpoint matches" if report.checkpoints == 1
                   else f"{report.checkpoints} checkpoints match")
        click.echo(f"OK: {report.events} events, chain intact{legacy}; {matched}; "
                   "audited rows match the trail")
        return
    for line in problems:
        click.echo(line)
    click.echo(f"FAILED: {len(problems)} problems found", err=True)
    sys.exit(1)


@bp.cli.command("checkpoint")
@click.option("--path", "target", default=None, metavar="PATH",
              help='Where to append (default: AUDIT_CHECKPOINT_PATH; "-" = stdout).')
def checkpoint_command(target: str | None) -> None:
    """Append a signed checkpoint (event count, head hash, time) outside the database.

    Refuses when the trail no longer extends the previous checkpoint (checking only the events
    written since), so a truncated or re-chained trail is never blessed by a new checkpoint."""
    path = target or checkpoints.checkpoint_path()
    previous = checkpoints.latest(checkpoints.checkpoint_path() if path == "-" else path)
    problem = extends(previous) if previous is not None else None
    if problem:
        click.echo(f"Refused: the trail does not extend the last checkpoint: {problem}")
        sys.exit(1)
    events, head_id, head_hash = trail_head()
    checkpoint = checkpoints.new_checkpoint(events, legacy_count(), head_id,
                                            head_hash or GENESIS_HASH)
    line = checkpoints.append(checkpoint, path)
    if path == "-":
        click.echo(line)
    else:
        click.echo(f"Checkpoint appended to {path}: {events} events, head {head_hash[:12]}…")
