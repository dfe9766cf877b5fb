"""The kinds of notification: who gets each, and which cannot be turned off."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import LazyString

from devreg.i18n import _l


@dataclass(frozen=True)
class Kind:
    title: LazyString
    #: holder | manufacturer | reviewer | admin: whose account page lists it
    audience: str
    #: decisions and legal deadlines: always by e-mail and in the inbox
    mandatory: bool = False


KINDS: dict[str, Kind] = {
    # holders
    "application_accepted": Kind(_l("Application accepted (受理)"), "holder"),
    "correction_requested": Kind(_l("Correction notice (补正)"), "holder", mandatory=True),
    "acceptance_refused": Kind(_l("Application not accepted (不予受理)"), "holder",
                               mandatory=True),
    "supplement_requested": Kind(_l("Supplement notice with its deadline (补充资料)"), "holder",
                                 mandatory=True),
    "clock_extended": Kind(_l("Review time limit extended"), "holder"),
    "decision": Kind(_l("Decisions (准予注册 / 不予注册)"), "holder", mandatory=True),
    "certificate_issued": Kind(_l("Certificate issued"), "holder"),
    "change_document_issued": Kind(_l("Change document issued (变更注册文件)"), "holder"),
    "renewal_window_open": Kind(_l("Renewal window opening"), "holder", mandatory=True),
    "renewal_deadline": Kind(_l("Renewal deadline approaching"), "holder", mandatory=True),
    "supplement_deadline": Kind(_l("Supplement deadline approaching"), "holder",
                                mandatory=True),
    "arrangement_answered": Kind(_l("Manufacturer's confirmation or decline"), "holder"),
    "self_inspection_due": Kind(_l("Yearly self-inspection report due"), "holder",
                                mandatory=True),
    # manufacturers
    "arrangement_proposed": Kind(_l("Proposals to confirm"), "manufacturer"),
    "arrangement_ended": Kind(_l("Arrangements ended"), "manufacturer"),
    "scope_change_decided": Kind(_l("Scope-change decisions"), "manufacturer"),
    # reviewers
    "application_assigned": Kind(_l("Files assigned to me"), "reviewer"),
    "supplement_answered": Kind(_l("Supplement answers"), "reviewer"),
    "reviewer_digest": Kind(_l("Weekday digest of files due soon and overdue"), "reviewer"),
    "notice_received": Kind(_l("Notices from the other province"), "reviewer"),
    # admins
    "delivery_failed": Kind(_l("Failed e-mail deliveries"), "admin"),
}

#: the kinds each role sees on its account page (a holder that also manufactures: both)
AUDIENCES = {
    "holder": ("holder", "manufacturer"),
    "manufacturer": ("manufacturer", "holder"),
    "reviewer": ("reviewer",),
    "admin": ("admin",),
}


def kinds_for(role: str) -> list[str]:
    audiences = AUDIENCES.get(role, ())
    return [name for name, kind in KINDS.items() if kind.audience in audiences]
