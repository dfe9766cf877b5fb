"""Writing organisations."""

from __future__ import annotations

from dataclasses import dataclass

from devreg.errors import DomainError
from devreg.extensions import db
from devreg.i18n import _
from devreg.orgs.models import Organisation
from devreg.orgs.queries import find_by_uscc
from devreg.orgs.uscc import is_valid_uscc, province_code_of


@dataclass(frozen=True)
class OrganisationData:
    name_zh: str
    name_en: str | None
    uscc: str
    province_code: str
    address: str
    is_holder: bool
    is_manufacturer: bool
    is_regulator: bool


def _check(data: OrganisationData, existing: Organisation | None) -> None:
    if not is_valid_uscc(data.uscc):
        raise DomainError(_("This is not a valid Unified Social Credit Code."))
    other = find_by_uscc(data.uscc)
    if other is not None and other is not existing:
        raise DomainError(_("Another organisation already has this credit code."))


def uscc_province_warning(data: OrganisationData) -> str | None:
    """The credit code's division code normally names the registering province (a hint only)."""
    if province_code_of(data.uscc) != data.province_code:
        return _("Note: the credit code's division code points to another province than the "
                 "one chosen. Check both.")
    return None


def create_organisation(data: OrganisationData) -> Organisation:
    _check(data, None)
    org = Organisation(**data.__dict__)
    db.session.add(org)
    db.session.flush()
    return org


def update_organisation(org: Organisation, data: OrganisationData) -> None:
    _check(data, org)
    for key, value in data.__dict__.items():
        setattr(org, key, value)
