"""Reports the law requires of companies: the yearly self-inspection report (Order 53 Art 45)
and the manufacturer's product report (Order 53 Art 42)."""

from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")
