"""Read-only endpoints for a personal API token's owner: holders' devices, applications (state,
clock with pauses, due dates, items to answer) and certificates; manufacturers' arrangements;
reviewers' queues. Records are scoped by the same ``*_visible_to`` and queue queries the pages
use: another organisation's record answers 404, as on the pages.

Only the token authenticates: a session cookie is never read here."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any

import marshmallow as ma
from flask import abort, current_app, g, request
from flask_smorest import Blueprint
from sqlalchemy import Select
from sqlalchemy.orm import lazyload, selectinload
from werkzeug.exceptions import Forbidden

from devreg.api.schemas import CertificateSummarySchema, PageArgs
from devreg.api.tokens import authenticate
from devreg.arrangements.queries import arrangements_visible_to
from devreg.certificates.models import Certificate
from devreg.certificates.queries import certificates_visible_to, valid_ids_on
from devreg.clock import china_today
from devreg.extensions import db
from devreg.i18n import _
from devreg.registrations.clock_pages import clocks_for
from devreg.registrations.lists import QUEUE_SORTS, ROW_LOADING
from devreg.registrations.models import Application
from devreg.registrations.queries import applications_visible_to, devices_visible_to
from devreg.review.queries import QUEUES, queue_counts, queue_query, user_queues
from devreg.security import limiter

blp = Blueprint("api_own", __name__,
                description="An account's own records: a personal API token is required")


def _token_key() -> str:
    """Per token (a hash of the header, so no lookup is needed to count)."""
    header = request.headers.get("Authorization", "")
    return "token:" + hashlib.sha256(header.encode()).hexdigest()[:32]


limiter.limit(lambda: current_app.config["API_RATE_LIMIT_PER_TOKEN"], key_func=_token_key,
              scope="api-token")(blp)


@blp.after_request
def never_cached(response):  # type: ignore[no-untyped-def]
    """An account's own records: no browser or proxy keeps them."""
    response.headers["Cache-Control"] = "no-store"
    return response


@blp.before_request
def require_token() -> None:
    token = authenticate(request.headers.get("Authorization"), china_today())
    if token is None:
        abort(401)
    g.api_token = token
    g.api_user = token.user


def requires(scope: str | None) -> Callable[[Any], Any]:
    """The view needs ``scope`` on the token (403 otherwise; None: any live token), and is
    documented with its errors."""
    def decorator(view: Any) -> Any:
        @wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            if scope is not None and scope not in g.api_token.scope_set:
                error = Forbidden()
                error.api_detail = _("This token lacks the scope %(scope)s.",  # type: ignore[attr-defined]
                                     scope=scope)
                raise error
            return view(*args, **kwargs)
        checked = blp.doc(security=[{"token": []}],
                          **{"x-devreg-scope": scope or "any"})(checked)
        for status, name in ((400, "BAD_REQUEST"), (401, "UNAUTHORIZED"), (403, "FORBIDDEN"),
                             (429, "TOO_MANY_REQUESTS")):
            checked = blp.alt_response(status, response=name)(checked)
        return checked
    return decorator


# --- schemas ------------------------------------------------------------------------------

class MeSchema(ma.Schema):
    email = ma.fields.String(required=True)
    display_name = ma.fields.String(required=True)
    role = ma.fields.String(required=True)
    organisation = ma.fields.String(allow_none=True, required=True)
    scopes = ma.fields.List(ma.fields.String(), required=True)
    token_expires_on = ma.fields.Date(required=True)


class DeviceSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    model_spec = ma.fields.String(required=True)
    category_code = ma.fields.String(required=True)
    is_ivd_reagent = ma.fields.Boolean(required=True)


class PauseSchema(ma.Schema):
    reason = ma.fields.String(required=True)
    started_on = ma.fields.Date(required=True)
    ended_on = ma.fields.Date(allow_none=True, required=True,
                              metadata={"description": "None: still paused"})


class ClockSchema(ma.Schema):
    stage = ma.fields.String(required=True)
    started_on = ma.fields.Date(required=True)
    limit = ma.fields.Integer(required=True, metadata={"description": "working days"})
    used = ma.fields.Integer(required=True)
    left = ma.fields.Integer(required=True)
    due = ma.fields.Date(required=True)
    provisional = ma.fields.Boolean(required=True)
    paused = ma.fields.Boolean(required=True)
    pause_reason = ma.fields.String(allow_none=True, required=True)
    holder_deadline = ma.fields.Date(allow_none=True, required=True)
    extended_by = ma.fields.Integer(required=True)
    overdue = ma.fields.Boolean(required=True)


class ToAnswerSchema(ma.Schema):
    correction_items = ma.fields.String(allow_none=True, required=True)
    supplement_items = ma.fields.String(allow_none=True, required=True)
    supplement_deadline = ma.fields.Date(allow_none=True, required=True)


class ApplicationSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    kind = ma.fields.String(required=True)
    state = ma.fields.String(required=True)
    device_id = ma.fields.Integer(required=True)
    device_name = ma.fields.String(required=True)
    holder_name = ma.fields.String(required=True)
    province_code = ma.fields.String(required=True)
    stream = ma.fields.String(required=True)
    acceptance_number = ma.fields.String(allow_none=True, required=True)
    received_on = ma.fields.Date(allow_none=True, required=True)
    accepted_on = ma.fields.Date(allow_none=True, required=True)
    decided_on = ma.fields.Date(allow_none=True, required=True)
    clock = ma.fields.Nested(ClockSchema, allow_none=True, required=True,
                             metadata={"description": "None: no regulator clock runs"})
    pauses = ma.fields.List(ma.fields.Nested(PauseSchema), required=True)
    to_answer = ma.fields.Nested(ToAnswerSchema, required=True)


class OwnCertificateSchema(CertificateSummarySchema):
    id = ma.fields.Integer(required=True)


class ArrangementSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    state = ma.fields.String(required=True)
    device_name = ma.fields.String(required=True)
    holder = ma.fields.String(required=True)
    manufacturer = ma.fields.String(required=True)
    site_address = ma.fields.String(required=True)
    planned_start = ma.fields.Date(required=True)
    planned_end = ma.fields.Date(allow_none=True, required=True)
    agreement_until = ma.fields.Date(allow_none=True, required=True)
    commission_until = ma.fields.Date(allow_none=True, required=True)
    end_date = ma.fields.Date(allow_none=True, required=True)


def _page_schema(item: type[ma.Schema], name: str) -> type[ma.Schema]:
    return ma.Schema.from_dict({
        "items": ma.fields.List(ma.fields.Nested(item), required=True),
        "total": ma.fields.Integer(required=True), "page": ma.fields.Integer(required=True),
        "pages": ma.fields.Integer(required=True), "per_page": ma.fields.Integer(required=True),
    }, name=name)


DevicePage = _page_schema(DeviceSchema, "DevicePage")
ApplicationPage = _page_schema(ApplicationSchema, "ApplicationPage")
OwnCertificatePage = _page_schema(OwnCertificateSchema, "OwnCertificatePage")
ArrangementPage = _page_schema(ArrangementSchema, "ArrangementPage")


class QueueCountSchema(ma.Schema):
    stage = ma.fields.String(required=True)
    waiting = ma.fields.Integer(required=True)


class QueuesSchema(ma.Schema):
    queues = ma.fields.List(ma.fields.Nested(QueueCountSchema), required=True)


# --- helpers ------------------------------------------------------------------------------

def _paged(query: Select, page: int, per_page: int) -> tuple[list[Any], dict[str, Any]]:
    result = db.paginate(query, page=page, per_page=per_page, error_out=False, count=True)
    total = result.total or 0
    return list(result.items), {"total": total, "page": page,
                                "pages": max(result.pages, 1), "per_page": per_page}


def application_record(application: Application, clock: Any) -> dict[str, Any]:
    return {
        "id": application.id, "kind": application.kind, "state": application.state,
        "device_id": application.device_id, "device_name": application.device.name,
        "holder_name": application.holder.name_zh, "province_code": application.province_code,
        "stream": application.stream, "acceptance_number": application.acceptance_number,
        "received_on": application.received_on, "accepted_on": application.accepted_on,
        "decided_on": application.decided_on,
        "clock": None if clock is None else {
            "stage": clock.stage.value, "started_on": clock.started_on, "limit": clock.limit,
            "used": clock.used, "left": clock.left, "due": clock.due,
            "provisional": clock.provisional, "paused": clock.paused,
            "pause_reason": clock.pause_reason.value if clock.pause_reason else None,
            "holder_deadline": clock.holder_deadline, "extended_by": clock.extended_by,
            "overdue": clock.overdue},
        "pauses": [{"reason": p.reason, "started_on": p.started_on, "ended_on": p.ended_on}
                   for p in application.clock_pauses],
        "to_answer": {
            "correction_items": (application.correction_items
                                 if application.state == "correction_requested" else None),
            "supplement_items": (application.supplement_items
                                 if application.state == "supplement_requested" else None),
            "supplement_deadline": (application.supplement_deadline
                                    if application.state == "supplement_requested" else None)},
    }


def _applications(rows: list[Application]) -> list[dict[str, Any]]:
    return [application_record(a, clock) for a, clock in clocks_for(rows, china_today())]


# --- endpoints ----------------------------------------------------------------------------

@blp.route("/me")
@requires(None)
@blp.response(200, MeSchema)
def me():
    """The token's owner and the token's scopes and last day."""
    user, token = g.api_user, g.api_token
    return {"email": user.email, "display_name": user.display_name, "role": user.role,
            "organisation": user.organisation.name_zh if user.organisation else None,
            "scopes": sorted(token.scope_set), "token_expires_on": token.expires_on}


@blp.route("/my/devices")
@requires("read:own")
@blp.arguments(PageArgs, location="query", as_kwargs=True)
@blp.response(200, DevicePage)
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def my_devices(page: int, per_page: int):
    """The holder's devices (the devices page's list)."""
    items, meta = _paged(devices_visible_to(g.api_user), page, per_page)
    return {"items": [{"id": d.id, "name": d.name, "model_spec": d.model_spec,
                       "category_code": d.category_code, "is_ivd_reagent": d.is_ivd_reagent}
                      for d in items], **meta}


@blp.route("/my/applications")
@requires("read:own")
@blp.arguments(PageArgs, location="query", as_kwargs=True)
@blp.response(200, ApplicationPage)
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def my_applications(page: int, per_page: int):
    """The applications the account may see, newest first, each with its clock."""
    query = applications_visible_to(g.api_user).options(*ROW_LOADING)
    items, meta = _paged(query, page, per_page)
    return {"items": _applications(items), **meta}


@blp.route("/my/applications/<int:application_id>")
@requires("read:own")
@blp.response(200, ApplicationSchema)
@blp.alt_response(404, response="NOT_FOUND")
def my_application(application_id: int):
    """One application: state, clock with its pauses, due dates, items to answer."""
    application = db.session.scalar(applications_visible_to(g.api_user).where(
        Application.id == application_id))
    if application is None:
        abort(404)
    return _applications([application])[0]


@blp.route("/my/certificates")
@requires("read:own")
@blp.arguments(PageArgs, location="query", as_kwargs=True)
@blp.response(200, OwnCertificatePage)
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def my_certificates(page: int, per_page: int):
    """The certificates the account may see (the certificates page's list)."""
    from devreg.api.public import summary

    query = certificates_visible_to(g.api_user).options(lazyload("*"),
                                                        selectinload(Certificate.periods))
    items, meta = _paged(query, page, per_page)
    valid = valid_ids_on((c.id for c in items), china_today())
    return {"items": [{"id": c.id, **summary(c, c.id in valid)} for c in items], **meta}


@blp.route("/my/arrangements")
@requires("read:own")
@blp.arguments(PageArgs, location="query", as_kwargs=True)
@blp.response(200, ArrangementPage)
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def my_arrangements(page: int, per_page: int):
    """The commissioned-production arrangements the account is party to (or, for a reviewer,
    that touch its province)."""
    items, meta = _paged(arrangements_visible_to(g.api_user), page, per_page)
    return {"items": [{
        "id": a.id, "state": a.state, "device_name": a.device.name,
        "holder": a.holder.name_zh, "manufacturer": a.manufacturer.name_zh,
        "site_address": a.site.address, "planned_start": a.planned_start,
        "planned_end": a.planned_end, "agreement_until": a.agreement_until,
        "commission_until": a.commission_until, "end_date": a.end_date} for a in items],
        **meta}


@blp.route("/queues")
@requires("read:queue")
@blp.response(200, QueuesSchema)
def queues():
    """How many applications wait in each of the reviewer's queues."""
    counts = queue_counts(g.api_user)
    return {"queues": [{"stage": stage, "waiting": counts[stage]}
                       for stage in user_queues(g.api_user)]}


@blp.route("/queues/<string:stage>")
@requires("read:queue")
@blp.arguments(PageArgs, location="query", as_kwargs=True)
@blp.response(200, ApplicationPage)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def queue(stage: str, page: int, per_page: int):
    """One queue (acceptance, review, decision) in its working order: priority first, then
    by due date. A queue the reviewer's duties do not give answers 404."""
    if stage not in QUEUES or stage not in user_queues(g.api_user):
        abort(404)
    query = queue_query(g.api_user, stage).options(*ROW_LOADING).order_by(
        *QUEUE_SORTS["due"].order_by())
    items, meta = _paged(query, page, per_page)
    return {"items": _applications(items), **meta}
