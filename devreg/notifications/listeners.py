"""Who is told what (issue 13 item 2): one listener per domain event, each writing inbox and
outbox rows in the event's transaction. Imported once by create_app."""

from __future__ import annotations

from typing import Any

from devreg import events
from devreg.notifications.services import (
    Link,
    notify,
    organisation_users,
    province_reviewers,
)


def _application_link(application: Any) -> Link:
    return Link.to("registrations.application_detail", application_id=application.id)


def _to_holder(application: Any, kind: str, key: str, **context: Any) -> None:
    notify(organisation_users(application.holder_org_id), kind, key=key, record=application,
           link=_application_link(application), application=application, **context)


# --- holders ---------------------------------------------------------------------------------

@events.application_accepted.connect
def _accepted(application: Any, **kwargs: Any) -> None:
    _to_holder(application, "application_accepted", f"accepted:{application.id}",
               deemed=kwargs.get("deemed", False))


@events.correction_requested.connect
def _correction(application: Any, **_kwargs: Any) -> None:
    _to_holder(application, "correction_requested", f"correction:{application.id}")


@events.acceptance_refused.connect
def _not_accepted(application: Any, **_kwargs: Any) -> None:
    _to_holder(application, "acceptance_refused", f"not_accepted:{application.id}")


@events.supplement_requested.connect
def _supplement(application: Any, **kwargs: Any) -> None:
    _to_holder(application, "supplement_requested", f"supplement:{application.id}",
               deadline=kwargs["deadline"])


@events.clock_extended.connect
def _extended(application: Any, **kwargs: Any) -> None:
    extension = kwargs["extension"]
    _to_holder(application, "clock_extended", f"extended:{extension.id}", extension=extension)


@events.decision_signed.connect
def _decision(application: Any, **kwargs: Any) -> None:
    _to_holder(application, "decision", f"decision:{application.id}",
               approved=kwargs["approved"], certificate=kwargs.get("certificate"))


@events.certificate_issued.connect
def _issued(certificate: Any, **_kwargs: Any) -> None:
    notify(organisation_users(certificate.holder_org_id), "certificate_issued",
           key=f"issued:{certificate.id}", record=certificate,
           link=Link.to("certificates.certificate_detail", certificate_id=certificate.id),
           certificate=certificate)


@events.change_document_issued.connect
def _change_document(certificate: Any, **kwargs: Any) -> None:
    document = kwargs["document"]
    notify(organisation_users(certificate.holder_org_id), "change_document_issued",
           key=f"change_document:{document.id}", record=certificate,
           link=Link.to("certificates.change_document", certificate_id=certificate.id,
                        sequence=document.sequence),
           certificate=certificate, document=document)


def _arrangement_link(arrangement: Any) -> Link:
    return Link.to("arrangements.detail", arrangement_id=arrangement.id)


@events.arrangement_confirmed.connect
def _confirmed(arrangement: Any, **_kwargs: Any) -> None:
    if arrangement.is_self_manufacture:
        return
    notify(organisation_users(arrangement.holder_org_id), "arrangement_answered",
           key=f"arrangement_answered:{arrangement.id}", record=arrangement,
           link=_arrangement_link(arrangement), arrangement=arrangement, confirmed=True)


@events.arrangement_declined.connect
def _declined(arrangement: Any, **kwargs: Any) -> None:
    notify(organisation_users(arrangement.holder_org_id), "arrangement_answered",
           key=f"arrangement_answered:{arrangement.id}", record=arrangement,
           link=_arrangement_link(arrangement), arrangement=arrangement, confirmed=False,
           reason=kwargs.get("reason"))


# --- manufacturers ---------------------------------------------------------------------------

@events.arrangement_proposed.connect
def _proposed(arrangement: Any, **_kwargs: Any) -> None:
    notify(organisation_users(arrangement.manufacturer_org_id), "arrangement_proposed",
           key=f"proposed:{arrangement.id}", record=arrangement,
           link=_arrangement_link(arrangement), arrangement=arrangement)


@events.arrangement_ended.connect
def _ended(arrangement: Any, **kwargs: Any) -> None:
    notify(organisation_users(arrangement.manufacturer_org_id), "arrangement_ended",
           key=f"ended:{arrangement.id}", record=arrangement,
           link=_arrangement_link(arrangement), arrangement=arrangement,
           reason=kwargs.get("reason"))


@events.scope_change_decided.connect
def _scope_decided(request: Any, **kwargs: Any) -> None:
    licence = request.licence
    notify(organisation_users(licence.organisation_id), "scope_change_decided",
           key=f"scope_change:{request.id}", record=request,
           link=Link.to("production.licence_detail", licence_id=licence.id),
           request=request, licence=licence, approved=kwargs["approved"])


# --- reviewers -------------------------------------------------------------------------------

@events.application_assigned.connect
def _assigned(application: Any, **kwargs: Any) -> None:
    reviewer = kwargs["reviewer"]
    notify([reviewer], "application_assigned", key=f"assigned:{application.id}:{reviewer.id}",
           record=application, link=_application_link(application), application=application,
           reassigned=kwargs.get("previous_reviewer_id") is not None)


@events.supplement_answered.connect
def _answered(application: Any, **_kwargs: Any) -> None:
    reviewer = application.assigned_reviewer
    if reviewer is None:
        return
    notify([reviewer], "supplement_answered", key=f"answered:{application.id}",
           record=application, link=_application_link(application), application=application)


@events.notice_sent.connect
def _notice(notice: Any, **kwargs: Any) -> None:
    arrangement = kwargs["arrangement"]
    author = kwargs.get("actor")
    reviewers = [r for r in province_reviewers(notice.province_code)
                 if author is None or r.id != author.id]
    notify(reviewers, "notice_received", key=f"notice:{notice.id}", record=notice,
           link=Link.to("arrangements.notice", notice_id=notice.root_id),
           notice=notice, arrangement=arrangement)
