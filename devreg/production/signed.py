"""Content of record of the signatures on scope change decisions (signatures.records)."""

from __future__ import annotations

from typing import Any

from devreg.production.models import ScopeChangeRequest, ScopeChangeState
from devreg.signatures.models import Signature
from devreg.signatures.records import content_of_record


@content_of_record(ScopeChangeRequest, "approved", "refused")
def _decision(request: ScopeChangeRequest, signature: Signature) -> dict[str, Any]:
    return {"licence": request.licence.number, "codes": request.added_codes,
            "site": request.new_site_address,
            "approve": request.state == ScopeChangeState.APPROVED.value,
            "reason": request.decision_reason or ""}
