"""Where files live: one interface, two backends.

``local`` (the default) keeps objects under UPLOAD_FOLDER; ``s3`` keeps them in an
S3-compatible object store (STORAGE=s3, S3_ENDPOINT_URL, S3_BUCKET, S3_REGION and
S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY), which every app host shares. Keys are relative
paths such as ``dossier/ab/ab12...``. ``open`` returns a stream: callers copy it in chunks
and never hold a whole file in memory."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Protocol

from flask import Flask, current_app

CHUNK = 64 * 1024
EXTENSION = "devreg_storage"


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    modified: datetime


class Storage(Protocol):
    name: str

    def put(self, key: str, source: IO[bytes]) -> None:
        """Store the whole of ``source`` (a readable file at position 0) under ``key``."""

    def open(self, key: str) -> IO[bytes]:
        """A readable stream of the object; FileNotFoundError when there is none."""

    def delete(self, key: str) -> None:
        """Remove the object; no error when it is already gone."""

    def exists(self, key: str) -> bool: ...

    def size(self, key: str) -> int: ...

    def list(self, prefix: str = "") -> Iterator[StoredObject]:
        """Every object whose key starts with ``prefix`` (for the sweep and backups)."""

    def check(self) -> None:
        """Raise when the store cannot be reached (for /readyz)."""


def _safe_key(key: str) -> str:
    parts = key.split("/")
    if not key or key.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise ValueError(f"unsafe storage key {key!r}")
    return key


class LocalStorage:
    """A folder on this host. Writes go to a temporary name in the same folder and are moved
    into place whole, so a reader never sees half a file."""

    name = "local"

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def path(self, key: str) -> Path:
        return self.root / _safe_key(key)

    def put(self, key: str, source: IO[bytes]) -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, partial = tempfile.mkstemp(dir=target.parent, prefix=".partial-")
        try:
            with os.fdopen(handle, "wb") as out:
                shutil.copyfileobj(source, out, CHUNK)
                out.flush()
                os.fsync(out.fileno())
            os.replace(partial, target)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise

    def open(self, key: str) -> IO[bytes]:
        return open(self.path(key), "rb")

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def size(self, key: str) -> int:
        return self.path(key).stat().st_size

    def list(self, prefix: str = "") -> Iterator[StoredObject]:
        base = self.root / prefix if prefix else self.root
        if not base.is_dir():
            return
        for path in sorted(base.rglob("*")):
            if path.is_file():
                stat = path.stat()
                yield StoredObject(path.relative_to(self.root).as_posix(), stat.st_size,
                                   datetime.fromtimestamp(stat.st_mtime, UTC))

    def check(self) -> None:
        if not os.access(self.root, os.W_OK):
            raise OSError(f"{self.root} is not writable")


class S3Storage:
    """An S3-compatible object store (a cloud object store, Ceph radosgw). Uploads are
    multipart and streamed; downloads stream the response body."""

    name = "s3"

    def __init__(self, *, bucket: str, endpoint_url: str | None = None,
                 region: str | None = None, access_key: str | None = None,
                 secret_key: str | None = None, prefix: str = ""):
        import boto3
        from botocore.config import Config

        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.client = boto3.client(
            "s3", endpoint_url=endpoint_url or None, region_name=region or None,
            aws_access_key_id=access_key or None, aws_secret_access_key=secret_key or None,
            config=Config(retries={"max_attempts": 3, "mode": "standard"},
                          connect_timeout=5, read_timeout=60))

    def _key(self, key: str) -> str:
        return self.prefix + _safe_key(key)

    def put(self, key: str, source: IO[bytes]) -> None:
        self.client.upload_fileobj(source, self.bucket, self._key(key))

    def open(self, key: str) -> IO[bytes]:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
        except self.client.exceptions.NoSuchKey:
            raise FileNotFoundError(key) from None
        return answer["Body"]  # type: ignore[no-any-return]

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def _head(self, key: str) -> dict[str, Any] | None:
        from botocore.exceptions import ClientError

        try:
            return self.client.head_object(  # type: ignore[no-any-return]
                Bucket=self.bucket, Key=self._key(key))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise

    def exists(self, key: str) -> bool:
        return self._head(key) is not None

    def size(self, key: str) -> int:
        head = self._head(key)
        if head is None:
            raise FileNotFoundError(key)
        return int(head["ContentLength"])

    def list(self, prefix: str = "") -> Iterator[StoredObject]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix + prefix)
        for page in pages:
            for item in page.get("Contents", []):
                yield StoredObject(item["Key"][len(self.prefix):], int(item["Size"]),
                                   item["LastModified"].astimezone(UTC))

    def check(self) -> None:
        self.client.head_bucket(Bucket=self.bucket)


def create_storage(config: Any) -> Storage:
    kind = (config.get("STORAGE") or "local").lower()
    if kind == "local":
        return LocalStorage(config["UPLOAD_FOLDER"])
    if kind == "s3":
        if not config.get("S3_BUCKET"):
            raise RuntimeError("STORAGE=s3 needs S3_BUCKET (and S3_ENDPOINT_URL for a store "
                               "other than AWS)")
        return S3Storage(bucket=config["S3_BUCKET"], endpoint_url=config.get("S3_ENDPOINT_URL"),
                         region=config.get("S3_REGION"),
                         access_key=config.get("S3_ACCESS_KEY_ID"),
                         secret_key=config.get("S3_SECRET_ACCESS_KEY"),
                         prefix=config.get("S3_PREFIX") or "")
    raise RuntimeError(f"unknown STORAGE {kind!r}: use local or s3")


def init_storage(app: Flask) -> None:
    app.extensions[EXTENSION] = create_storage(app.config)


def storage() -> Storage:
    """The current app's store."""
    return current_app.extensions[EXTENSION]  # type: ignore[no-any-return]
