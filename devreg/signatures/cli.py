"""`flask signatures verify`: recompute every signature's content from its live record."""

from __future__ import annotations

import click

from devreg.signatures.records import CHANGED, UNCHECKED, all_signatures, check


@click.group("signatures")
def signatures_group() -> None:
    """Electronic signatures."""


@signatures_group.command("verify")
def verify_command() -> None:
    """Check every signature against its record; one line per mismatch, then a summary.
    Exits 1 when a record changed after it was signed."""
    counts = {"valid": 0, CHANGED: 0, UNCHECKED: 0}
    for signature in all_signatures():
        result = check(signature)
        counts[result.status] += 1
        if result.status == CHANGED:
            click.echo(f"CHANGED signature {signature.id}: {signature.subject_type} "
                       f"{signature.subject_id}, {signature.meaning} by "
                       f"{signature.printed_name} at {signature.signed_at.isoformat()}; "
                       f"differs: {', '.join(result.changed_keys) or '?'}")
    summary = (f"{counts['valid']} valid, {counts[CHANGED]} changed after signing, "
               f"{counts[UNCHECKED]} not checkable (signed before signed content was kept)")
    if counts[CHANGED]:
        click.echo(f"Signatures: MISMATCH: {summary}.")
        raise SystemExit(1)
    click.echo(f"Signatures: OK: {summary}.")
