"""The holder's yearly audit of the manufacturer (2022 No. 20) and yearly agreement review
(2024-38 §5): recorded by the holder, due dates on both parties' home pages, overdue ones in the
supervising provinces' view."""

from __future__ import annotations

import html
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from devreg.arrangements.models import AgreementReview
from devreg.clock import china_today
from devreg.extensions import db
from tests.arrangements.builders import A, World, act, count


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.get_data(as_text=True))


def test_due_dates_show_on_both_home_pages_and_overdue_ones_in_both_provinces(
        world: World) -> None:
    """Why: nothing recorded the yearly audit of the manufacturer or the agreement review."""
    start = china_today() - relativedelta(years=1) - timedelta(days=10)
    device, _certificate = world.registered(production_address=world.js_site.address)
    arrangement = world.propose(device, world.js_site, planned_start=start)
    world.confirm(arrangement)
    assert arrangement.state == A.ACTIVE.value
    due = (start + relativedelta(years=1)).isoformat()
    for email in ("holder", "manufacturer"):
        block = _text(world.client(email).get("/home")).split(
            'data-testid="home-review-dues"')[1].split("</ul>")[0]
        assert f"audit due {due}, review due {due}" in block
    for email in ("reviewer", "reviewer.js"):  # both supervising provinces see it overdue
        block = _text(world.client(email).get("/supervision")).split(
            'data-testid="reviews-overdue"')[1].split("</ul>")[0]
        assert f"#{arrangement.id}" in block or f">{arrangement.id}<" in block
    assert f">{arrangement.id}<" not in _text(world.client("reviewer.bj").get(
        "/supervision")).split('data-testid="reviews-overdue"')[1].split("</ul>")[0]

    # the holder records the audit; the manufacturer and regulators cannot
    form = {"kind": "audit", "done_on": china_today().isoformat(), "notes": "现场审核，无不符合项"}
    for email in ("manufacturer", "reviewer.js"):
        assert act(world.client(email), arrangement, "review", form).status_code == 403
    refused = act(world.client("holder"), arrangement, "review",
                  {**form, "done_on": (china_today() + timedelta(days=1)).isoformat()})
    assert refused.status_code == 422 and "cannot be in the future" in _text(refused)
    assert count(AgreementReview) == 0
    assert act(world.client("holder"), arrangement, "review", form).status_code == 302
    page = _text(world.client("manufacturer").get(f"/arrangements/{arrangement.id}"))
    next_audit = (china_today() + relativedelta(years=1)).isoformat()
    assert f"Audit of the manufacturer due by {next_audit}" in page
    assert f"Review of the quality agreement due by {due}" in page  # still overdue
    assert "现场审核，无不符合项" in page
    # the review too: no longer overdue anywhere
    assert act(world.client("holder"), arrangement, "review",
               {**form, "kind": "review"}).status_code == 302
    block = _text(world.client("reviewer").get("/supervision")).split(
        'data-testid="reviews-overdue"')[1].split("</ul>")[0]
    assert f">{arrangement.id}<" not in block
    db.session.expire_all()
    assert count(AgreementReview) == 2


def test_self_manufacture_has_no_agreement_to_review(world: World) -> None:
    arrangement = world.arrangement_in(A.ACTIVE, site=world.bj_site, holder="holder.bj")
    assert act(world.client("holder.bj"), arrangement, "review", {
        "kind": "audit", "done_on": china_today().isoformat(), "notes": "x"}).status_code == 403
    assert 'data-testid="review-due"' not in _text(world.client("holder.bj").get(
        f"/arrangements/{arrangement.id}"))
