"""Reaching people: the outbox (e-mail, sent after commit), the in-app inbox, per-kind
preferences, reminders and digests. Listens to devreg.events; no domain imports this package."""

from flask import Blueprint

bp = Blueprint("notifications", __name__)
