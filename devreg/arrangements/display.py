"""Display helpers for arrangement pages (registered as Jinja globals)."""

from __future__ import annotations

from sqlalchemy import select

from devreg.certificates.models import Certificate
from devreg.extensions import db
from devreg.i18n import _l
from devreg.reference.models import Province

TIMELINE_TITLES = {
    "create": _l("Proposed"), "confirm": _l("Confirmed"), "activate": _l("Active"),
    "suspend": _l("Suspended"), "lift": _l("Suspension lifted"), "end": _l("Ended"),
    "decline": _l("Declined"), "withdraw": _l("Withdrawn"),
}
SUPERVISION_TITLES = {
    "inspection": _l("Inspection"), "rectification": _l("Request for rectification"),
    "suspension": _l("Suspension"), "lift": _l("Suspension lifted"),
}
INSPECTION_RESULTS = {
    "satisfactory": _l("Satisfactory"), "deficiencies": _l("Deficiencies"),
    "serious_deficiencies": _l("Serious deficiencies"),
}
NOTICE_TITLES = {
    "confirmed": _l("confirmed"), "suspended": _l("suspended"), "lifted": _l("suspension lifted"),
    "ended": _l("ended"), "licence_expired": _l("production licence expired"),
    "licence_renewed": _l("production licence renewed"),
    "product_added": _l("product added by a manufacturer in another province (Order 53 Art 68)"),
    "inspection_due": _l("inspection due: the holder switched to commissioning or changed "
                         "manufacturer (NMPA 2024 No. 38 §16)"),
    "supervision": _l("supervision action recorded"),
    "feedback": _l("feedback on a delegated inspection or disposition received"),
    "message": _l("written notice"),
}


PART_TITLES = {"holder": _l("concerns the registration holder"),
               "manufacturer": _l("concerns the manufacturer's factory")}
MODE_TITLES = {"own": _l("By the province itself"), "joint": _l("Joint inspection"),
               "delegated": _l("Delegated inspection")}


def _title(table: dict, code: str | None) -> str:  # type: ignore[type-arg]
    title = table.get(code)
    return str(title) if title is not None else (code or "")


def timeline_title(code: str) -> str:
    return _title(TIMELINE_TITLES, code)


def supervision_title(code: str) -> str:
    return _title(SUPERVISION_TITLES, code)


def inspection_result_title(code: str | None) -> str:
    return _title(INSPECTION_RESULTS, code)


def notice_title(code: str) -> str:
    return _title(NOTICE_TITLES, code)


def part_title(code: str | None) -> str:
    return _title(PART_TITLES, code)


def mode_title(code: str | None) -> str:
    return _title(MODE_TITLES, code)


def province_name(code: str) -> str:
    province = db.session.get(Province, code)
    return province.name if province else code


def certificate_of_device(device_id: int) -> Certificate | None:
    return db.session.scalar(select(Certificate).where(Certificate.device_id == device_id)
                             .order_by(Certificate.id.desc()).limit(1))


def certificate_addresses(certificate: Certificate) -> list:  # type: ignore[type-arg]
    """The certificate's current production addresses (records, 2024-38 §13)."""
    from devreg.arrangements.queries import current_addresses

    return current_addresses(certificate)


def commissioned_manufacturers(certificate: Certificate) -> list:  # type: ignore[type-arg]
    """The manufacturers the remarks name: one per commissioned address, each once."""
    seen: dict[int, object] = {}
    for row in certificate_addresses(certificate):
        if row.is_commissioned:
            seen.setdefault(row.arrangement.manufacturer_org_id, row.arrangement.manufacturer)
    return list(seen.values())


def can_see_arrangement(arrangement) -> bool:  # type: ignore[no-untyped-def]
    from flask_login import current_user

    from devreg.arrangements.models import Arrangement
    from devreg.arrangements.queries import arrangements_visible_to

    return db.session.scalar(arrangements_visible_to(current_user).where(
        Arrangement.id == arrangement.id).with_only_columns(Arrangement.id)) is not None


GLOBALS = {fn.__name__: fn for fn in (timeline_title, supervision_title, inspection_result_title,
                                      notice_title, part_title, mode_title, province_name,
                                      certificate_of_device, certificate_addresses,
                                      commissioned_manufacturers, can_see_arrangement)}
