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


# --- a real SMTP server ----------------------------------------------------------------------

class Mailbox:
    """What the SMTP server received: (envelope recipients, parsed message)."""

    def __init__(self) -> None:
        import threading

        self.messages: list[Any] = []
        self.lock = threading.Lock()
        #: seconds the server takes per message (lets two senders overlap)
        self.delay = 0.0

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        import asyncio
        from email import message_from_bytes, policy

        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos),
                                  message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"

    def to(self, address: str) -> list[Any]:
        return [message for rcpts, message in self.messages if address in rcpts]


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def use_mail_server(app, host: str, port: int) -> None:  # type: ignore[no-untyped-def]
    from flask_mailman import Mail

    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER=host, MAIL_PORT=port, MAIL_TIMEOUT=10)
    app.extensions["mailman"] = Mail.init_mail(app.config)


@pytest.fixture
def smtp(app) -> Iterator[Mailbox]:  # type: ignore[no-untyped-def]
    """An aiosmtpd server on 127.0.0.1, started for the test; the app sends to it."""
    from aiosmtpd.controller import Controller
    from flask_mailman import Mail

    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    saved = {k: app.config.get(k) for k in ("MAIL_BACKEND", "MAIL_SERVER", "MAIL_PORT",
                                            "MAIL_TIMEOUT", "PUBLIC_URL")}
    use_mail_server(app, "127.0.0.1", controller.port)
    app.config["PUBLIC_URL"] = "https://devreg.example.gov.cn"
    try:
        yield mailbox
    finally:
        controller.stop()
        app.config.update(saved)
        app.extensions["mailman"] = Mail.init_mail(app.config)
