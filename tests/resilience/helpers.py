"""A second, empty instance to restore into, and rewriting an archive as an attacker would."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask

from devreg import create_app
from devreg.audit.models import sign


def second_instance(app: Flask, tmp_path: Path, **overrides: Any) -> tuple[Flask, Callable]:
    """An empty instance: a fresh database (SQLite file, or a new PostgreSQL database)."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("postgresql"):
        import psycopg

        admin = url.replace("+psycopg", "").rsplit("/", 1)[0] + "/postgres"
        name = f"devreg_restore_{tmp_path.name[-8:].lower().replace('-', '_')}"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        target_url = url.rsplit("/", 1)[0] + "/" + name

        def drop() -> None:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        target_url = f"sqlite:///{tmp_path / 'restored.sqlite3'}"

        def drop() -> None:
            return None
    other = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": target_url,
                        "UPLOAD_FOLDER": str(tmp_path / "restored-uploads"),
                        "AUDIT_CHECKPOINT_PATH": str(tmp_path / "restored-checkpoints.jsonl"),
                        **overrides})
    return other, drop


def read_archive(path: Path) -> dict[str, bytes]:
    with tarfile.open(path, "r:gz") as archive:
        return {m.name: archive.extractfile(m).read() for m in archive if m.isfile()}  # type: ignore[union-attr]


def write_archive(path: Path, members: dict[str, bytes]) -> None:
    with tarfile.open(path, "w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))


def jsonl(rows: list[dict]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in rows).encode()


def rows_of(data: bytes) -> list[dict]:
    return [json.loads(line) for line in data.decode().splitlines()]


def rewrite(source: Path, target: Path, edit: Callable[[dict[str, bytes]], None], *,
            resign: bool, key: bytes | None = None, audit: dict | None = None) -> None:
    """Apply ``edit`` to the members; with ``resign`` recompute the manifest's hashes and row
    counts and sign it again (someone holding AUDIT_KEY, or a check deeper than the manifest)."""
    members = read_archive(source)
    edit(members)
    if resign:
        manifest = json.loads(members.pop("manifest.json"))
        manifest.pop("mac")
        for name, data in members.items():
            digest = hashlib.sha256(data).hexdigest()
            if name.startswith("tables/"):
                table = name.removeprefix("tables/").removesuffix(".jsonl")
                manifest["tables"][table] = {"rows": data.count(b"\n"), "sha256": digest}
            else:
                manifest["files"][name.removeprefix("uploads/")] = digest
        if audit is not None:
            manifest["audit"] = audit
        manifest["mac"] = sign(manifest, key)
        members["manifest.json"] = json.dumps(manifest).encode()
    write_archive(target, members)
