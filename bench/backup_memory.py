"""Peak memory (RSS) of `flask backup`, `flask restore` and `flask audit verify` on a generated
dataset, each in its own process. Both stream, so the peak should stay flat as the data grows.

    .venv/bin/python bench/backup_memory.py --orgs 200000 --files 40 --file-mb 1

Prints one table row per operation: rows, archive size, seconds, peak RSS."""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def make_app(folder: Path, name: str):  # type: ignore[no-untyped-def]
    from devreg import create_app

    return create_app({"DEVREG_ENV": "development",
                       "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / name}.sqlite3",
                       "UPLOAD_FOLDER": str(folder / f"{name}-uploads"),
                       "AUDIT_CHECKPOINT_PATH": str(folder / f"{name}-checkpoints.jsonl")})


def generate(folder: Path, orgs: int, files: int, file_mb: int, updates: int = 0) -> None:
    """Organisations with their creation events (and ``updates`` address changes each),
    chained exactly as the application does."""
    from flask_migrate import upgrade
    from sqlalchemy import insert

    from devreg.audit.models import (
        GENESIS_HASH,
        KEYED,
        AuditEvent,
        audit_key,
        event_content,
        keyed_hash,
    )
    from devreg.db import utcnow
    from devreg.extensions import db
    from devreg.orgs.models import Organisation

    app = make_app(folder, "source")
    with app.app_context():
        upgrade()
        key, prev = audit_key(), GENESIS_HASH
        for start in range(1, orgs + 1, 5000):
            rows, events = [], []
            for n in range(start, min(start + 5000, orgs + 1)):
                row = {"id": n, "name_zh": f"基准测试医疗器械有限公司{n}", "name_en": f"Bench {n}",
                       "uscc": f"BENCH{n:013d}", "province_code": "11",
                       "address": f"北京市海淀区中关村大街 {n} 号", "is_holder": True,
                       "is_manufacturer": False, "is_regulator": False}
                rows.append(row)
                fields = {"actor_id": None, "actor_email": "bench", "client_address": None,
                          "subject_type": "Organisation", "subject_id": n, "action": "create",
                          "before": None, "after": {k: v for k, v in row.items() if k != "id"}}
                changes = [fields]
                for u in range(updates):
                    address = f"北京市海淀区中关村大街 {n} 号 {u} 室"
                    changes.append({**fields, "action": "update",
                                    "before": {"address": row["address"]},
                                    "after": {"address": address}})
                    row["address"] = address
                for change in changes:
                    created_at = utcnow()
                    digest = keyed_hash(event_content(created_at=created_at, **change), prev,
                                        key)
                    events.append({**change, "created_at": created_at, "prev_hash": prev,
                                   "hash": digest, "chain_version": KEYED})
                    prev = digest
            db.session.execute(insert(Organisation), rows)
            db.session.execute(insert(AuditEvent), events)
            db.session.commit()
        uploads = Path(app.config["UPLOAD_FOLDER"]) / "dossier"
        for n in range(files):
            target = uploads / f"{n:02x}"[:2] / f"bench{n:030d}"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(os.urandom(file_mb * 1024 * 1024))
        db.engine.dispose()


def peak_rss_kib() -> int:
    """This process's own peak RSS. (ru_maxrss is not: on Linux it keeps the high-water mark
    of the parent's memory copied into the child before exec.)"""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def child(operation: str, folder: Path, archive: Path) -> None:
    """Run one operation in this process and print its peak RSS in KiB."""
    from flask_migrate import upgrade

    from devreg.extensions import db

    name = "source" if operation in ("backup", "verify") else "target"
    app = make_app(folder, name)
    with app.app_context():
        runner = app.test_cli_runner()
        if operation == "backup":
            result = runner.invoke(args=["backup", str(archive)])
        elif operation == "restore":
            upgrade()
            result = runner.invoke(args=["restore", str(archive)])
        else:
            result = runner.invoke(args=["audit", "verify"])
        if result.exit_code != 0:
            print(result.output, file=sys.stderr)
            raise SystemExit(1)
        db.engine.dispose()
    print(peak_rss_kib())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, default=100_000)
    parser.add_argument("--files", type=int, default=20)
    parser.add_argument("--file-mb", type=int, default=1)
    parser.add_argument("--updates", type=int, default=0,
                        help="address changes per organisation (events = orgs x (1 + updates))")
    parser.add_argument("--only", choices=["backup", "restore", "verify"], action="append",
                        help="measure only these (restore needs backup)")
    parser.add_argument("--child", choices=["backup", "restore", "verify"])
    parser.add_argument("--folder")
    args = parser.parse_args()
    if args.child:
        folder = Path(args.folder)
        child(args.child, folder, folder / "bench.tar.gz")
        return
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        started = time.perf_counter()
        generate(folder, args.orgs, args.files, args.file_mb, args.updates)
        db_mb = (folder / "source.sqlite3").stat().st_size / 2**20
        events = args.orgs * (1 + args.updates)
        print(f"dataset: {args.orgs} organisations + {events} audit events "
              f"({db_mb:.0f} MiB SQLite), {args.files} files of {args.file_mb} MiB, "
              f"generated in {time.perf_counter() - started:.0f} s")
        baseline = subprocess.run(
            [sys.executable, "-c", "import devreg, pathlib; print(next(l.split()[1] for l in "
             "pathlib.Path('/proc/self/status').read_text().splitlines() "
             "if l.startswith('VmHWM:')))"],
            check=True, capture_output=True, text=True, cwd=ROOT).stdout.strip()
        print(f"{'operation':<10} {'seconds':>8} {'peak RSS MiB':>13}")
        print(f"{'import':<10} {'':>8} {int(baseline) / 1024:>13.0f}")
        for operation in args.only or ("backup", "restore", "verify"):
            started = time.perf_counter()
            out = subprocess.run(  # noqa: S603 - our own interpreter and script
                [sys.executable, __file__, "--child", operation, "--folder", str(folder)],
                check=True, capture_output=True, text=True, cwd=ROOT).stdout.strip()
            seconds = time.perf_counter() - started
            print(f"{operation:<10} {seconds:>8.1f} {int(out.splitlines()[-1]) / 1024:>13.0f}")
        if (folder / "bench.tar.gz").exists():
            size = (folder / "bench.tar.gz").stat().st_size / 2**20
            print(f"archive: {size:.0f} MiB")


if __name__ == "__main__":
    main()
