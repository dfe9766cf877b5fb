"""The arrangement lifecycle, as data."""

from __future__ import annotations

from enum import StrEnum

from devreg.i18n import _l
from devreg.workflow import Transition


class ArrangementState(StrEnum):
    PROPOSED = "proposed"  # the holder proposed; the manufacturer has not answered
    CONFIRMED = "confirmed"  # e-signed by the manufacturer; not yet on the certificate
    ACTIVE = "active"  # production address on the certificate
    SUSPENDED = "suspended"  # by a regulator of either province
    ENDED = "ended"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"

    @property
    def title(self) -> str:
        return str(STATE_TITLES[self])


STATE_TITLES = {
    ArrangementState.PROPOSED: _l("Proposed"),
    ArrangementState.CONFIRMED: _l("Confirmed"),
    ArrangementState.ACTIVE: _l("Active"),
    ArrangementState.SUSPENDED: _l("Suspended"),
    ArrangementState.ENDED: _l("Ended"),
    ArrangementState.DECLINED: _l("Declined"),
    ArrangementState.WITHDRAWN: _l("Withdrawn"),
}

A = ArrangementState
TRANSITIONS: dict[tuple[str, A], Transition] = {
    ("confirm", A.PROPOSED): Transition(A.CONFIRMED, "arrangements.respond"),
    ("decline", A.PROPOSED): Transition(A.DECLINED, "arrangements.respond"),
    ("withdraw", A.PROPOSED): Transition(A.WITHDRAWN, "arrangements.withdraw"),
    ("activate", A.CONFIRMED): Transition(A.ACTIVE, "system.certificate"),
    ("suspend", A.ACTIVE): Transition(A.SUSPENDED, "arrangements.order"),
    ("lift", A.SUSPENDED): Transition(A.ACTIVE, "arrangements.order"),
    ("end", A.CONFIRMED): Transition(A.ENDED, "arrangements.end"),
    ("end", A.ACTIVE): Transition(A.ENDED, "arrangements.end"),
    ("end", A.SUSPENDED): Transition(A.ENDED, "arrangements.end"),
}
