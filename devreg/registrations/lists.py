"""The application lists (``/applications`` and the review queue): filters, search and sorts
on the server (devreg/listing.py), and what each row loads."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Select, or_
from sqlalchemy.orm import lazyload, selectinload

from devreg.auth.roles import Role
from devreg.i18n import _l
from devreg.listing import Filter, ListSpec, Sort, like_pattern
from devreg.orgs.models import Organisation
from devreg.registrations.clock_pages import clock_condition, due_order
from devreg.registrations.kinds import ApplicationKind
from devreg.registrations.models import Application, Device
from devreg.registrations.states import ApplicationState

#: what a list row shows: the device and holder names, the assignee; never the files
ROW_LOADING = (
    selectinload(Application.device).lazyload(Device.holder),
    selectinload(Application.holder),
    selectinload(Application.assigned_reviewer),
    lazyload(Application.files),
    # the frozen content is for the application page; a list row shows the live names
    lazyload(Application.contents),
)

CLOCK_CHOICES = [("overdue", _l("Overdue")), ("due_soon", _l("Due soon"))]


def search_applications(query: Select, q: str) -> Select:
    """By reference (acceptance number or DR-000123), device name or holder name."""
    pattern = like_pattern(q)
    conditions = [
        Application.acceptance_number.ilike(pattern, escape="\\"),
        Application.device.has(Device.name.ilike(pattern, escape="\\")),
        Application.holder.has(Organisation.name_zh.ilike(pattern, escape="\\")),
        Application.holder.has(Organisation.name_en.ilike(pattern, escape="\\")),
    ]
    digits = q.upper().removeprefix("DR-")
    if digits.isdigit() and len(digits) <= 9:
        conditions.append(Application.id == int(digits))
    return query.where(or_(*conditions))


def _date_filter(column: Any, after: bool):  # type: ignore[no-untyped-def]
    return (lambda query, day: query.where(column >= day)) if after else \
        (lambda query, day: query.where(column <= day))


def application_filters(user, today: date, *, states: bool = True) -> list[Filter]:  # type: ignore[no-untyped-def]
    """The filters of an application list for ``user``. The clock filters use the province
    whose clocks the user watches (the reviewer's jurisdiction, the holder's province)."""
    filters = []
    if states:
        filters.append(Filter(
            "state", _l("State"), lambda query, v: query.where(Application.state == v),
            choices=lambda: [(s.value, s.title) for s in ApplicationState
                             if user.role != Role.REVIEWER or s != ApplicationState.DRAFT]))
    filters.append(Filter(
        "kind", _l("Kind"), lambda query, v: query.where(Application.kind == v),
        choices=lambda: [(k.value, k.title) for k in ApplicationKind]))
    province = user.jurisdiction or (user.organisation.province_code
                                     if user.organisation else None)
    if province is not None:
        filters.append(Filter(
            "clock", _l("Clock"),
            lambda query, v: query.where(clock_condition(v, province, today)),
            choices=lambda: CLOCK_CHOICES))
    if user.role == Role.REVIEWER:
        filters.append(Filter(
            "assignee", _l("Assigned to"), lambda query, v: query.where(
                Application.assigned_reviewer_id == user.id) if v == "mine"
            else query.where(Application.assigned_reviewer_id.is_(None)),
            choices=lambda: [("mine", _l("Me")), ("none", _l("Nobody yet"))]))
    filters += [
        Filter("received_from", _l("Received from"),
               _date_filter(Application.received_on, True), kind="date"),
        Filter("received_to", _l("Received until"),
               _date_filter(Application.received_on, False), kind="date"),
    ]
    return filters


APPLICATION_SORTS = {
    "newest": Sort(_l("Newest first"), lambda: [Application.id.desc()]),
    "due": Sort(_l("Due date"), due_order),
    "received": Sort(_l("Received, oldest first"),
                     lambda: [Application.received_on.is_(None), Application.received_on,
                              Application.id]),
    "number": Sort(_l("Acceptance number"),
                   lambda: [Application.acceptance_number.is_(None),
                            Application.acceptance_number, Application.id]),
}

QUEUE_SORTS = {
    "due": Sort(_l("Priority, then due date"),
                lambda: [Application.is_priority.desc(), *due_order()]),
    "received": APPLICATION_SORTS["received"],
    "number": APPLICATION_SORTS["number"],
    "newest": APPLICATION_SORTS["newest"],
}


def application_list_spec(user, today: date) -> ListSpec:  # type: ignore[no-untyped-def]
    return ListSpec(endpoint="registrations.application_list", sorts=APPLICATION_SORTS,
                    filters=application_filters(user, today), search=search_applications,
                    search_label=_l("Reference, device or holder"))


def queue_spec(user, today: date) -> ListSpec:  # type: ignore[no-untyped-def]
    return ListSpec(endpoint="review.queue", sorts=QUEUE_SORTS,
                    filters=application_filters(user, today, states=False),
                    search=search_applications,
                    search_label=_l("Reference, device or holder"))
