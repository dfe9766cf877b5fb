"""The API docs page is served from static/ with the app's strict CSP (no relaxation): no
inline script or style, no other origin; the page renders the served OpenAPI document."""

from __future__ import annotations

import re


def test_the_docs_page_is_static_and_keeps_the_csp(client):
    page = client.get("/static/api/index.html")
    assert page.status_code == 200
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "unsafe-inline" not in csp
    html = page.get_data(as_text=True)
    page.close()
    assert "<script>" not in html and "style=" not in html and "<style" not in html
    # every script and stylesheet is one of ours, under /static
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith("/static/") or s.startswith("/api/v1/")
                           for s in sources), sources
    script = client.get("/static/api/api-docs.js")
    assert script.status_code == 200
    assert "/api/v1/openapi.json" in script.get_data(as_text=True)
    script.close()


def test_the_document_links_the_docs_page(client):
    info = client.get("/api/v1/openapi.json").get_json()["info"]
    assert "/static/api/index.html" in info["description"]
