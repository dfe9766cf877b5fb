"""Home pages by role, the language switch, health check."""

from flask import Blueprint

bp = Blueprint("main", __name__)
