"""Reviewer duties (docs/rules.md §2), always within the reviewer's own province."""

from devreg.auth.roles import Duty, Role
from devreg.permissions import policy


def _in_jurisdiction(user, application) -> bool:  # type: ignore[no-untyped-def]
    return user.role == Role.REVIEWER and application.province_code == user.jurisdiction


@policy("review.queue")
def queue(user, _obj) -> bool:  # type: ignore[no-untyped-def]
    """Reviewers with any duty have work queues."""
    return user.role == Role.REVIEWER and bool(user.duties)


@policy("review.accept")
def accept(user, application) -> bool:  # type: ignore[no-untyped-def]
    """Acceptance decisions: the accept duty, in the application's province."""
    return _in_jurisdiction(user, application) and user.has_duty(Duty.ACCEPT)


@policy("review.assign")
def assign(user, application) -> bool:  # type: ignore[no-untyped-def]
    """A reviewer with the review duty takes or hands out the technical review."""
    return _in_jurisdiction(user, application) and user.has_duty(Duty.REVIEW)


@policy("review.review")
def review(user, application) -> bool:  # type: ignore[no-untyped-def]
    """Supplement requests, QMS results and the opinion: the assigned reviewer only."""
    return (_in_jurisdiction(user, application) and user.has_duty(Duty.REVIEW)
            and application.assigned_reviewer_id == user.id)


@policy("review.decide")
def decide(user, application) -> bool:  # type: ignore[no-untyped-def]
    """The approve duty, in the province. (Four eyes is checked by the decision service, so
    that the approver is told why.)"""
    return _in_jurisdiction(user, application) and user.has_duty(Duty.APPROVE)


@policy("review.pause")
def pause(user, application) -> bool:  # type: ignore[no-untyped-def]
    """Pauses of the clock (Order 47 Art 98) are recorded and ended by a reviewer with the
    review duty, in the province."""
    return _in_jurisdiction(user, application) and user.has_duty(Duty.REVIEW)


@policy("review.extend")
def extend(user, application) -> bool:  # type: ignore[no-untyped-def]
    """An extension (Order 47 Art 96) is approved by the head of the technical body: in
    devreg, a reviewer with the approve duty, in the province."""
    return _in_jurisdiction(user, application) and user.has_duty(Duty.APPROVE)
