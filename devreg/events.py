"""Named domain events (blinker signals), the one way side effects hang off state changes.

A domain service sends its signal right after the state change, inside the caller's transaction
(services flush, the edge commits). Listeners (notifications, documents, webhooks) subscribe with
``@signal.connect``; a listener only adds rows to ``db.session`` or enqueues work for after the
commit. It never commits, never sends mail, and never raises for a record it does not care about.
Domains import this module and nothing from the listeners (STYLE.md Part 3).

The sender is the record that changed; every signal also gets keyword arguments, listed here.
``actor`` is the signed-in user who did it, or None when the sweep did it.

Applications (sender: ``Application``)
    application_submitted    actor, resubmitted (bool: after a correction notice)
    change_filed             actor, certificate (a change filing took effect on submission)
    application_withdrawn    actor
    application_accepted     actor (None when deemed accepted), deemed (bool)
    correction_requested     actor
    acceptance_refused       actor
    application_assigned     actor, reviewer (User), previous_reviewer_id (int | None)
    supplement_requested     actor, deadline (date)
    supplement_answered      actor
    clock_extended           actor, extension (ClockExtension)
    opinion_given            actor
    objection_filed          actor
    objection_resolved       actor
    review_terminated        actor (None: the sweep, supplement unanswered in time)
    decision_signed          actor, approved (bool), certificate (Certificate | None),
                             signature (Signature)

Certificates (sender: ``Certificate``)
    certificate_issued       application, signature
    change_document_issued   application, document (ChangeDocument), signature
    certificate_renewed      application, period (ValidityPeriod), deemed (bool)
    certificate_cancelled    application, signature
    certificate_revoked      signature
    certificate_expired      (none)

Arrangements (sender: ``Arrangement``)
    arrangement_proposed     actor
    arrangement_confirmed    actor
    arrangement_declined     actor, reason
    arrangement_withdrawn    actor
    arrangement_ended        actor, reason
    arrangement_suspended    actor, reason
    arrangement_lifted       actor, reason
Cross-province notices (sender: ``Notice``, flushed so it has its id)
    notice_sent              arrangement, actor (None for an automatic notice)

Production licences (sender: ``ScopeChangeRequest``)
    scope_change_requested   actor
    scope_change_decided     actor, approved (bool)

Reports (sender: ``SelfInspectionReport``)
    self_inspection_filed    actor

Time (sender: None)
    sweep_finished           today (date), result (SweepResult): after the daily sweep's own
                             changes, for reminders and digests that depend on the date
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# --- applications ----------------------------------------------------------------------------
application_submitted = _signals.signal("application-submitted")
change_filed = _signals.signal("change-filed")
application_withdrawn = _signals.signal("application-withdrawn")
application_accepted = _signals.signal("application-accepted")
correction_requested = _signals.signal("correction-requested")
acceptance_refused = _signals.signal("acceptance-refused")
application_assigned = _signals.signal("application-assigned")
supplement_requested = _signals.signal("supplement-requested")
supplement_answered = _signals.signal("supplement-answered")
clock_extended = _signals.signal("clock-extended")
opinion_given = _signals.signal("opinion-given")
objection_filed = _signals.signal("objection-filed")
objection_resolved = _signals.signal("objection-resolved")
review_terminated = _signals.signal("review-terminated")
decision_signed = _signals.signal("decision-signed")

# --- certificates ----------------------------------------------------------------------------
certificate_issued = _signals.signal("certificate-issued")
change_document_issued = _signals.signal("change-document-issued")
certificate_renewed = _signals.signal("certificate-renewed")
certificate_cancelled = _signals.signal("certificate-cancelled")
certificate_revoked = _signals.signal("certificate-revoked")
certificate_expired = _signals.signal("certificate-expired")

# --- arrangements ----------------------------------------------------------------------------
arrangement_proposed = _signals.signal("arrangement-proposed")
arrangement_confirmed = _signals.signal("arrangement-confirmed")
arrangement_declined = _signals.signal("arrangement-declined")
arrangement_withdrawn = _signals.signal("arrangement-withdrawn")
arrangement_ended = _signals.signal("arrangement-ended")
arrangement_suspended = _signals.signal("arrangement-suspended")
arrangement_lifted = _signals.signal("arrangement-lifted")
notice_sent = _signals.signal("notice-sent")

# --- production licences, reports ------------------------------------------------------------
scope_change_requested = _signals.signal("scope-change-requested")
scope_change_decided = _signals.signal("scope-change-decided")
self_inspection_filed = _signals.signal("self-inspection-filed")

# --- time ------------------------------------------------------------------------------------
sweep_finished = _signals.signal("sweep-finished")

#: every signal by name, for tests and for listeners that register in bulk
ALL = {name: value for name, value in dict(globals()).items()
       if hasattr(value, "connect") and hasattr(value, "send") and not name.startswith("_")}
