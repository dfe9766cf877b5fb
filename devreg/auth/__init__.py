"""Accounts, sign-in, and the admin's user management."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from devreg.auth import views  # noqa: E402, F401
