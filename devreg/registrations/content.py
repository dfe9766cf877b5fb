"""Frozen submitted content: what a submission attests to, kept per round.

On each submission (submit, resubmit after correction, supplement answer, change filing) the
registered items and the SHA-256 of every current dossier file are copied into a
SubmittedContent row; the holder's signature covers exactly that row's content and file hashes.
Reviewers, the approver and the certificate read the frozen content, never the live device
(Order 47 Art 58: the certificate carries the registered items as approved; docs/rules.md
§10: a signature is bound to the record it signs)."""

from __future__ import annotations

from typing import Any

from devreg.db import utcnow
from devreg.extensions import db
from devreg.i18n import _l
from devreg.registrations.kinds import ApplicationKind
from devreg.registrations.models import Application, SubmittedContent
from devreg.signatures.services import content_hash

#: the registered items, in the order pages show them (Order 47 Art 58; docs/rules.md §5)
ITEM_TITLES = {
    "name": _l("Device name"),
    "model_spec": _l("Models and specifications"),
    "structure": _l("Structure and composition"),
    "intended_use": _l("Intended use"),
    "technical_requirements": _l("Product technical requirements"),
    "device_class": _l("Device class"),
    "category_code": _l("Catalogue subcategory"),
    "is_ivd_reagent": _l("In-vitro diagnostic reagent"),
    "production_address": _l("Production address(es)"),
}
#: a change registration's item names on the certificate -> the registered item
CERTIFICATE_ITEM = {"device_name": "name"}
#: devreg registers Class II devices only (check_device refuses the others)
DEVICE_CLASS = "2"


def registered_items(application: Application) -> dict[str, Any]:
    """The registered items as they stand now: from the device for an initial registration,
    from the certificate (what was approved) for the kinds that act on a certificate."""
    device = application.device
    items: dict[str, Any] = {
        "name": device.name, "model_spec": device.model_spec, "structure": device.structure,
        "intended_use": device.intended_use,
        "technical_requirements": device.technical_requirements or "",
        "device_class": DEVICE_CLASS, "category_code": device.category_code,
        "is_ivd_reagent": bool(device.is_ivd_reagent),
        "production_address": application.production_address or "",
    }
    certificate = application.certificate
    if application.kind_enum is not ApplicationKind.INITIAL and certificate is not None:
        items.update(name=certificate.device_name, model_spec=certificate.model_spec,
                     structure=certificate.structure, intended_use=certificate.intended_use,
                     technical_requirements=certificate.technical_requirements or "",
                     production_address=certificate.production_address)
    return items


def current_content(application: Application) -> dict[str, Any]:
    return {
        "kind": application.kind,
        "device": application.device_id,
        "certificate": application.certificate_id,
        "items": registered_items(application),
        "changed_items": dict(application.changed_items) if application.changed_items else None,
        "substantive_changes": dict(application.substantive_changes)
        if application.substantive_changes else None,
        "change_description": application.change_description,
    }


def current_files(application: Application) -> dict[str, dict[str, Any]]:
    return {chapter: {"id": f.id, "version": f.version, "sha256": f.sha256,
                      "name": f.original_name, "size": f.size}
            for chapter, f in sorted(application.current_files().items())}


def hash_of(content: dict[str, Any], files: dict[str, dict[str, Any]]) -> str:
    return content_hash({"content": content,
                         "files": {c: f["sha256"] for c, f in sorted(files.items())}})


def freeze(application: Application, *, event: str) -> SubmittedContent:
    """Copy the registered items and the current files' hashes into a new round."""
    content, files = current_content(application), current_files(application)
    row = SubmittedContent(
        application_id=application.id, round=len(application.contents) + 1, event=event,
        content=content, files=files, content_hash=hash_of(content, files),
        created_at=utcnow())
    application.contents.append(row)
    db.session.add(row)
    db.session.flush()
    return row


def signed_content(row: SubmittedContent) -> dict[str, Any]:
    """What the holder's submission signature covers: the round's items and file hashes."""
    return {"application": row.application_id, "round": row.round, "content": row.content,
            "files": row.file_hashes}


def changes_between(before: SubmittedContent, after: SubmittedContent) -> dict[str, Any]:
    """What changed from one round to the next: items (old, new) and chapters' files."""
    old, new = before.items, after.items
    items = [(key, old.get(key), new.get(key)) for key in ITEM_TITLES
             if old.get(key) != new.get(key)]
    for key in ("changed_items", "substantive_changes", "change_description"):
        if before.content.get(key) != after.content.get(key):
            items.append((key, before.content.get(key), after.content.get(key)))
    old_files, new_files = before.file_hashes, after.file_hashes
    files = sorted(c for c in set(old_files) | set(new_files)
                   if old_files.get(c) != new_files.get(c))
    return {"items": items, "files": files}


_OTHER_TITLES = {"changed_items": _l("Changed items"),
                 "substantive_changes": _l("Substantive changes"),
                 "change_description": _l("Description of the change or reason")}


def item_title(key: str) -> str:
    title = ITEM_TITLES.get(key) or _OTHER_TITLES.get(key)
    return str(title) if title is not None else key
