"""Devices and registration applications: filing, the dossier, submission, holder answers."""

from flask import Blueprint

bp = Blueprint("registrations", __name__)
