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


@policy("review.set_priority")
def set_priority(user, application) -> bool:  # type: ignore[no-untyped-def]
    """Priority review is flagged by a reviewer with the accept duty."""
    return accept(user, application)


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
