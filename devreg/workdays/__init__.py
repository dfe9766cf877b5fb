"""Working days: official holiday schedules, regulator holidays and per-province time limits."""

from flask import Blueprint

bp = Blueprint("workdays", __name__, url_prefix="/admin/calendar")
