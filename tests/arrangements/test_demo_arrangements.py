"""The demo holds the arrangements issue 4 asks for."""

from sqlalchemy import select

from devreg.arrangements.models import Arrangement
from devreg.audit.services import acting_as
from devreg.demo.loader import load_demo
from devreg.extensions import db
from devreg.production.models import ScopeChangeRequest


def test_demo_has_every_arrangement_case(app):
    with acting_as(None, "test"):
        load_demo()
    db.session.commit()
    rows = {a.device.name: a for a in db.session.scalars(select(Arrangement))}
    masks = rows["医用外科口罩"]
    assert masks.state == "active" and masks.is_cross_regional
    assert rows["特定电磁波治疗器"].state == "active"
    assert rows["特定电磁波治疗器"].is_self_manufacture
    assert not rows["特定电磁波治疗器"].is_cross_regional
    assert rows["一次性使用输液器"].state == "declined"
    waiting = rows["医用雾化器"]
    assert waiting.state == "proposed"
    pending = db.session.scalar(select(ScopeChangeRequest).where(
        ScopeChangeRequest.licence_id == waiting.site.licence_id,
        ScopeChangeRequest.state == "pending"))
    assert pending is not None and "08" in pending.added_codes
    suspended = rows["臂式电子血压计"]
    assert suspended.state == "suspended" and suspended.site_province_code == "32"
