"""Reading organisations."""

from __future__ import annotations

from flask import abort
from sqlalchemy import select

from devreg.extensions import db
from devreg.orgs.models import Organisation


def get_organisation_or_404(org_id: int) -> Organisation:
    org = db.session.get(Organisation, org_id)
    if org is None:
        abort(404)
    return org


def all_organisations() -> list[Organisation]:
    return list(db.session.scalars(
        select(Organisation).order_by(Organisation.province_code, Organisation.name_zh)))


def organisation_choices(*, manufacturers_only: bool = False) -> list[tuple[int, str]]:
    query = select(Organisation).order_by(Organisation.name_zh)
    if manufacturers_only:
        query = query.where(Organisation.is_manufacturer)
    return [(o.id, o.name) for o in db.session.scalars(query)]


def find_by_uscc(uscc: str) -> Organisation | None:
    return db.session.scalar(select(Organisation).where(Organisation.uscc == uscc))
