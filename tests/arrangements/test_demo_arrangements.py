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



def test_every_demo_certificate_shows_each_production_address_once(app, client):
    """Why: 冀械注准20262070001 listed the Jiangsu factory twice on the public verify page;
    2024-38 §13: the address with （委托生产）, the manufacturer and its USCC in the remarks."""
    import html as _html

    from devreg.certificates.models import Certificate
    from devreg.orgs.models import Organisation
    from tests.conftest import post

    with acting_as(None, "test"):
        load_demo()
    db.session.commit()
    maker = db.session.scalar(select(Organisation).where(
        Organisation.name_zh == "苏州精工医疗器械制造有限公司"))
    post(client, "/locale/zh_CN")
    for certificate in db.session.scalars(select(Certificate)):
        page = _html.unescape(client.get(f"/verify/{certificate.number}").get_data(
            as_text=True))
        shown = [line.split("</span>")[0] for line in
                 page.split('data-testid="production-address">')[1:]]
        assert len(shown) == len(set(shown)) == len(certificate.production_address.splitlines())
        assert all("受托生产企业" not in line for line in shown)
        commissioned = certificate.number in ("冀械注准20262070001", "冀械注准20222140001",
                                              "冀械注准20252400001")
        if commissioned:
            assert shown == ["江苏省苏州市工业园区星湖街 218 号（委托生产）"], shown
            assert (f"受托生产企业：苏州精工医疗器械制造有限公司；统一社会信用代码：{maker.uscc}"
                    in page)
        else:
            assert all("（委托生产）" not in line for line in shown)
    # in English too
    post(client, "/locale/en")
    page = _html.unescape(client.get("/verify/冀械注准20262070001").get_data(as_text=True))
    assert "江苏省苏州市工业园区星湖街 218 号(commissioned production)" in page
    assert ("Commissioned manufacturer: 苏州精工医疗器械制造有限公司; Unified Social Credit "
            f"Code: {maker.uscc}") in page
