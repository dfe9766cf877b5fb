"""`flask import template KIND` and `flask import KIND FILE [--dry-run]`."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from devreg.extensions import db
from devreg.transfer.columns import KINDS

KIND_CHOICE = click.Choice(list(KINDS))


class ImportGroup(click.Group):
    """`import template KIND` is a subcommand; anything else is `import KIND FILE`."""

    def resolve_command(self, ctx: click.Context, args: list[str]):  # type: ignore[no-untyped-def]
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            return "run", self.commands["run"], args
        return super().resolve_command(ctx, args)


@click.group("import", cls=ImportGroup)
def import_group() -> None:
    """Import a province's existing records: `import template KIND`, `import KIND FILE`."""


@import_group.command("template")
@click.argument("kind", type=KIND_CHOICE)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write it (default: KIND-template.xlsx).")
@click.option("--csv", "as_csv", is_flag=True, help="Write CSV (UTF-8 with BOM) instead.")
def template_command(kind: str, output: Path | None, as_csv: bool) -> None:
    """Write an empty template with Chinese and English headers and an example row."""
    from devreg.transfer.templates import template_csv, template_xlsx

    output = output or Path(f"{kind}-template.{'csv' if as_csv else 'xlsx'}")
    output.write_bytes(template_csv(kind) if as_csv else template_xlsx(kind))
    click.echo(f"Template for {kind} written to {output}")


@import_group.command("samples")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path), default="samples")
def samples_command(folder: Path) -> None:
    """Write the go-live sample files (Hebei: organisations, users, licences, certificates)."""
    from devreg.transfer.samples import write_samples

    written = write_samples(folder)
    click.echo(f"{len(written)} sample files written to {folder}: "
               + ", ".join(p.name for p in written))


@import_group.command("run", hidden=True)
@click.argument("kind", type=KIND_CHOICE)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Validate and report; write nothing.")
@click.option("--locale", default=None, help="Language of the report (zh_CN or en).")
@with_appcontext
def run_command(kind: str, file: Path, dry_run: bool, locale: str | None) -> None:
    """Import FILE (XLSX or CSV) of KIND: all rows or none."""
    from contextlib import nullcontext

    from flask_babel import force_locale

    with force_locale(locale) if locale else nullcontext():
        _run(kind, file, dry_run)


def _run(kind: str, file: Path, dry_run: bool) -> None:
    from devreg.audit.services import acting_as
    from devreg.transfer.services import ImportFailed, run_import

    if not file.is_file():
        raise click.ClickException(f"No such file: {file}")
    try:
        with acting_as(None, "import"):
            report = run_import(kind, file.name, file.read_bytes(), actor_id=None,
                                dry_run=dry_run)
    except ImportFailed as failed:
        db.session.rollback()
        report = failed.report
    if report.written:
        db.session.commit()
    else:
        db.session.rollback()
    for line in report.error_lines():
        click.echo(line)
    for row in report.rows:
        if row.secret:
            click.echo(f"{row.values.get('email')}\t{row.secret}")
    click.echo(report.summary())
    if not report.ok:
        raise SystemExit(1)
