"""Fixtures for the notification tests: the arrangement tests' world (demo accounts, licences
and sites) and a recorder of the domain events (devreg/events.py)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from devreg import events
from tests.arrangements.builders import world

__all__ = ["recorder", "world"]


class Recorder:
    """Every signal sent, as (name, sender, kwargs), in order."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, Any, dict[str, Any]]] = []

    def names(self) -> Counter[str]:
        return Counter(name for name, _sender, _kwargs in self.sent)

    def only(self, name: str) -> tuple[Any, dict[str, Any]]:
        """The one sending of ``name``; fails when it was sent never or twice."""
        matches = [(sender, kwargs) for n, sender, kwargs in self.sent if n == name]
        assert len(matches) == 1, (name, self.names())
        return matches[0]

    def clear(self) -> None:
        self.sent.clear()


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    recorder = Recorder()
    receivers = []
    for name, signal in events.ALL.items():
        def receive(sender: Any, _name: str = name, **kwargs: Any) -> None:
            recorder.sent.append((_name, sender, kwargs))
        signal.connect(receive, weak=False)
        receivers.append((signal, receive))
    yield recorder
    for signal, receive in receivers:
        signal.disconnect(receive)
