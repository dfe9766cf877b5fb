"""The kinds of official document, their Chinese titles (documents are always in Chinese) and
the word of their number."""

from __future__ import annotations

from enum import StrEnum

from devreg.i18n import _l


class DocumentKind(StrEnum):
    ACCEPTANCE = "acceptance"  # 受理通知书, Order 47 Art 53(1)
    CORRECTION = "correction"  # 补正通知书, Art 53(3)
    NON_ACCEPTANCE = "non_acceptance"  # 不予受理通知书, Art 53(4)
    SUPPLEMENT = "supplement"  # 补充资料通知书, Art 54
    EXTENSION = "extension"  # 延长时限告知书, Art 96
    APPROVAL = "approval"  # 准予注册决定书, Art 58
    REFUSAL = "refusal"  # 不予注册决定书, Art 58
    CHANGE_DOCUMENT = "change_document"  # 变更注册文件, Art 81
    CERTIFICATE = "certificate"  # 医疗器械注册证, Art 58

    @property
    def title_zh(self) -> str:
        return TITLES_ZH[self]

    @property
    def title(self) -> str:
        """The kind's name in the reader's language (lists and pages; the PDF stays Chinese)."""
        return str(TITLES[self])


TITLES_ZH = {
    DocumentKind.ACCEPTANCE: "受理通知书",
    DocumentKind.CORRECTION: "补正通知书",
    DocumentKind.NON_ACCEPTANCE: "不予受理通知书",
    DocumentKind.SUPPLEMENT: "补充资料通知书",
    DocumentKind.EXTENSION: "延长审评时限告知书",
    DocumentKind.APPROVAL: "准予注册决定书",
    DocumentKind.REFUSAL: "不予注册决定书",
    DocumentKind.CHANGE_DOCUMENT: "医疗器械变更注册文件",
    DocumentKind.CERTIFICATE: "医疗器械注册证",
}

TITLES = {
    DocumentKind.ACCEPTANCE: _l("Acceptance notice (受理通知书)"),
    DocumentKind.CORRECTION: _l("Correction notice (补正通知书)"),
    DocumentKind.NON_ACCEPTANCE: _l("Notice of non-acceptance (不予受理通知书)"),
    DocumentKind.SUPPLEMENT: _l("Supplement notice (补充资料通知书)"),
    DocumentKind.EXTENSION: _l("Extension notice (延长审评时限告知书)"),
    DocumentKind.APPROVAL: _l("Approval decision (准予注册决定书)"),
    DocumentKind.REFUSAL: _l("Refusal decision (不予注册决定书)"),
    DocumentKind.CHANGE_DOCUMENT: _l("Change document (变更注册文件)"),
    DocumentKind.CERTIFICATE: _l("Registration certificate (医疗器械注册证)"),
}

#: the word in the document number, per kind (interpretation: the law prescribes no document
#: numbers; docs/rules.md)
NUMBER_WORDS = {
    DocumentKind.ACCEPTANCE: "受通",
    DocumentKind.CORRECTION: "补正",
    DocumentKind.NON_ACCEPTANCE: "不受",
    DocumentKind.SUPPLEMENT: "补通",
    DocumentKind.EXTENSION: "延通",
    DocumentKind.APPROVAL: "准字",
    DocumentKind.REFUSAL: "不准",
    DocumentKind.CHANGE_DOCUMENT: "变更",
    DocumentKind.CERTIFICATE: "证发",
}
