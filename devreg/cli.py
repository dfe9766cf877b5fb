"""Application-wide commands: quickstart, demo, create-admin, translate."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask_migrate import upgrade
from sqlalchemy import func, select

from devreg.extensions import db

PACKAGE = Path(__file__).parent
ROOT = PACKAGE.parent


def register_commands(app: Flask) -> None:
    app.cli.add_command(quickstart_command)
    app.cli.add_command(create_admin_command)
    app.cli.add_command(demo_group)
    app.cli.add_command(translate_group)
    app.cli.add_command(sweep_command)
    app.cli.add_command(no_commission_list_command)
    app.cli.add_command(worker_command)
    from devreg.notifications.cli import outbox_group

    app.cli.add_command(outbox_group)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    from devreg.bench.cli import bench_group

    app.cli.add_command(bench_group)
    from devreg.signatures.cli import signatures_group

    app.cli.add_command(signatures_group)
    from devreg.transfer.cli import import_group

    app.cli.add_command(import_group)


def _load_demo() -> None:
    from devreg.audit.services import acting_as
    from devreg.demo.loader import load_demo

    with acting_as(None, "demo-loader"):
        load_demo()
    db.session.commit()


@click.command("quickstart")
@click.option("--no-serve", is_flag=True, help="Prepare the database and demo, do not serve.")
def quickstart_command(no_serve: bool) -> None:
    """Apply migrations, load the demo data, and serve on http://127.0.0.1:5000."""
    upgrade()
    _load_demo()
    click.echo("Database ready; demo accounts use the password devreg-demo.")
    if no_serve:
        return
    port = int(os.environ.get("PORT", "5000"))
    click.echo(f"Serving devreg on http://127.0.0.1:{port}")
    # app.run() refuses to block inside the flask CLI; serve with Werkzeug directly (a demo,
    # not production: see the README for gunicorn)
    from werkzeug.serving import run_simple

    run_simple("127.0.0.1", port, current_app._get_current_object(), threaded=True,
               use_reloader=False)


@click.group("demo")
def demo_group() -> None:
    """Demo data."""


@demo_group.command("load")
def demo_load_command() -> None:
    """Load the demo data (idempotent)."""
    _load_demo()
    from devreg.notifications.models import OutboxMessage, OutboxStatus

    pending = db.session.scalar(select(func.count(OutboxMessage.id)).where(
        OutboxMessage.status == OutboxStatus.PENDING.value)) or 0
    click.echo(f"Demo data loaded; {pending} e-mails wait in the outbox (`flask outbox send`, "
               f"{current_app.config['MAIL_BACKEND']} backend).")


@click.command("create-admin")
@click.option("--email", prompt=True)
@click.option("--name", prompt="Printed name")
@click.password_option()
def create_admin_command(email: str, name: str, password: str) -> None:
    """Create an administrator account."""
    from devreg.audit.services import acting_as
    from devreg.auth.roles import Role
    from devreg.auth.services import UserData, create_user
    from devreg.errors import DomainError

    try:
        with acting_as(None, "create-admin"):
            create_user(UserData(email=email, display_name=name, role=Role.ADMIN,
                                 organisation_id=None), password=password, temporary=False)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(" ".join([error.message, *error.details])) from None
    db.session.commit()
    click.echo(f"Administrator {email} created.")


@click.group("translate")
def translate_group() -> None:
    """Extract, update and compile the message catalogues."""


def _pybabel(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args],  # noqa: S603
                   check=True, cwd=ROOT)


@translate_group.command("update")
def translate_update() -> None:
    """Extract strings and merge them into every catalogue."""
    pot = PACKAGE / "translations" / "messages.pot"
    # --ignore-dirs: Babel skips folders starting with "_" by default, i.e. templates/_macros
    _pybabel("extract", "-F", "babel.cfg", "-k", "_l", "--no-location", "--sort-output",
             "--ignore-dirs", ".* __pycache__", "-o", str(pot), ".")
    _pybabel("update", "-i", str(pot), "-d", str(PACKAGE / "translations"), "--no-fuzzy-matching",
             "--ignore-obsolete")


@translate_group.command("compile")
def translate_compile() -> None:
    """Compile the catalogues to .mo files."""
    _pybabel("compile", "-d", str(PACKAGE / "translations"))


@click.command("no-commission-list")
def no_commission_list_command() -> None:
    """Load the published 2022 No. 17 list of devices that may not be commissioned."""
    from devreg.audit.services import acting_as
    from devreg.production.services import load_no_commission_list

    with acting_as(None, "no-commission-list"):
        added = load_no_commission_list()
    db.session.commit()
    click.echo(f"2022 No. 17 list: {added} entries added.")


@click.command("sweep")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Run as if today were this date (Beijing time).")
def sweep_command(today) -> None:  # type: ignore[no-untyped-def]
    """Apply what time decides: deemed acceptance, terminated reviews, deemed renewals, expiry;
    and remove stored files that no record points to. Safe to schedule on every host: a run
    that finds another one going says so and exits 0."""
    from datetime import timedelta

    from devreg.audit.services import acting_as
    from devreg.clock import china_today
    from devreg.jobs.locks import exclusive
    from devreg.registrations.files import sweep_orphans
    from devreg.review.sweep import run_sweep

    with exclusive("sweep") as held:
        if not held:
            click.echo("another sweep is running; nothing done")
            return
        with acting_as(None, "sweep"):
            result = run_sweep(today.date() if today else china_today())
        db.session.commit()
        orphans = sweep_orphans(
            older_than=timedelta(hours=current_app.config["ORPHAN_FILE_AGE_HOURS"]))
    click.echo(f"deemed accepted: {len(result.deemed_accepted)}, terminated: "
               f"{len(result.terminated)}, deemed renewed: {len(result.deemed_renewed)}, "
               f"expired: {len(result.expired)}, arrangements flagged for an expired licence: "
               f"{len(result.flagged_arrangements)}, orphaned files removed: {orphans}, "
               f"clocks refreshed: {result.clocks_refreshed}")


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker_command(burst: bool) -> None:
    """Run jobs from the Redis queue (REDIS_URL) until stopped."""
    from devreg.jobs import redis_connection, run_worker

    if redis_connection() is None:
        raise click.ClickException("REDIS_URL is not set: without Redis, jobs run inline and "
                                   "no worker is needed")
    run_worker(current_app._get_current_object(), burst=burst)  # type: ignore[attr-defined]


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(path: Path) -> None:
    """Save the database and the uploaded files to PATH (a .tar.gz)."""
    from devreg.backup import create_backup

    try:
        counts = create_backup(path)
    except OSError as error:
        raise click.ClickException(f"backup not written: {error}") from None
    click.echo(f"Backup written to {path}: {sum(counts.values())} rows in {len(counts)} tables.")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def restore_command(path: Path) -> None:
    """Restore a backup into an empty instance (run `flask db upgrade` first)."""
    from sqlalchemy.exc import SQLAlchemyError

    from devreg.backup import RestoreRefused, restore_backup

    try:
        counts = restore_backup(path)
    except RestoreRefused as refused:
        db.session.rollback()
        raise click.ClickException(f"restore refused: {refused}") from None
    except (SQLAlchemyError, OSError) as error:  # one line, never a traceback
        db.session.rollback()
        detail = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        raise click.ClickException(f"restore refused: {detail}") from None
    db.session.commit()
    click.echo(f"Restored {sum(counts.values())} rows in {len(counts)} tables from {path}.")
