"""Licence renewal (Order 53 Art 17): applied 90 to 30 working days before expiry, number kept,
the start-date rule, and the expired-licence flag cleared on every arrangement using it."""

from __future__ import annotations

import html
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from devreg.arrangements.models import Arrangement
from devreg.clock import china_today
from devreg.errors import DomainError
from devreg.extensions import db
from devreg.production.models import LicenceRenewal
from devreg.production.services import LicenceData, renew_licence, renewal_window, update_licence
from devreg.review.sweep import run_sweep
from devreg.workdays.queries import calendar_for
from tests.arrangements.builders import A, World, notices
from tests.conftest import post


def _valid_until(licence, day: date) -> None:  # type: ignore[no-untyped-def]
    update_licence(licence, LicenceData(number=licence.number,
                                        organisation_id=licence.organisation_id,
                                        valid_until=day, scope_codes=tuple(licence.scope_codes)))
    db.session.commit()


def test_the_window_is_90_to_30_working_days_before_expiry(world: World) -> None:
    licence = world.js_licence
    _valid_until(licence, date(2027, 6, 30))
    earliest, latest = renewal_window(licence)
    calendar = calendar_for("32")
    assert calendar.working_days_between(earliest, licence.valid_until) == 90
    assert calendar.working_days_between(earliest + timedelta(days=1), licence.valid_until) < 90
    assert calendar.working_days_between(latest, licence.valid_until) >= 30
    assert calendar.working_days_between(latest + timedelta(days=1), licence.valid_until) < 30
    admin = world.user("admin")
    for applied in (earliest - timedelta(days=1), latest + timedelta(days=1)):
        with pytest.raises(DomainError) as refused:
            renew_licence(licence, actor=admin, applied_on=applied, approved_on=latest)
        assert earliest.isoformat() in refused.value.message
        assert latest.isoformat() in refused.value.message
        db.session.rollback()
    assert db.session.scalar(select(LicenceRenewal)) is None


def test_approved_within_validity_starts_the_day_after_expiry_and_keeps_the_number(
        world: World) -> None:
    licence = world.js_licence
    number = licence.number
    _valid_until(licence, date(2027, 6, 30))
    earliest, _latest = renewal_window(licence)
    renew_licence(licence, actor=world.user("admin"), applied_on=earliest,
                  approved_on=date(2027, 6, 1))
    db.session.commit()
    assert licence.number == number
    assert (licence.valid_from, licence.valid_until) == (date(2027, 7, 1), date(2032, 6, 30))


def test_renewing_an_expired_licence_clears_the_flag_on_every_arrangement(world: World) -> None:
    """Why: the expired-licence flag was not cleared when the licence was renewed."""
    active = world.arrangement_in(A.ACTIVE)
    confirmed = world.arrangement_in(A.CONFIRMED)
    elsewhere = world.arrangement_in(A.ACTIVE, site=world.bj_site, holder="holder.bj")
    licence = world.js_licence
    _valid_until(licence, china_today() - timedelta(days=1))
    run_sweep(china_today())
    db.session.commit()
    _valid_until(world.bj_licence, china_today() - timedelta(days=1))
    run_sweep(china_today())
    db.session.commit()
    assert {a.flag for a in (active, confirmed, elsewhere)} == {"licence_expired"}

    # applied within the window; approved after expiry: the new period starts on approval
    earliest, _latest = renewal_window(licence)
    client = world.client("admin")
    path = f"/production/licences/{licence.id}"
    response = post(client, f"{path}/renew", {"applied_on": earliest.isoformat(),
                                              "approved_on": china_today().isoformat()},
                    token_from=path)
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    db.session.expire_all()
    licence = world.js_licence
    assert licence.valid_from == china_today()
    assert licence.number == "苏药监械生产许20210015号"
    flags = {a.id: a.flag for a in db.session.scalars(select(Arrangement))}
    assert flags[active.id] is None and flags[confirmed.id] is None
    assert flags[elsewhere.id] == "licence_expired"  # another licence, still expired
    assert sorted(notices("licence_renewed")) == sorted(
        (p, aid, "licence_renewed") for aid in (active.id, confirmed.id) for p in ("13", "32"))
    page = html.unescape(client.get(response.location).get_data(as_text=True))
    assert "Licence renewed until" in page
    assert 'data-testid="licence-renewals"' in page
    # the sweep does not flag them again
    run_sweep(china_today())
    db.session.commit()
    assert db.session.get(Arrangement, active.id).flag is None


def test_renewal_outside_the_window_is_refused_on_the_page_and_only_admins_record_it(
        world: World) -> None:
    licence = world.js_licence
    _valid_until(licence, china_today() + timedelta(days=3))
    path = f"/production/licences/{licence.id}"
    client = world.client("admin")
    response = post(client, f"{path}/renew", {"applied_on": china_today().isoformat(),
                                              "approved_on": china_today().isoformat()},
                    token_from=path)
    assert response.status_code == 422
    assert "A renewal must be applied for between" in html.unescape(
        response.get_data(as_text=True))
    assert db.session.scalar(select(LicenceRenewal)) is None
    response = post(world.client("manufacturer"), f"{path}/renew",
                    {"applied_on": "2026-01-01", "approved_on": "2026-01-02"}, token_from=path)
    assert response.status_code == 403
