"""Imports every domain's content-of-record builders so the signature registry is complete
once the app is built (signatures.records)."""

from devreg.arrangements import signed as arrangements_signed  # noqa: F401
from devreg.certificates import signed as certificates_signed  # noqa: F401
from devreg.production import signed as production_signed  # noqa: F401
from devreg.registrations import signed as registrations_signed  # noqa: F401
from devreg.reports import signed as reports_signed  # noqa: F401
from devreg.review import signed as review_signed  # noqa: F401
from devreg.transfer import signed as transfer_signed  # noqa: F401
