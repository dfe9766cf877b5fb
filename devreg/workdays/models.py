"""Official holiday schedules, regulator holidays and per-province stage time limits."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from devreg.db import TimestampMixin, UTCDateTime, utcnow
from devreg.extensions import db
from devreg.i18n import _l
from devreg.reference.models import Province
from devreg.workdays.calendar import DayKind, ScheduleProblem

if TYPE_CHECKING:
    from devreg.auth.models import User


class Stage(StrEnum):
    """The clocked stages of a Class II registration (docs/rules.md §3)."""

    ACCEPTANCE = "acceptance"
    TECHNICAL_REVIEW = "technical_review"
    SUPPLEMENT_REVIEW = "supplement_review"
    QMS_VERIFICATION = "qms_verification"
    DECISION = "decision"
    CERTIFICATE_ISSUE = "certificate_issue"

    @property
    def title(self) -> str:
        return str(STAGE_TITLES[self])


STAGE_TITLES = {
    Stage.ACCEPTANCE: _l("Acceptance decision after submission"),
    Stage.TECHNICAL_REVIEW: _l("Technical review"),
    Stage.SUPPLEMENT_REVIEW: _l("Technical review after the supplement"),
    Stage.QMS_VERIFICATION: _l("QMS verification"),
    Stage.DECISION: _l("Administrative decision"),
    Stage.CERTIFICATE_ISSUE: _l("Certificate issue and delivery"),
}

class Stream(StrEnum):
    """The review streams a province may run (Order 47 Art 119: provincial special procedures
    for Class II). Ordinary always runs, for every kind."""

    ORDINARY = "ordinary"
    PRIORITY = "priority"  # 优先审批
    INNOVATIVE = "innovative"  # 创新
    EMERGENCY = "emergency"  # 应急

    @property
    def title(self) -> str:
        return str(STREAM_TITLES[self])


STREAM_TITLES = {
    Stream.ORDINARY: _l("Ordinary"),
    Stream.PRIORITY: _l("Priority review (优先审批)"),
    Stream.INNOVATIVE: _l("Innovative devices (创新)"),
    Stream.EMERGENCY: _l("Emergency approval (应急)"),
}
#: a limit setting that applies to every application kind of its stream
ANY_KIND = "any"
_STREAM_VALUES = ", ".join(f"'{s.value}'" for s in Stream)

#: Statutory limits in working days (SAMR Order 47), the defaults of every province's settings.
STATUTORY_LIMITS: dict[Stage, int] = {
    Stage.ACCEPTANCE: 5,
    Stage.TECHNICAL_REVIEW: 60,
    Stage.SUPPLEMENT_REVIEW: 60,
    # Order 47 Art 93: the 30-day QMS verification limit is for domestic Class III only; a
    # Class II verification (Art 47-48, 50) has no statutory limit, so it has no row here and
    # the application shows the working days it has taken instead
    Stage.DECISION: 20,
    Stage.CERTIFICATE_ISSUE: 10,
}

#: the stages that have a time limit (and so a provincial setting)
LIMITED_STAGES: tuple[Stage, ...] = tuple(STATUTORY_LIMITS)

#: The holder answers a supplement request within one calendar year (a rule, not a setting).
SUPPLEMENT_ANSWER_YEARS = 1

SCHEDULE_PROBLEM_MESSAGES = {
    ScheduleProblem.OTHER_YEAR: _l("the date is not in the year being entered"),
    ScheduleProblem.DUPLICATE: _l("this date is listed twice"),
    ScheduleProblem.UNKNOWN_KIND: _l("the kind must be 'holiday' or 'workday'"),
    ScheduleProblem.WORKDAY_NOT_WEEKEND: _l("an adjusted workday must be a Saturday or Sunday"),
    ScheduleProblem.NO_NAME: _l("give the holiday's name"),
    ScheduleProblem.NO_HOLIDAY: _l("enter at least one holiday"),
}

DAY_KIND_TITLES = {
    DayKind.HOLIDAY: _l("Holiday"),
    DayKind.WORKDAY: _l("Adjusted workday"),
}

_STAGE_VALUES = ", ".join(f"'{s.value}'" for s in Stage)


class CalendarYear(db.Model):
    """A year whose official schedule an administrator entered; it overrides chinese_calendar."""

    __tablename__ = "calendar_years"
    audit_fields = ("year", "entered_by_id", "entered_at")

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    entered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    entered_by: Mapped[User | None] = relationship(lazy="joined")
    days: Mapped[list[CalendarDay]] = relationship(
        back_populates="calendar_year", order_by="CalendarDay.date",
        cascade="all, delete-orphan", lazy="selectin",
    )

    def count(self, kind: DayKind) -> int:
        return sum(1 for day in self.days if day.kind == kind)


class CalendarDay(db.Model):
    """One entry of an official schedule: a holiday, or a weekend day worked instead (调休)."""

    __tablename__ = "calendar_days"
    __table_args__ = (CheckConstraint("kind IN ('holiday', 'workday')", name="kind"),)
    audit_fields = ("calendar_year_id", "date", "kind", "name")

    id: Mapped[int] = mapped_column(primary_key=True)
    calendar_year_id: Mapped[int] = mapped_column(
        ForeignKey("calendar_years.id", ondelete="CASCADE"), index=True)
    date: Mapped[dt.date] = mapped_column(unique=True)
    #: 'holiday' or 'workday' (a Saturday or Sunday that is worked)
    kind: Mapped[str] = mapped_column(String(10))
    #: as in the State Council notice, e.g. 春节 or 春节调休
    name: Mapped[str] = mapped_column(String(60))

    calendar_year: Mapped[CalendarYear] = relationship(back_populates="days")


class RegulatorHoliday(db.Model):
    """An extra non-working day the provincial administration declared for its own clocks."""

    __tablename__ = "regulator_holidays"
    __table_args__ = (UniqueConstraint("province_code", "date"),)
    audit_fields = ("province_code", "date", "name")

    id: Mapped[int] = mapped_column(primary_key=True)
    province_code: Mapped[str] = mapped_column(ForeignKey("provinces.code"))
    date: Mapped[dt.date] = mapped_column()
    name: Mapped[str] = mapped_column(String(100))

    province: Mapped[Province] = relationship(lazy="joined")


class TimeLimitSetting(TimestampMixin, db.Model):
    """A province's own limit for one stage, application kind (or any kind) and stream; without
    a row the ordinary stream's setting, then the statutory default applies. Never longer than
    the statutory limit (Order 47 Art 119 allows special procedures, not longer ones)."""

    __tablename__ = "time_limit_settings"
    __table_args__ = (
        UniqueConstraint("province_code", "stage", "kind", "stream"),
        CheckConstraint(f"stage IN ({_STAGE_VALUES})", name="stage"),
        CheckConstraint(f"stream IN ({_STREAM_VALUES})", name="stream"),
        CheckConstraint("working_days > 0", name="working_days_positive"),
    )
    audit_fields = ("province_code", "stage", "kind", "stream", "working_days")

    id: Mapped[int] = mapped_column(primary_key=True)
    province_code: Mapped[str] = mapped_column(ForeignKey("provinces.code"))
    stage: Mapped[str] = mapped_column(String(30))
    #: an application kind code, or "any"
    kind: Mapped[str] = mapped_column(String(20), default=ANY_KIND, server_default=ANY_KIND)
    stream: Mapped[str] = mapped_column(String(20), default=Stream.ORDINARY.value,
                                        server_default=Stream.ORDINARY.value)
    working_days: Mapped[int] = mapped_column()


class CalendarVersion(db.Model):
    """One row whose token changes whenever a schedule or a regulator holiday is written.
    Each worker process caches the calendars it built under the token it read, and checks the
    token once per request, so an administrator's edit reaches every worker at once."""

    __tablename__ = "calendar_version"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32))
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ProvinceStream(TimestampMixin, db.Model):
    """A special stream a province runs, and the application kinds it applies to (e.g. Hebei
    priority review: first registrations only, 冀药监规〔2020〕1号)."""

    __tablename__ = "province_streams"
    __table_args__ = (
        UniqueConstraint("province_code", "stream"),
        CheckConstraint(f"stream IN ({_STREAM_VALUES}) AND stream <> 'ordinary'",
                        name="stream"),
    )
    audit_fields = ("province_code", "stream", "kinds")

    id: Mapped[int] = mapped_column(primary_key=True)
    province_code: Mapped[str] = mapped_column(ForeignKey("provinces.code"))
    stream: Mapped[str] = mapped_column(String(20))
    #: the application kind codes the stream applies to; empty: not run
    kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
