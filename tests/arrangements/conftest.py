"""Fixtures for the arrangement tests (the builders live in builders.py)."""

from tests.arrangements.builders import world

__all__ = ["world"]
