"""Imports and exports (go-live): import templates, dry-run validation, all-or-nothing imports,
serial counter seeding and setting, and CSV/XLSX exports of every list. Depends on the domains;
no domain imports this room."""

from flask import Blueprint

bp = Blueprint("transfer", __name__)
