"""Calendar administration: official years, per-province time limits and regulator holidays."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from devreg.clock import china_today
from devreg.errors import DomainError
from devreg.extensions import db
from devreg.i18n import _
from devreg.permissions import authorize, can, requires
from devreg.reference.models import Province
from devreg.reference.queries import all_provinces
from devreg.registrations.kinds import ApplicationKind
from devreg.workdays import bp
from devreg.workdays.calendar import library_schedule, library_years
from devreg.workdays.forms import (
    SPECIAL_STREAMS,
    RegulatorHolidayForm,
    SpecialLimitForm,
    StreamForm,
    TimeLimitsForm,
    YearScheduleForm,
    format_schedule,
)
from devreg.workdays.models import LIMITED_STAGES, STATUTORY_LIMITS, STREAM_TITLES, Stage
from devreg.workdays.queries import (
    calendar_for,
    customised_stages,
    entered_years,
    get_calendar_year,
    get_province_or_404,
    get_regulator_holiday_or_404,
    get_time_limit_or_404,
    regulator_holidays_for,
    special_limits,
    streams_for,
    time_limits_snapshot,
)
from devreg.workdays.services import (
    MAX_YEAR,
    MIN_YEAR,
    add_regulator_holiday,
    enter_year,
    remove_regulator_holiday,
    remove_time_limit,
    set_stream,
    set_time_limit,
)

YEARS_AHEAD = 3


@bp.route("/")
@requires("workdays.manage")
def calendar_index():
    calendar = calendar_for(None)
    this_year = china_today().year
    entered = {y.year: y for y in entered_years()}
    years = sorted(set(range(this_year, this_year + YEARS_AHEAD + 1)) | set(entered))
    rows = [(year, calendar.year_source(year), entered.get(year)) for year in years]
    return render_template("workdays/calendar.html", rows=rows,
                           library=library_years(this_year), provinces=all_provinces())


@bp.route("/years/enter", methods=["GET", "POST"])
@requires("workdays.manage")
def year_enter():
    form = YearScheduleForm()
    year = request.args.get("year", type=int)
    if year is not None and not MIN_YEAR <= year <= MAX_YEAR:
        year = None  # ignore a year the form would refuse (and the database could not hold)
    if not form.is_submitted() and year is not None:
        form.year.data = year
        existing = get_calendar_year(year)
        form.lines.data = format_schedule(
            [(d.date, d.kind, d.name) for d in existing.days] if existing
            else [(day, kind.value, name) for day, kind, name in library_schedule(year)])
    if form.validate_on_submit():
        try:
            enter_year(form.year.data, form.entries, actor=current_user)
        except DomainError as error:
            db.session.rollback()
            form.lines.errors = [error.message, *error.details]
        else:
            db.session.commit()
            flash(_("The official schedule of %(year)d is saved; it now overrides the built-in "
                    "calendar for that year.", year=form.year.data), "success")
            return redirect(url_for("workdays.calendar_index"))
    shown_year = form.year.data if isinstance(form.year.data, int) else None
    return render_template("workdays/year_form.html", form=form,
                           calendar_year=get_calendar_year(shown_year) if shown_year else None)


@bp.route("/provinces")
@login_required
def province_list():
    authorize(current_user, "workdays.view_limits")
    if not can(current_user, "workdays.manage"):
        return redirect(url_for("workdays.province_detail", code=current_user.jurisdiction))
    provinces = all_provinces()
    return render_template(
        "workdays/province_list.html", provinces=provinces,
        customised={p.code: customised_stages(p.code) for p in provinces},
        holiday_counts={p.code: len(regulator_holidays_for(p.code)) for p in provinces})


def _render_province(province: Province, limits_form: TimeLimitsForm | None = None,
                     holiday_form: RegulatorHolidayForm | None = None,
                     stream_form: StreamForm | None = None,
                     special_form: SpecialLimitForm | None = None,
                     status: int = 200):  # type: ignore[no-untyped-def]
    limits = time_limits_snapshot(province.code)
    if limits_form is None:
        limits_form = TimeLimitsForm(data=limits, formdata=None)
    return render_template(
        "workdays/province.html", province=province, limits=limits,
        stages=list(LIMITED_STAGES), statutory=STATUTORY_LIMITS,
        customised=customised_stages(province.code),
        holidays=regulator_holidays_for(province.code), limits_form=limits_form,
        holiday_form=holiday_form or RegulatorHolidayForm(formdata=None),
        streams=streams_for(province.code), special_streams=SPECIAL_STREAMS,
        stream_titles={**STREAM_TITLES, **{s.value: t for s, t in STREAM_TITLES.items()}},
        kind_titles={k.value: k.title for k in ApplicationKind},
        stage_titles={s.value: s.title for s in Stage},
        statutory_by_code={s.value: d for s, d in STATUTORY_LIMITS.items()},
        special=special_limits(province.code),
        stream_form=stream_form or StreamForm(formdata=None),
        special_form=special_form or SpecialLimitForm(formdata=None)), status


@bp.route("/provinces/<code>")
@login_required
def province_detail(code: str):
    province = get_province_or_404(code)
    authorize(current_user, "workdays.view_limits", province.code)
    return _render_province(province)


@bp.route("/provinces/<code>/limits", methods=["POST"])
@requires("workdays.manage")
def limits_save(code: str):
    province = get_province_or_404(code)
    form = TimeLimitsForm()
    if not form.validate_on_submit():
        return _render_province(province, limits_form=form)
    current = time_limits_snapshot(province.code)
    changed = 0
    try:
        for stage in LIMITED_STAGES:
            value = form[stage.value].data
            if value != current[stage.value]:
                set_time_limit(province.code, stage, value, actor=current_user)
                changed += 1
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return _render_province(province, limits_form=form)
    db.session.commit()
    flash(_("Time limits of %(province)s saved (%(count)d changed). They apply to applications "
            "accepted from now on.", province=province.name, count=changed), "success")
    return redirect(url_for("workdays.province_detail", code=province.code))


@bp.route("/provinces/<code>/streams", methods=["POST"])
@requires("workdays.manage")
def stream_save(code: str):
    """Order 47 Art 119: the special streams the province runs, and for which kinds."""
    province = get_province_or_404(code)
    form = StreamForm()
    if not form.validate_on_submit():
        return _render_province(province, stream_form=form)
    set_stream(province.code, form.stream.data, form.kinds.data or [], actor=current_user)
    db.session.commit()
    flash(_("Review streams of %(province)s saved.", province=province.name), "success")
    return redirect(url_for("workdays.province_detail", code=province.code))


@bp.route("/provinces/<code>/special-limits", methods=["POST"])
@requires("workdays.manage")
def special_limit_save(code: str):
    """A limit for one stage, kind and stream; never longer than the statutory limit."""
    province = get_province_or_404(code)
    form = SpecialLimitForm()
    if not form.validate_on_submit():
        return _render_province(province, special_form=form)
    try:
        set_time_limit(province.code, form.stage.data, form.working_days.data,
                       actor=current_user, kind=form.kind.data, stream=form.stream.data)
    except DomainError as error:
        db.session.rollback()
        form.working_days.errors = [error.message]
        return _render_province(province, special_form=form, status=422)
    db.session.commit()
    flash(_("Time limit saved. It applies to applications accepted from now on."), "success")
    return redirect(url_for("workdays.province_detail", code=province.code))


@bp.route("/provinces/<code>/special-limits/<int:setting_id>/delete", methods=["POST"])
@requires("workdays.manage")
def special_limit_delete(code: str, setting_id: int):
    province = get_province_or_404(code)
    setting = get_time_limit_or_404(setting_id, province.code)
    remove_time_limit(setting, actor=current_user)
    db.session.commit()
    flash(_("Time limit removed; the more general one applies."), "success")
    return redirect(url_for("workdays.province_detail", code=province.code))


@bp.route("/provinces/<code>/holidays", methods=["POST"])
@requires("workdays.manage")
def holiday_add(code: str):
    province = get_province_or_404(code)
    form = RegulatorHolidayForm()
    if form.validate_on_submit():
        try:
            add_regulator_holiday(province.code, form.date.data, form.name.data,
                                  actor=current_user)
        except DomainError as error:
            db.session.rollback()
            form.date.errors = [error.message]
        else:
            db.session.commit()
            flash(_("Regulator holiday added."), "success")
            return redirect(url_for("workdays.province_detail", code=province.code))
    return _render_province(province, holiday_form=form)


@bp.route("/provinces/<code>/holidays/<int:holiday_id>/delete", methods=["POST"])
@requires("workdays.manage")
def holiday_delete(code: str, holiday_id: int):
    province = get_province_or_404(code)
    holiday = get_regulator_holiday_or_404(holiday_id, province.code)
    remove_regulator_holiday(holiday, actor=current_user)
    db.session.commit()
    flash(_("Regulator holiday removed."), "success")
    return redirect(url_for("workdays.province_detail", code=province.code))
