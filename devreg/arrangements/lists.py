"""The arrangement lists: ``/arrangements`` and the supervision queue (devreg/listing.py)."""

from __future__ import annotations

from sqlalchemy import or_

from devreg.arrangements.models import Arrangement
from devreg.arrangements.states import ArrangementState
from devreg.i18n import _l
from devreg.listing import Filter, ListSpec, Sort, like_pattern
from devreg.orgs.models import Organisation
from devreg.registrations.models import Device

SORTS = {"newest": Sort(_l("Newest first"), lambda: [Arrangement.id.desc()]),
         "oldest": Sort(_l("Oldest first"), lambda: [Arrangement.id])}


def _search(query, q):  # type: ignore[no-untyped-def]
    pattern = like_pattern(q)
    return query.where(or_(
        Arrangement.device.has(Device.name.ilike(pattern, escape="\\")),
        Arrangement.holder.has(Organisation.name_zh.ilike(pattern, escape="\\")),
        Arrangement.manufacturer.has(Organisation.name_zh.ilike(pattern, escape="\\"))))


FILTERS = [
    Filter("state", _l("Status"), lambda query, v: query.where(Arrangement.state == v),
           choices=lambda: [(s.value, s.title) for s in ArrangementState]),
    Filter("cross", _l("Cross-regional"), lambda query, v: query.where(
        (Arrangement.holder_province_code != Arrangement.site_province_code) if v == "yes"
        else (Arrangement.holder_province_code == Arrangement.site_province_code)),
        choices=lambda: [("yes", _l("yes")), ("no", _l("no"))]),
]


def arrangement_list_spec(endpoint: str) -> ListSpec:
    return ListSpec(endpoint=endpoint, sorts=SORTS, filters=FILTERS, search=_search,
                    search_label=_l("Device, holder or manufacturer"))


# --- the notices list: /supervision/notices ------------------------------------------------

def notice_list_spec(province_code: str | None) -> ListSpec:
    """The notices a province received or wrote, newest first, by direction and read state."""
    from devreg.arrangements.models import Notice

    def direction(query, value):  # type: ignore[no-untyped-def]
        if value == "received":
            return query.where(Notice.province_code == province_code)
        return query.where(Notice.from_province_code == province_code)

    def read(query, value):  # type: ignore[no-untyped-def]
        return query.where(Notice.read_at.is_(None) if value == "unread"
                           else Notice.read_at.is_not(None))

    def search(query, q):  # type: ignore[no-untyped-def]
        pattern = like_pattern(q)
        return query.where(or_(
            Notice.body.ilike(pattern, escape="\\"),
            Notice.arrangement.has(Arrangement.device.has(
                Device.name.ilike(pattern, escape="\\")))))

    return ListSpec(
        endpoint="arrangements.notice_list",
        sorts={"newest": Sort(_l("Newest first"), lambda: [Notice.id.desc()]),
               "oldest": Sort(_l("Oldest first"), lambda: [Notice.id])},
        filters=[
            Filter("direction", _l("Direction"), direction,
                   choices=lambda: [("received", _l("Received")), ("sent", _l("Sent"))]),
            Filter("read", _l("Read receipt"), read,
                   choices=lambda: [("unread", _l("Not yet read")), ("read", _l("Read"))]),
        ],
        search=search, search_label=_l("Text or product"))
