"""Quality agreement clause headings (NMPA 2022 No. 20; docs/rules.md §9)."""

from devreg.i18n import _l

CLAUSES = {
    "scope_term": _l("Scope of commissioned products and term"),
    "responsibilities": _l("Responsibilities of each party"),
    "qms": _l("Quality management system requirements"),
    "premises": _l("Premises, facilities and equipment"),
    "purchasing": _l("Purchasing and supplier control"),
    "production": _l("Production control"),
    "quality_control": _l("Quality control and testing"),
    "release": _l("Product release (manufacturer's production release, holder's market release)"),
    "change_control": _l("Change control"),
    "deviations": _l("Deviations and non-conforming product"),
    "complaints": _l("Complaints, adverse events and recalls"),
    "records": _l("Records and document retention"),
    "audits": _l("Audits by the holder"),
    "confidentiality": _l("Confidentiality and intellectual property"),
    "termination": _l("Termination and transfer"),
    "disputes": _l("Dispute resolution"),
}
