"""Accounts, sign-in, and the admin's user management."""

from flask import Blueprint

bp = Blueprint("auth", __name__)
