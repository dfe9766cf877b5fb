"""Clocks for a page of applications: the calendars and time limits of the page's provinces are
loaded once, whatever the number of rows (a constant number of statements per page)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_

from devreg.registrations.clocks import Clock, clock_for
from devreg.registrations.models import Application
from devreg.registrations.states import ApplicationState
from devreg.workdays.queries import (
    calendars_for,
    time_limits_for,
)

S = ApplicationState


def clocks_for(applications: Iterable[Application],
               today: date) -> list[tuple[Application, Clock | None]]:
    applications = list(applications)
    codes = {a.province_code for a in applications}
    calendars = calendars_for(codes)
    limits = time_limits_for(codes)
    return [(a, clock_for(a, today, calendars[a.province_code], limits[a.province_code]))
            for a in applications]


# --- the same clocks in SQL, for filtering and sorting a list on the server -------------------
# Each open application stores the first day its running clock is due soon and the first day it
# is overdue (registrations/clock_store.py), computed by the same clock as its row: the list's
# filter and the row always agree, closed pauses and extensions included.


def due_order() -> list[ColumnElement[Any]]:
    """Running clocks first, the soonest due first; then the rest, newest first."""
    return [Application.clock_overdue_from.is_(None), Application.clock_overdue_from,
            Application.id.desc()]


def clock_condition(which: str, province_code: str | None, today: date) -> ColumnElement[bool]:
    """``which`` is "overdue" or "due_soon": the running clocks in that condition on ``today``
    (``province_code`` is kept for the callers, who scope their queries themselves)."""
    if which == "overdue":
        return Application.clock_overdue_from <= today
    return and_(Application.clock_soon_from <= today, Application.clock_overdue_from > today)
