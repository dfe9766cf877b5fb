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
