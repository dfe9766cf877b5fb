"""The administrator's organisation and user lists (devreg/listing.py)."""

from __future__ import annotations

from sqlalchemy import or_

from devreg.auth.models import User
from devreg.auth.roles import Role
from devreg.i18n import _l
from devreg.listing import Filter, ListSpec, Sort, like_pattern
from devreg.orgs.models import Organisation
from devreg.reference.queries import province_choices

KINDS = {"regulator": Organisation.is_regulator, "holder": Organisation.is_holder,
         "manufacturer": Organisation.is_manufacturer}

ORGANISATION_LIST = ListSpec(
    endpoint="orgs.org_list",
    sorts={"province": Sort(_l("Province, then name"),
                            lambda: [Organisation.province_code, Organisation.name_zh]),
           "name": Sort(_l("Name"), lambda: [Organisation.name_zh]),
           "newest": Sort(_l("Newest first"), lambda: [Organisation.id.desc()])},
    filters=[
        Filter("province", _l("Province"),
               lambda query, v: query.where(Organisation.province_code == v),
               choices=province_choices),
        Filter("kind", _l("Kind"), lambda query, v: query.where(KINDS[v].is_(True)),
               choices=lambda: [("regulator", _l("Regulator")),
                                ("holder", _l("Registration holder")),
                                ("manufacturer", _l("Manufacturer"))]),
    ],
    search=lambda query, q: query.where(or_(
        Organisation.name_zh.ilike(like_pattern(q), escape="\\"),
        Organisation.name_en.ilike(like_pattern(q), escape="\\"),
        Organisation.uscc.ilike(like_pattern(q), escape="\\"))),
    search_label=_l("Name or credit code"),
)

USER_LIST = ListSpec(
    endpoint="auth.user_list",
    sorts={"role": Sort(_l("Role, then email"), lambda: [User.role, User.email]),
           "email": Sort(_l("Email"), lambda: [User.email]),
           "newest": Sort(_l("Newest first"), lambda: [User.id.desc()])},
    filters=[
        Filter("role", _l("Role"), lambda query, v: query.where(User.role == v),
               choices=lambda: [(r.value, r.title) for r in Role]),
        Filter("status", _l("Status"), lambda query, v: query.where(
            User.is_active.is_(v == "active")),
            choices=lambda: [("active", _l("Active")), ("deactivated", _l("Deactivated"))]),
    ],
    search=lambda query, q: query.where(or_(
        User.email.ilike(like_pattern(q), escape="\\"),
        User.display_name.ilike(like_pattern(q), escape="\\"))),
    search_label=_l("Email or name"),
)
