"""Content of record of the declaration signed with a yearly self-inspection report
(signatures.records): the filer, the year and the hash of the file as stored now."""

from __future__ import annotations

from typing import Any

from devreg.reports.models import SelfInspectionReport
from devreg.reports.services import DECLARATION
from devreg.signatures.models import Signature
from devreg.signatures.records import content_of_record


@content_of_record(SelfInspectionReport, "declared")
def _declared(report: SelfInspectionReport, signature: Signature) -> dict[str, Any]:
    return {"organisation": report.organisation_id, "year": report.year,
            "sha256": report.sha256, "declaration": DECLARATION}
