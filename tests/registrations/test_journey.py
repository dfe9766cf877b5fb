"""The whole registration journey through the web pages, as the demo accounts do it."""

import io
import re

from devreg.certificates.models import Certificate
from devreg.extensions import db
from devreg.registrations.models import Application
from tests.conftest import login, post
from tests.registrations.helpers import PDF


def test_initial_registration_from_draft_to_verified_certificate(app, demo):
    holder, reviewer, approver = (app.test_client() for _ in range(3))
    login(holder, "holder")
    login(reviewer, "reviewer")
    login(approver, "approver")

    response = post(holder, "/devices/new", {
        "name": "电子血压计", "model_spec": "BP-100", "structure": "主机、袖带",
        "intended_use": "用于测量成人血压", "device_class": "2", "category_code": "07"},
        token_from="/devices/new")
    assert response.status_code == 302, response.get_data(as_text=True)
    device_path = response.headers["Location"]
    response = post(holder, device_path + "/apply", {"production_address": "河北省石家庄市"},
                    token_from=device_path)
    assert response.status_code == 302
    app_path = response.headers["Location"]
    application = db.session.scalar(db.select(Application))
    assert application.state == "draft"

    # submitting an incomplete dossier lists what is missing
    response = post(holder, app_path + "/submit", {"declaration": "y",
                                                   "signature_password": "devreg-demo"},
                    token_from=app_path)
    assert response.status_code == 422
    assert "Missing" in response.get_data(as_text=True) or "缺" in response.get_data(
        as_text=True)
    for chapter in "123456":
        response = post(holder, app_path + "/files", {
            "chapter": chapter, "file": (io.BytesIO(PDF), f"ch{chapter}.pdf")},
            token_from=app_path, content_type="multipart/form-data")
        assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    response = post(holder, app_path + "/submit", {"declaration": "y",
                                                   "signature_password": "devreg-demo"},
                    token_from=app_path)
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    db.session.refresh(application)
    assert application.state == "submitted"

    def act(client, endpoint, data):
        page = client.get(app_path).get_data(as_text=True)
        version = re.search(r'name="version" type="hidden" value="(\d+)"', page) or re.search(
            r'id="version" name="version" type="hidden" value="(\d+)"', page)
        data = {"version": version.group(1) if version else str(application.version), **data}
        result = post(client, f"/review/applications/{application.id}/{endpoint}", data,
                      token_from=app_path)
        assert result.status_code == 302, result.get_data(as_text=True)[-3000:]
        db.session.refresh(application)

    act(reviewer, "accept", {"signature_password": "devreg-demo"})
    assert application.state == "accepted" and application.acceptance_number.startswith("冀械受")
    reviewer_user = demo.user("reviewer")
    act(reviewer, "assign", {"reviewer_id": str(reviewer_user.id)})
    assert application.state == "in_review"
    act(reviewer, "supplement", {"items": "1. 补充电磁兼容报告",
                                 "signature_password": "devreg-demo"})
    assert application.state == "supplement_requested"
    response = post(holder, app_path + "/supplement-answer", {
        "answer": "已补充", "signature_password": "devreg-demo"}, token_from=app_path)
    assert response.status_code == 302
    db.session.refresh(application)
    assert application.state == "in_review"
    act(reviewer, "qms", {"result": "pass", "notes": ""})
    act(reviewer, "opinion", {"recommendation": "approve", "text": "符合要求",
                              "signature_password": "devreg-demo"})
    assert application.state == "review_done"
    act(approver, "decide", {"decision": "approve", "reasons": "",
                             "signature_password": "devreg-demo"})
    assert application.state == "approved"
    certificate = db.session.scalar(db.select(Certificate))
    assert re.fullmatch(r"冀械注准\d{4}2070001", certificate.number)

    public = app.test_client()
    page = public.get("/registry", query_string={"q": "血压"}).get_data(as_text=True)
    assert certificate.number in page
    verify = public.get(f"/verify/{certificate.number}")
    assert verify.status_code == 200
    assert 'data-testid="verdict"' in verify.get_data(as_text=True)
    assert public.get(f"/verify/{certificate.number}/qr.svg").mimetype == "image/svg+xml"
    for client in (holder, reviewer, approver):
        assert client.get(f"/certificates/{certificate.id}").status_code == 200
        assert client.get(f"/certificates/{certificate.id}/print").status_code == 200
