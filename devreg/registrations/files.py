"""Dossier file storage: in the store (devreg/storage), under generated names, type checked
by content.

A file is stored before its row is committed. If the transaction rolls back, the session
listener below deletes the files it stored; the row is only committed after the file is whole
in the store, so there is never a record without its file. A process killed between the two
leaves a file without a record: `flask sweep` removes those once they are a day old
(ORPHAN_FILE_AGE_HOURS)."""

from __future__ import annotations

import hashlib
import tempfile
import unicodedata
import uuid
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO
from urllib.parse import quote

from flask import Response, abort, current_app, send_file
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from devreg.storage import CHUNK, LocalStorage, storage

_WRITTEN = "devreg_written_files"

# content signatures of the accepted types
ALLOWED_TYPES = {
    "application/pdf": "PDF",
    "image/png": "PNG",
    "image/jpeg": "JPEG",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "DOCX",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "XLSX",
}


def detect_type(head: bytes, path: Path) -> str | None:
    """The MIME type judged from the bytes, or None when the type is not accepted."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            return None
        if "[Content_Types].xml" in names and any(n.startswith("word/") for n in names):
            return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
            return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return None


def clean_filename(name: str | None) -> str:
    """A display name without directories, control characters or excess length."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in unicodedata.normalize("NFC", name)
                   if unicodedata.category(ch)[0] != "C")
    name = name.strip().lstrip(".") or "file"
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 190] + "." + ext[:9]) if dot and len(ext) <= 9 else name[:200]
    return name


def key_of(stored_name: str) -> str:
    """The storage key of a dossier or agreement file."""
    return f"dossier/{stored_name[:2]}/{stored_name}"


def upload_root() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"])


def path_of(stored_name: str) -> Path:
    """Where the local store keeps the file (STORAGE=local only)."""
    store = storage()
    if not isinstance(store, LocalStorage):
        raise RuntimeError("path_of() is for the local store; use storage().open()")
    return store.path(key_of(stored_name))


class StoredUpload:
    def __init__(self, stored_name: str, size: int, sha256: str, content_type: str | None):
        self.stored_name, self.size, self.sha256, self.content_type = (
            stored_name, size, sha256, content_type)


def store_upload(session: Session, stream: IO[bytes], *, max_bytes: int) -> StoredUpload:
    """Copy the stream to a scratch file, hashing it and judging its type; a file that may be
    kept (not empty, at most ``max_bytes``, an accepted type) then goes to the store before the
    row is committed. The caller refuses the others and calls discard(). Size over
    ``max_bytes`` stops the copy early."""
    stored_name = uuid.uuid4().hex
    digest = hashlib.sha256()
    size = 0
    with tempfile.NamedTemporaryFile(prefix="devreg-upload-") as scratch:
        while chunk := stream.read(CHUNK):
            size += len(chunk)
            if size > max_bytes:
                break
            digest.update(chunk)
            scratch.write(chunk)
        scratch.flush()
        scratch.seek(0)
        head = scratch.read(16)
        content_type = detect_type(head, Path(scratch.name)) if 0 < size <= max_bytes else None
        if content_type is not None:
            # recorded first: a failure while storing still removes what was written
            session.info.setdefault(_WRITTEN, []).append(key_of(stored_name))
            scratch.seek(0)
            storage().put(key_of(stored_name), scratch)
    return StoredUpload(stored_name, size, digest.hexdigest(), content_type)


def discard(session: Session, stored_name: str) -> None:
    key = key_of(stored_name)
    written = session.info.get(_WRITTEN, [])
    if key in written:
        storage().delete(key)
        written.remove(key)


def download(stored_name: str, *, size: int, mimetype: str | None,
             download_name: str) -> Response:
    """The file as an attachment, streamed from the store in chunks (404 when it is gone)."""
    try:
        stream = storage().open(key_of(stored_name))
    except FileNotFoundError:
        abort(404)
    response = send_file(stream, mimetype=mimetype or "application/octet-stream",  # type: ignore[arg-type]
                         as_attachment=True, download_name=download_name, conditional=False)
    response.content_length = size
    return response


#: types a browser may show in place (issue 13 item 5); every other type downloads
INLINE_TYPES = ("application/pdf", "image/png", "image/jpeg")
EXTENSIONS = {
    "application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
}
#: the page a previewed file opens in may run nothing, load nothing, submit nothing and be
#: framed by nobody: a file a holder uploaded is never trusted content. Chromium's PDF viewer
#: needs its own inline styles and a plugin object, hence style-src and object-src 'self'.
PREVIEW_CSP = ("sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; "
               "object-src 'self'; frame-ancestors 'none'; form-action 'none'; base-uri 'none'")


def served_name(name: str, content_type: str | None) -> str:
    """The name the file is served under: its extension follows the detected type (a PDF
    uploaded as scan.dat is served as scan.pdf)."""
    extension = EXTENSIONS.get(content_type or "")
    if extension is None:
        return name
    stem, dot, old = name.rpartition(".")
    if dot and stem and len(old) <= 9:  # the claimed extension goes, whatever it was
        name = stem
    return name + extension


def serve(stored_name: str, *, size: int, download_name: str) -> Response:
    """A dossier file as the browser should receive it: its type judged again from its first
    bytes in the store (never the upload's claim); PDF, PNG and JPEG in place
    (Content-Disposition: inline) under a sandboxing CSP, everything else as an attachment.
    Streamed in chunks; 404 when the file is gone."""
    try:
        stream = storage().open(key_of(stored_name))
    except FileNotFoundError:
        abort(404)
    head = stream.read(16)
    detected = _detect_head(head)
    if detected is None:  # an office file (or something unknown): never shown in place
        stream.close()
        if head.startswith(b"PK\x03\x04"):
            # DOCX and XLSX differ only inside the ZIP: judge them from a local copy
            with tempfile.NamedTemporaryFile(prefix="devreg-serve-") as scratch:
                with storage().open(key_of(stored_name)) as copy:
                    while chunk := copy.read(CHUNK):
                        scratch.write(chunk)
                scratch.flush()
                detected = detect_type(head, Path(scratch.name))
        stream = storage().open(key_of(stored_name))
        response = send_file(stream, mimetype=detected or "application/octet-stream",  # type: ignore[arg-type]
                             as_attachment=True, conditional=False,
                             download_name=served_name(download_name, detected))
        response.content_length = size
        return response

    def body():  # type: ignore[no-untyped-def]
        try:
            yield head
            while chunk := stream.read(CHUNK):
                yield chunk
        finally:
            stream.close()

    response = Response(body(), mimetype=detected)
    response.content_length = size
    set_disposition(response, "inline", served_name(download_name, detected))
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = PREVIEW_CSP
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def set_disposition(response: Response, disposition: str, name: str) -> None:
    """Content-Disposition with an ASCII fallback name and the UTF-8 name (RFC 6266), as
    send_file writes it."""
    try:
        name.encode("ascii")
    except UnicodeEncodeError:
        simple = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
        response.headers.set("Content-Disposition", disposition, filename=simple or "file",
                             **{"filename*": f"UTF-8''{quote(name, safe='!#$&+^`|~')}"})
    else:
        response.headers.set("Content-Disposition", disposition, filename=name)


def _detect_head(head: bytes) -> str | None:
    """PDF, PNG or JPEG from the magic numbers; None for anything else."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    return None


def referenced_names() -> set[str]:
    """Every stored name a row points to (dossier files, quality agreements, notice
    attachments and self-inspection reports)."""
    from devreg.arrangements.models import ArrangementFile, NoticeAttachment
    from devreg.extensions import db
    from devreg.registrations.models import DossierFile
    from devreg.reports.models import SelfInspectionReport

    names: set[str] = set()
    for model in (DossierFile, ArrangementFile, NoticeAttachment, SelfInspectionReport):
        names.update(db.session.scalars(select(model.stored_name)))
    return names


def sweep_orphans(*, older_than: timedelta, now: datetime | None = None) -> int:
    """Remove stored files no row points to, once they are older than ``older_than``: what a
    process killed between storing a file and committing its row left behind. Younger files
    may belong to an upload whose transaction is still open."""
    cutoff = (now or datetime.now(UTC)) - older_than
    referenced = {key_of(name) for name in referenced_names()}
    removed = 0
    store = storage()
    for item in list(store.list("dossier/")):
        if item.key not in referenced and item.modified < cutoff:
            store.delete(item.key)
            removed += 1
    return removed


@event.listens_for(Session, "after_rollback")
def _remove_uncommitted_files(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint: the outer transaction decides
        return
    keys = session.info.pop(_WRITTEN, [])
    if keys:
        store = storage()
        for key in keys:
            store.delete(key)


@event.listens_for(Session, "after_commit")
def _keep_committed_files(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint was released, nothing is committed yet
        return
    session.info.pop(_WRITTEN, None)
