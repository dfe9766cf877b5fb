"""Commissioned and cross-regional production: arrangements, confirmation, supervision."""

from flask import Blueprint

bp = Blueprint("arrangements", __name__)
