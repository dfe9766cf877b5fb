"""The daily bulk export of the public registry: every certificate as JSON Lines and as CSV,
each with its SHA-256, built once a day (by ``flask api export-registry`` from cron, or by the
first request of the day) and kept in the file store, which every app host shares.

The files of a day are named by their hash and the day's manifest is written last, so a reader
always sees a manifest whose files and checksums belong together."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import tempfile
from collections.abc import Iterator
from datetime import date, timedelta
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import lazyload, selectinload

from devreg.certificates.models import Certificate
from devreg.extensions import db
from devreg.storage import CHUNK, storage

PREFIX = "exports/registry"
#: the days of exports kept in the store (older ones are deleted when a new one is built)
KEEP_DAYS = 7
#: rows read from the database at a time
BATCH = 1000
FORMATS = {"jsonl": "application/jsonl", "csv": "text/csv"}
COLUMNS = ("number", "status", "device_name", "holder_name", "holder_address",
           "production_address", "model_spec", "structure", "intended_use", "province_code",
           "category_code", "approved_on", "valid_from", "valid_until", "ended_on",
           "valid_on_export_day", "periods")


def _rows(day: date) -> Iterator[dict[str, Any]]:
    query = (select(Certificate).options(lazyload("*"), selectinload(Certificate.periods))
             .order_by(Certificate.number).execution_options(yield_per=BATCH))
    for certificate in db.session.scalars(query):
        yield {
            "number": certificate.number, "status": certificate.status,
            "device_name": certificate.device_name, "holder_name": certificate.holder_name,
            "holder_address": certificate.holder_address,
            "production_address": certificate.production_address,
            "model_spec": certificate.model_spec, "structure": certificate.structure,
            "intended_use": certificate.intended_use,
            "province_code": certificate.province_code,
            "category_code": certificate.category_code,
            "approved_on": certificate.approved_on.isoformat(),
            "valid_from": certificate.valid_from.isoformat(),
            "valid_until": certificate.valid_until.isoformat(),
            "ended_on": certificate.ended_on.isoformat() if certificate.ended_on else None,
            "valid_on_export_day": certificate.is_valid_on(day),
            "periods": [{"kind": p.kind, "starts_on": p.starts_on.isoformat(),
                         "ends_on": p.ends_on.isoformat()} for p in certificate.periods],
        }


#: a spreadsheet reads a cell starting with one of these as a formula (OWASP CSV injection)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value  # the CSV only: the JSON Lines file keeps the text as it is
    return value


class _Hashing:
    """A binary temp file that hashes what is written to it."""

    def __init__(self) -> None:
        # closed by build() once stored
        self.file: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> None:
        self.file.write(data)
        self.digest.update(data)
        self.size += len(data)


def _key(day: date, name: str) -> str:
    return f"{PREFIX}/{day.isoformat()}/{name}"


def manifest(day: date) -> dict[str, Any] | None:
    """The day's export, if it was built: {day, count, files: {format: {key, sha256, size}}}."""
    try:
        with storage().open(_key(day, "manifest.json")) as handle:
            return json.loads(handle.read().decode("utf-8"))
    except FileNotFoundError:
        return None


def build(day: date) -> dict[str, Any]:
    """Write the day's JSON Lines and CSV files and then its manifest; prune old days."""
    jsonl, table = _Hashing(), _Hashing()
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    table.write("\ufeff".encode() + text.getvalue().encode())  # BOM: Excel reads UTF-8
    count = 0
    for row in _rows(day):
        count += 1
        jsonl.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")).encode() + b"\n")
        text.seek(0)
        text.truncate()
        periods = ";".join(f"{p['starts_on']}..{p['ends_on']}" for p in row["periods"])
        writer.writerow([periods if c == "periods" else _cell(row[c]) for c in COLUMNS])
        table.write(text.getvalue().encode())
    files: dict[str, Any] = {}
    store = storage()
    for fmt, part in (("jsonl", jsonl), ("csv", table)):
        digest = part.digest.hexdigest()
        key = _key(day, f"registry-{day.isoformat()}-{digest[:16]}.{fmt}")
        part.file.seek(0)
        store.put(key, part.file)
        part.file.close()
        files[fmt] = {"key": key, "sha256": digest, "size": part.size,
                      "name": f"registry-{day.isoformat()}.{fmt}"}
    record = {"day": day.isoformat(), "count": count, "files": files}
    store.put(_key(day, "manifest.json"), io.BytesIO(json.dumps(record).encode()))
    _prune(day)
    return record


def _prune(day: date) -> None:
    store = storage()
    oldest = day - timedelta(days=KEEP_DAYS - 1)
    for item in list(store.list(PREFIX + "/")):
        folder = item.key[len(PREFIX) + 1:].split("/", 1)[0]
        try:
            built_on = date.fromisoformat(folder)
        except ValueError:
            continue
        if built_on < oldest:
            store.delete(item.key)


def todays(day: date) -> dict[str, Any]:
    """The export of ``day``, built now if nobody has built it yet."""
    return manifest(day) or build(day)


def stream(key: str) -> Iterator[bytes]:
    """The stored file in chunks (opened now, inside the request; read as it is sent)."""
    handle = storage().open(key)

    def chunks() -> Iterator[bytes]:
        with handle:
            while chunk := handle.read(CHUNK):
                yield chunk

    return chunks()


def checksums(record: dict[str, Any]) -> str:
    """The manifest's checksums in ``sha256sum`` format (``sha256sum -c`` reads it)."""
    return "".join(f"{f['sha256']}  {f['name']}\n" for f in record["files"].values())
