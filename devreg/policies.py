"""Imports every domain's policies so the registry is complete once the app is built."""

from devreg.arrangements import policies as arrangements_policies  # noqa: F401
from devreg.auth import policies as auth_policies  # noqa: F401
from devreg.certificates import policies as certificates_policies  # noqa: F401
from devreg.documents import policies as documents_policies  # noqa: F401
from devreg.orgs import policies as orgs_policies  # noqa: F401
from devreg.production import policies as production_policies  # noqa: F401
from devreg.registrations import policies as registrations_policies  # noqa: F401
from devreg.reports import policies as reports_policies  # noqa: F401
from devreg.review import policies as review_policies  # noqa: F401
from devreg.transfer import policies as transfer_policies  # noqa: F401
from devreg.workdays import policies as workdays_policies  # noqa: F401
