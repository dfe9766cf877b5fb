"""Signature meanings, stored as codes and translated when shown."""

from devreg.i18n import _l

MEANINGS = {
    "submitted": _l("Submitted"),
    "accepted": _l("Accepted"),
    "correction_requested": _l("Correction requested"),
    "refused_acceptance": _l("Refused acceptance"),
    "supplement_requested": _l("Supplement requested"),
    "supplement_submitted": _l("Supplement submitted"),
    "review_recommended_approval": _l("Review opinion: approval recommended"),
    "review_recommended_refusal": _l("Review opinion: refusal recommended"),
    "approved": _l("Approved"),
    "refused": _l("Refused"),
    "confirmed": _l("Confirmed"),
    "declined": _l("Declined"),
    "decided": _l("Decided"),
    "filed": _l("Filed"),
    "clock_paused": _l("Clock paused, holder notified"),
    "clock_extended": _l("Time limit extended, holder notified"),
    "objection_filed": _l("Objection to the review opinion filed"),
    "objection_resolved": _l("Objection answered"),
    "declared": _l("Declared true, accurate and complete"),
    "counter_set": _l("Serial counter set"),
}


def meaning_title(code: str) -> str:
    title = MEANINGS.get(code)
    return str(title) if title is not None else code
