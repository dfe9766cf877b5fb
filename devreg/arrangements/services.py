"""Arrangement writes: propose, confirm or decline, withdraw, activate, suspend, lift, end, and
the notices (信息通报) both provinces receive. Services flush; the caller commits."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import IO

from flask import current_app
from sqlalchemy import select

from devreg import events
from devreg.arrangements.clauses import CLAUSES
from devreg.arrangements.models import (
    LIVE_STATES,
    AgreementReview,
    Arrangement,
    ArrangementFile,
    Notice,
    ProductionAddress,
    SupervisionAction,
)
from devreg.arrangements.states import TRANSITIONS, ArrangementState
from devreg.auth.models import User
from devreg.certificates.models import Certificate, CertificateStatus
from devreg.db import utcnow
from devreg.errors import DomainError
from devreg.extensions import db
from devreg.i18n import _
from devreg.permissions import authorize
from devreg.production.models import ProductionSite
from devreg.registrations import files
from devreg.registrations.models import Application, Device
from devreg.signatures.services import sign, verify_signer
from devreg.uniqueness import unique_or_refuse
from devreg.workflow import apply_transition

A = ArrangementState


@dataclass(frozen=True)
class Proposal:
    device_id: int
    site_id: int
    planned_start: date
    planned_end: date | None
    clauses: tuple[str, ...]
    #: last day of the quality agreement's and of the commission agreement's terms
    agreement_until: date | None = None
    commission_until: date | None = None


def licence_problem(arrangement_or_site: Arrangement | ProductionSite, device: Device,
                    today: date) -> str | None:
    """Why the site's licence cannot make this device today, or None."""
    site = (arrangement_or_site.site if isinstance(arrangement_or_site, Arrangement)
            else arrangement_or_site)
    licence = site.licence
    if not licence.is_valid_on(today):
        return _("The production licence %(number)s expired on %(date)s.",
                 number=licence.number, date=licence.valid_until.isoformat())
    code = device.category_code  # "40" for IVD reagents (enforced when the device is saved)
    if not licence.covers(code):
        return _("The production licence %(number)s does not cover catalogue code %(code)s. "
                 "Request a scope change from the licensing province first.",
                 number=licence.number, code=code)
    if not site.is_active:
        return _("This production site is no longer on the licence.")
    return None


def _notify(arrangement: Arrangement, kind: str) -> None:
    """Both provinces get the notice; a single-province arrangement gets one."""
    for province in sorted({arrangement.holder_province_code, arrangement.site_province_code}):
        _send_notice(arrangement, province, kind)


def _send_notice(arrangement: Arrangement, province_code: str, kind: str) -> Notice:
    """One automatic notice to one province, announced to listeners once it has its id."""
    notice = Notice(province_code=province_code, arrangement_id=arrangement.id, kind=kind,
                    created_at=utcnow())
    db.session.add(notice)
    db.session.flush()
    events.notice_sent.send(notice, arrangement=arrangement, actor=None)
    return notice


def propose(proposal: Proposal, *, actor: User, agreement_name: str | None,
            agreement_stream: IO[bytes] | None, commission_name: str | None = None,
            commission_stream: IO[bytes] | None = None) -> Arrangement:
    device = db.session.get(Device, proposal.device_id)
    site = db.session.get(ProductionSite, proposal.site_id)
    if device is None or site is None:
        raise DomainError(_("Choose the device and the production site."))
    authorize(actor, "arrangements.propose", device)
    if proposal.planned_end and proposal.planned_end < proposal.planned_start:
        raise DomainError(_("The planned end cannot be before the planned start."))
    is_self = site.licence.organisation_id == device.holder_org_id
    if not is_self:
        _check_commissioning(device, site, proposal)
        missing = [str(CLAUSES[c]) for c in CLAUSES if c not in proposal.clauses]
        if missing:
            raise DomainError(_("The quality agreement must cover every clause heading. "
                                "Not ticked:"), details=missing)
        if agreement_stream is None:
            raise DomainError(_("Upload the signed quality agreement."))
        # Decree 739 Art 34, Order 53 Art 32: the commission agreement is signed as well
        if commission_stream is None:
            raise DomainError(_("Upload the signed commission agreement (委托协议)."))
    existing = db.session.scalar(select(Arrangement.id).where(
        Arrangement.device_id == device.id, Arrangement.site_id == site.id,
        Arrangement.state.in_([s.value for s in LIVE_STATES])))
    if existing is not None:
        raise DomainError(_("This device already has an arrangement with this site."))
    arrangement = Arrangement(
        device_id=device.id, holder_org_id=device.holder_org_id,
        manufacturer_org_id=site.licence.organisation_id, site_id=site.id,
        planned_start=proposal.planned_start, planned_end=proposal.planned_end,
        is_self_manufacture=is_self, clauses=sorted(set(proposal.clauses) & set(CLAUSES)),
        agreement_until=None if is_self else proposal.agreement_until,
        commission_until=None if is_self else proposal.commission_until,
        created_by_id=actor.id,
    )
    if agreement_stream is not None:
        arrangement.agreement_file = _store_agreement(agreement_name, agreement_stream, actor)
    if commission_stream is not None and not is_self:
        arrangement.commission_file = _store_agreement(commission_name, commission_stream,
                                                       actor)
    db.session.add(arrangement)
    with unique_or_refuse(_("This device already has an arrangement with this site."),
                          "uq_arrangements_live_device_site"):
        db.session.flush()
    events.arrangement_proposed.send(arrangement, actor=actor)
    return arrangement


def agreement_limit(device: Device, site: ProductionSite) -> tuple[date, str]:
    """The last day an agreement may run to (2024-38 §4: not past the certificate's or the
    manufacturer's licence's validity) and which of the two sets it."""
    licence = site.licence
    limit, what = licence.valid_until, _("the production licence %(number)s expires",
                                         number=licence.number)
    certificate = _valid_certificate(device.id)
    if certificate is not None and certificate.valid_until < limit:
        limit, what = certificate.valid_until, _("the registration certificate %(number)s "
                                                 "expires", number=certificate.number)
    return limit, what


def _check_commissioning(device: Device, site: ProductionSite, proposal: Proposal) -> None:
    """What commissioned production needs before it is proposed."""
    from devreg.production.queries import no_commission_entry_for

    # NMPA 2022 No. 17: listed products may not be commissioned
    entry = no_commission_entry_for(device.category_code, device.name)
    if entry is not None:
        raise DomainError(_("%(device)s is on the list of devices that may not be commissioned "
                            "(NMPA 2022 No. 17: %(code)s %(name)s); it can only be made by "
                            "the holder itself.", device=device.name, code=entry.code,
                            name=entry.name))
    # 2024-38 §4: each agreement's term ends no later than the certificate and the licence
    limit, what = agreement_limit(device, site)
    for term, title in ((proposal.agreement_until, _("quality agreement")),
                        (proposal.commission_until, _("commission agreement"))):
        if term is None:
            raise DomainError(_("Enter the last day of the %(agreement)s's term.",
                                agreement=title))
        if term < proposal.planned_start:
            raise DomainError(_("The %(agreement)s's term cannot end before the planned "
                                "start.", agreement=title))
        if term > limit:
            raise DomainError(_("The %(agreement)s may not run past %(date)s: %(what)s then "
                                "(NMPA 2024 No. 38 §4).", agreement=title,
                                date=limit.isoformat(), what=what))


def _store_agreement(name: str | None, stream: IO[bytes], actor: User) -> ArrangementFile:
    max_bytes = current_app.config["DOSSIER_MAX_BYTES"]
    stored = files.store_upload(db.session, stream, max_bytes=max_bytes)
    if stored.size > max_bytes or stored.size == 0 or stored.content_type is None:
        files.discard(db.session, stored.stored_name)
        raise DomainError(_("An agreement must be a PDF, PNG, JPEG, DOCX or XLSX file "
                            "of at most %(mb)d MB.", mb=max_bytes // (1024 * 1024)))
    record = ArrangementFile(original_name=files.clean_filename(name),
                             stored_name=stored.stored_name, size=stored.size,
                             content_type=stored.content_type, sha256=stored.sha256,
                             uploaded_by_id=actor.id, uploaded_at=utcnow())
    db.session.add(record)
    return record


def confirm(arrangement: Arrangement, *, actor: User, password: str, today: date) -> None:
    """The manufacturer confirms, e-signed. Refused while its licence is expired or does not
    cover the device. For a registered device devreg then starts the change filing that puts
    the site's address on the certificate (docs/rules.md §5.3 and §9)."""
    problem = licence_problem(arrangement, arrangement.device, today)
    if problem:
        raise DomainError(problem)
    verify_signer(actor, password)  # before any write (see verify_signer)
    apply_transition(arrangement, "confirm", actor, TRANSITIONS)
    sign(arrangement, signer=actor, password=password, meaning="confirmed",
         content={"arrangement": arrangement.id, "device": arrangement.device_id,
                  "site": arrangement.site.address, "licence": arrangement.licence.number,
                  "agreement": arrangement.agreement_file.sha256
                  if arrangement.agreement_file else None})
    _notify(arrangement, "confirmed")
    events.arrangement_confirmed.send(arrangement, actor=actor)
    _report_production(arrangement)
    certificate = _valid_certificate(arrangement.device_id)
    if certificate is not None:
        _start_change_filing(arrangement, certificate, actor=actor, today=today)


def _report_production(arrangement: Arrangement) -> None:
    """What the confirmation reports beyond the notice both provinces get."""
    if arrangement.is_self_manufacture:
        return
    holder_province = arrangement.holder_province_code
    if arrangement.is_cross_regional:
        # Order 53 Art 68: a manufacturer adding a product for a holder in another province:
        # its province informs the holder's province (Art 42: the product report lists it)
        _send_notice(arrangement, holder_province, "product_added")
    earlier = set(db.session.scalars(select(Arrangement.manufacturer_org_id).where(
        Arrangement.device_id == arrangement.device_id, Arrangement.id != arrangement.id,
        Arrangement.state.in_([A.CONFIRMED.value, A.ACTIVE.value, A.SUSPENDED.value,
                               A.ENDED.value]))))
    if earlier - {arrangement.manufacturer_org_id}:
        # 2024-38 §16: switching from self-manufacture to commissioning, or changing the
        # manufacturer, is reported to the holder's province, which then inspects both
        _send_notice(arrangement, holder_province, "inspection_due")


def _valid_certificate(device_id: int) -> Certificate | None:
    return db.session.scalar(select(Certificate).where(
        Certificate.device_id == device_id, Certificate.status == CertificateStatus.VALID.value))


def _start_change_filing(arrangement: Arrangement, certificate: Certificate, *, actor: User,
                         today: date) -> None:
    from devreg.registrations.kinds import ApplicationKind
    from devreg.registrations.services import create_application, open_application_for

    if address_key(arrangement.site.address) in {
            address_key(line) for line in certificate.production_address.splitlines()}:
        activate(arrangement)
        sync_addresses(certificate, today)
        return
    description = _("Production address added for commissioned production by "
                    "%(manufacturer)s (arrangement #%(id)d).",
                    manufacturer=arrangement.manufacturer.name_zh, id=arrangement.id)
    application = open_application_for(arrangement.device_id, ApplicationKind.CHANGE_FILING)
    if application is None:
        application = create_application(
            ApplicationKind.CHANGE_FILING, arrangement.device, actor=actor,
            certificate=certificate, today=today, change_description=description,
            changed_items={"production_address": "\n".join(
                [*certificate.production_address.splitlines(), arrangement.site.address])},
            changed_on=today)  # the confirmation is the change (Order 47 Art 79 ¶3)
    else:
        _add_address_to_draft(application, certificate, arrangement, description)
    arrangement.change_filing_id = application.id


def _add_address_to_draft(application: Application, certificate: Certificate,
                          arrangement: Arrangement, description: str) -> None:
    """A change filing of the device is already in draft (another confirmed site, or the
    holder's own change): the new address is added to it, else filing it would never put this
    site on the certificate and the arrangement would stay confirmed for good."""
    # (a change filing is open only while in draft: filing it closes it at once)
    items = dict(application.changed_items or {})
    lines = (items.get("production_address") or certificate.production_address).splitlines()
    if arrangement.site.address in lines:
        return
    items["production_address"] = "\n".join([*lines, arrangement.site.address])
    application.changed_items = items  # a new dict: the JSON column sees the change
    application.change_description = "\n".join(
        part for part in (application.change_description, description) if part)


def activate(arrangement: Arrangement) -> None:
    apply_transition(arrangement, "activate", None, TRANSITIONS)


def sync_with_certificate(certificate: Certificate, on: date | None = None) -> None:
    """Confirmed arrangements whose site address is now on the certificate become active; the
    certificate's address records follow its production address."""
    from devreg.clock import china_today

    keys = {address_key(line) for line in certificate.production_address.splitlines()}
    confirmed = db.session.scalars(select(Arrangement).where(
        Arrangement.device_id == certificate.device_id,
        Arrangement.state == A.CONFIRMED.value))
    for arrangement in confirmed:
        if address_key(arrangement.site.address) in keys:
            activate(arrangement)
    sync_addresses(certificate, on or china_today())


# --- production addresses as records (2024-38 §13) ------------------------------------------

#: the notes earlier free text carried after an address: （委托生产） and （受托生产企业：…）
_ADDRESS_NOTE = re.compile(r"[（(](委托生产|受托生产企业[^）)]*)[）)]")


def plain_address(line: str) -> str:
    """The address without the notes free text used to carry after it."""
    return _ADDRESS_NOTE.sub("", line).strip()


def address_key(line: str) -> str:
    """What makes two spellings of one address the same address (spaces do not count)."""
    return re.sub(r"\s+", "", plain_address(line))


def sync_addresses(certificate: Certificate, on: date) -> list[ProductionAddress]:
    """Make the certificate's address records match its production address: one record per
    distinct address (the same site written twice is one), linked to the live arrangement at
    that site; an address no longer listed ends on ``on``. The printed text becomes the
    distinct addresses, one per line, without notes (they are rendered from the records)."""
    live = list(db.session.scalars(select(Arrangement).where(
        Arrangement.device_id == certificate.device_id,
        Arrangement.state.in_([A.CONFIRMED.value, A.ACTIVE.value, A.SUSPENDED.value]))
        .order_by(Arrangement.id)))
    by_key = {address_key(a.site.address): a for a in reversed(live)}
    wanted: dict[str, str] = {}
    for line in certificate.production_address.splitlines():
        key = address_key(line)
        if key and key not in wanted:
            arrangement = by_key.get(key)
            wanted[key] = arrangement.site.address if arrangement else plain_address(line)
    text = "\n".join(wanted.values())
    if text and text != certificate.production_address:
        certificate.production_address = text
    current = {address_key(r.address): r for r in db.session.scalars(
        select(ProductionAddress).where(ProductionAddress.certificate_id == certificate.id,
                                        ProductionAddress.valid_to.is_(None)))}
    for key, row in current.items():
        if key not in wanted:
            row.valid_to = on
    rows = []
    for key, address in wanted.items():
        arrangement = by_key.get(key)
        row = current.get(key)
        if row is None:
            row = ProductionAddress(certificate_id=certificate.id, address=address,
                                    valid_from=on)
            db.session.add(row)
        if arrangement is not None and row.arrangement_id != arrangement.id:
            row.arrangement_id, row.site_id = arrangement.id, arrangement.site_id
        rows.append(row)
    db.session.flush()
    return rows


def confirmed_site_addresses(device_id: int) -> set[str]:
    """Production addresses a change filing may add: sites of confirmed or active
    arrangements, whose licences were checked to cover the device."""
    rows = db.session.scalars(select(Arrangement).where(
        Arrangement.device_id == device_id,
        Arrangement.state.in_([A.CONFIRMED.value, A.ACTIVE.value])))
    return {a.site.address for a in rows}


def decline(arrangement: Arrangement, *, actor: User, reason: str) -> None:
    if not reason:
        raise DomainError(_("State the reason for declining."))
    apply_transition(arrangement, "decline", actor, TRANSITIONS)
    arrangement.decline_reason = reason
    events.arrangement_declined.send(arrangement, actor=actor, reason=reason)


def withdraw(arrangement: Arrangement, *, actor: User) -> None:
    apply_transition(arrangement, "withdraw", actor, TRANSITIONS)
    events.arrangement_withdrawn.send(arrangement, actor=actor)


def end(arrangement: Arrangement, *, actor: User, end_date: date, reason: str) -> None:
    if not reason:
        raise DomainError(_("State the reason for ending."))
    if end_date < arrangement.planned_start:
        raise DomainError(_("The end date cannot be before the planned start."))
    was_on_certificate = arrangement.state in (A.ACTIVE.value, A.SUSPENDED.value)
    apply_transition(arrangement, "end", actor, TRANSITIONS)
    arrangement.end_date = end_date
    arrangement.end_reason = reason
    _notify(arrangement, "ended")
    events.arrangement_ended.send(arrangement, actor=actor, reason=reason)
    certificate = _valid_certificate(arrangement.device_id)
    if was_on_certificate and certificate is not None:
        _start_removal_filing(arrangement, certificate, actor=actor)


def _start_removal_filing(arrangement: Arrangement, certificate: Certificate, *,
                          actor: User) -> None:
    """2024-38 §14 ¶2: when commissioned production ends, the holder files the change that
    takes the address off the certificate; devreg starts it (or adds to the draft open). The
    last address stays until the holder names another site."""
    from devreg.clock import china_today
    from devreg.registrations.kinds import ApplicationKind
    from devreg.registrations.services import create_application, open_application_for

    key = address_key(arrangement.site.address)
    lines = certificate.production_address.splitlines()
    remaining = [line for line in lines if address_key(line) != key]
    if len(remaining) == len(lines) or not remaining:
        return
    description = _("Production address removed: arrangement #%(id)d with %(manufacturer)s "
                    "ended (NMPA 2024 No. 38 §14).", id=arrangement.id,
                    manufacturer=arrangement.manufacturer.name_zh)
    application = open_application_for(arrangement.device_id, ApplicationKind.CHANGE_FILING)
    if application is None:
        application = create_application(
            ApplicationKind.CHANGE_FILING, arrangement.device, actor=actor,
            certificate=certificate, today=china_today(), change_description=description,
            changed_items={"production_address": "\n".join(remaining)},
            # the end is the change (Order 47 Art 79 ¶3); an end recorded ahead counts today
            changed_on=min(arrangement.end_date or china_today(), china_today()))
    else:
        items = dict(application.changed_items or {})
        draft = (items.get("production_address") or certificate.production_address).splitlines()
        items["production_address"] = "\n".join(
            line for line in draft if address_key(line) != key)
        application.changed_items = items
        application.change_description = "\n".join(
            part for part in (application.change_description, description) if part)
    arrangement.removal_filing_id = application.id


PARTS = ("holder", "manufacturer")
SUPERVISION_MODES = ("own", "joint", "delegated")


def _part_for(arrangement: Arrangement, actor: User, part: str | None) -> str:
    """The part an order concerns; unsaid, the part the actor's province supervises."""
    if part is None:
        return "manufacturer" if actor.jurisdiction == arrangement.site_province_code else "holder"
    if part not in PARTS:
        raise DomainError(_("Choose whose part the order concerns."))
    return part


def _check_order_duty(arrangement: Arrangement, actor: User, part: str) -> None:
    """Order 53 Art 56: the holder's province acts on the holder, the site's province on the
    factory; an order (suspension, lifting, rectification) needs that province's approve
    duty."""
    from devreg.auth.roles import Duty

    province = arrangement.province_of_part(part)
    if not (actor.has_duty(Duty.APPROVE) and actor.jurisdiction == province):
        from devreg.arrangements.display import province_name

        raise DomainError(_("Only a reviewer with the approve duty of %(province)s may order "
                            "this: it concerns the %(part)s, which that province supervises "
                            "(Order 53 Art 56).", province=province_name(province),
                            part=_("registration holder") if part == "holder"
                            else _("manufacturer's factory")))


def _feedback_due(province_code: str, on: date) -> date:
    """2022 opinion (二)(三): feedback to the other province within 10 working days."""
    from devreg.workdays.queries import calendar_for

    days = current_app.config["CROSS_REGION_FEEDBACK_WORKING_DAYS"]
    return calendar_for(province_code).add_working_days(on, days).due


def suspend(arrangement: Arrangement, *, actor: User, password: str, reason: str,
            today: date, part: str | None = None) -> None:
    if not reason:
        raise DomainError(_("State the reasons for suspension."))
    authorize(actor, "arrangements.order", arrangement)
    part = _part_for(arrangement, actor, part)
    _check_order_duty(arrangement, actor, part)
    verify_signer(actor, password)  # before any write (see verify_signer)
    apply_transition(arrangement, "suspend", actor, TRANSITIONS)
    arrangement.suspension_reason = reason
    arrangement.suspension_part = part
    _record_action(arrangement, actor, "suspension", today, None, reason, part=part)
    sign(arrangement, signer=actor, password=password, meaning="decided",
         content={"arrangement": arrangement.id, "suspend": True, "reason": reason,
                  "part": part})
    _notify(arrangement, "suspended")
    events.arrangement_suspended.send(arrangement, actor=actor, reason=reason)


def lift(arrangement: Arrangement, *, actor: User, password: str, reason: str,
         today: date) -> None:
    if not reason:
        raise DomainError(_("State why the suspension is lifted."))
    # the province that supervises the suspended part lifts it
    authorize(actor, "arrangements.order", arrangement)
    part = arrangement.suspension_part or _part_for(arrangement, actor, None)
    _check_order_duty(arrangement, actor, part)
    verify_signer(actor, password)  # before any write (see verify_signer)
    apply_transition(arrangement, "lift", actor, TRANSITIONS)
    arrangement.suspension_reason = None
    arrangement.suspension_part = None
    _record_action(arrangement, actor, "lift", today, None, reason, part=part)
    sign(arrangement, signer=actor, password=password, meaning="decided",
         content={"arrangement": arrangement.id, "lift": True, "reason": reason, "part": part})
    _notify(arrangement, "lifted")
    events.arrangement_lifted.send(arrangement, actor=actor, reason=reason)


SUPERVISION_KINDS = ("inspection", "rectification")
INSPECTION_RESULTS = ("satisfactory", "deficiencies", "serious_deficiencies")


def record_supervision(arrangement: Arrangement, *, actor: User, kind: str, action_date: date,
                       result: str | None, findings: str, part: str | None = None,
                       mode: str = "own") -> SupervisionAction:
    authorize(actor, "arrangements.supervise", arrangement)
    if kind not in SUPERVISION_KINDS:
        raise DomainError(_("Choose the kind of supervision action."))
    if kind == "inspection" and result not in INSPECTION_RESULTS:
        raise DomainError(_("Choose the inspection result."))
    if not findings:
        raise DomainError(_("Describe the findings or the rectification requested."))
    mode = mode or "own"
    if mode not in SUPERVISION_MODES:
        raise DomainError(_("Choose how the inspection was carried out."))
    part = _part_for(arrangement, actor, part)
    if kind == "rectification":
        _check_order_duty(arrangement, actor, part)
    other = ({arrangement.holder_province_code, arrangement.site_province_code}
             - {actor.jurisdiction})
    if mode != "own" and (kind != "inspection" or not other):
        # Order 53 Art 57: joint and delegated inspections are between the two provinces
        raise DomainError(_("Joint and delegated inspections are inspections of a "
                            "cross-province arrangement."))
    action = _record_action(arrangement, actor, kind, action_date,
                            result if kind == "inspection" else None, findings, part=part,
                            mode=mode, partner=next(iter(other), None)
                            if mode != "own" or kind == "rectification" else None)
    _notify(arrangement, "supervision")
    return action


def _record_action(arrangement: Arrangement, actor: User, kind: str, on: date,
                   result: str | None, findings: str, *, part: str | None = None,
                   mode: str = "own", partner: str | None = None) -> SupervisionAction:
    province = actor.jurisdiction
    other = {arrangement.holder_province_code, arrangement.site_province_code} - {province}
    due = None
    if mode == "delegated":
        # 2022 opinion (二): the province that carried out a delegated inspection reports the
        # result to the delegating province within 10 working days
        due = _feedback_due(province, on)
    elif (kind in ("suspension", "rectification") and other
          and province == arrangement.site_province_code):
        # 2022 opinion (三): a disposition of the factory is reported to the holder's province
        partner = partner or next(iter(other))
        due = _feedback_due(province, on)
    action = SupervisionAction(arrangement_id=arrangement.id, province_code=province,
                               kind=kind, action_date=on, result=result, findings=findings,
                               part=part, mode=mode, partner_province_code=partner,
                               feedback_due=due, created_by_id=actor.id)
    db.session.add(action)
    db.session.flush()
    return action


def record_feedback(action: SupervisionAction, *, actor: User, on: date) -> None:
    """The acting province fed back the result to its partner province (2022 opinion)."""
    from devreg.auth.roles import Role

    if actor.role != Role.REVIEWER or actor.jurisdiction != action.province_code:
        raise DomainError(_("Only the province that acted feeds back its result."))
    if action.feedback_due is None:
        raise DomainError(_("No feedback is due for this action."))
    if action.feedback_on is not None:
        raise DomainError(_("The feedback is already recorded."))
    if on < action.action_date:
        raise DomainError(_("The feedback cannot be before the action."))
    action.feedback_on = on
    _send_notice(action.arrangement, action.partner_province_code, "feedback")


def flag_expired_licences(today: date) -> list[int]:
    """Sweep step: every live arrangement whose licence has expired is flagged, once."""
    live = db.session.scalars(select(Arrangement).where(
        Arrangement.state.in_([A.CONFIRMED.value, A.ACTIVE.value, A.SUSPENDED.value,
                               A.PROPOSED.value]),
        Arrangement.flag.is_(None)))
    flagged = []
    for arrangement in live:
        if not arrangement.licence.is_valid_on(today):
            arrangement.flag = "licence_expired"
            _notify(arrangement, "licence_expired")
            flagged.append(arrangement.id)
    return flagged


def clear_licence_expired_flags(licence, *, today: date) -> list[int]:  # type: ignore[no-untyped-def]
    """Order 53 Art 17: a renewed licence is valid again, so every arrangement flagged for its
    expiry loses the flag, and both provinces are told."""
    if not licence.is_valid_on(today):
        return []
    flagged = db.session.scalars(select(Arrangement).join(
        ProductionSite, ProductionSite.id == Arrangement.site_id).where(
        ProductionSite.licence_id == licence.id, Arrangement.flag == "licence_expired"))
    cleared = []
    for arrangement in flagged:
        arrangement.flag = None
        _notify(arrangement, "licence_renewed")
        cleared.append(arrangement.id)
    return cleared


REVIEW_KINDS = ("audit", "review")


def record_review(arrangement: Arrangement, *, actor: User, kind: str, done_on: date,
                  notes: str, today: date) -> AgreementReview:
    """The holder's yearly audit of the manufacturer or review of the agreement."""
    authorize(actor, "arrangements.record_review", arrangement)
    if kind not in REVIEW_KINDS:
        raise DomainError(_("Choose what was done."))
    if done_on > today:
        raise DomainError(_("The date cannot be in the future."))
    if not notes:
        raise DomainError(_("Describe the findings and conclusions."))
    review = AgreementReview(arrangement_id=arrangement.id, kind=kind, done_on=done_on,
                             notes=notes, recorded_by_id=actor.id)
    db.session.add(review)
    db.session.flush()
    return review
