"""The demo's go-live step: the sample organisations, licence and 30 pre-go-live Hebei
certificates (devreg/transfer/samples.py), imported through the same code path as
`flask import` and the admin page."""

from __future__ import annotations

from sqlalchemy import select

from devreg.clock import china_today
from devreg.extensions import db
from devreg.transfer.models import ImportedRecord
from devreg.transfer.samples import COUNT, FILES, sample_files
from devreg.transfer.services import run_import

__all__ = ["COUNT", "FILES", "load_go_live"]


def load_go_live(orgs: object = None, users: object = None) -> None:
    """The demo step: import the sample organisations, licence and certificates (not the users:
    the demo's accounts have known passwords) unless already imported. The caller commits."""
    if db.session.scalar(select(ImportedRecord.id).where(
            ImportedRecord.source_file == FILES["certificates"]).limit(1)) is not None:
        return
    today = china_today()
    files = sample_files(today, demo=True)
    for kind in ("organisations", "licences", "certificates"):
        report = run_import(kind, FILES[kind], files[kind], actor_id=None, dry_run=False,
                            today=today)
        if not report.written:
            raise RuntimeError(f"demo go-live {kind}: {report.summary()} "
                               f"{report.error_lines()[:3]}")
