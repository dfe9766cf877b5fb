"""Registration certificates, their life after issue, and the public registry."""

from flask import Blueprint

bp = Blueprint("certificates", __name__)
