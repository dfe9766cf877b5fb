"""The holder's device list (devreg/listing.py)."""

from __future__ import annotations

from devreg.i18n import _l
from devreg.listing import Filter, ListSpec, Sort, like_pattern
from devreg.reference.queries import category_choices
from devreg.registrations.models import Device

DEVICE_LIST = ListSpec(
    endpoint="registrations.device_list",
    sorts={"name": Sort(_l("Name"), lambda: [Device.name, Device.id]),
           "newest": Sort(_l("Newest first"), lambda: [Device.id.desc()])},
    filters=[Filter("category", _l("Catalogue subcategory"),
                    lambda query, v: query.where(Device.category_code == v),
                    choices=category_choices)],
    search=lambda query, q: query.where(Device.name.ilike(like_pattern(q), escape="\\")),
    search_label=_l("Device name"),
)
