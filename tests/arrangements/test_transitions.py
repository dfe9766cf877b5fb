"""Every edge of the arrangement state machine (states.TRANSITIONS): allowed for the right actor,
refused for a wrong role (403), another organisation (404 on the web, 403 in the service), a
reviewer of an unrelated province (404), and from every state it does not start from. Both
through the services and through POST /arrangements/<id>/<action> with the hidden version."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from werkzeug.exceptions import Forbidden

from devreg.arrangements import services as svc
from devreg.arrangements.models import Notice, SupervisionAction
from devreg.arrangements.states import TRANSITIONS
from devreg.clock import china_today
from devreg.errors import InvalidTransition
from devreg.extensions import db
from devreg.signatures.models import Signature
from devreg.workflow import apply_transition
from tests.arrangements.builders import (
    FORM_DATA,
    HB_MAKER_EMAIL,
    PASSWORD,
    A,
    World,
    act,
    count,
    version_on,
)

# For each event taken on the web: who may take it, which parties may not (wrong role: 403),
# who is not party to the arrangement at all (404 on the web; 403 from the service).
# The arrangement is the Hebei holder's device at the Jiangsu manufacturer's site.
RIGHT = {
    "confirm": ("manufacturer",),
    "decline": ("manufacturer",),
    "withdraw": ("holder",),
    "end": ("holder", "manufacturer"),
    # an order needs the approve duty of the province whose part it concerns (Order 53 Art 56):
    # the Jiangsu reviewer (the factory's), the Hebei approver (the holder's); the suspension
    # below concerns the factory, so only Jiangsu lifts it
    "suspend": ("reviewer.js", "approver"),
    "lift": ("reviewer.js",),
}
WRONG_ROLE = {
    "confirm": ("holder", "reviewer.js", "reviewer"),
    "decline": ("holder", "reviewer.js", "reviewer"),
    "withdraw": ("manufacturer", "reviewer.js", "approver"),
    "end": ("reviewer.js", "reviewer"),
    # a Hebei reviewer without the approve duty may inspect, never order
    "suspend": ("holder", "manufacturer", "reviewer"),
    "lift": ("holder", "manufacturer", "reviewer"),
}
#: not party: the Beijing holder (also a manufacturer), a Hebei manufacturer, and a reviewer of
#: Beijing, a province neither the holder nor the site is in
STRANGERS = ("holder.bj", HB_MAKER_EMAIL, "reviewer.bj")
#: the lifecycle as the issue describes it, written out so that a change of the table is seen
EXPECTED = {
    ("confirm", A.PROPOSED): A.CONFIRMED,
    ("decline", A.PROPOSED): A.DECLINED,
    ("withdraw", A.PROPOSED): A.WITHDRAWN,
    ("activate", A.CONFIRMED): A.ACTIVE,
    ("suspend", A.ACTIVE): A.SUSPENDED,
    ("lift", A.SUSPENDED): A.ACTIVE,
    ("end", A.CONFIRMED): A.ENDED,
    ("end", A.ACTIVE): A.ENDED,
    ("end", A.SUSPENDED): A.ENDED,
}
WEB_EDGES = sorted((event, state) for event, state in EXPECTED if event != "activate")


def test_the_table_is_the_lifecycle_and_every_edge_is_covered_here() -> None:
    assert {key: edge.to for key, edge in TRANSITIONS.items()} == EXPECTED
    assert {event for event, _state in TRANSITIONS} == set(RIGHT) | {"activate"}
    assert set(RIGHT) == set(WRONG_ROLE)


def perform(world: World, arrangement, event: str, email: str) -> None:  # type: ignore[no-untyped-def]
    """Take ``event`` through the service, as ``email`` (the view's calls)."""
    actor, today = world.user(email), china_today()
    password = world.password_of(email)
    if event == "confirm":
        svc.confirm(arrangement, actor=actor, password=password, today=today)
    elif event == "decline":
        svc.decline(arrangement, actor=actor, reason="产能不足")
    elif event == "withdraw":
        svc.withdraw(arrangement, actor=actor)
    elif event == "end":
        svc.end(arrangement, actor=actor, end_date=today, reason="合同到期")
    elif event == "suspend":
        svc.suspend(arrangement, actor=actor, password=password, reason="压差不符合要求",
                    today=today)
    elif event == "lift":
        svc.lift(arrangement, actor=actor, password=password, reason="整改完成", today=today)
    else:
        raise AssertionError(event)


def _unchanged(arrangement, state: A, version: int) -> None:  # type: ignore[no-untyped-def]
    db.session.rollback()
    db.session.refresh(arrangement)
    assert (arrangement.state, arrangement.version) == (state.value, version)


# --- service level ---------------------------------------------------------------------------

@pytest.mark.parametrize(("event", "state"), WEB_EDGES)
def test_service_refuses_wrong_role_and_strangers_then_allows_the_right_actor(
        world: World, event: str, state: A) -> None:
    for email in RIGHT[event]:
        arrangement = world.arrangement_in(state)
        version = arrangement.version
        for wrong in (*WRONG_ROLE[event], *STRANGERS):
            with pytest.raises(Forbidden):
                perform(world, arrangement, event, wrong)
            _unchanged(arrangement, state, version)
        perform(world, arrangement, event, email)
        db.session.commit()
        assert arrangement.state == EXPECTED[(event, state)].value


@pytest.mark.parametrize("state", list(A))
def test_service_refuses_every_event_from_a_state_it_does_not_start_from(
        world: World, state: A) -> None:
    arrangement = world.arrangement_in(state)
    version = arrangement.version
    refused = [event for event in RIGHT if (event, state) not in EXPECTED]
    assert refused, state
    for event in refused:
        with pytest.raises(InvalidTransition):
            perform(world, arrangement, event, RIGHT[event][0])
        _unchanged(arrangement, state, version)


def test_activate_is_the_systems_edge_only(world: World) -> None:
    arrangement = world.arrangement_in(A.CONFIRMED)
    for email in ("holder", "manufacturer", "reviewer.js", "admin"):
        with pytest.raises(InvalidTransition):
            apply_transition(arrangement, "activate", world.user(email), TRANSITIONS)
        _unchanged(arrangement, A.CONFIRMED, arrangement.version)
    proposed = world.arrangement_in(A.PROPOSED)
    with pytest.raises(InvalidTransition):
        svc.activate(proposed)
    _unchanged(proposed, A.PROPOSED, proposed.version)
    svc.activate(arrangement)
    db.session.commit()
    assert arrangement.state == A.ACTIVE.value
    # there is no web action for it
    client = world.client("holder")
    response = act(client, arrangement, "activate")
    assert response.status_code == 404


# --- web ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("event", "state"), WEB_EDGES)
def test_web_action_refused_by_role_and_organisation_then_taken(
        world: World, event: str, state: A) -> None:
    arrangement = world.arrangement_in(state)
    version = arrangement.version
    path = f"/arrangements/{arrangement.id}"
    for wrong in WRONG_ROLE[event]:
        client = world.client(wrong)
        assert client.get(path).status_code == 200  # a party: it sees the arrangement
        response = act(client, arrangement, event, FORM_DATA[event])
        assert response.status_code == 403, (wrong, response.status_code)
        _unchanged(arrangement, state, version)
    for stranger in STRANGERS:
        client = world.client(stranger)
        assert client.get(path).status_code == 404
        response = act(client, arrangement, event, FORM_DATA[event])
        assert response.status_code == 404, (stranger, response.status_code)
        _unchanged(arrangement, state, version)
    client = world.client(RIGHT[event][0])
    # the page offers this action to the right actor, with the version it shows
    assert version_on(client, path) == str(version)
    page = client.get(path).get_data(as_text=True)
    assert f'action="/arrangements/{arrangement.id}/{event}"' in page
    response = act(client, arrangement, event, FORM_DATA[event], version=version_on(client, path))
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    db.session.refresh(arrangement)
    assert arrangement.state == EXPECTED[(event, state)].value
    assert arrangement.version > version


@pytest.mark.parametrize("state", list(A))
def test_web_refuses_every_action_from_a_state_it_does_not_start_from(
        world: World, state: A) -> None:
    arrangement = world.arrangement_in(state)
    version = arrangement.version
    path = f"/arrangements/{arrangement.id}"
    clients = {email: world.client(email) for email in ("holder", "manufacturer", "reviewer.js")}
    page = clients["holder"].get(path).get_data(as_text=True)
    for event in RIGHT:
        if (event, state) in EXPECTED:
            continue
        client = clients[RIGHT[event][0]]
        # not offered on the page ...
        assert f'action="{path}/{event}"' not in client.get(path).get_data(as_text=True)
        # ... and refused when posted anyway
        response = act(client, arrangement, event, FORM_DATA[event])
        assert response.status_code == 422, (event, response.status_code)
        assert "not possible in the record" in response.get_data(as_text=True)
        _unchanged(arrangement, state, version)
    assert page  # the holder could read it throughout


def test_confirm_twice_is_refused_and_signs_only_once(world: World) -> None:
    arrangement = world.arrangement_in(A.PROPOSED)
    client = world.client("manufacturer")
    stale_page_version = version_on(client, f"/arrangements/{arrangement.id}")
    assert act(client, arrangement, "confirm", FORM_DATA["confirm"],
               version=stale_page_version).status_code == 302
    db.session.refresh(arrangement)
    response = act(client, arrangement, "confirm", FORM_DATA["confirm"])
    assert response.status_code == 422
    assert db.session.scalar(select(db.func.count()).select_from(Signature).where(
        Signature.subject_type == "Arrangement", Signature.subject_id == arrangement.id)) == 1
    # one confirmation's notices only: both provinces, and Hebei's Art 68 product notice
    assert sorted(n.kind for n in db.session.scalars(select(Notice).where(
        Notice.arrangement_id == arrangement.id))) == ["confirmed", "confirmed",
                                                         "product_added"]


def _non_arrangement_signatures() -> int:
    return db.session.scalar(select(db.func.count()).select_from(Signature).where(
        Signature.subject_type != "Arrangement"))


# --- optimistic locking (item 9) ---------------------------------------------------------------

STALE_CASES = [("confirm", A.PROPOSED, "manufacturer"), ("decline", A.PROPOSED, "manufacturer"),
               ("withdraw", A.PROPOSED, "holder"), ("end", A.ACTIVE, "manufacturer"),
               ("suspend", A.ACTIVE, "approver"), ("lift", A.SUSPENDED, "reviewer.js")]


@pytest.mark.parametrize(("event", "state", "email"), STALE_CASES)
def test_stale_version_gives_409_and_changes_nothing(world: World, event: str, state: A,
                                                     email: str) -> None:
    arrangement = world.arrangement_in(state)
    version = arrangement.version
    before = (count(Notice), count(Signature), count(SupervisionAction))
    client = world.client(email)
    response = act(client, arrangement, event, FORM_DATA[event], version=version - 1)
    assert response.status_code == 409
    assert "changed by someone else" in response.get_data(as_text=True)
    _unchanged(arrangement, state, version)
    assert (count(Notice), count(Signature), count(SupervisionAction)) == before
    # the same post with the current version goes through
    assert act(client, arrangement, event, FORM_DATA[event]).status_code == 302


def test_a_page_left_open_while_the_other_party_acts_is_stale(world: World) -> None:
    """The holder opens the page, the manufacturer confirms meanwhile: the holder's withdraw
    (from the page it still has) is answered 409 and the arrangement stays confirmed."""
    arrangement = world.arrangement_in(A.PROPOSED)
    holder, maker = world.client("holder"), world.client("manufacturer")
    path = f"/arrangements/{arrangement.id}"
    holder_version = version_on(holder, path)
    assert act(maker, arrangement, "confirm", FORM_DATA["confirm"],
               version=version_on(maker, path)).status_code == 302
    response = act(holder, arrangement, "withdraw", version=holder_version)
    assert response.status_code == 409
    assert "changed by someone else" in response.get_data(as_text=True)
    db.session.refresh(arrangement)
    assert arrangement.state == A.CONFIRMED.value


def test_wrong_signature_password_confirms_nothing(world: World) -> None:
    arrangement = world.arrangement_in(A.PROPOSED)
    client = world.client("manufacturer")
    response = act(client, arrangement, "confirm", {"signature_password": "not-my-password"})
    assert response.status_code == 422
    assert "password is not correct" in response.get_data(as_text=True)
    _unchanged(arrangement, A.PROPOSED, arrangement.version)
    assert count(Notice) == 0
    assert count(Signature) == _non_arrangement_signatures()
    assert PASSWORD  # the right one works
    assert act(client, arrangement, "confirm", FORM_DATA["confirm"]).status_code == 302


def test_a_manufacturer_user_of_a_holder_company_cannot_act_as_the_holder(world: World) -> None:
    """The Beijing company is holder and manufacturer: its manufacturer-role staff answer for
    the factory, not for the holder (withdrawing the holder's proposal is the holder's)."""
    from devreg.auth.roles import Role
    from devreg.auth.services import UserData, create_user

    create_user(UserData(email="factory.bj@example.cn", display_name="工厂 Factory",
                         role=Role.MANUFACTURER,
                         organisation_id=world.demo.org("holder_beijing").id),
                password="factory-bj-pass-1", temporary=False)
    db.session.commit()
    device = world.device_in_application(holder="holder.bj")
    arrangement = world.propose(device, world.js_site)  # Beijing holder -> Jiangsu factory
    client = world.client("factory.bj@example.cn", "factory-bj-pass-1")
    assert client.get(f"/arrangements/{arrangement.id}").status_code == 200  # its company's
    assert act(client, arrangement, "withdraw").status_code == 403
    with pytest.raises(Forbidden):
        svc.withdraw(arrangement, actor=world.user("factory.bj@example.cn"))
    _unchanged(arrangement, A.PROPOSED, arrangement.version)
    assert act(world.client("holder.bj"), arrangement, "withdraw").status_code == 302
