"""Application kinds and their dossier checklists (NMPA 2021 No. 121; docs/rules.md §8)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from devreg.i18n import _l


class ApplicationKind(StrEnum):
    INITIAL = "initial"  # 首次注册
    CHANGE = "change"  # 变更注册
    RENEWAL = "renewal"  # 延续注册
    CANCELLATION = "cancellation"  # 注销
    CHANGE_FILING = "change_filing"  # 变更备案

    @property
    def title(self) -> str:
        return str(KIND_TITLES[self])

    @property
    def needs_certificate(self) -> bool:
        return self is not ApplicationKind.INITIAL

    @property
    def is_reviewed(self) -> bool:
        """Technical review applies to initial, change and renewal applications."""
        return self in (ApplicationKind.INITIAL, ApplicationKind.CHANGE, ApplicationKind.RENEWAL)


KIND_TITLES = {
    ApplicationKind.INITIAL: _l("Initial registration"),
    ApplicationKind.CHANGE: _l("Change registration"),
    ApplicationKind.RENEWAL: _l("Renewal"),
    ApplicationKind.CANCELLATION: _l("Cancellation"),
    ApplicationKind.CHANGE_FILING: _l("Change filing"),
}


@dataclass(frozen=True)
class Chapter:
    code: str
    title: object  # lazy string
    required: bool = True


_INITIAL = (
    Chapter("1", _l("1. Regulatory information: application form, product list, related "
                    "documents, declaration of conformity")),
    Chapter("2", _l("2. Summary: overview, device description, intended use and "
                    "contraindications")),
    Chapter("3", _l("3. Non-clinical evidence: risk management, product technical requirements "
                    "and test report, studies")),
    Chapter("4", _l("4. Clinical evaluation: exemption, equivalent-device comparison or "
                    "clinical trial")),
    Chapter("5", _l("5. Instructions for use and label drafts")),
    Chapter("6", _l("6. Quality management system documents, incl. production site and any "
                    "commissioned manufacturer and quality agreement")),
)
_FORM = Chapter("form", _l("Application form"))
_CERT = Chapter("certificate", _l("Copy of the registration certificate"))
_AFFECTED = Chapter("affected", _l("Affected dossier chapters (as applicable)"), required=False)

CHECKLISTS: dict[ApplicationKind, tuple[Chapter, ...]] = {
    ApplicationKind.INITIAL: _INITIAL,
    ApplicationKind.CHANGE: (_FORM, _CERT, Chapter("change", _l("Description of the change")),
                             _AFFECTED),
    ApplicationKind.RENEWAL: (_FORM, _CERT,
                              Chapter("no_change", _l("Statement of no change since "
                                                      "registration, or of the changes made")),
                              _AFFECTED),
    ApplicationKind.CANCELLATION: (_FORM, _CERT),
    ApplicationKind.CHANGE_FILING: (_FORM, _CERT,
                                    Chapter("change", _l("Description of the change and "
                                                         "supporting documents"))),
}


def chapter(kind: ApplicationKind, code: str) -> Chapter | None:
    return next((c for c in CHECKLISTS[kind] if c.code == code), None)
