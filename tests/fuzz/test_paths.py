"""Every route of the URL map with random path values: ids far beyond any row (and beyond the
database's integer range), hostile text where the route takes a string. Whoever asks, the answer
is never a 5xx nor a stack trace: an unknown record is a 404, like a record one may not see."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from werkzeug.routing.converters import AnyConverter, IntegerConverter

from devreg.extensions import db
from devreg.production.models import ProductionLicence
from tests.conftest import csrf_token, login
from tests.fuzz.strategies import FORMS, hostile_text

ids = st.one_of(st.integers(min_value=0, max_value=10), st.integers(min_value=2**31 - 2),
                st.integers(min_value=0))


def path_values(rule: Any) -> st.SearchStrategy[dict[str, Any]]:
    values: dict[str, st.SearchStrategy[Any]] = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, AnyConverter):
            values[name] = st.sampled_from(sorted(converter.items))
        elif isinstance(converter, IntegerConverter):
            values[name] = ids
        else:
            values[name] = hostile_text.filter(lambda t: t.strip(" ./\\") != "")
    return st.fixed_dictionaries(values)


@pytest.fixture
def rules(app: Flask) -> list[Any]:
    return sorted((r for r in app.url_map.iter_rules() if r.arguments and r.endpoint != "static"),
                  key=lambda r: r.rule)


@pytest.mark.parametrize("account", ["holder", "reviewer", "admin"])
@FORMS
@given(data=st.data())
def test_any_path_value_never_fails(app: Flask, client: FlaskClient, demo: Any,
                                    rules: list[Any], account: str,
                                    data: st.DataObject) -> None:
    if not getattr(client, "devreg_token", None):
        login(client, account)
        client.devreg_token = csrf_token(client, "/home")  # type: ignore[attr-defined]
    rule = data.draw(st.sampled_from(rules), label="rule")
    path = app.url_map.bind("localhost").build(rule.endpoint, data.draw(path_values(rule)))
    if "GET" in rule.methods:
        response = client.get(path)
    else:
        response = client.post(path, data={"csrf_token": client.devreg_token})
    body = response.get_data(as_text=True)
    response.close()
    assert response.status_code < 500, f"{path}: {response.status_code}\n{body[-2000:]}"
    assert "Traceback" not in body


numberish = st.one_of(st.integers().map(str), st.sampled_from(["²", "٣", "1e9", "0x10", "-1",
                                                               "99999999999999999999"]))

#: the query parameters pages read: (account, page, parameter)
QUERY_PARAMETERS = [
    (None, "/registry", "q"),
    (None, "/login", "next"),
    ("holder", "/arrangements/new", "device_id"),
    ("admin", "/admin/calendar/years/enter", "year"),
    ("reviewer", "/review/queue", "stage"),
    ("manufacturer", "/production/licences/{licence}/scope-change", "code"),
]


@pytest.mark.parametrize(("account", "page", "parameter"), QUERY_PARAMETERS,
                         ids=[f"{p}?{q}" for _a, p, q in QUERY_PARAMETERS])
@FORMS
@given(value=st.one_of(hostile_text, numberish))
def test_any_query_value_never_fails(client: FlaskClient, demo: Any, account: str | None,
                                     page: str, parameter: str, value: str) -> None:
    if account is not None and not getattr(client, "devreg_signed_in", False):
        login(client, account)
        client.devreg_signed_in = True  # type: ignore[attr-defined]
    licence = db.session.scalar(select(ProductionLicence.id).where(
        ProductionLicence.organisation_id == demo.user("manufacturer").organisation_id))
    path = page.format(licence=licence) + "?" + urlencode({parameter: value})
    response = client.get(path)
    body = response.get_data(as_text=True)
    response.close()
    assert response.status_code < 500, f"{path}: {response.status_code}\n{body[-2000:]}"
    assert "Traceback" not in body
    assert response.status_code in (200, 400), f"{path}: {response.status_code}"
