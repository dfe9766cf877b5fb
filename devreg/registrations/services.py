"""Holder-side writes: devices, applications, dossier files, submission, supplement answers.
Services flush, never commit; the view (or command) commits once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import IO

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from devreg import events
from devreg.auth.models import User
from devreg.certificates import services as certificates
from devreg.certificates.models import Certificate, CertificateStatus
from devreg.clock import china_today
from devreg.db import utcnow
from devreg.errors import DomainError
from devreg.extensions import db
from devreg.i18n import _
from devreg.reference.data import IVD_REAGENT_CODE
from devreg.registrations import content as frozen
from devreg.registrations import files
from devreg.registrations.deadlines import renewal_judged_on
from devreg.registrations.kinds import ApplicationKind, chapter
from devreg.registrations.models import (
    Application,
    ClockPause,
    Device,
    DossierFile,
    PauseReason,
)
from devreg.registrations.states import OPEN_STATES, TRANSITIONS, ApplicationState
from devreg.signatures.models import Signature
from devreg.signatures.services import sign, verify_signer
from devreg.uniqueness import unique_or_refuse
from devreg.workflow import apply_transition

S = ApplicationState
#: states in which the holder may still upload dossier files
UPLOAD_STATES = (S.DRAFT, S.CORRECTION_REQUESTED, S.SUPPLEMENT_REQUESTED)


# --- devices -------------------------------------------------------------------------------

@dataclass(frozen=True)
class DeviceData:
    name: str
    model_spec: str
    structure: str
    intended_use: str
    device_class: str  # "1", "2" or "3" as the holder classifies it
    category_code: str
    is_ivd_reagent: bool
    #: 产品技术要求 summary (the full document is dossier chapter 3)
    technical_requirements: str = ""


def check_device(data: DeviceData) -> None:
    """devreg registers domestic Class II devices only, and says where the others belong."""
    if data.device_class == "1":
        raise DomainError(_("Class I devices are not registered here: they are filed (备案) with "
                            "the city-level medical products administration."))
    if data.device_class == "3":
        raise DomainError(_("Class III devices are not registered here: they are registered by "
                            "the National Medical Products Administration (NMPA)."))
    if data.device_class != "2":
        raise DomainError(_("Choose the device class."))
    if data.is_ivd_reagent != (data.category_code == IVD_REAGENT_CODE):
        raise DomainError(_("IVD reagents use the numbering code 40, and only they do; IVD "
                            "instruments belong to subcategory 22."))


def create_device(data: DeviceData, *, holder_org_id: int) -> Device:
    check_device(data)
    device = Device(holder_org_id=holder_org_id, **_device_columns(data))
    db.session.add(device)
    db.session.flush()
    return device


def blocking_certificate(device_id: int, today: date) -> Certificate | None:
    """The device's certificate that stands in the way of registering it again, if any.

    A device whose certificate expired or was cancelled may be registered again as a new first
    registration (Order 47 Art 115: it gets a new number); a valid or revoked one blocks."""
    for certificate in db.session.scalars(
            select(Certificate).where(Certificate.device_id == device_id)
            .order_by(Certificate.id)):
        if certificate.status == CertificateStatus.CANCELLED:
            continue
        if certificate.status == CertificateStatus.EXPIRED or (
                certificate.status == CertificateStatus.VALID and certificate.valid_until < today):
            continue  # expired, even if the sweep has not recorded it yet
        return certificate
    return None


def update_device(device: Device, data: DeviceData, *, today: date | None = None) -> None:
    """Edit the registered items, only while no submitted application is being handled: what was
    submitted is frozen and signed, and every later change of a registered item goes through
    change registration or change filing (Order 47 Art 79)."""
    check_device(data)
    if blocking_certificate(device.id, today or china_today()) is not None:
        raise DomainError(_("This device has a certificate: change it through a change "
                            "registration or change filing."))
    locked = db.session.scalar(select(Application).where(
        Application.device_id == device.id,
        Application.state.in_([s.value for s in OPEN_STATES if s not in UPLOAD_STATES])))
    if locked is not None:
        raise DomainError(_("Application %(reference)s for this device has been submitted and "
                            "is being handled: its registered items are frozen as submitted. "
                            "The device can be edited again when a correction or supplement "
                            "is requested, or once the application is closed.",
                            reference=locked.reference))
    for key, value in _device_columns(data).items():
        setattr(device, key, value)


def _device_columns(data: DeviceData) -> dict:  # type: ignore[type-arg]
    return {"name": data.name, "model_spec": data.model_spec, "structure": data.structure,
            "intended_use": data.intended_use, "category_code": data.category_code,
            "is_ivd_reagent": data.is_ivd_reagent,
            "technical_requirements": data.technical_requirements}


# --- applications --------------------------------------------------------------------------

def open_application_for(device_id: int, kind: ApplicationKind) -> Application | None:
    open_states = [S.DRAFT.value, *(s.value for s in OPEN_STATES)]
    return db.session.scalar(select(Application).where(
        Application.device_id == device_id, Application.kind == kind.value,
        Application.state.in_(open_states)))


def check_renewal_window(certificate: Certificate, today: date) -> None:
    deadline = certificates.renewal_deadline(certificate)
    if today > deadline:
        raise DomainError(_(
            "Renewal must be applied for at least six months before the certificate expires "
            "(last valid day %(until)s, so by %(deadline)s). This application is too late and "
            "cannot be accepted (不予延续).",
            until=certificate.valid_until.isoformat(), deadline=deadline.isoformat()))


def create_application(kind: ApplicationKind, device: Device, *, actor: User,
                       certificate: Certificate | None = None, today: date,
                       production_address: str | None = None,
                       change_description: str | None = None,
                       changed_items: dict[str, str] | None = None,
                       changed_on: date | None = None,
                       substantive_changes: dict[str, str] | None = None) -> Application:
    if open_application_for(device.id, kind) is not None:
        raise DomainError(_("This device already has an open application of this kind."))
    if kind is ApplicationKind.INITIAL:
        blocking = blocking_certificate(device.id, today)
        if blocking is not None and blocking.status == CertificateStatus.REVOKED:
            raise DomainError(_("This device's certificate %(number)s was revoked (撤销): it "
                                "cannot be registered again.", number=blocking.number))
        if blocking is not None:
            raise DomainError(_("This device is already registered."))
        if not production_address:
            raise DomainError(_("Enter the production address."))
    else:
        if certificate is None or certificate.device_id != device.id:
            raise DomainError(_("Choose the certificate this application is about."))
        if not certificate.is_valid_on(today):  # the sweep may not have marked it expired yet
            raise DomainError(_("Only a valid certificate can be changed, renewed or "
                                "cancelled."))
        if kind is ApplicationKind.RENEWAL:
            check_renewal_window(certificate, today)
        allowed = {ApplicationKind.CHANGE: certificates.REVIEWED_ITEMS,
                   ApplicationKind.CHANGE_FILING: certificates.FILED_ITEMS}.get(kind, ())
        changed_items = {k: v for k, v in (changed_items or {}).items() if v}
        substantive = {k: v.strip() for k, v in (substantive_changes or {}).items()
                       if v and v.strip()}
        if substantive and kind is not ApplicationKind.CHANGE:
            raise DomainError(_("Substantive changes are applied for by change registration."))
        if set(substantive) - set(certificates.SUBSTANTIVE_CHANGES):
            raise DomainError(_("These items cannot be changed by this kind of application."))
        if kind in (ApplicationKind.CHANGE, ApplicationKind.CHANGE_FILING):
            # Order 47 Art 79 ¶2: a change registration changes printed items or describes a
            # substantive change of design, raw materials, production process or method of use
            if not changed_items and not substantive:
                raise DomainError(_("Enter at least one new value.")
                                  if kind is ApplicationKind.CHANGE_FILING else
                                  _("Enter at least one new value or describe a substantive "
                                    "change."))
            if set(changed_items) - set(allowed):
                raise DomainError(_("These items cannot be changed by this kind of "
                                    "application."))
        if kind is ApplicationKind.CHANGE_FILING and "production_address" in changed_items:
            _check_new_production_addresses(device, certificate,
                                            changed_items["production_address"])
        if not change_description:
            raise DomainError(_("Describe the change or the reason."))
        if kind is ApplicationKind.CHANGE_FILING:
            # Order 47 Art 79 ¶3: filed within 30 days of the change, so its date is recorded
            if changed_on is None:
                raise DomainError(_("Enter the date of the change."))
            if changed_on > today:
                raise DomainError(_("The date of the change cannot be in the future."))
    application = Application(
        kind=kind.value, state=S.DRAFT.value, device_id=device.id,
        holder_org_id=device.holder_org_id, province_code=device.holder.province_code,
        certificate_id=certificate.id if certificate else None, created_by_id=actor.id,
        production_address=production_address, change_description=change_description,
        changed_items=changed_items or None,
        changed_on=changed_on if kind is ApplicationKind.CHANGE_FILING else None,
        substantive_changes=(substantive or None) if kind is not ApplicationKind.INITIAL
        else None,
    )
    db.session.add(application)
    with unique_or_refuse(_("This device already has an open application of this kind."),
                          "uq_applications_open_device_kind",
                          "uq_applications_open_certificate_kind"):
        db.session.flush()
    return application


def _check_new_production_addresses(device: Device, certificate: Certificate,
                                    new_value: str) -> None:
    """A new production address is filed only after the production licence includes it
    (Order 47 Art 79 ¶3): each added line must be the site of a confirmed arrangement, whose
    licence was checked to cover the device when the manufacturer confirmed."""
    from devreg.arrangements.services import confirmed_site_addresses

    current = set(certificate.production_address.splitlines())
    added = {line.strip() for line in new_value.splitlines() if line.strip()} - current
    unknown = added - confirmed_site_addresses(device.id)
    if unknown:
        raise DomainError(_("A new production address can be filed only after a licensed "
                            "manufacturer has confirmed production there (the licence must "
                            "include it first):"), details=sorted(unknown))


def lock_application(application: Application) -> None:
    """Serialise the writes that decide what a signature covers (upload, file removal,
    submission) on one application: on PostgreSQL a row lock queues them; on both engines the
    version bump then makes the later of two overlapping writers fail as stale, so an upload
    lands before the signed content is computed or is refused (docs/rules.md §10)."""
    db.session.flush()  # nothing pending is lost by the refresh below
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(Application.id).where(Application.id == application.id)
                           .with_for_update())
    # read the state, version and files as they are now that nobody else can write them
    db.session.refresh(application)
    db.session.expire(application, ["files", "contents"])
    application.updated_at = utcnow()  # an UPDATE ... WHERE version = <read>: the bump


def add_dossier_file(application: Application, chapter_code: str, *, filename: str | None,
                     stream: IO[bytes], actor: User) -> DossierFile:
    """Store a new version of one chapter; the previous version stays, marked not current."""
    lock_application(application)
    _check_files_editable(application)
    if chapter(application.kind_enum, chapter_code) is None:
        raise DomainError(_("Unknown dossier chapter."))
    config = current_app.config
    max_versions = config["DOSSIER_MAX_VERSIONS"]
    if sum(1 for f in application.files if f.chapter == chapter_code) >= max_versions:
        raise DomainError(_("This chapter already has %(count)d versions, the most one "
                            "application may keep. Ask the administration if you need more.",
                            count=max_versions))
    max_bytes = config["DOSSIER_MAX_BYTES"]
    quota_left = config["DOSSIER_QUOTA_BYTES"] - sum(f.size for f in application.files)
    stored = files.store_upload(db.session, stream, max_bytes=min(max_bytes, max(quota_left, 0)))
    if stored.size > max_bytes:
        files.discard(db.session, stored.stored_name)
        raise DomainError(_("The file is larger than %(mb)d MB.", mb=max_bytes // (1024 * 1024)))
    if stored.size > quota_left:
        files.discard(db.session, stored.stored_name)
        raise DomainError(_("This file would take the application's dossier over its upload "
                            "quota of %(mb)d MB (all versions count). Nothing was saved.",
                            mb=config["DOSSIER_QUOTA_BYTES"] // (1024 * 1024)))
    if stored.size == 0:
        files.discard(db.session, stored.stored_name)
        raise DomainError(_("The file is empty."))
    if stored.content_type is None:
        files.discard(db.session, stored.stored_name)
        raise DomainError(_("This file type is not accepted. Upload PDF, PNG, JPEG, DOCX or "
                            "XLSX files."))
    previous = application.current_files().get(chapter_code)
    if previous is not None:
        previous.is_current = False
        db.session.flush()  # the old version stops being current before the new one is
    record = DossierFile(
        application_id=application.id, chapter=chapter_code,
        version=max((f.version for f in application.files if f.chapter == chapter_code),
                    default=0) + 1,
        original_name=files.clean_filename(filename), stored_name=stored.stored_name,
        size=stored.size, content_type=stored.content_type, sha256=stored.sha256,
        is_current=True, uploaded_by_id=actor.id, uploaded_at=utcnow(),
    )
    db.session.add(record)
    application.files.append(record)
    with unique_or_refuse(_("Another upload to this chapter was saved at the same moment. "
                            "Reload the page and try again."),
                          "uq_dossier_files_current", "uq_dossier_files_app_chapter_version"):
        db.session.flush()
    return record


def remove_dossier_file(application: Application, file_id: int, *, actor: User) -> None:
    """Take the current file of a chapter out of the dossier before submission; the row stays
    (with its hash) as a former version, and the chapter counts as missing until a new upload."""
    lock_application(application)
    _check_files_editable(application)
    record = next((f for f in application.files if f.id == file_id and f.is_current), None)
    if record is None:
        raise DomainError(_("This file is no longer the current version of its chapter."))
    record.is_current = False
    db.session.flush()


def _check_files_editable(application: Application) -> None:
    if application.state_enum not in UPLOAD_STATES:
        raise DomainError(_("The application was submitted and signed: its files can no "
                            "longer be changed in this state. Nothing was saved."))


def _freeze_and_sign(application: Application, *, event: str, actor: User, password: str,
                     meaning: str, extra: dict | None = None) -> Signature:  # type: ignore[type-arg]
    """Freeze this round's content and sign exactly that (plus, for a supplement, the answer)."""
    row = frozen.freeze(application, event=event)
    signature = sign(application, signer=actor, password=password, meaning=meaning,
                     content={**frozen.signed_content(row), **(extra or {})})
    row.signature_id = signature.id
    return signature


def submit_application(application: Application, *, actor: User, password: str,
                       declaration: bool, today: date) -> None:
    """Submit (or resubmit after a correction notice) with the declaration and a signature.

    Refused, listing what is missing, until every required chapter has a file. A change filing
    needs no review: it takes effect on the certificate when it is submitted."""
    if not declaration:
        raise DomainError(_("Confirm the declaration that the dossier is true and complete."))
    verify_signer(actor, password)  # before any write or lock (see verify_signer)
    lock_application(application)  # no upload can land between the hashes and the signature
    missing = application.missing_chapters()
    if missing:
        raise DomainError(_("The dossier is incomplete. Missing:"),
                          details=[str(c.title) for c in missing])
    kind = application.kind_enum
    filed, resubmitted = False, application.state == S.CORRECTION_REQUESTED
    if application.certificate is not None and not application.certificate.is_valid_on(today):
        # revoked, cancelled or expired since the draft was made
        raise DomainError(_("Only a valid certificate can be changed, renewed or cancelled."))
    if kind is ApplicationKind.RENEWAL:
        check_renewal_window(application.certificate,  # type: ignore[arg-type]
                             renewal_judged_on(application, today))
    if kind is ApplicationKind.CHANGE_FILING:
        new_address = (application.changed_items or {}).get("production_address")
        if new_address:  # checked again: the arrangement may have ended since the draft
            _check_new_production_addresses(application.device, application.certificate,
                                            new_address)  # type: ignore[arg-type]
        apply_transition(application, "file", actor, TRANSITIONS)
        signature = _freeze_and_sign(application, event="file", actor=actor,
                                     password=password, meaning="filed")
        certificates.apply_change_filing(application.certificate,  # type: ignore[arg-type]
                                         application, signature=signature, filed_on=today)
        from devreg.arrangements.services import sync_with_certificate

        sync_with_certificate(application.certificate, today)  # type: ignore[arg-type]
        application.closed_on = today
        filed = True
    else:
        event = "resubmit" if application.state == S.CORRECTION_REQUESTED else "submit"
        apply_transition(application, event, actor, TRANSITIONS)
        _freeze_and_sign(application, event=event, actor=actor, password=password,
                         meaning="submitted")
    application.declaration_accepted = True
    application.submitted_at = utcnow()
    application.received_on = today
    if application.first_received_on is None:
        application.first_received_on = today
    if filed:
        events.change_filed.send(application, actor=actor, certificate=application.certificate)
    else:
        events.application_submitted.send(application, actor=actor, resubmitted=resubmitted)


def withdraw_application(application: Application, *, actor: User, today: date,
                         reason: str = "") -> None:
    """Order 47 Art 55: the holder may withdraw, stating the reason, at any time before the
    decision. A draft, never submitted, needs no reason."""
    if application.state != S.DRAFT and not reason:
        raise DomainError(_("State the reason for withdrawing the application."))
    apply_transition(application, "withdraw", actor, TRANSITIONS)
    application.withdrawal_reason = reason or None
    application.closed_on = today
    end_pause(application, on=today, actor=actor)
    events.application_withdrawn.send(application, actor=actor)


def object_to_opinion(application: Application, *, actor: User, password: str, text: str,
                      today: date) -> None:
    """Order 47 Art 57: within 15 working days of a negative review opinion the holder may
    object, on the original application and dossier only; the time it takes is not counted."""
    from devreg.registrations.clocks import objection_deadline

    if not text:
        raise DomainError(_("Write the objection."))
    deadline = objection_deadline(application)
    if application.state == S.REVIEW_DONE and deadline is None:
        raise DomainError(_("Only a review opinion recommending refusal can be objected to."))
    if application.objection_filed_on is not None:
        raise DomainError(_("An objection to this opinion was already made."))
    if deadline is not None and today > deadline:
        raise DomainError(_("The objection had to be made by %(date)s (15 working days after "
                            "the opinion).", date=deadline.isoformat()))
    verify_signer(actor, password)  # before any write (see verify_signer)
    apply_transition(application, "object", actor, TRANSITIONS)
    application.objection_text = text
    application.objection_filed_on = today
    signature = sign(application, signer=actor, password=password, meaning="objection_filed",
                     content={"application": application.id, "kind": application.kind,
                              "opinion_on": str(application.opinion_on), "objection": text})
    open_pause(application, PauseReason.OBJECTION, on=today, actor=actor, notice=text,
               signature=signature)
    events.objection_filed.send(application, actor=actor)


def answer_supplement(application: Application, *, actor: User, password: str, answer: str,
                      today: date) -> None:
    """One answer covering every item; the review clock restarts from today."""
    if not answer:
        raise DomainError(_("Describe how each requested item is answered."))
    deadline = application.supplement_deadline
    if application.state == S.SUPPLEMENT_REQUESTED and deadline is not None and today > deadline:
        # Order 47 Art 54: not answered within the year, the review ends (the sweep records
        # the termination; the late answer is refused even before it runs)
        raise DomainError(_("The deadline for the supplement was %(date)s: the review has ended "
                            "and the supplement can no longer be submitted.",
                            date=deadline.isoformat()))
    verify_signer(actor, password)  # before any write (see verify_signer)
    lock_application(application)
    apply_transition(application, "answer_supplement", actor, TRANSITIONS)
    application.supplement_answer = answer
    application.supplement_answered_on = today
    # Order 47 Art 98(1): the holder's supplement time is not counted; it ends with the answer
    end_pause(application, on=today, actor=actor, reasons=(PauseReason.SUPPLEMENT,))
    # the items may have been updated while the supplement was open: a new round, re-signed
    _freeze_and_sign(application, event="supplement", actor=actor, password=password,
                     meaning="supplement_submitted", extra={"answer": answer})
    events.supplement_answered.send(application, actor=actor)


# --- clock pauses ----------------------------------------------------------------------------

def open_pause(application: Application, reason: PauseReason, *, on: date,
               actor: User | None, notice: str | None = None,
               signature: Signature | None = None) -> ClockPause:
    """Stop the application's regulator clock from the day after ``on`` (Order 47 Art 98,
    Art 57). One pause at a time: the database refuses a second open one."""
    if application.open_pause is not None:
        raise DomainError(_("The clock is already paused (%(reason)s). End that pause first.",
                            reason=application.open_pause.reason_enum.title))
    last_end = max((p.ended_on for p in application.clock_pauses if p.ended_on), default=None)
    if last_end is not None and on < last_end:
        raise DomainError(_("A pause cannot start before the previous one ended (%(date)s).",
                            date=last_end.isoformat()))
    pause = ClockPause(application_id=application.id, reason=reason.value, started_on=on,
                       notice=notice, started_by_id=actor.id if actor else None,
                       signature_id=signature.id if signature else None)
    db.session.add(pause)
    application.clock_pauses.append(pause)
    # the application changed: a page that did not show this pause is stale (optimistic lock)
    application.updated_at = utcnow()
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:  # a parallel request opened one first (uq_clock_pauses_open)
        application.clock_pauses.remove(pause)
        raise DomainError(_("The clock is already paused. End that pause first.")) from None
    return pause


def end_pause(application: Application, *, on: date, actor: User | None,
              reasons: tuple[PauseReason, ...] | None = None) -> ClockPause | None:
    """Run the clock again from the first working day after ``on``. Only a pause of one of
    ``reasons`` (any when None) is ended; returns it, or None when none was open."""
    pause = application.open_pause
    if pause is None or (reasons is not None and pause.reason_enum not in reasons):
        return None
    if on < pause.started_on:
        raise DomainError(_("A pause cannot end before it started (%(date)s).",
                            date=pause.started_on.isoformat()))
    pause.ended_on = on
    pause.ended_by_id = actor.id if actor else None
    application.updated_at = utcnow()
    db.session.flush()
    return pause


# --- review streams ----------------------------------------------------------------------------

def request_stream(application: Application, *, actor: User, stream: str, reason: str) -> None:
    """The holder asks for a special stream (e.g. priority review) with its reason, before
    submission; the acceptance officer grants or refuses it (Order 47 Art 119: the province's
    own procedure decides which kinds it applies to)."""
    from devreg.permissions import authorize
    from devreg.workdays.models import Stream
    from devreg.workdays.queries import stream_runs

    authorize(actor, "registrations.edit", application)
    if application.state not in (S.DRAFT, S.CORRECTION_REQUESTED):
        raise DomainError(_("A special review stream is requested before submission."))
    if stream not in {s.value for s in Stream} or stream == Stream.ORDINARY.value:
        raise DomainError(_("Choose the review stream."))
    if not stream_runs(application.province_code, stream, application.kind):
        raise DomainError(_("The administration of this province does not run %(stream)s for "
                            "%(kind)s applications.", stream=Stream(stream).title,
                            kind=application.kind_enum.title))
    if not reason:
        raise DomainError(_("State why the application qualifies for this stream."))
    application.requested_stream = stream
    application.stream_reason = reason
    db.session.flush()
