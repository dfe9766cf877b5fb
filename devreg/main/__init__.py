"""Home pages by role, the language switch, health check."""

from flask import Blueprint

bp = Blueprint("main", __name__)

from devreg.main import views  # noqa: E402, F401
