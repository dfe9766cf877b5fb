"""Holder-side deadlines that are not regulator clocks: the renewal window (Order 47 Art 82)
and the change-filing window (Order 47 Art 79 ¶3)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app

from devreg.workdays.queries import calendar_for


@dataclass(frozen=True)
class FilingWindow:
    changed_on: date
    deadline: date
    filed_on: date
    days: int
    working_days: bool

    @property
    def is_late(self) -> bool:
        return self.filed_on > self.deadline

    @property
    def days_late(self) -> int:
        return max((self.filed_on - self.deadline).days, 0)


def change_filing_deadline(changed_on: date, province_code: str) -> tuple[date, bool]:
    """The last day to file a change made on ``changed_on``, and whether working days count.

    Order 47 Art 79 ¶3: within 30 days of the change. Calendar days by default (the stricter
    reading; CHANGE_FILING_DAYS_KIND = "working" reads them as working days by Art 99)."""
    days = int(current_app.config["CHANGE_FILING_DAYS"])
    calendar = calendar_for(province_code)
    if current_app.config["CHANGE_FILING_DAYS_KIND"] == "working":
        return calendar.add_working_days(changed_on, days).due, True
    # Civil Code Art 201: day 1 is the day after the change; Art 203: a period ending on a
    # holiday or rest day ends on the next working day
    deadline = changed_on + timedelta(days=days)
    while not calendar.is_workday(deadline):
        deadline += timedelta(days=1)
    return deadline, False


def filing_window(application, filed_on: date | None = None) -> FilingWindow | None:  # type: ignore[no-untyped-def]
    """The change-filing window of ``application`` as of its filing (or ``filed_on``)."""
    if application.changed_on is None:
        return None
    filed = filed_on or application.received_on
    if filed is None:
        return None
    deadline, working = change_filing_deadline(application.changed_on,
                                               application.province_code)
    return FilingWindow(application.changed_on, deadline, filed,
                        int(current_app.config["CHANGE_FILING_DAYS"]), working)


def renewal_judged_on(application, today: date) -> date:  # type: ignore[no-untyped-def]
    """The date the renewal window is judged on (Order 47 Art 82; RENEWAL_WINDOW_DATE)."""
    if (current_app.config["RENEWAL_WINDOW_DATE"] == "first_receipt"
            and application.first_received_on is not None):
        # interpretation (docs/rules.md §5.2): the first receipt counts, so a renewal filed in
        # time stays in time when it is resubmitted after a correction notice
        return application.first_received_on  # type: ignore[no-any-return]
    return today
