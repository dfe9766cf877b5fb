"""Dossier file storage: outside static/, under generated names, type checked by content.

A file is written before its row is committed. If the transaction rolls back, the session
listener below deletes the files it wrote, so there is never a file without its record; the row
is only committed after the file is fully on disk, so there is never a record without its file."""

from __future__ import annotations

import hashlib
import os
import unicodedata
import uuid
import zipfile
from pathlib import Path
from typing import IO

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

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


def upload_root() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"])


def path_of(stored_name: str) -> Path:
    return upload_root() / "dossier" / stored_name[:2] / stored_name


class StoredUpload:
    def __init__(self, stored_name: str, size: int, sha256: str, content_type: str | None):
        self.stored_name, self.size, self.sha256, self.content_type = (
            stored_name, size, sha256, content_type)


def store_upload(session: Session, stream: IO[bytes], *, max_bytes: int) -> StoredUpload:
    """Copy the stream to a new file, hashing it; the caller rejects what it should not keep
    by calling discard(). Size over ``max_bytes`` stops the copy early."""
    stored_name = uuid.uuid4().hex
    target = path_of(stored_name)
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    session.info.setdefault(_WRITTEN, []).append(target)
    with open(target, "wb") as out:
        while chunk := stream.read(64 * 1024):
            size += len(chunk)
            if size > max_bytes:
                break
            digest.update(chunk)
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    with open(target, "rb") as written:
        head = written.read(16)
    content_type = detect_type(head, target) if size <= max_bytes else None
    return StoredUpload(stored_name, size, digest.hexdigest(), content_type)


def discard(session: Session, stored_name: str) -> None:
    path = path_of(stored_name)
    path.unlink(missing_ok=True)
    written = session.info.get(_WRITTEN, [])
    if path in written:
        written.remove(path)


@event.listens_for(Session, "after_rollback")
def _remove_uncommitted_files(session: Session) -> None:
    for path in session.info.pop(_WRITTEN, []):
        Path(path).unlink(missing_ok=True)


@event.listens_for(Session, "after_commit")
def _keep_committed_files(session: Session) -> None:
    session.info.pop(_WRITTEN, None)
