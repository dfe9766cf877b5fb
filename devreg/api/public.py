"""Public, read-only registry endpoints: no sign-in, rate-limited per client address."""

from __future__ import annotations

import base64
import dataclasses
from datetime import date
from typing import Any

from flask import Response, current_app, request, url_for
from flask_smorest import Blueprint
from sqlalchemy import select
from sqlalchemy.orm import lazyload, selectinload
from werkzeug.datastructures import MultiDict

from devreg.api import export
from devreg.api.problems import problem
from devreg.api.schemas import (
    CertificatePageSchema,
    CertificateSchema,
    CertificateSearchArgs,
    ExportSchema,
    ValidityArgs,
    ValiditySchema,
)
from devreg.arrangements.models import ProductionAddress
from devreg.certificates.lists import REGISTRY
from devreg.certificates.models import Certificate
from devreg.certificates.numbers import is_valid_certificate_number
from devreg.certificates.queries import find_by_number, valid_ids_on
from devreg.clock import china_today
from devreg.extensions import db
from devreg.listing import list_page
from devreg.security import limiter

blp = Blueprint("api_public", __name__, description="The public registry: no token needed")

#: the certificate items a change may show publicly (those printed on the certificate)
PRINTED_ITEMS = ("holder_name", "holder_address", "production_address", "device_name",
                 "model_spec", "structure", "intended_use", "status", "valid_from",
                 "valid_until", "ended_on")


def _public_limit() -> str:
    return current_app.config["API_RATE_LIMIT_PER_ADDRESS"]


limiter.limit(_public_limit, scope="api-public")(blp)

#: how long a shared cache may serve a public registry answer (as the registry pages)
PUBLIC_MAX_AGE_SECONDS = 300


@blp.after_request
def public_cache(response):  # type: ignore[no-untyped-def]
    """The same answer for everyone: a proxy may keep a successful one for a while (errors
    are never kept); the language of the problem details varies it."""
    if response.status_code == 200:
        response.headers.setdefault("Cache-Control", f"public, max-age={PUBLIC_MAX_AGE_SECONDS}")
    else:
        response.headers["Cache-Control"] = "no-store"
    response.vary.add("Accept-Language")
    return response


def common_errors(view: Any) -> Any:
    """The errors any public operation may answer, in the document."""
    for status, name in ((400, "BAD_REQUEST"), (429, "TOO_MANY_REQUESTS")):
        view = blp.alt_response(status, response=name)(view)
    return view


def summary(certificate: Certificate, valid_today: bool) -> dict[str, Any]:
    return {
        "number": certificate.number, "status": certificate.status,
        "device_name": certificate.device_name, "holder_name": certificate.holder_name,
        "province_code": certificate.province_code, "category_code": certificate.category_code,
        "approved_on": certificate.approved_on, "valid_from": certificate.valid_from,
        "valid_until": certificate.valid_until, "ended_on": certificate.ended_on,
        "valid_today": valid_today,
    }


def _period(period: Any) -> dict[str, Any] | None:
    if period is None:
        return None
    return {"kind": period.kind, "starts_on": period.starts_on, "ends_on": period.ends_on,
            "approved_on": period.approved_on}


def _printed(values: dict[str, Any] | None) -> dict[str, Any]:
    return {key: value for key, value in (values or {}).items() if key in PRINTED_ITEMS}


def certificate_record(certificate: Certificate, today: date) -> dict[str, Any]:
    addresses = db.session.scalars(select(ProductionAddress).where(
        ProductionAddress.certificate_id == certificate.id).order_by(
        ProductionAddress.valid_from, ProductionAddress.id))
    return {
        **summary(certificate, certificate.is_valid_on(today)),
        "holder_address": certificate.holder_address,
        "production_address": certificate.production_address,
        "model_spec": certificate.model_spec, "structure": certificate.structure,
        "intended_use": certificate.intended_use,
        "periods": [_period(p) for p in certificate.periods],
        "production_addresses": [
            {"address": a.address, "valid_from": a.valid_from, "valid_to": a.valid_to,
             "manufacturer": (a.arrangement.manufacturer.name_zh
                              if a.arrangement is not None else None)}
            for a in addresses],
        "changes": [{"kind": c.kind, "effective_on": c.effective_on,
                     "before": _printed(c.before), "after": _printed(c.after)}
                    for c in certificate.changes],
    }


def _certificate_or_404(number: str) -> Certificate | None:
    return find_by_number(number) if is_valid_certificate_number(number) else None


@blp.route("/certificates")
@blp.arguments(CertificateSearchArgs, location="query", as_kwargs=True)
@blp.response(200, CertificatePageSchema)
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
@common_errors
def certificate_search(page: int, per_page: int, **filters: Any):
    """Search the registry: the public registry page's search, filters and sorts, paged.

    Without a search or a filter, every certificate, by number. The `Link` header points at
    the next and previous pages."""
    args = MultiDict({key: (value.isoformat() if isinstance(value, date) else str(value))
                      for key, value in filters.items()})
    args["page"] = str(page)
    spec = dataclasses.replace(REGISTRY, per_page=per_page)
    listed = list_page(select(Certificate).options(lazyload("*"),
                                                   selectinload(Certificate.periods)),
                       spec, args)
    valid = valid_ids_on((c.id for c in listed.items), china_today())
    links = []
    for rel, target in (("prev", listed.page - 1), ("next", listed.page + 1)):
        if 1 <= target <= listed.pages:
            target_url = url_for("api_public.certificate_search",
                                 **{**request.args.to_dict(), "page": target})
            links.append(f'<{target_url}>; rel="{rel}"')
    headers = {"X-Total-Count": str(listed.total)}
    if links:
        headers["Link"] = ", ".join(links)
    return {"items": [summary(c, c.id in valid) for c in listed.items], "total": listed.total,
            "page": listed.page, "pages": listed.pages, "per_page": per_page}, 200, headers


@blp.route("/certificates/<string:number>")
@blp.response(200, CertificateSchema)
@blp.alt_response(404, response="NOT_FOUND")
@common_errors
def certificate_detail(number: str):
    """One certificate by registration number: the items printed on it, its validity periods
    (with any gap between them), its production addresses over time and its change history."""
    certificate = _certificate_or_404(number)
    if certificate is None:
        return problem(404)
    return certificate_record(certificate, china_today())


@blp.route("/certificates/<string:number>/validity")
@blp.arguments(ValidityArgs, location="query", as_kwargs=True)
@blp.response(200, ValiditySchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
@common_errors
def certificate_validity(number: str, on: date | None = None):
    """Was the certificate valid on a day? Read from its validity periods (a renewal approved
    after expiry leaves a gap, Order 47 Art 84) and any cancellation or revocation."""
    certificate = _certificate_or_404(number)
    if certificate is None:
        return problem(404)
    day = on or china_today()
    return {"number": certificate.number, "on": day, "valid": certificate.is_valid_on(day),
            "reason": certificate.not_valid_because(day),
            "period": _period(certificate.period_on(day))}


# --- the daily bulk export ------------------------------------------------------------------

def _export_files(record: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"format": fmt, "media_type": export.FORMATS[fmt],
             "url": url_for(f"api_public.export_{fmt}"), "sha256": meta["sha256"],
             "size": meta["size"]} for fmt, meta in record["files"].items()]


@blp.route("/exports/registry")
@blp.response(200, ExportSchema)
@common_errors
def export_registry():
    """Today's bulk export of the whole public registry (China time): JSON Lines and CSV, each
    with its SHA-256 (also in `/exports/registry.sha256`, `sha256sum -c` format). Built once a
    day; every request of the day gets the same files."""
    record = export.todays(china_today())
    db.session.commit()  # building reads in its own transaction; nothing to write
    return {"day": date.fromisoformat(record["day"]), "count": record["count"],
            "files": _export_files(record)}


def _export_file(fmt: str) -> Response:
    record = export.todays(china_today())
    meta = record["files"][fmt]
    digest = base64.b64encode(bytes.fromhex(meta["sha256"])).decode()
    return Response(export.stream(meta["key"]), mimetype=export.FORMATS[fmt], headers={
        "Content-Length": str(meta["size"]),
        "Content-Disposition": f'attachment; filename="{meta["name"]}"',
        # RFC 9530: the checksum of the bytes sent
        "Repr-Digest": f"sha-256=:{digest}:",
        "X-Checksum-SHA256": meta["sha256"],
        "Cache-Control": "public, max-age=3600",
    })


def _file_response(media_type: str, description: str) -> Any:
    return blp.doc(responses={"200": {"description": description, "content": {
        media_type: {"schema": {"type": "string"}}}}})


@blp.route("/exports/registry.jsonl")
@_file_response("application/jsonl", "One JSON object per certificate and line, by number")
@common_errors
def export_jsonl():
    """Today's export as JSON Lines (UTF-8)."""
    return _export_file("jsonl")


@blp.route("/exports/registry.csv")
@_file_response("text/csv", "A header row, then one row per certificate (UTF-8 with BOM)")
@common_errors
def export_csv():
    """Today's export as CSV (UTF-8 with a BOM, so spreadsheets read the Chinese text)."""
    return _export_file("csv")


@blp.route("/exports/registry.sha256")
@_file_response("text/plain", "`sha256sum -c` format")
@common_errors
def export_checksums():
    """The SHA-256 of today's two files."""
    return Response(export.checksums(export.todays(china_today())), mimetype="text/plain")
