"""The public registry and verification pages: no sign-in, issued certificates only, never a
draft, an application or a dossier file; validity judged for today."""

from __future__ import annotations

from datetime import date

import pytest

from devreg.clock import china_today
from tests.registrations.helpers import (
    K,
    S,
    app_path,
    application_in,
    certificate_for,
    client_for,
    text_of,
)


def _search(app, q: str) -> str:  # type: ignore[no-untyped-def]
    response = client_for(app).get("/registry", query_string={"q": q})
    assert response.status_code == 200
    return text_of(response)


def test_registry_requires_no_sign_in(app, demo):
    certificate = certificate_for(demo)
    page = _search(app, certificate.number)
    assert 'data-testid="registry-results"' in page
    assert certificate.number in page
    verify = client_for(app).get(f"/verify/{certificate.number}")
    assert verify.status_code == 200


@pytest.mark.parametrize("state", [S.DRAFT, S.SUBMITTED, S.ACCEPTED, S.IN_REVIEW,
                                   S.REVIEW_DONE, S.REFUSED, S.WITHDRAWN])
def test_registry_search_for_device_without_certificate_finds_nothing(app, demo, state):
    application = application_in(demo, K.INITIAL, state, name="隐私测试血氧仪")
    for q in ("隐私测试血氧仪", "血氧仪", application.holder.name_zh, application.reference):
        page = _search(app, q)
        assert "No certificate matches." in page
        assert "隐私测试血氧仪" not in page.split("<form", 1)[1].replace(f'value="{q}"', "")


def test_registry_finds_by_number_device_and_holder_but_not_pending_applications(app, demo):
    certificate = certificate_for(demo, name="已注册体温计")
    application_in(demo, K.INITIAL, S.SUBMITTED, name="待审评体温计")
    for q in (certificate.number, "已注册体温计", "康联医疗"):
        assert certificate.number in _search(app, q)
    page = _search(app, "体温计")
    assert "已注册体温计" in page
    assert "待审评体温计" not in page


def test_registry_never_links_to_applications_or_files(app, demo):
    application = application_in(demo, K.INITIAL, S.APPROVED)
    page = _search(app, application.certificate.number)
    assert "/applications/" not in page
    assert "/files/" not in page
    anonymous = client_for(app)
    for path in (app_path(application), f"{app_path(application)}/files/"
                 f"{application.files[0].id}", f"/certificates/{application.certificate_id}"):
        response = anonymous.get(path)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


def test_registry_search_with_wildcards_is_literal(app, demo):
    certificate_for(demo, name="电子血压计")
    assert "No certificate matches." in _search(app, "%")
    assert "No certificate matches." in _search(app, "_")


def test_verify_valid_certificate_says_valid_today(app, demo):
    certificate = certificate_for(demo, approved_on=china_today())
    page = text_of(client_for(app).get(f"/verify/{certificate.number}"))
    assert "Valid today" in page
    assert "alert-success" in page


def test_verify_cancelled_certificate_says_not_valid_today(app, demo):
    application = application_in(demo, K.CANCELLATION, S.APPROVED)
    page = text_of(client_for(app).get(f"/verify/{application.certificate.number}"))
    assert "Not valid today" in page
    assert "Cancelled" in page


def test_verify_expired_certificate_says_not_valid_today_even_before_the_sweep(app, demo):
    certificate = certificate_for(demo, approved_on=date(2021, 6, 1))  # last day 2026-05-31
    assert certificate.status == "valid"
    page = text_of(client_for(app).get(f"/verify/{certificate.number}"))
    assert "Not valid today" in page
    assert "Valid today" not in page


def test_verify_unknown_number_is_404(app, demo):
    certificate_for(demo)
    assert client_for(app).get("/verify/冀械注准20269999999").status_code == 404
    assert client_for(app).get("/verify/not-a-number").status_code == 404


def test_verify_qr_code_points_to_the_verification_page(app, demo):
    certificate = certificate_for(demo)
    with client_for(app).get(f"/verify/{certificate.number}/qr.svg") as response:
        assert response.status_code == 200
        assert response.mimetype == "image/svg+xml"


def test_verify_page_in_chinese_gives_the_verdict_in_chinese(app, demo):
    valid = certificate_for(demo, approved_on=china_today())
    expired = certificate_for(demo, approved_on=date(2021, 6, 1), name="旧血压计")
    assert "有效。" in text_of(client_for(app, lang="zh-CN").get(f"/verify/{valid.number}"))
    page = text_of(client_for(app, lang="zh-CN").get(f"/verify/{expired.number}"))
    assert "无效" in page
