"""Error pages: devreg's own page, in the user's language, without internals."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.conftest import login
from tests.foundation.helpers import dispose, html_lang, make_app, text_of, translated

LANG = {"en": "en", "zh_CN": "zh-CN"}


@pytest.mark.parametrize(("accept", "locale", "switch_to"), [
    ("en", "en", "中文"), ("en-US,en;q=0.9", "en", "中文"),
    ("zh-CN", "zh_CN", "English"), ("zh-CN,zh;q=0.9,en;q=0.8", "zh_CN", "English"),
])
def test_unknown_url_renders_devreg_404_in_requested_language(client, accept, locale,
                                                              switch_to):
    response = client.get("/no/such/page", headers={"Accept-Language": accept})
    assert response.status_code == 404
    page = text_of(response)
    assert html_lang(response) == LANG[locale]
    assert f"404 · {translated(locale, 'Not found')}" in page
    if locale == "zh_CN" and translated(locale, "Not found") != "Not found":
        assert "Not found" not in page
    assert "· devreg</title>" in page
    assert switch_to in page  # the language switch offers the other language
    assert "Traceback" not in page
    assert "werkzeug" not in page.lower()


def test_unknown_url_signed_in_renders_404_with_navigation(client, demo):
    login(client, "holder")
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "张伟 Zhang Wei" in text_of(response)


def test_wrong_method_renders_devreg_405(client):
    response = client.get("/logout")
    assert response.status_code == 405
    assert f"405 · {translated('en', 'Method not allowed')}" in text_of(response)

# what production requires (devreg/config.py check_production), for apps with TESTING off
PRODUCTION = {"SECRET_KEY": "another-test-secret-key-of-32-random-bytes-x7Qp",
              "AUDIT_KEY": "another-test-audit-key-of-32-random-bytes-Lw4z",
              "PUBLIC_URL": "http://localhost", "RATELIMIT_ALLOW_MEMORY": True}


@pytest.mark.parametrize("testing", [False, True])
def test_unhandled_error_renders_500_without_traceback(app, testing):
    broken = make_app(app, TESTING=testing, **PRODUCTION)

    @broken.route("/boom")
    def boom():  # type: ignore[no-untyped-def]
        raise RuntimeError("internal detail: password=hunter2")

    try:
        for accept, locale in (("en", "en"), ("zh-CN", "zh_CN")):
            response = broken.test_client().get("/boom", headers={"Accept-Language": accept})
            assert response.status_code == 500
            page = text_of(response)
            assert f"500 · {translated(locale, 'Something went wrong')}" in page
            assert html_lang(response) == LANG[locale]
            assert "Traceback" not in page
            assert "internal detail" not in page
            assert "hunter2" not in page
            assert "RuntimeError" not in page
            assert response.headers["X-Request-ID"]
    finally:
        dispose(broken)


def test_unhandled_error_signed_in_renders_500_page(app, demo):
    broken = make_app(app, TESTING=False, **PRODUCTION)

    @broken.route("/boom")
    def boom():  # type: ignore[no-untyped-def]
        raise ZeroDivisionError("secret")

    try:
        client = broken.test_client()
        login(client, "holder")
        response = client.get("/boom", headers={"Accept-Language": "en"})
        assert response.status_code == 500
        assert "Traceback" not in text_of(response)
        assert f"500 · {translated('en', 'Something went wrong')}" in text_of(response)
        home = client.get("/home")  # the failed request left the session usable
        assert home.status_code == 200
        assert urlsplit(home.request.url).path == "/home"
    finally:
        dispose(broken)
