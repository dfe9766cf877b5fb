"""Production licences (and, later, commissioned-production arrangements)."""

from flask import Blueprint

bp = Blueprint("production", __name__, url_prefix="/production")
