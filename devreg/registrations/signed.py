"""Content of record of the holder's signatures on applications (signatures.records): the
frozen round the signature is linked to, with the hashes of the dossier files as stored now."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from devreg.extensions import db
from devreg.registrations import content as frozen
from devreg.registrations.models import Application, DossierFile, SubmittedContent
from devreg.signatures.models import Signature
from devreg.signatures.records import content_of_record


def live_files(row: SubmittedContent) -> dict[str, dict[str, Any]] | None:
    """The round's file list with each file's hash read from its dossier row now."""
    result = {}
    for chapter, entry in row.files.items():
        record = db.session.get(DossierFile, entry.get("id"))
        if record is None or record.application_id != row.application_id \
                or record.chapter != chapter:
            return None
        result[chapter] = {**entry, "sha256": record.sha256}
    return result


def round_of(application: Application, number: int | None) -> SubmittedContent | None:
    return next((row for row in application.contents if row.round == number), None)


def submission_reference(application: Application, number: int | None) -> dict[str, Any] | None:
    """{"round", "hash"} of a round as recomputed from its stored items and live file hashes."""
    row = round_of(application, number)
    if row is None:
        return None
    files = live_files(row)
    if files is None:
        return None
    return {"round": row.round, "hash": frozen.hash_of(row.content, files)}


@content_of_record(Application, "submitted", "filed", "supplement_submitted")
def _submission(application: Application, signature: Signature) -> dict[str, Any] | None:
    row = db.session.scalar(select(SubmittedContent).where(
        SubmittedContent.signature_id == signature.id))
    if row is None or row.application_id != application.id:
        return None
    files = live_files(row)
    if files is None:
        return None
    content = {"application": application.id, "round": row.round, "content": row.content,
               "files": {c: f["sha256"] for c, f in sorted(files.items())}}
    if signature.meaning == "supplement_submitted":
        content["answer"] = application.supplement_answer
    return content


@content_of_record(Application, "objection_filed")
def _objection(application: Application, signature: Signature) -> dict[str, Any]:
    # Order 47 Art 57: the holder's objection to the review opinion it answers
    return {"application": application.id, "kind": application.kind,
            "opinion_on": str(application.opinion_on), "objection": application.objection_text}
