"""schemathesis against the served OpenAPI document: every operation, random and boundary
inputs (a bounded number of examples each). No 5xx, every response matches its documented
status, content type and schema, and 401 / 403 / 404 follow the token and its scope."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings

from devreg.api.tokens import create_token
from devreg.audit.services import acting_as
from devreg.clock import china_today
from devreg.demo.loader import load_demo
from devreg.extensions import db
from devreg.security import limiter
from tests.conftest import Demo, _empty_tables
from tests.registrations.helpers import K, S, application_in, certificate_for

#: examples per operation: enough to reach the boundaries, small enough for CI (< 2 minutes)
EXAMPLES = 30


@pytest.fixture
def app_ctx(app: Flask) -> Iterator[Flask]:
    """The records live for the whole module (``api_world`` empties the tables at its end)."""
    with app.app_context():
        yield app
        db.session.rollback()
        db.session.remove()


@pytest.fixture(scope="module")
def api_world(app: Flask) -> Iterator[dict[str, str]]:
    with app.app_context():
        _empty_tables()
        demo = Demo()
        with acting_as(None, "test"):
            load_demo(scenarios=False)
            db.session.commit()
            certificate_for(demo, name="电子血压计 fuzz")
            application_in(demo, K.INITIAL, S.SUPPLEMENT_REQUESTED, name="体温计 fuzz")
            application_in(demo, K.INITIAL, S.SUBMITTED, holder="holder.bj", name="体温计 bj")
            tokens = {}
            for key, email, scopes in (("holder", "holder", ["read:own"]),
                                       ("reviewer", "reviewer", ["read:queue"]),
                                       ("both", "approver.bj", ["read:own", "read:queue"])):
                _token, raw = create_token(demo.user(email), name=f"fuzz {key}", scopes=scopes,
                                           days=30, today=china_today())
                tokens[key] = raw
            db.session.commit()
        db.session.remove()
    yield tokens
    with app.app_context():
        db.session.rollback()
        _empty_tables()
        db.session.remove()
    limiter.reset()


#: every operation of the document (checked against it below, so none can be skipped)
OPERATIONS = [
    "/api/v1/certificates", "/api/v1/certificates/{number}",
    "/api/v1/certificates/{number}/validity", "/api/v1/exports/registry",
    "/api/v1/exports/registry.jsonl", "/api/v1/exports/registry.csv",
    "/api/v1/exports/registry.sha256",
    "/api/v1/me", "/api/v1/my/devices", "/api/v1/my/applications",
    "/api/v1/my/applications/{application_id}", "/api/v1/my/certificates",
    "/api/v1/my/arrangements", "/api/v1/queues", "/api/v1/queues/{stage}",
]


def _schema(app: Flask):  # type: ignore[no-untyped-def]
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


def _fuzz(operation, examples: int, test) -> None:  # type: ignore[no-untyped-def]
    """Run ``test(case)`` on ``examples`` generated cases of ``operation`` (schemathesis'
    strategies under Hypothesis; its pytest plugin's lazy fixtures do not run on pytest 9)."""
    run = given(case=operation.as_strategy())(test)
    settings(max_examples=examples, deadline=None, database=None,
             suppress_health_check=list(HealthCheck))(run)()


def _needs_token(operation) -> bool:  # type: ignore[no-untyped-def]
    return bool(operation.definition.raw.get("security"))


def _scope(operation) -> str:  # type: ignore[no-untyped-def]
    return operation.definition.raw.get("x-devreg-scope", "")


def test_the_fuzzed_operations_are_the_documents(app: Flask, api_world: dict[str, str]) -> None:
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    assert sorted(OPERATIONS) == sorted(document["paths"])


@pytest.mark.parametrize("path", OPERATIONS)
def test_every_operation_conforms(app: Flask, api_world: dict[str, str], path: str) -> None:
    operation = _schema(app)[path]["GET"]
    headers = {}
    if _needs_token(operation):
        key = "reviewer" if _scope(operation) == "read:queue" else "holder"
        headers["Authorization"] = f"Bearer {api_world[key]}"

    def check(case) -> None:  # type: ignore[no-untyped-def]
        case.call_and_validate(headers=headers)

    _fuzz(operation, EXAMPLES, check)


@pytest.mark.parametrize("path", [p for p in OPERATIONS if not p.startswith(
    ("/api/v1/certificates", "/api/v1/exports"))])
def test_tokens_and_scopes_decide_401_and_403(app: Flask, api_world: dict[str, str],
                                              path: str) -> None:
    operation = _schema(app)[path]["GET"]
    assert _needs_token(operation)
    scope = _scope(operation)
    wrong = api_world["holder" if scope == "read:queue" else "reviewer"]

    def check(case) -> None:  # type: ignore[no-untyped-def]
        # no token: 401 before anything else is read
        assert case.call().status_code == 401
        if scope != "any":
            refused = case.call(headers={"Authorization": f"Bearer {wrong}"})
            assert refused.status_code in (403, 422), refused.status_code

    _fuzz(operation, 5, check)
