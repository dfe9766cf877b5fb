"""``flask bench generate``: a realistic dataset in minutes, through bulk inserts."""

from __future__ import annotations

import time

import click
from flask.cli import with_appcontext

from devreg.extensions import db


@click.group("bench")
def bench_group() -> None:
    """Benchmark data."""


@bench_group.command("generate")
@click.option("--applications", type=click.IntRange(min=1), default=2000, show_default=True)
@click.option("--organisations", type=click.IntRange(min=10), default=200, show_default=True)
@click.option("--audit-events", type=click.IntRange(min=0), default=20000, show_default=True)
@click.option("--seed", type=int, default=11, show_default=True)
@with_appcontext
def generate_command(applications: int, organisations: int, audit_events: int,
                     seed: int) -> None:
    """Add generated organisations, devices, applications, certificates, arrangements and
    audit events to the database (the demo accounts are loaded first when missing)."""
    from devreg.bench.generate import generate

    bars: dict[str, object] = {}
    started = time.monotonic()

    def progress(label: str, done: int, total: int) -> None:
        bar = bars.get(label)
        if bar is None:
            for other in bars.values():
                other.render_finish()  # type: ignore[attr-defined]
            bar = bars[label] = click.progressbar(length=max(total, 1), label=f"{label:>14}")
        bar.update(done)  # type: ignore[attr-defined]

    counts = generate(applications=applications, organisations=organisations,
                      audit_events=audit_events, seed=seed, progress=progress)
    for bar in bars.values():
        bar.render_finish()  # type: ignore[attr-defined]
    db.session.commit()
    click.echo(f"Generated {counts.applications:,} applications, {counts.certificates:,} "
               f"certificates, {counts.organisations:,} organisations, {counts.devices:,} "
               f"devices, {counts.arrangements:,} arrangements and {counts.audit_events:,} "
               f"audit events in {time.monotonic() - started:.0f} s.")
