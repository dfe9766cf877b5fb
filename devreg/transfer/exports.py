"""Every list downloads as CSV (UTF-8 with BOM, for Excel) or XLSX, with the page's filters,
search and sort. Each export starts from the same scoped query and ListSpec as its page
(listing.narrow), behind the same guard, so it holds what the page may show and nothing more.
Rows are read from the database in batches (yield_per) and written one by one to a temporary
file that stays in memory up to SPOOL_BYTES and then moves to disk; the response streams that
file in chunks. The whole export is never held in memory, and nothing of the request (its
application context, its transaction) outlives it while the client downloads."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, Any

from flask import abort
from sqlalchemy import Select, select

from devreg.i18n import _l
from devreg.listing import ListSpec, narrow
from devreg.permissions import can

#: rows fetched from the database per round trip
BATCH = 500
BOM = "\ufeff"
#: an export stays in memory up to this size, then goes to a temporary file on disk
SPOOL_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Export:
    name: str
    title: Any
    #: may this visitor download it (the page's own guard); None: public
    allowed: Callable[[Any], bool] | None
    #: (user, URL arguments) -> the page's scoped query
    query: Callable[[Any, Any], Select]
    spec: Callable[[Any], ListSpec]
    columns: Sequence[tuple[Any, Callable[[Any], Any]]]


def _title(enum: Any, value: str | None) -> str:
    if not value:
        return ""
    try:
        return str(enum(value).title)
    except ValueError:
        return value


def _certificates() -> list[tuple[Any, Callable[[Any], Any]]]:
    from devreg.certificates.models import CertificateStatus

    return [
        (_l("Registration number"), lambda c: c.number),
        (_l("Status"), lambda c: _title(CertificateStatus, c.status)),
        (_l("Product name"), lambda c: c.device_name),
        (_l("Registration holder"), lambda c: c.holder_name),
        (_l("Issuing province"), lambda c: c.province_code),
        (_l("Catalogue subcategory"), lambda c: c.category_code),
        (_l("Approved on"), lambda c: c.approved_on),
        (_l("Valid from"), lambda c: c.valid_from),
        (_l("Valid until"), lambda c: c.valid_until),
        (_l("Ended on"), lambda c: c.ended_on),
    ]


def _applications() -> list[tuple[Any, Callable[[Any], Any]]]:
    from devreg.registrations.kinds import ApplicationKind
    from devreg.registrations.states import ApplicationState

    return [
        (_l("Application"), lambda a: a.id),
        (_l("Kind"), lambda a: _title(ApplicationKind, a.kind)),
        (_l("State"), lambda a: _title(ApplicationState, a.state)),
        (_l("Product name"), lambda a: a.device.name),
        (_l("Registration holder"), lambda a: a.holder.name_zh),
        (_l("Province"), lambda a: a.province_code),
        (_l("Acceptance number"), lambda a: a.acceptance_number),
        (_l("Received on"), lambda a: a.received_on),
        (_l("Decided on"), lambda a: a.decided_on),
    ]


def _arrangements() -> list[tuple[Any, Callable[[Any], Any]]]:
    from devreg.arrangements.states import ArrangementState

    return [
        (_l("Arrangement"), lambda a: a.id),
        (_l("State"), lambda a: _title(ArrangementState, a.state)),
        (_l("Product name"), lambda a: a.device.name),
        (_l("Registration holder"), lambda a: a.holder.name_zh),
        (_l("Manufacturer"), lambda a: a.manufacturer.name_zh),
        (_l("Production address"), lambda a: a.site.address),
        (_l("Planned start"), lambda a: a.planned_start),
        (_l("Planned end"), lambda a: a.planned_end),
    ]


def _exports() -> dict[str, Export]:
    from devreg.arrangements.lists import arrangement_list_spec
    from devreg.arrangements.queries import arrangements_visible_to
    from devreg.auth.models import User
    from devreg.auth.roles import Role
    from devreg.certificates.lists import CERTIFICATE_LIST, REGISTRY
    from devreg.certificates.models import Certificate
    from devreg.certificates.queries import certificates_visible_to
    from devreg.clock import china_today
    from devreg.orgs.lists import ORGANISATION_LIST, USER_LIST
    from devreg.orgs.models import Organisation
    from devreg.production.lists import LICENCE_LIST, SCOPE_CHANGE_LIST
    from devreg.production.queries import licences_visible_to, scope_requests_visible_to
    from devreg.registrations.device_lists import DEVICE_LIST
    from devreg.registrations.lists import application_list_spec, queue_spec
    from devreg.registrations.queries import applications_visible_to, devices_visible_to
    from devreg.review.queries import queue_counts, queue_query

    def signed_in(user: Any) -> bool:
        return bool(user.is_authenticated)

    def stage(user: Any, args: Any) -> str:
        """The queue's stage as the page chooses it: the one asked for, else the first with
        work, else the first of the user's duties."""
        counts = queue_counts(user)
        wanted = args.get("stage", "")
        if wanted in counts:
            return wanted
        chosen = next((key for key in counts if counts[key]), next(iter(counts), ""))
        if not chosen:
            abort(404)
        return chosen

    exports = [
        Export("certificates", _l("Certificates"), signed_in,
               lambda u, a: certificates_visible_to(u), lambda u: CERTIFICATE_LIST,
               _certificates()),
        Export("registry", _l("Registry"), None, lambda u, a: select(Certificate),
               lambda u: REGISTRY, _certificates()),
        Export("applications", _l("Applications"),
               lambda u: can(u, "registrations.view_list"),
               lambda u, a: applications_visible_to(u),
               lambda u: application_list_spec(u, china_today()), _applications()),
        Export("queue", _l("Queue"), lambda u: can(u, "review.queue"),
               lambda u, a: queue_query(u, stage(u, a)), lambda u: queue_spec(u, china_today()),
               _applications()),
        Export("devices", _l("Devices"), lambda u: can(u, "registrations.manage_devices"),
               lambda u, a: devices_visible_to(u), lambda u: DEVICE_LIST, [
                   (_l("Product name"), lambda d: d.name),
                   (_l("Models and specifications"), lambda d: d.model_spec),
                   (_l("Catalogue subcategory"), lambda d: d.category_code),
                   (_l("Registration holder"), lambda d: d.holder.name_zh)]),
        Export("arrangements", _l("Arrangements"),
               lambda u: can(u, "arrangements.view_list"),
               lambda u, a: arrangements_visible_to(u),
               lambda u: arrangement_list_spec("arrangements.arrangement_list"),
               _arrangements()),
        Export("supervision", _l("Supervision"), lambda u: u.is_authenticated and
               u.role == Role.REVIEWER, lambda u, a: arrangements_visible_to(u),
               lambda u: arrangement_list_spec("arrangements.supervision"), _arrangements()),
        Export("licences", _l("Production licences"), signed_in,
               lambda u, a: licences_visible_to(u), lambda u: LICENCE_LIST, [
                   (_l("Licence number"), lambda x: x.number),
                   (_l("Manufacturer"), lambda x: x.organisation.name_zh),
                   (_l("Issuing province"), lambda x: x.province_code),
                   (_l("Valid until"), lambda x: x.valid_until),
                   (_l("Scope"), lambda x: ";".join(x.scope_codes)),
                   (_l("Production addresses"), lambda x: "\n".join(
                       s.address for s in x.sites if s.is_active))]),
        Export("scope-changes", _l("Scope changes"), signed_in,
               lambda u, a: scope_requests_visible_to(u), lambda u: SCOPE_CHANGE_LIST, [
                   (_l("Licence number"), lambda x: x.licence.number),
                   (_l("State"), lambda x: x.state),
                   (_l("Added subcategories"), lambda x: ";".join(x.added_codes or [])),
                   (_l("New production address"), lambda x: x.new_site_address),
                   (_l("Decided on"), lambda x: x.decided_on)]),
        Export("organisations", _l("Organisations"), lambda u: can(u, "orgs.manage"),
               lambda u, a: select(Organisation), lambda u: ORGANISATION_LIST, [
                   (_l("Unified social credit code"), lambda o: o.uscc),
                   (_l("Name"), lambda o: o.name_zh),
                   (_l("Name (English)"), lambda o: o.name_en),
                   (_l("Province"), lambda o: o.province_code),
                   (_l("Address"), lambda o: o.address)]),
        Export("users", _l("User accounts"), lambda u: can(u, "auth.manage_users"),
               lambda u, a: select(User), lambda u: USER_LIST, [
                   (_l("Email"), lambda x: x.email),
                   (_l("Name"), lambda x: x.display_name),
                   (_l("Role"), lambda x: _title(Role, x.role)),
                   (_l("Organisation"), lambda x: x.organisation.name_zh
                    if x.organisation else ""),
                   (_l("Active"), lambda x: "Y" if x.is_active else "N")]),
    ]
    return {export.name: export for export in exports}


_EXPORTS: dict[str, Export] | None = None


def exports() -> dict[str, Export]:
    global _EXPORTS
    if _EXPORTS is None:
        _EXPORTS = _exports()
    return _EXPORTS


def _text(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _safe(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula gets a leading apostrophe."""
    value = _text(value)
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def rows(export: Export, user: Any, args: Any) -> Iterator[list[Any]]:
    from devreg.extensions import db

    narrowed = narrow(export.query(user, args), export.spec(user), args)
    result = db.session.execute(narrowed.query.execution_options(yield_per=BATCH))
    for record in result.scalars():
        yield [_safe(getter(record)) for _label, getter in export.columns]


def headers(export: Export) -> list[str]:
    return [str(label) for label, _getter in export.columns]


def write_csv(export: Export, user: Any, args: Any, handle: IO[bytes]) -> None:
    text = io.TextIOWrapper(handle, encoding="utf-8", newline="", write_through=True)
    text.write(BOM)
    writer = csv.writer(text)
    writer.writerow(headers(export))
    for row in rows(export, user, args):
        writer.writerow(row)
    text.detach()


def write_xlsx(export: Export, user: Any, args: Any, handle: IO[bytes]) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(export.name[:31])
    sheet.append(headers(export))
    for row in rows(export, user, args):
        sheet.append(row)
    book.save(handle)


def export_file(export: Export, user: Any, args: Any, fmt: str) -> IO[bytes]:
    """The export written row by row to a temporary file (in memory up to SPOOL_BYTES, then on
    disk), rewound: the whole file is never held in memory, and the response streams it in
    chunks after the request's transaction is over."""
    # closed by the response once streamed
    handle: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # type: ignore[assignment]  # noqa: SIM115
    (write_csv if fmt == "csv" else write_xlsx)(export, user, args, handle)
    handle.seek(0)
    return handle
