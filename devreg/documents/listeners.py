"""Documents issued when their act happens, listening to devreg.events. Each listener renders
and stores the PDF inside the act's transaction (a rollback deletes the bytes again), so the
document exists exactly when the act does. The certificate and the change document are
rendered on ``decision_signed``, the last signal of a decision: by then the arrangements are
synced with the new certificate, and its production addresses and remarks (2024-38 §13) are
those the sheet must print."""

from __future__ import annotations

from typing import Any

from devreg import events
from devreg.clock import china_today
from devreg.documents import services as documents
from devreg.documents.kinds import DocumentKind as Kind
from devreg.registrations.models import Application

_CONNECTED: list[Any] = []  # blinker keeps weak references: hold the functions here


def on_accepted(application: Application, **_: Any) -> None:
    # Order 47 Art 53 ¶2: accepted → a sealed, dated 受理通知书
    documents.issue(Kind.ACCEPTANCE, application, on=application.accepted_on or china_today())


def on_correction(application: Application, **_: Any) -> None:
    documents.issue(Kind.CORRECTION, application,
                    on=application.correction_requested_on or china_today())


def on_refused_acceptance(application: Application, **_: Any) -> None:
    # Order 47 Art 53 ¶2: not accepted → a sealed, dated 不予受理通知书
    documents.issue(Kind.NON_ACCEPTANCE, application, on=application.closed_on or china_today())


def on_supplement(application: Application, **_: Any) -> None:
    documents.issue(Kind.SUPPLEMENT, application,
                    on=application.supplement_requested_on or china_today())


def on_extended(application: Application, *, extension: Any = None, **_: Any) -> None:
    # Order 47 Art 96: the holder is told of an extension in writing; one per stage
    if extension is None:
        return
    round_ = 2 if extension.stage == "supplement_review" else 1
    documents.issue(Kind.EXTENSION, application, on=extension.granted_on, round=round_,
                    extension=extension)


def on_decision(application: Application, *, approved: bool = False,
                certificate: Any = None, **_: Any) -> None:
    on = application.decided_on or china_today()
    documents.issue(Kind.APPROVAL if approved else Kind.REFUSAL, application, on=on)
    if not approved:
        return
    certificate = certificate or application.certificate
    if certificate is None:
        return
    if application.kind in ("initial", "renewal"):
        documents.issue(Kind.CERTIFICATE, application, on=on, certificate=certificate)
    elif application.kind == "change":
        change = next((d for d in certificate.change_documents
                       if d.application_id == application.id), None)
        if change is not None:
            documents.issue(Kind.CHANGE_DOCUMENT, application, on=on, certificate=certificate,
                            change=change)


def on_renewed(certificate: Any, *, application: Any = None, period: Any = None,
               deemed: bool = False, **_: Any) -> None:
    # a signed renewal gets its sheet on decision_signed; a renewal deemed granted (Order 47
    # Art 82: not decided before expiry) has no decision, so its sheet is issued here
    if deemed and application is not None:
        documents.issue(Kind.CERTIFICATE, application,
                        on=period.approved_on if period else china_today(),
                        certificate=certificate)


def connect() -> None:
    if _CONNECTED:
        return
    for signal, fn in ((events.application_accepted, on_accepted),
                       (events.correction_requested, on_correction),
                       (events.acceptance_refused, on_refused_acceptance),
                       (events.supplement_requested, on_supplement),
                       (events.clock_extended, on_extended),
                       (events.decision_signed, on_decision),
                       (events.certificate_renewed, on_renewed)):
        signal.connect(fn)
        _CONNECTED.append(fn)
