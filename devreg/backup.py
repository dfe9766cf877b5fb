"""`flask backup PATH` and `flask restore PATH`: the database and the uploaded files, together.

The backup is a tar.gz holding ``database.json`` (every table's rows, engine-neutral, so a
SQLite backup restores into PostgreSQL and back) and ``uploads/``. Restore refuses a database
that already holds data; it loads the schema with the migrations first, inserts rows in
dependency order (keys that close a cycle are filled in afterwards), and resets PostgreSQL's
sequences. Values are restored exactly, so `flask audit verify` passes on the result."""

from __future__ import annotations

import base64
import io
import json
import tarfile
import tempfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import Table, TypeDecorator, func, select, text, update

from devreg.extensions import db

FORMAT_VERSION = 1
#: calendar_version holds a cache token, not data: the migrated database has its own fresh one
SKIPPED_TABLES = {"alembic_version", "calendar_version"}


def _python_type(column: Any) -> type | None:
    column_type = column.type
    if isinstance(column_type, TypeDecorator):  # e.g. UTCDateTime: judge by what it stores
        column_type = column_type.impl_instance
    try:
        return column_type.python_type
    except NotImplementedError:
        return None


def _encode(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return value


def _decode(value: Any, column: Any) -> Any:
    """Turn the JSON value back into what the column holds, by the column's type."""
    if value is None:
        return None
    kind = _python_type(column)
    if kind is datetime:
        return datetime.fromisoformat(value)
    if kind is date:
        return date.fromisoformat(value)
    if kind is bytes:
        return base64.b64decode(value)
    return value


def _tables() -> list[Table]:
    return [t for t in db.metadata.sorted_tables if t.name not in SKIPPED_TABLES]


def dump_database() -> dict[str, Any]:
    tables = {}
    for table in _tables():
        rows = db.session.execute(select(table).order_by(*table.primary_key.columns)).mappings()
        tables[table.name] = [{k: _encode(v) for k, v in row.items()} for row in rows]
    revision = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return {"format": FORMAT_VERSION, "alembic_revision": revision, "tables": tables}


def create_backup(target: Path) -> dict[str, int]:
    """Write the backup; returns row counts per table."""
    data = dump_database()
    payload = json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8")
    uploads = Path(current_app.config["UPLOAD_FOLDER"])
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(target.suffix + ".partial")
    with tarfile.open(partial, "w:gz") as archive:
        info = tarfile.TarInfo("database.json")
        info.size = len(payload)
        archive.addfile(info, io.BytesIO(payload))
        if uploads.is_dir():
            archive.add(uploads, arcname="uploads")
    partial.replace(target)  # a backup file is either complete or absent
    return {name: len(rows) for name, rows in data["tables"].items()}


class RestoreRefused(Exception):
    pass


def _is_empty() -> bool:
    for table in _tables():
        if table.name in {"provinces", "catalogue_categories"}:
            continue
        if db.session.execute(select(func.count()).select_from(table)).scalar():
            return False
    return True


def restore_backup(source: Path) -> dict[str, int]:
    """Restore into an empty, migrated database and an empty upload folder."""
    if not _is_empty():
        raise RestoreRefused("the database already holds data; restore needs an empty one")
    uploads = Path(current_app.config["UPLOAD_FOLDER"])
    if uploads.is_dir() and any(uploads.rglob("*")):
        raise RestoreRefused(f"the upload folder {uploads} is not empty")
    with tempfile.TemporaryDirectory() as scratch:
        try:
            with tarfile.open(source, "r:gz") as archive:
                archive.extractall(scratch, filter="data")  # refuses absolute paths, ../ tricks
            data = json.loads((Path(scratch) / "database.json").read_text("utf-8"))
        except (tarfile.TarError, OSError, ValueError) as error:
            raise RestoreRefused(f"{source} is not a readable devreg backup ({error})") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT_VERSION:
            raise RestoreRefused("unknown backup format")
        current = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
        if data["alembic_revision"] != current:
            raise RestoreRefused(f"backup is at schema {data['alembic_revision']}, the database "
                                 f"at {current}: run `flask db upgrade` to the same revision")
        counts = _insert_rows(data["tables"])
        extracted = Path(scratch) / "uploads"
        if extracted.is_dir():
            for path in extracted.rglob("*"):
                if path.is_file():
                    destination = uploads / path.relative_to(extracted)
                    destination.parent.mkdir(parents=True, exist_ok=True)
                    destination.write_bytes(path.read_bytes())
    return counts


def _insert_rows(tables: dict[str, list[dict[str, Any]]]) -> dict[str, int]:
    counts = {}
    loaded: set[str] = set()
    deferred: dict[str, list[str]] = {}
    # metadata order respects every foreign key except those marked use_alter, which close a
    # cycle (applications.certificate_id): those are nullable and filled in afterwards
    for table in _tables():
        rows = tables.get(table.name, [])
        if table.name in {"provinces", "catalogue_categories"}:
            db.session.execute(table.delete())  # the migration loaded them; take the backup's
        later = [fk.parent.name for fk in table.foreign_keys
                 if fk.parent.nullable and (fk.column.table.name not in loaded
                                            or fk.column.table is table)]
        deferred[table.name] = later
        decoded = [{k: (None if k in later else _decode(v, table.c[k])) for k, v in row.items()}
                   for row in rows]
        if decoded:
            db.session.execute(table.insert(), decoded)
        loaded.add(table.name)
        counts[table.name] = len(rows)
    for name, columns in deferred.items():
        table = db.metadata.tables[name]
        pk = next(iter(table.primary_key.columns))
        for column in columns:
            for row in tables.get(name, []):
                if row.get(column) is not None:
                    db.session.execute(update(table).where(pk == row[pk.name]).values(
                        {column: _decode(row[column], table.c[column])}))
    _reset_sequences()
    return counts


def _reset_sequences() -> None:
    if db.engine.dialect.name != "postgresql":
        return
    for table in _tables():
        pk_columns = list(table.primary_key.columns)
        if len(pk_columns) == 1 and _python_type(pk_columns[0]) is int:
            column = pk_columns[0].name
            # bandit B608 (SQL built from strings): the table and column names come from
            # devreg's own metadata, never from user input
            db.session.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column}'), "  # noqa: S608 # nosec
                f"COALESCE((SELECT MAX({column}) FROM {table.name}), 1), "
                f"(SELECT MAX({column}) FROM {table.name}) IS NOT NULL)"))

