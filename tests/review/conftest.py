"""The review tests use the registration tests' fixtures (demo accounts without the demo
dataset); see tests/registrations/conftest.py."""

from tests.registrations.conftest import demo  # noqa: F401 - re-exported fixture
