"""Forms: an official year's schedule as text lines, a province's limits, regulator holidays."""

from __future__ import annotations

from datetime import date

from wtforms import (
    DateField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import InputRequired, Length, NumberRange

from devreg.forms import BaseForm
from devreg.i18n import _, _l
from devreg.production.forms import MultiCheckboxField
from devreg.registrations.kinds import ApplicationKind
from devreg.workdays.calendar import DayKind, schedule_problems
from devreg.workdays.models import (
    ANY_KIND,
    LIMITED_STAGES,
    SCHEDULE_PROBLEM_MESSAGES,
    STAGE_TITLES,
    STATUTORY_LIMITS,
    STREAM_TITLES,
    Stage,
    Stream,
)
from devreg.workdays.services import MAX_YEAR, MIN_YEAR

REQUIRED = _l("This field is required.")
NAME_MAX = 60


def format_schedule(entries: list[tuple[date, str, str]]) -> str:
    """The text-line form of a schedule, as the admin types it."""
    return "\n".join(f"{day.isoformat()} {kind} {name}" for day, kind, name in entries)


class YearScheduleForm(BaseForm):
    year = IntegerField(_l("Year"), validators=[
        InputRequired(message=REQUIRED),
        NumberRange(min=MIN_YEAR, max=MAX_YEAR, message=_l("Enter a year between %(min)s and "
                                                           "%(max)s.")),
    ])
    lines = TextAreaField(
        _l("Holidays and adjusted workdays"),
        validators=[InputRequired(message=REQUIRED)],
        description=_l("One day per line, as in the State Council notice: "
                       "'2027-02-06 holiday 春节' or '2027-02-14 workday 春节调休' (a Saturday or "
                       "Sunday that is worked). List every holiday day, weekends inside a holiday "
                       "included. Lines starting with # are ignored."),
    )

    #: (date, kind, name) per valid line, filled by validation
    entries: list[tuple[date, str, str]]

    def validate_lines(self, field):  # type: ignore[no-untyped-def]
        """Every line is checked and every error reported with its line number at once."""
        errors: list[str] = []
        entries: list[tuple[date, str, str]] = []
        line_numbers: list[int] = []
        for number, raw in enumerate((field.data or "").splitlines(), start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split(maxsplit=2)
            try:
                day = date.fromisoformat(parts[0])
            except ValueError:
                errors.append(_("Line %(number)d: '%(text)s' is not a date written YYYY-MM-DD.",
                                number=number, text=parts[0]))
                continue
            kind = parts[1].lower() if len(parts) > 1 else ""
            name = parts[2].strip() if len(parts) > 2 else ""
            if len(name) > NAME_MAX:
                errors.append(_("Line %(number)d: the name is longer than %(max)d characters.",
                                number=number, max=NAME_MAX))
                continue
            entries.append((day, kind, name))
            line_numbers.append(number)
        # the rules need a valid year; without one, only the lines' syntax is reported
        year_ok = self.year.data is not None and not self.year.errors
        for index, problem in schedule_problems(self.year.data, entries) if year_ok else []:
            message = SCHEDULE_PROBLEM_MESSAGES[problem]
            if index is None:
                errors.append(_("Schedule: %(problem)s.", problem=message))
            else:
                errors.append(_("Line %(number)d: %(problem)s.", number=line_numbers[index],
                                problem=message))
        if errors:
            field.errors.extend(errors[:-1])
            raise ValidationError(errors[-1])
        self.entries = [(day, DayKind(kind).value, name) for day, kind, name in entries]


class TimeLimitsForm(BaseForm):
    """One working-day field per stage, named by the stage code (fields added below)."""


#: a province may shorten a statutory limit, never lengthen it (Order 47 Art 119)
STATUTORY_RANGE = _l("Between %(min)s and the statutory %(max)s working days.")

for _stage in LIMITED_STAGES:
    setattr(TimeLimitsForm, _stage.value, IntegerField(
        STAGE_TITLES[_stage],
        validators=[InputRequired(message=REQUIRED),
                    NumberRange(min=1, max=STATUTORY_LIMITS[_stage], message=STATUTORY_RANGE)],
        description=_l("Statutory default: %(days)d working days",
                       days=STATUTORY_LIMITS[_stage]),
    ))
del _stage

SPECIAL_STREAMS = [s for s in Stream if s is not Stream.ORDINARY]


class StreamForm(BaseForm):
    """Which application kinds a special stream applies to; none: the stream is not run."""

    stream = SelectField(_l("Stream"), choices=[(s.value, STREAM_TITLES[s])
                                                 for s in SPECIAL_STREAMS],
                         validators=[InputRequired(message=REQUIRED)])
    kinds = MultiCheckboxField(_l("Applies to"), choices=[
        (k.value, k.title) for k in ApplicationKind if k is not ApplicationKind.CHANGE_FILING])


class SpecialLimitForm(BaseForm):
    """One limit for a stage, of one application kind (or any) in one stream."""

    stream = SelectField(_l("Stream"), choices=[(s.value, STREAM_TITLES[s]) for s in Stream],
                         validators=[InputRequired(message=REQUIRED)])
    kind = SelectField(_l("Application kind"), choices=[(ANY_KIND, _l("Any kind"))] + [
        (k.value, k.title) for k in ApplicationKind if k is not ApplicationKind.CHANGE_FILING],
        validators=[InputRequired(message=REQUIRED)])
    stage = SelectField(_l("Stage"), choices=[(s.value, STAGE_TITLES[s])
                                              for s in LIMITED_STAGES],
                        validators=[InputRequired(message=REQUIRED)])
    working_days = IntegerField(_l("Working days"), validators=[
        InputRequired(message=REQUIRED),
        NumberRange(min=1, message=_l("At least 1 working day."))],
        description=_l("At most the statutory limit of the stage."))

    def validate_working_days(self, field):  # type: ignore[no-untyped-def]
        """Never longer than the statutory limit of the chosen stage, which is shown."""
        try:
            stage = Stage(self.stage.data)
        except ValueError:
            return
        if stage not in STATUTORY_LIMITS:
            return
        statutory = STATUTORY_LIMITS[stage]
        if field.data is not None and field.data > statutory:
            raise ValidationError(_("%(stage)s: at most the statutory %(statutory)d working "
                                    "days (%(days)d is longer).", stage=stage.title,
                                    statutory=statutory, days=field.data))


class RegulatorHolidayForm(BaseForm):
    date = DateField(_l("Date"), validators=[InputRequired(message=REQUIRED)])
    name = StringField(_l("Name"), validators=[InputRequired(message=REQUIRED),
                                               Length(max=100)],
                       description=_l("e.g. office relocation, as announced by the "
                                      "administration"))
