"""`flask backup PATH` and `flask restore PATH`: the database and the uploaded files, together.

The archive (tar.gz) holds one JSON-lines member per table (``tables/<name>.jsonl``,
engine-neutral, so a SQLite backup restores into PostgreSQL and back), the uploaded files
(``uploads/...``) and, last, ``manifest.json``: the SHA-256 of every member, the row count of
every table, the audit trail's head and the latest checkpoint, authenticated with an HMAC under
AUDIT_KEY.

The dump is one consistent snapshot (a REPEATABLE READ read-only transaction on PostgreSQL, one
read transaction on SQLite), streamed table by table in batches through temporary files, so
memory stays bounded whatever the size. Restore streams too, and refuses, with a one-line
reason, before anything is committed: a manifest that does not authenticate, a member that does
not match it, rows the schema cannot hold, an audit trail that does not verify (or ends before
the manifest's head), a row that differs from what its audit events say, a dossier file whose
bytes differ from the hash in its row.

On PostgreSQL production backups are pg_dump plus archived WAL; this archive is for moving
between engines and for demos."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import tarfile
import tempfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path, PurePosixPath
from typing import IO, Any

from flask import current_app
from sqlalchemy import Connection, Table, TypeDecorator, bindparam, func, select, text, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from devreg.audit import checkpoints
from devreg.audit.models import GENESIS_HASH, AuditEvent, sign
from devreg.db import utcnow
from devreg.extensions import db
from devreg.storage import storage

FORMAT_VERSION = 2
#: calendar_version holds a cache token, not data: the migrated database has its own fresh one
SKIPPED_TABLES = {"alembic_version", "calendar_version"}
# the migrations load them (calendar_version: the calendar cache token); restore takes the
# backup's rows instead
REFERENCE_TABLES = {"provinces", "catalogue_categories", "calendar_version"}
MANIFEST = "manifest.json"
TABLES_DIR = "tables"
UPLOADS_DIR = "uploads"
BATCH = 1000
CHUNK = 1024 * 1024
MAX_MANIFEST_BYTES = 256 * 1024 * 1024


class RestoreRefused(Exception):
    pass


# --- the uploaded files: the one place that reads and writes them -----------------------------

def stored_files() -> Iterator[tuple[str, int, Callable[[], IO[bytes]]]]:
    """Every stored file (local folder or object store, devreg/storage) as (key, size, opener)."""
    store = storage()
    for item in store.list():
        yield item.key, item.size, lambda key=item.key: store.open(key)


def install_file(name: str, source: Path) -> None:
    """Put a restored file into the store, where the application will look for it."""
    with open(source, "rb") as stream:
        storage().put(name, stream)


def _uploads_empty() -> bool:
    return next(stored_files(), None) is None


def _stored_name_path(stored_name: str) -> str:
    """A row's stored file's key (its path relative to the upload root)."""
    from devreg.registrations import files

    return files.key_of(stored_name)


# --- values -----------------------------------------------------------------------------------

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


def _member(table_name: str) -> str:
    return f"{TABLES_DIR}/{table_name}.jsonl"


# --- backup -----------------------------------------------------------------------------------

@contextmanager
def _snapshot() -> Iterator[Connection]:
    """A connection whose reads all see one moment of the database."""
    with db.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execution_options(isolation_level="REPEATABLE READ",
                                         postgresql_readonly=True)
        else:
            # pysqlite runs a SELECT outside any transaction (one snapshot per statement)
            # unless a transaction is opened explicitly
            connection.exec_driver_sql("BEGIN")
        try:
            yield connection
        finally:
            connection.rollback()


def _dump_table(connection: Connection, table: Table, out: IO[bytes]) -> tuple[int, str]:
    digest = hashlib.sha256()
    rows = 0
    result = connection.execute(
        select(table).order_by(*table.primary_key.columns).execution_options(yield_per=BATCH))
    for partition in result.mappings().partitions(BATCH):
        chunk = "".join(
            json.dumps({k: _encode(v) for k, v in row.items()}, ensure_ascii=False,
                       sort_keys=True) + "\n" for row in partition).encode("utf-8")
        digest.update(chunk)
        out.write(chunk)
        rows += len(partition)
    return rows, digest.hexdigest()


def _add_member(archive: tarfile.TarFile, name: str, path: Path) -> None:
    info = tarfile.TarInfo(name)
    info.size = path.stat().st_size
    info.mtime = int(utcnow().timestamp())
    with open(path, "rb") as source:
        archive.addfile(info, source)


class _Hashing:
    """A file object that hashes what is read through it (tarfile reads the upload once)."""

    def __init__(self, raw: IO[bytes]):
        self.raw, self.digest = raw, hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.digest.update(data)
        return data


def create_backup(target: Path) -> dict[str, int]:
    """Write the archive; returns row counts per table."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(target.suffix + ".partial")
    record: dict[str, Any] = {"format": FORMAT_VERSION, "tables": {}, "files": {}}
    try:
        with tarfile.open(partial, "w:gz") as archive, \
                tempfile.TemporaryDirectory(dir=target.parent) as scratch:
            with _snapshot() as connection:
                record["alembic_revision"] = connection.execute(
                    text("SELECT version_num FROM alembic_version")).scalar()
                record["engine"] = connection.dialect.name
                head = connection.execute(select(AuditEvent.id, AuditEvent.hash)
                                          .order_by(AuditEvent.id.desc()).limit(1)).first()
                record["audit"] = {
                    "events": connection.execute(select(func.count(AuditEvent.id))).scalar(),
                    "head_id": head.id if head else None,
                    "head_hash": head.hash if head else GENESIS_HASH,
                }
                for table in _tables():
                    member = Path(scratch) / f"{table.name}.jsonl"
                    with open(member, "wb") as out:
                        rows, digest = _dump_table(connection, table, out)
                    _add_member(archive, _member(table.name), member)
                    member.unlink()
                    record["tables"][table.name] = {"rows": rows, "sha256": digest}
            for name, size, opener in stored_files():
                info = tarfile.TarInfo(f"{UPLOADS_DIR}/{name}")
                info.size = size
                info.mtime = int(utcnow().timestamp())
                with opener() as raw:
                    hashing = _Hashing(raw)
                    archive.addfile(info, hashing)  # type: ignore[arg-type]
                record["files"][name] = hashing.digest.hexdigest()
            latest = checkpoints.latest(checkpoints.checkpoint_path())
            record["checkpoint"] = latest.signed() if latest else None
            record["created_at"] = utcnow().isoformat(timespec="seconds")
            manifest = Path(scratch) / MANIFEST
            manifest.write_bytes(json.dumps({**record, "mac": sign(record)}, ensure_ascii=False,
                                            sort_keys=True, indent=1).encode("utf-8"))
            _add_member(archive, MANIFEST, manifest)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(target)  # a backup file is either complete or absent
    return {name: entry["rows"] for name, entry in record["tables"].items()}


# --- restore ----------------------------------------------------------------------------------

def _is_empty() -> bool:
    for table in _tables():
        if table.name in REFERENCE_TABLES:
            continue
        if db.session.execute(select(func.count()).select_from(table)).scalar():
            return False
    return True


def _safe_member_name(name: str) -> str | None:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        return None
    return path.as_posix()


def _unpack(source: Path, scratch: Path) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """Stream the archive into the scratch folder, hashing each member; returns the manifest
    (None if absent) and {member: sha256}."""
    hashes: dict[str, str] = {}
    manifest: bytes | None = None
    try:
        with tarfile.open(source, "r|gz") as archive:
            for member in archive:
                if member.isdir():
                    continue
                name = _safe_member_name(member.name)
                if name is None or not member.isfile():
                    raise RestoreRefused(f"the archive holds {member.name!r}, which is not a "
                                         "plain file inside the backup: refused")
                if name in hashes or (name == MANIFEST and manifest is not None):
                    raise RestoreRefused(f"the archive holds {name} twice")
                stream = archive.extractfile(member)
                if stream is None:  # pragma: no cover - regular files always have one
                    continue
                if name == MANIFEST:
                    if member.size > MAX_MANIFEST_BYTES:
                        raise RestoreRefused("the manifest is implausibly large")
                    manifest = stream.read()
                    continue
                target = scratch / name
                target.parent.mkdir(parents=True, exist_ok=True)
                digest = hashlib.sha256()
                with open(target, "wb") as out:
                    while chunk := stream.read(CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
                hashes[name] = digest.hexdigest()
    except RestoreRefused:
        raise
    except (tarfile.TarError, OSError, EOFError, zlib.error) as error:
        raise RestoreRefused(f"{source.name} is not a readable devreg backup (truncated or "
                             f"corrupt: {error})") from None
    if manifest is None:
        return None, hashes
    try:
        data = json.loads(manifest.decode("utf-8"))
    except ValueError:
        raise RestoreRefused("the manifest is not valid JSON") from None
    if not isinstance(data, dict):
        raise RestoreRefused("the manifest is not a devreg manifest")
    return data, hashes


def _check_manifest(manifest: dict[str, Any] | None, hashes: dict[str, str]) -> dict[str, Any]:
    if manifest is None:
        if "database.json" in hashes:
            raise RestoreRefused("this archive has no manifest (an unsigned format-1 backup): "
                                 "it cannot be verified, so it is not restored")
        raise RestoreRefused("the archive has no manifest.json (cut short, or not a devreg "
                             "backup)")
    if manifest.get("format") != FORMAT_VERSION:
        raise RestoreRefused(f"unknown backup format {manifest.get('format')!r}")
    record = {k: v for k, v in manifest.items() if k != "mac"}
    if not isinstance(manifest.get("mac"), str) or sign(record) != manifest["mac"]:
        raise RestoreRefused("the manifest's signature does not match: the archive was altered, "
                             "or it was made under a different AUDIT_KEY")
    listed = {_member(name): entry["sha256"] for name, entry in manifest["tables"].items()}
    listed.update({f"{UPLOADS_DIR}/{name}": digest
                   for name, digest in manifest["files"].items()})
    for name in sorted(set(hashes) - set(listed)):
        raise RestoreRefused(f"the archive member {name} is not listed in the manifest")
    for name, digest in sorted(listed.items()):
        if name not in hashes:
            raise RestoreRefused(f"the archive member {name} listed in the manifest is missing")
        if hashes[name] != digest:
            raise RestoreRefused(f"the archive member {name} does not match its SHA-256 in the "
                                 "manifest")
    known = {t.name for t in _tables()}
    for name in sorted(set(manifest["tables"]) - known):
        raise RestoreRefused(f"the archive holds table {name}, which this schema does not have")
    return manifest


def _rows(path: Path, table: Table) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, decoded row) for each line of one table's member."""
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            try:
                raw = json.loads(line)
            except ValueError:
                raise RestoreRefused(f"table {table.name}, line {number}: not valid JSON") \
                    from None
            if not isinstance(raw, dict):
                raise RestoreRefused(f"table {table.name}, line {number}: not a row")
            unknown = sorted(set(raw) - set(table.c.keys()))
            if unknown:
                raise RestoreRefused(f"table {table.name} has no column {unknown[0]}: the "
                                     "archive does not match this schema")
            try:
                yield number, {k: _decode(v, table.c[k]) for k, v in raw.items()}
            except (ValueError, TypeError) as error:
                raise RestoreRefused(f"table {table.name}, line {number}: a value cannot be "
                                     f"read ({error})") from None


def _batches(items: Iterator[Any]) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _first_line(error: SQLAlchemyError) -> str:
    detail = str(getattr(error, "orig", None) or error)
    return detail.strip().splitlines()[0] if detail.strip() else type(error).__name__


def _insert_rows(scratch: Path, manifest: dict[str, Any]) -> dict[str, int]:
    counts = {}
    loaded: set[str] = set()
    deferred: dict[str, list[str]] = {}
    # metadata order respects every foreign key except those marked use_alter, which close a
    # cycle (applications.certificate_id): those are nullable and filled in afterwards
    for table in _tables():
        if table.name not in manifest["tables"]:
            continue
        path = scratch / _member(table.name)
        if table.name in REFERENCE_TABLES:
            db.session.execute(table.delete())  # the migration loaded them; take the backup's
        later = [fk.parent.name for fk in table.foreign_keys
                 if fk.parent.nullable and (fk.column.table.name not in loaded
                                            or fk.column.table is table)]
        deferred[table.name] = later
        count = 0
        for batch in _batches(_rows(path, table)):
            values = [{k: (None if k in later else v) for k, v in row.items()}
                      for _, row in batch]
            try:
                db.session.execute(table.insert(), values)
            except IntegrityError as error:
                raise RestoreRefused(f"table {table.name}, rows {batch[0][0]}-{batch[-1][0]}: "
                                     f"a constraint refuses them ({_first_line(error)})") \
                    from None
            except SQLAlchemyError as error:
                raise RestoreRefused(f"table {table.name}, rows {batch[0][0]}-{batch[-1][0]}: "
                                     f"cannot be stored ({_first_line(error)})") from None
            count += len(batch)
        if count != manifest["tables"][table.name]["rows"]:
            raise RestoreRefused(f"table {table.name} holds {count} rows, the manifest says "
                                 f"{manifest['tables'][table.name]['rows']}")
        loaded.add(table.name)
        counts[table.name] = count
    for name, columns in deferred.items():
        table = db.metadata.tables[name]
        pk = next(iter(table.primary_key.columns))
        for column in columns:
            statement = update(table).where(pk == bindparam("_pk")).values(
                {column: bindparam("_value")})
            pending = ((row[pk.name], row[column])
                       for _, row in _rows(scratch / _member(name), table)
                       if row.get(column) is not None)
            for batch in _batches(pending):
                try:
                    db.session.execute(statement, [{"_pk": key, "_value": value}
                                                   for key, value in batch])
                except SQLAlchemyError as error:
                    raise RestoreRefused(f"table {name}, column {column}: cannot be stored "
                                         f"({_first_line(error)})") from None
    _reset_sequences()
    return counts


def _check_trail(manifest: dict[str, Any]) -> None:
    from devreg.audit.queries import verify_rows, verify_trail

    anchor = []
    if manifest.get("checkpoint"):
        try:
            anchor.append(checkpoints.parse(manifest["checkpoint"]))
        except checkpoints.BadCheckpoint as error:
            raise RestoreRefused(f"the manifest's audit checkpoint {error}") from None
    report = verify_trail(anchor)
    if report.problems:
        more = f" (and {len(report.problems) - 1} more)" if len(report.problems) > 1 else ""
        raise RestoreRefused(f"the restored audit trail does not verify: {report.problems[0]}"
                             f"{more}")
    audit = manifest["audit"]
    if report.events != audit["events"] or report.head_hash != audit["head_hash"]:
        raise RestoreRefused(f"the restored audit trail holds {report.events} events ending at "
                             f"event {report.head_id}; the manifest recorded {audit['events']} "
                             f"ending at event {audit['head_id']} (truncated or replaced)")
    problems = verify_rows()
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise RestoreRefused(f"a restored row differs from the audit trail: {problems[0]}{more}")


def _file_tables() -> list[Table]:
    return [t for t in _tables() if "stored_name" in t.c and "sha256" in t.c]


def _check_files(scratch: Path) -> None:
    """Every row that names a stored file: the file is in the archive with the row's hash."""
    for table in _file_tables():
        pk = next(iter(table.primary_key.columns))
        last: Any = None
        while True:
            query = select(pk, table.c.stored_name, table.c.sha256).order_by(pk).limit(BATCH)
            if last is not None:
                query = query.where(pk > last)
            rows = db.session.execute(query).all()
            for key, stored_name, expected in rows:
                path = scratch / UPLOADS_DIR / _stored_name_path(stored_name)
                if not path.is_file():
                    raise RestoreRefused(f"{table.name} {key}: its file {stored_name} is not in "
                                         "the archive")
                digest = hashlib.sha256()
                with open(path, "rb") as stored:
                    while chunk := stored.read(CHUNK):
                        digest.update(chunk)
                if digest.hexdigest() != expected:
                    raise RestoreRefused(f"{table.name} {key}: the bytes of {stored_name} do not "
                                         "match the SHA-256 recorded in its row (replaced)")
            if len(rows) < BATCH:
                break
            last = rows[-1][0]


def restore_backup(source: Path) -> dict[str, int]:
    """Restore into an empty, migrated database and an empty upload folder; every check runs
    before the caller commits (a refusal leaves the instance as it was)."""
    if not _is_empty():
        raise RestoreRefused("the database already holds data; restore needs an empty one")
    if not _uploads_empty():
        where = current_app.config["S3_BUCKET"] or current_app.config["UPLOAD_FOLDER"]
        raise RestoreRefused(f"the file store ({storage().name}: {where}) is not empty")
    scratch_parent = Path(current_app.config["UPLOAD_FOLDER"]).parent
    with tempfile.TemporaryDirectory(dir=scratch_parent if os.access(scratch_parent, os.W_OK)
                                     else None) as folder:
        scratch = Path(folder)
        manifest = _check_manifest(*_unpack(source, scratch))
        current = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
        if manifest["alembic_revision"] != current:
            raise RestoreRefused(f"backup is at schema {manifest['alembic_revision']}, the "
                                 f"database at {current}: run `flask db upgrade` to the same "
                                 "revision")
        counts = _insert_rows(scratch, manifest)
        _check_trail(manifest)
        _check_files(scratch)
        uploads = scratch / UPLOADS_DIR
        for name in manifest["files"]:
            install_file(name, uploads / name)
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
