"""Every page reachable from each account's home page renders, in English and Chinese."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import pytest

from tests.conftest import login, post
from tests.foundation.helpers import DEMO_ACCOUNTS, html_lang, links_in

LOCALES = {"en": "en", "zh_CN": "zh-CN"}
MAX_DEPTH = 2


def local_path(href: str, base: str) -> str | None:
    absolute = urljoin(base, href)
    parts = urlsplit(absolute)
    if parts.scheme not in ("http", "https") or parts.hostname != "localhost":
        return None
    if parts.path.startswith("/static/"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def crawl(client, start: str = "/home") -> dict[str, int]:  # type: ignore[no-untyped-def]
    """GET every same-host link up to MAX_DEPTH clicks from ``start``; status by path."""
    seen: dict[str, int] = {}
    frontier = [start]
    for depth in range(MAX_DEPTH + 1):
        following = []
        for path in frontier:
            if path in seen:
                continue
            response = client.get(path)
            response.get_data()  # a streamed download (CSV, XLSX) runs to its end here
            response.close()
            seen[path] = response.status_code
            assert response.status_code < 500, f"{path} answered {response.status_code}"
            if depth < MAX_DEPTH and response.status_code == 200 and \
                    response.mimetype == "text/html":
                following += [p for href in links_in(response)
                              if (p := local_path(href, f"http://localhost{path}"))]
        frontier = following
    return seen


@pytest.mark.parametrize("locale", list(LOCALES))
@pytest.mark.parametrize("account", DEMO_ACCOUNTS)
def test_crawl_from_home_as_demo_account_has_no_server_errors(app, demo, account, locale):
    client = app.test_client()
    login(client, account)
    assert post(client, f"/locale/{locale}").status_code == 302
    assert demo.user(account).locale == locale

    statuses = crawl(client)
    assert len(statuses) > 2, statuses  # home, the navigation and more were visited
    errors = {path: code for path, code in statuses.items() if code >= 500}
    assert errors == {}
    # a link shown to a user leads somewhere that user may go
    refused = {path: code for path, code in statuses.items() if code in (403, 404)}
    assert refused == {}
    for path, code in statuses.items():
        if code == 200:
            response = client.get(path)
            response.get_data()
            response.close()
            if response.mimetype == "text/html":
                assert html_lang(response) == LOCALES[locale], path


@pytest.mark.parametrize("locale", list(LOCALES))
def test_crawl_anonymous_public_pages_have_no_server_errors(app, locale):
    client = app.test_client()
    assert post(client, f"/locale/{locale}").status_code == 302
    statuses = crawl(client, "/")
    assert {"/", "/login"} <= set(statuses)
    assert all(code < 400 for code in statuses.values()), statuses
    assert html_lang(client.get("/login")) == LOCALES[locale]
