"""Where sign-in sends the user: only ever back into this site."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import login, post
from tests.foundation.helpers import DEMO_PASSWORD


def sign_in_with_next(client, target: str):  # type: ignore[no-untyped-def]
    return post(client, "/login", {"email": "admin@demo.devreg", "password": DEMO_PASSWORD},
                query_string={"next": target})


@pytest.mark.parametrize("target", ["/admin/users", "/admin/organisations/",
                                    "/production/licences?page=2"])
def test_login_with_local_next_redirects_there(client, demo, target):
    response = sign_in_with_next(client, target)
    assert response.status_code == 302
    assert response.location == target


@pytest.mark.parametrize("target", [
    "http://evil.example",
    "https://evil.example/home",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "javascript:alert(1)",
    "JavaScript:alert(document.cookie)",
    "evil.example",
    "",
])
def test_login_with_foreign_next_redirects_home(client, demo, target):
    response = sign_in_with_next(client, target)
    assert response.status_code == 302
    assert response.location == "/home"


def test_anonymous_protected_page_redirects_to_login_with_next(client, demo):
    response = client.get("/admin/users")
    assert response.status_code == 302
    parts = urlsplit(response.location)
    assert parts.path == "/login"
    assert parse_qs(parts.query)["next"] == ["/admin/users"]

    login_page = client.get(response.location)
    assert login_page.status_code == 200
    assert "Please sign in to see this page." in login_page.get_data(as_text=True)
    # the sign-in form posts back to the same address, so the next parameter survives
    signed_in = post(client, response.location, {"email": "admin@demo.devreg",
                                                 "password": DEMO_PASSWORD})
    assert signed_in.status_code == 302
    assert signed_in.location == "/admin/users"
    assert client.get(signed_in.location).status_code == 200


@pytest.mark.parametrize("path", ["/home", "/production/licences", "/account/password",
                                  "/admin/organisations/", "/production/licences/new"])
def test_anonymous_get_protected_page_redirects_to_login(client, demo, path):
    response = client.get(path)
    assert response.status_code == 302
    parts = urlsplit(response.location)
    assert parts.path == "/login"
    assert parse_qs(parts.query)["next"] == [path]


@pytest.mark.parametrize(("target", "expected"), [
    ("/production/licences", "/production/licences"),
    ("//evil.example", "/"),
    ("http://evil.example", "/"),
])
def test_locale_switch_next_only_redirects_locally(client, demo, target, expected):
    login(client, "holder")
    response = post(client, "/locale/en", {"next": target})
    assert response.status_code == 302
    assert response.location == expected
