"""Official documents as PDF (受理通知书 … 注册证): rendered once from Jinja templates with
WeasyPrint when the act they record happens, numbered, stored with their SHA-256 and listed on
the record. Listens to devreg.events; the domains never import this package."""

from flask import Blueprint

bp = Blueprint("documents", __name__)


@bp.record_once
def _register(state) -> None:  # type: ignore[no-untyped-def]
    from devreg.documents import listeners, queries

    state.app.jinja_env.globals["documents_of"] = queries.documents_of
    listeners.connect()
