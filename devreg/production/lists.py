"""The licence and scope-change lists (devreg/listing.py)."""

from __future__ import annotations

from sqlalchemy import or_

from devreg.i18n import _l
from devreg.listing import Filter, ListSpec, Sort, like_pattern
from devreg.orgs.models import Organisation
from devreg.production.models import ProductionLicence, ScopeChangeRequest, ScopeChangeState
from devreg.reference.queries import province_choices

LICENCE_LIST = ListSpec(
    endpoint="production.licence_list",
    sorts={"number": Sort(_l("Licence number"), lambda: [ProductionLicence.number]),
           "valid_until": Sort(_l("Valid until, soonest first"),
                               lambda: [ProductionLicence.valid_until, ProductionLicence.id])},
    filters=[Filter("province", _l("Province"),
                    lambda query, v: query.where(ProductionLicence.province_code == v),
                    choices=province_choices)],
    search=lambda query, q: query.where(or_(
        ProductionLicence.number.ilike(like_pattern(q), escape="\\"),
        ProductionLicence.organisation.has(
            Organisation.name_zh.ilike(like_pattern(q), escape="\\")))),
    search_label=_l("Licence number or manufacturer"),
)

SCOPE_STATES = {ScopeChangeState.PENDING.value: _l("Pending"),
                ScopeChangeState.APPROVED.value: _l("Approved"),
                ScopeChangeState.REJECTED.value: _l("Rejected")}

SCOPE_CHANGE_LIST = ListSpec(
    endpoint="production.scope_change_list",
    sorts={"newest": Sort(_l("Newest first"), lambda: [ScopeChangeRequest.id.desc()]),
           "oldest": Sort(_l("Oldest first"), lambda: [ScopeChangeRequest.id])},
    filters=[Filter("state", _l("Status"),
                    lambda query, v: query.where(ScopeChangeRequest.state == v),
                    choices=lambda: list(SCOPE_STATES.items()))],
)
