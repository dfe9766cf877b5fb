"""The certificate lists: the signed-in ``/certificates`` and the public registry. Filters,
search and sorts run in the database (devreg/listing.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, or_, select

from devreg.arrangements.models import Arrangement
from devreg.arrangements.states import ArrangementState
from devreg.certificates.models import Certificate, CertificateStatus
from devreg.i18n import _l
from devreg.listing import Filter, ListSpec, Sort, like_pattern
from devreg.orgs.models import Organisation
from devreg.reference.queries import all_provinces, category_choices

REGISTRY_PER_PAGE = 20


def search_certificates(query: Select, q: str) -> Select:
    """By registration number, product name or holder name (GIN trigram indexes on
    PostgreSQL make the ILIKE an index scan)."""
    pattern = like_pattern(q)
    return query.where(or_(Certificate.number.ilike(pattern, escape="\\"),
                           Certificate.device_name.ilike(pattern, escape="\\"),
                           Certificate.holder_name.ilike(pattern, escape="\\")))


def _holder(query: Select, text: str) -> Select:
    return query.where(Certificate.holder_name.ilike(like_pattern(text), escape="\\"))


def _manufacturer(query: Select, text: str) -> Select:
    """Made (under an active or suspended arrangement) by a manufacturer of that name."""
    makers = select(Arrangement.device_id).join(
        Organisation, Organisation.id == Arrangement.manufacturer_org_id).where(
        Arrangement.state.in_([ArrangementState.ACTIVE.value, ArrangementState.SUSPENDED.value]),
        or_(Organisation.name_zh.ilike(like_pattern(text), escape="\\"),
            Organisation.name_en.ilike(like_pattern(text), escape="\\")))
    return query.where(Certificate.device_id.in_(makers))


def certificate_filters(*, public: bool) -> list[Filter]:
    filters: list[Filter] = [
        Filter("status", _l("Status"), lambda query, v: query.where(Certificate.status == v),
               choices=lambda: [(s.value, s.title) for s in CertificateStatus]),
        Filter("province", _l("Issuing province"),
               lambda query, v: query.where(Certificate.province_code == v),
               choices=lambda: [(p.code, p.name) for p in all_provinces()]),
        Filter("category", _l("Catalogue subcategory"),
               lambda query, v: query.where(Certificate.category_code == v),
               choices=category_choices),
    ]
    if public:
        filters += [
            Filter("holder", _l("Registration holder"), _holder, kind="text"),
            Filter("manufacturer", _l("Manufacturer"), _manufacturer, kind="text"),
        ]
    filters += [
        Filter("approved_from", _l("Approved from"),
               lambda query, day: query.where(Certificate.approved_on >= day), kind="date"),
        Filter("approved_to", _l("Approved until"),
               lambda query, day: query.where(Certificate.approved_on <= day), kind="date"),
    ]
    return filters


CERTIFICATE_SORTS: dict[str, Sort] = {
    "number": Sort(_l("Registration number"), lambda: [Certificate.number]),
    "approved": Sort(_l("Approved, newest first"),
                     lambda: [Certificate.approved_on.desc(), Certificate.id.desc()]),
    "valid_until": Sort(_l("Valid until, soonest first"),
                        lambda: [Certificate.valid_until, Certificate.id]),
}

SEARCH_LABEL: Any = _l("Number, product or holder")

CERTIFICATE_LIST = ListSpec(endpoint="certificates.certificate_list", sorts=CERTIFICATE_SORTS,
                            filters=certificate_filters(public=False),
                            search=search_certificates, search_label=SEARCH_LABEL)
REGISTRY = ListSpec(endpoint="certificates.registry", sorts=CERTIFICATE_SORTS,
                    filters=certificate_filters(public=True), search=search_certificates,
                    search_label=SEARCH_LABEL, per_page=REGISTRY_PER_PAGE)
