"""The public registry API: the OpenAPI 3.1 document, certificate search with the registry's
filters and pages, one certificate, validity on a day across a renewal gap (Order 47 Art 84),
problem details in the requested language, rate limits, read-only."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
from openapi_spec_validator import validate

from devreg.api.problems import PROBLEM_JSON
from devreg.extensions import db
from devreg.security import limiter
from tests.api.helpers import APPROVED, OLD_LAST_DAY, RENEWED, renewed_late
from tests.registrations.helpers import certificate_for


def test_openapi_document_is_valid_3_1_and_covers_every_api_route(app, client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"] == "3.1.0"
    validate(document)  # raises on an invalid document
    served = {rule.rule.replace("<string:", "{").replace("<int:", "{").replace(">", "}")
              for rule in app.url_map.iter_rules()
              if rule.rule.startswith("/api/v1/") and rule.endpoint != "api-docs.openapi_json"}
    assert served == set(document["paths"])
    for path, operations in document["paths"].items():
        assert set(operations) - {"parameters"} == {"get"}, path  # read-only


def test_the_problem_responses_are_documented_as_problem_json(client):
    responses = client.get("/api/v1/openapi.json").get_json()["components"]["responses"]
    assert list(responses["NOT_FOUND"]["content"]) == [PROBLEM_JSON]
    assert list(responses["UNPROCESSABLE_ENTITY"]["content"]) == [PROBLEM_JSON]


@pytest.fixture
def registry(demo):  # type: ignore[no-untyped-def]
    a = certificate_for(demo, name="电子血压计 A", approved_on=date(2026, 3, 2))
    b = certificate_for(demo, name="电子体温计 B", approved_on=date(2026, 3, 3))
    c = certificate_for(demo, holder="holder.bj", name="电子血压计 C",
                        approved_on=date(2026, 3, 4))
    return {"a": a.number, "b": b.number, "c": c.number}


def test_search_filters_like_the_registry_page(client, registry):
    by_name = client.get("/api/v1/certificates?q=血压计").get_json()
    assert sorted(i["number"] for i in by_name["items"]) == sorted([registry["a"], registry["c"]])
    assert by_name["total"] == 2
    hebei = client.get("/api/v1/certificates", query_string={"q": "血压计", "province": "13"})
    assert [i["number"] for i in hebei.get_json()["items"]] == [registry["a"]]
    assert client.get("/api/v1/certificates?status=revoked").get_json()["total"] == 0
    dated = client.get("/api/v1/certificates?approved_from=2026-03-03&approved_to=2026-03-03")
    assert [i["number"] for i in dated.get_json()["items"]] == [registry["b"]]
    # an inverted range is no error: nothing was approved in it
    assert client.get("/api/v1/certificates?approved_from=2026-03-04&approved_to=2026-03-01"
                      ).get_json()["total"] == 0
    newest = client.get("/api/v1/certificates?sort=approved").get_json()["items"]
    assert [i["number"] for i in newest] == [registry["c"], registry["b"], registry["a"]]
    item = by_name["items"][0]
    assert item["status"] == "valid" and item["valid_today"] in (True, False)


def test_pages_total_and_link_headers(client, registry):
    first = client.get("/api/v1/certificates?per_page=2&sort=approved")
    body = first.get_json()
    assert (body["total"], body["pages"], body["page"], body["per_page"]) == (3, 2, 1, 2)
    assert [i["number"] for i in body["items"]] == [registry["c"], registry["b"]]
    assert first.headers["X-Total-Count"] == "3"
    link = first.headers["Link"]
    assert 'rel="next"' in link and 'rel="prev"' not in link
    next_url = link.split(";")[0].strip("<>")
    assert parse_qs(urlsplit(next_url).query)["page"] == ["2"]
    second = client.get(next_url).get_json()
    assert [i["number"] for i in second["items"]] == [registry["a"]]
    assert 'rel="prev"' in client.get(next_url).headers["Link"]
    # past the end: the last page, saying so
    assert client.get("/api/v1/certificates?per_page=2&page=9").get_json()["page"] == 2


@pytest.mark.parametrize(("query", "field"), [
    ("page=0", "page"), ("per_page=101", "per_page"), ("page=x", "page"),
    ("status=lost", "status"), ("province=99", "province"), ("category=zz", "category"),
    ("approved_from=2026-13-01", "approved_from"), ("sort=random", "sort"),
    ("q=" + "x" * 101, "q"),
])
def test_bad_parameters_answer_422_with_field_errors(client, query, field):
    response = client.get(f"/api/v1/certificates?{query}")
    assert response.status_code == 422
    assert response.mimetype == PROBLEM_JSON
    body = response.get_json()
    assert body["status"] == 422 and body["title"] == "Invalid parameters"
    assert [e["field"] for e in body["errors"]] == [field]
    assert body["errors"][0]["location"] == "query"


def test_field_errors_in_the_requested_language(client):
    zh = client.get("/api/v1/certificates?approved_from=tomorrow&province=99",
                    headers={"Accept-Language": "zh-CN"})
    body = zh.get_json()
    assert zh.headers["Content-Language"] == "zh-CN"
    assert body["title"] == "参数无效"
    messages = {e["field"]: e["message"] for e in body["errors"]}
    assert messages["approved_from"] == "日期无效：请用 YYYY-MM-DD 格式，例如 2026-06-01。"
    en = client.get("/api/v1/certificates?approved_from=tomorrow",
                    headers={"Accept-Language": "en"}).get_json()
    assert en["errors"][0]["message"] == "Not a valid date: use YYYY-MM-DD, e.g. 2026-06-01."


def test_a_session_language_choice_does_not_override_accept_language(client):
    with client.session_transaction() as session:
        session["locale"] = "zh_CN"
    body = client.get("/api/v1/nothing-here", headers={"Accept-Language": "en"}).get_json()
    assert body["title"] == "Not found"


def test_one_certificate_with_periods_addresses_and_history(client, demo):
    certificate = renewed_late(demo, name="雾化器 API")
    body = client.get(f"/api/v1/certificates/{certificate.number}").get_json()
    assert body["number"] == certificate.number and body["device_name"] == "雾化器 API"
    assert [(p["kind"], p["starts_on"], p["ends_on"]) for p in body["periods"]] == [
        ("issued", APPROVED.isoformat(), OLD_LAST_DAY.isoformat()),
        ("renewal", RENEWED.isoformat(), "2031-08-09")]
    assert body["production_addresses"] and body["production_addresses"][0]["address"]
    assert body["changes"][0]["kind"] == "issued"
    assert "renewal" in [c["kind"] for c in body["changes"]]
    assert body["holder_address"] and body["model_spec"]


def test_unknown_or_malformed_number_is_a_404_problem(client):
    for number in ("冀械注准20262070999", "not-a-number", "x" * 300):
        response = client.get(f"/api/v1/certificates/{number}")
        assert response.status_code == 404, number
        assert response.mimetype == PROBLEM_JSON
        assert response.get_json()["instance"] == f"/api/v1/certificates/{number}"
        assert client.get(f"/api/v1/certificates/{number}/validity").status_code == 404


def test_validity_on_a_day_across_a_renewal_gap(client, demo):
    # Order 47 Art 84: a renewal approved after expiry starts on its approval date
    number = renewed_late(demo, name="雾化器 gap").number
    def on(day: str):  # type: ignore[no-untyped-def]
        response = client.get(f"/api/v1/certificates/{number}/validity?on={day}")
        assert response.status_code == 200
        return response.get_json()

    before = on("2021-05-31")
    assert (before["valid"], before["reason"], before["period"]) == (False, "not_yet_issued",
                                                                     None)
    last = on("2026-05-31")
    assert last["valid"] and last["period"]["kind"] == "issued"
    for day in ("2026-06-01", "2026-07-15", "2026-08-09"):
        gap = on(day)
        assert (gap["valid"], gap["reason"], gap["period"]) == (False, "gap", None), day
    renewed = on("2026-08-10")
    assert renewed["valid"] and renewed["period"]["kind"] == "renewal"
    assert renewed["on"] == "2026-08-10" and renewed["reason"] is None
    after = on("2031-08-10")
    assert (after["valid"], after["reason"]) == (False, "expired")


def test_validity_without_a_day_is_today_and_a_bad_day_is_422(client, demo, monkeypatch):
    import devreg.api.public as public

    monkeypatch.setattr(public, "china_today", lambda: date(2026, 7, 1))
    number = certificate_for(demo, approved_on=date(2026, 3, 2)).number
    today = client.get(f"/api/v1/certificates/{number}/validity").get_json()
    assert today["on"] == "2026-07-01" and today["valid"] is True
    for bad in ("20260101", "2026-02-30", "yesterday"):
        response = client.get(f"/api/v1/certificates/{number}/validity?on={bad}")
        assert response.status_code == 422, bad
        assert response.get_json()["errors"][0]["field"] == "on"


def test_the_api_is_read_only(client):
    for path in ("/api/v1/certificates", "/api/v1/openapi.json"):
        response = client.post(path, data={"q": "x"})
        assert response.status_code == 405
        assert "GET" in response.headers["Allow"]
        assert response.mimetype == PROBLEM_JSON


def test_public_endpoints_are_rate_limited_per_address(app, client):
    app.config["API_RATE_LIMIT_PER_ADDRESS"] = "3 per minute"
    try:
        codes = [client.get("/api/v1/certificates?q=x").status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        refused = client.get("/api/v1/certificates?q=x")
        assert refused.mimetype == PROBLEM_JSON
        assert refused.get_json()["status"] == 429
        # another address has its own count
        other = client.get("/api/v1/certificates?q=x",
                           environ_base={"REMOTE_ADDR": "198.51.100.7"})
        assert other.status_code == 200
    finally:
        app.config["API_RATE_LIMIT_PER_ADDRESS"] = "100000 per minute"
        limiter.reset()


def test_an_unexpected_error_is_a_500_problem_without_traceback(client, monkeypatch):
    import devreg.api.public as public

    def broken():  # type: ignore[no-untyped-def]
        raise RuntimeError("boom")

    monkeypatch.setattr(public, "china_today", broken)
    response = client.get("/api/v1/certificates")
    assert response.status_code == 500
    assert response.mimetype == PROBLEM_JSON
    assert "boom" not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)
    db.session.rollback()


def test_the_api_limits_can_be_set_in_the_environment(monkeypatch, tmp_path):
    from flask import Config

    from devreg.config import load_config

    monkeypatch.setenv("API_RATE_LIMIT_PER_ADDRESS", "7 per minute")
    monkeypatch.setenv("API_RATE_LIMIT_PER_TOKEN", "9 per minute")
    config = Config(str(tmp_path))
    load_config(config, str(tmp_path), {"TESTING": True, "SECRET_KEY": "x"})
    assert config["API_RATE_LIMIT_PER_ADDRESS"] == "7 per minute"
    assert config["API_RATE_LIMIT_PER_TOKEN"] == "9 per minute"


def test_public_answers_may_be_cached_and_errors_not(client, registry):
    found = client.get(f"/api/v1/certificates/{registry['a']}")
    assert found.headers["Cache-Control"] == "public, max-age=300"
    assert "Accept-Language" in found.headers["Vary"]
    missing = client.get("/api/v1/certificates/冀械注准20262070999")
    assert missing.status_code == 404 and missing.headers["Cache-Control"] == "no-store"
    bad = client.get("/api/v1/certificates?page=0")
    assert bad.status_code == 422 and bad.headers["Cache-Control"] == "no-store"
