"""Fixtures for the registration and review tests (tests/review imports these too).

``demo`` is overridden here: the registration tests need the demo *organisations and accounts*
(same names, e-mails, provinces, duties and password as the demo loader), but not the demo
*dataset* (devices, applications, certificates), which would shift certificate serials and
registry results under the assertions. The accounts get an argon2 hash with light parameters:
verification is the real argon2 check (a wrong password still fails), only faster, because
nearly every step of these tests re-enters the signature password."""

from __future__ import annotations

import pytest

from tests.registrations.helpers import load_accounts


@pytest.fixture
def demo(app):  # type: ignore[no-untyped-def]
    return load_accounts()
