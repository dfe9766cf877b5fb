"""Organisations: registration holders, manufacturers and provincial regulators."""

from flask import Blueprint

bp = Blueprint("orgs", __name__, url_prefix="/admin/organisations")
