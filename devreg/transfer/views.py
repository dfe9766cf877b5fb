"""The administrator's import pages and the list exports."""

from __future__ import annotations

from devreg.transfer import models  # noqa: F401  (the tables are part of the schema)
