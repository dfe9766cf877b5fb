"""State machines as data: find the edge, authorize, set the state, label the audit event."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from devreg.audit.services import label_next_change
from devreg.errors import InvalidTransition
from devreg.i18n import _
from devreg.permissions import authorize


@dataclass(frozen=True)
class Transition:
    to: StrEnum
    action: str  # the policy that must allow it; "system.*" edges are only taken by commands


def apply_transition(obj: Any, event: str, actor: Any, transitions: dict, *,
                     state_attr: str = "state") -> Transition:
    edge = transitions.get((event, getattr(obj, state_attr)))
    if edge is None:
        raise InvalidTransition(
            _("This action is not possible in the record's current state."))
    if not edge.action.startswith("system."):
        authorize(actor, edge.action, obj)
    elif actor is not None:
        raise InvalidTransition(_("Only the scheduled sweep may do this."))
    setattr(obj, state_attr, edge.to.value)
    label_next_change(obj, event)
    return edge
