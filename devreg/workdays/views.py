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
from devreg.workdays import bp
from devreg.workdays.calendar import library_schedule, library_years
from devreg.workdays.forms import (
    RegulatorHolidayForm,
    TimeLimitsForm,
    YearScheduleForm,
    format_schedule,
)
from devreg.workdays.models import LIMITED_STAGES, STATUTORY_LIMITS
from devreg.workdays.queries import (
    calendar_for,
    customised_stages,
    entered_years,
    get_calendar_year,
    get_province_or_404,
    get_regulator_holiday_or_404,
    regulator_holidays_for,
    time_limits_snapshot,
)
from devreg.workdays.services import (
    MAX_YEAR,
    MIN_YEAR,
    add_regulator_holiday,
    enter_year,
    remove_regulator_holiday,
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
                     holiday_form: RegulatorHolidayForm | None = None) -> str:
    limits = time_limits_snapshot(province.code)
    if limits_form is None:
        limits_form = TimeLimitsForm(data=limits, formdata=None)
    return render_template(
        "workdays/province.html", province=province, limits=limits,
        stages=list(LIMITED_STAGES), statutory=STATUTORY_LIMITS,
        customised=customised_stages(province.code),
        holidays=regulator_holidays_for(province.code), limits_form=limits_form,
        holiday_form=holiday_form or RegulatorHolidayForm(formdata=None))


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
