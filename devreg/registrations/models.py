"""Devices, registration applications and their dossier files."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ColumnElement,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    and_,
    case,
    or_,
    text,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from devreg.auth.models import User
from devreg.db import TimestampMixin, UTCDateTime
from devreg.extensions import db
from devreg.i18n import _l
from devreg.orgs.models import Organisation
from devreg.reference.models import CatalogueCategory
from devreg.registrations.kinds import CHECKLISTS, ApplicationKind, Chapter
from devreg.registrations.states import OPEN_STATES, ApplicationState

if TYPE_CHECKING:
    from devreg.certificates.models import Certificate
    from devreg.signatures.models import Signature

#: the states in which an application is open (draft included): at most one per device and
#: kind, and per certificate and kind, is enforced by partial unique indexes
_OPEN_SQL = "state IN ({})".format(", ".join(
    f"'{s.value}'" for s in sorted({ApplicationState.DRAFT, *OPEN_STATES})))


class Device(TimestampMixin, db.Model):
    """A Class II device as the holder describes it; the certificate copies these items."""

    __tablename__ = "devices"
    audit_fields = ("name", "model_spec", "structure", "intended_use", "technical_requirements",
                    "category_code", "is_ivd_reagent", "holder_org_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    holder_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    #: 型号、规格
    model_spec: Mapped[str] = mapped_column(Text)
    #: 结构及组成 (主要组成成分 for IVD reagents)
    structure: Mapped[str] = mapped_column(Text)
    #: 适用范围 / 预期用途
    intended_use: Mapped[str] = mapped_column(Text)
    #: 产品技术要求: summary of the product technical requirements (the full document is
    #: dossier chapter 3); a registered item (Order 47 Art 26, 79), attached to the certificate
    #: (Art 58)
    technical_requirements: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: catalogue subcategory "01".."22"; "40" for IVD reagents
    category_code: Mapped[str] = mapped_column(ForeignKey("catalogue_categories.code"))
    is_ivd_reagent: Mapped[bool] = mapped_column(default=False)

    holder: Mapped[Organisation] = relationship(lazy="joined")
    category: Mapped[CatalogueCategory] = relationship(lazy="joined")

    def __str__(self) -> str:
        return self.name


class Application(TimestampMixin, db.Model):
    """One registration application of any kind, from draft to its end state."""

    __tablename__ = "applications"
    __table_args__ = (
        CheckConstraint("kind = 'initial' OR certificate_id IS NOT NULL", name="certificate"),
        Index("ix_applications_province_state", "province_code", "state"),
        Index("ix_applications_province_clock", "province_code", "clock_overdue_from"),
        # one open application of a kind per device, and per certificate (issue 8 item 3)
        Index("uq_applications_open_device_kind", "device_id", "kind", unique=True,
              sqlite_where=text(_OPEN_SQL), postgresql_where=text(_OPEN_SQL)),
        Index("uq_applications_open_certificate_kind", "certificate_id", "kind", unique=True,
              sqlite_where=text(f"certificate_id IS NOT NULL AND {_OPEN_SQL}"),
              postgresql_where=text(f"certificate_id IS NOT NULL AND {_OPEN_SQL}")),
    )
    audit_fields = (
        "kind", "state", "device_id", "certificate_id", "stream", "requested_stream",
        "stream_reason", "stream_decision_reasons", "acceptance_number",
        "correction_items", "refusal_reasons", "assigned_reviewer_id", "supplement_items",
        "supplement_deadline", "qms_result", "qms_notes", "opinion", "opinion_text",
        "opinion_by_id", "decision_reasons", "decided_by_id", "change_description",
        "changed_items", "production_address", "declaration_accepted", "first_received_on",
        "changed_on", "substantive_changes", "withdrawal_reason",
        "terminated_on", "objection_text", "objection_filed_on", "objection_outcome",
        "objection_outcome_text", "objection_resolved_on", "qms_started_on",
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(30), default=ApplicationState.DRAFT.value)
    #: optimistic lock: a decision made on a stale page is refused, not silently applied
    version: Mapped[int] = mapped_column(default=1)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"), index=True)
    holder_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    #: the deciding administration's province: the holder's province when filed
    province_code: Mapped[str] = mapped_column(ForeignKey("provinces.code"))
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: the review stream (ordinary, priority, innovative, emergency): granted at acceptance
    stream: Mapped[str] = mapped_column(String(20), default="ordinary",
                                        server_default="ordinary")
    #: the special stream the holder asked for, with its reason; decided at acceptance
    requested_stream: Mapped[str | None] = mapped_column(String(20))
    stream_reason: Mapped[str | None] = mapped_column(Text)
    #: the acceptance officer's reasons when the requested stream is refused
    stream_decision_reasons: Mapped[str | None] = mapped_column(Text)

    #: what a change registration changes, or why the holder cancels
    change_description: Mapped[str | None] = mapped_column(Text)
    #: change registration / change filing: the certificate items and their new values,
    #: e.g. {"model_spec": "..."} or {"holder_address": "..."}
    changed_items: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    #: change registration: substantive changes of design, raw materials, production process or
    #: method of use, described by the holder and reviewed (Order 47 Art 79 ¶2), e.g.
    #: {"raw_materials": "..."}; not printed items, listed on the change document
    substantive_changes: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    #: initial registration: the production address(es) to print on the certificate
    production_address: Mapped[str | None] = mapped_column(Text)
    declaration_accepted: Mapped[bool] = mapped_column(default=False)

    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: the last (re)submission: the acceptance clock runs from here
    received_on: Mapped[date | None] = mapped_column()
    #: the first submission: the renewal window is judged on it (RENEWAL_WINDOW_DATE)
    first_received_on: Mapped[date | None] = mapped_column()
    #: change filing: the day the change happened; the filing is due 30 days later
    changed_on: Mapped[date | None] = mapped_column()

    acceptance_number: Mapped[str | None] = mapped_column(String(40), unique=True)
    accepted_on: Mapped[date | None] = mapped_column()
    correction_requested_on: Mapped[date | None] = mapped_column()
    correction_items: Mapped[str | None] = mapped_column(Text)
    refusal_reasons: Mapped[str | None] = mapped_column(Text)
    #: the time limits (working days) of the province when accepted, kept for this application
    time_limits: Mapped[dict[str, int] | None] = mapped_column(JSON)
    #: derived from the clock (registrations/clock_store.py), never edited, never audited: the
    #: first day the running clock is "due soon" and the first day it is overdue; None while
    #: no clock runs or it is paused. Lists filter and sort on them in the database.
    clock_soon_from: Mapped[date | None] = mapped_column()
    clock_overdue_from: Mapped[date | None] = mapped_column()

    assigned_reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    review_started_on: Mapped[date | None] = mapped_column()
    supplement_requested_on: Mapped[date | None] = mapped_column()
    supplement_items: Mapped[str | None] = mapped_column(Text)
    #: calendar deadline for the holder's answer (one year)
    supplement_deadline: Mapped[date | None] = mapped_column()
    supplement_answered_on: Mapped[date | None] = mapped_column()
    supplement_answer: Mapped[str | None] = mapped_column(Text)

    #: the QMS verification stage (体系核查) began; the review clock is paused until the result
    qms_started_on: Mapped[date | None] = mapped_column()
    qms_result: Mapped[str | None] = mapped_column(String(30))
    qms_notes: Mapped[str | None] = mapped_column(Text)
    qms_recorded_on: Mapped[date | None] = mapped_column()

    opinion: Mapped[str | None] = mapped_column(String(10))  # approve | refuse
    opinion_text: Mapped[str | None] = mapped_column(Text)
    opinion_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    opinion_on: Mapped[date | None] = mapped_column()

    #: Order 47 Art 57: the holder's objection to a negative opinion, and the reviewer's answer
    objection_text: Mapped[str | None] = mapped_column(Text)
    objection_filed_on: Mapped[date | None] = mapped_column()
    #: maintained | revised (the opinion became a recommendation to approve)
    objection_outcome: Mapped[str | None] = mapped_column(String(20))
    objection_outcome_text: Mapped[str | None] = mapped_column(Text)
    objection_resolved_on: Mapped[date | None] = mapped_column()

    #: Order 47 Art 54: technical review ended, supplement not answered; refusal still to sign
    terminated_on: Mapped[date | None] = mapped_column()
    #: Order 47 Art 55: the holder's reason for withdrawing
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)

    decision_reasons: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_on: Mapped[date | None] = mapped_column()
    closed_on: Mapped[date | None] = mapped_column()

    device: Mapped[Device] = relationship(lazy="joined")
    holder: Mapped[Organisation] = relationship(lazy="joined")
    certificate: Mapped[Certificate | None] = relationship(foreign_keys=[certificate_id])
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    assigned_reviewer: Mapped[User | None] = relationship(foreign_keys=[assigned_reviewer_id])
    opinion_by: Mapped[User | None] = relationship(foreign_keys=[opinion_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    files: Mapped[list[DossierFile]] = relationship(
        back_populates="application", order_by="DossierFile.id", lazy="selectin")
    #: what was submitted, one row per round (submit, resubmit, supplement answer, filing)
    contents: Mapped[list[SubmittedContent]] = relationship(
        back_populates="application", order_by="SubmittedContent.round", lazy="selectin")
    #: the periods the regulator's clock stood still, in order (selectin: one query per page)
    clock_pauses: Mapped[list[ClockPause]] = relationship(
        back_populates="application", order_by="[ClockPause.started_on, ClockPause.id]",
        lazy="selectin")
    clock_extensions: Mapped[list[ClockExtension]] = relationship(
        back_populates="application", order_by="ClockExtension.id", lazy="selectin")

    __mapper_args__ = {"version_id_col": version}

    @property
    def kind_enum(self) -> ApplicationKind:
        return ApplicationKind(self.kind)

    @property
    def state_enum(self) -> ApplicationState:
        return ApplicationState(self.state)

    @property
    def checklist(self) -> tuple[Chapter, ...]:
        return CHECKLISTS[self.kind_enum]

    def current_files(self) -> dict[str, DossierFile]:
        return {f.chapter: f for f in self.files if f.is_current}

    def missing_chapters(self) -> list[Chapter]:
        present = self.current_files()
        return [c for c in self.checklist if c.required and c.code not in present]

    @hybrid_property
    def is_priority(self) -> bool:
        """Priority first in the queues: granted, or requested and not yet decided."""
        return self.stream == "priority" or (
            self.accepted_on is None and self.requested_stream == "priority")

    @is_priority.inplace.expression
    @classmethod
    def _is_priority_expression(cls) -> ColumnElement[int]:
        """1 for a priority file, else 0: the queues sort on it in the database."""
        return case((or_(cls.stream == "priority",
                         and_(cls.accepted_on.is_(None), cls.requested_stream == "priority")),
                     1), else_=0)

    @property
    def open_pause(self) -> ClockPause | None:
        return next((p for p in self.clock_pauses if p.ended_on is None), None)

    @property
    def submitted_content(self) -> SubmittedContent | None:
        """The latest frozen round: what reviewers, the approver and the certificate use."""
        return self.contents[-1] if self.contents else None

    @property
    def reference(self) -> str:
        return self.acceptance_number or f"DR-{self.id:06d}"

    def __str__(self) -> str:
        return self.reference


class DossierFile(db.Model):
    """One uploaded version of one dossier chapter. Replacing keeps the old version."""

    __tablename__ = "dossier_files"
    __table_args__ = (
        Index("ix_dossier_files_app_chapter", "application_id", "chapter"),
        # one current file per chapter; version numbers never repeat (issue 8 item 2)
        Index("uq_dossier_files_current", "application_id", "chapter", unique=True,
              sqlite_where=text("is_current"), postgresql_where=text("is_current")),
        UniqueConstraint("application_id", "chapter", "version",
                         name="uq_dossier_files_app_chapter_version"),
    )
    audit_fields = ("application_id", "chapter", "version", "original_name", "size",
                    "content_type", "sha256", "is_current")

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"))
    chapter: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column()
    #: the uploader's file name, cleaned; shown only, never used as a path
    original_name: Mapped[str] = mapped_column(String(255))
    #: generated name under the upload folder
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column()
    #: detected from the content, not from the name
    content_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    is_current: Mapped[bool] = mapped_column(default=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime())

    application: Mapped[Application] = relationship(back_populates="files")
    uploaded_by: Mapped[User] = relationship()


class SubmittedContent(db.Model):
    """One round of frozen submitted content: the registered items and the SHA-256 of every
    current dossier file at that moment, exactly what the holder's signature covers
    (docs/rules.md §10: a signature is bound to its record)."""

    __tablename__ = "application_contents"
    __table_args__ = (UniqueConstraint("application_id", "round",
                                       name="uq_application_contents_app_round"),)
    audit_fields = ("application_id", "round", "event", "content_hash", "signature_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    #: 1 for the first submission, then one more per resubmission or supplement answer
    round: Mapped[int] = mapped_column()
    #: submit | resubmit | supplement | file | backfill (migrated, not signed in this form)
    event: Mapped[str] = mapped_column(String(20))
    #: {"kind", "items": {name, model_spec, ...}, "changed_items", "change_description"}
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: {chapter: {"id", "version", "sha256", "name", "size"}} of the current files
    files: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: SHA-256 of the canonical JSON of content + file hashes
    content_hash: Mapped[str] = mapped_column(String(64))
    signature_id: Mapped[int | None] = mapped_column(ForeignKey("signatures.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    application: Mapped[Application] = relationship(back_populates="contents")
    signature: Mapped[Signature | None] = relationship()

    @property
    def items(self) -> dict[str, Any]:
        return dict(self.content.get("items") or {})

    @property
    def file_hashes(self) -> dict[str, str]:
        return {chapter: f["sha256"] for chapter, f in sorted(self.files.items())}
class PauseReason(StrEnum):
    """Why the regulator's clock stands still: Order 47 Art 98 and Art 57."""

    SUPPLEMENT = "supplement"  # Art 98(1): the holder prepares the supplement
    QMS_VERIFICATION = "qms_verification"  # Art 98(5): QMS verification itself
    RECTIFICATION = "rectification"  # Art 98(1): rectification after verification
    HOLDER_DELAY = "holder_delay"  # Art 98(2): verification delayed by the holder
    EXPERT_CONSULTATION = "expert_consultation"  # Art 98(3): outside experts, expert meetings
    SUSPENSION = "suspension"  # Art 98(4), Art 56: review suspended (中止)
    OBJECTION = "objection"  # Art 57: the holder's objection to a negative review opinion

    @property
    def title(self) -> str:
        return str(PAUSE_REASON_TITLES[self])


PAUSE_REASON_TITLES = {
    PauseReason.SUPPLEMENT: _l("Holder preparing the supplement (Art 98(1))"),
    PauseReason.QMS_VERIFICATION: _l("QMS verification (Art 98(5))"),
    PauseReason.RECTIFICATION: _l("Rectification after verification (Art 98(1))"),
    PauseReason.HOLDER_DELAY: _l("Verification delayed by the holder (Art 98(2))"),
    PauseReason.EXPERT_CONSULTATION: _l("Expert consultation or meeting (Art 98(3))"),
    PauseReason.SUSPENSION: _l("Review suspended (中止, Art 56, Art 98(4))"),
    PauseReason.OBJECTION: _l("Objection to the review opinion (Art 57)"),
}
#: pauses a reviewer records by hand, with a signed written notice; the others open and close
#: with their own step (supplement request and answer, QMS start and result, objection)
MANUAL_PAUSE_REASONS = (PauseReason.RECTIFICATION, PauseReason.HOLDER_DELAY,
                        PauseReason.EXPERT_CONSULTATION, PauseReason.SUSPENSION)
_REASON_VALUES = ", ".join(f"'{r.value}'" for r in PauseReason)


class ClockPause(TimestampMixin, db.Model):
    """One period in which the application's regulator clock does not run. The clock ran on
    ``started_on``; it runs again from the first working day after ``ended_on`` (None: still
    paused). At most one pause is open at a time, enforced by a partial unique index."""

    __tablename__ = "clock_pauses"
    __table_args__ = (
        CheckConstraint(f"reason IN ({_REASON_VALUES})", name="reason"),
        CheckConstraint("ended_on IS NULL OR ended_on >= started_on", name="ends_after_start"),
        Index("uq_clock_pauses_open", "application_id", unique=True,
              sqlite_where=text("ended_on IS NULL"), postgresql_where=text("ended_on IS NULL")),
    )
    audit_fields = ("application_id", "reason", "started_on", "ended_on", "notice",
                    "started_by_id", "ended_by_id", "signature_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    reason: Mapped[str] = mapped_column(String(30))
    started_on: Mapped[date] = mapped_column()
    ended_on: Mapped[date | None] = mapped_column()
    #: the written reason given to the holder (the notice); None for backfilled periods
    notice: Mapped[str | None] = mapped_column(Text)
    #: None when recorded by the migration from older dates
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: the signature of the written notice, where the pause is recorded by hand
    signature_id: Mapped[int | None] = mapped_column(ForeignKey("signatures.id"))

    application: Mapped[Application] = relationship(back_populates="clock_pauses")
    started_by: Mapped[User | None] = relationship(foreign_keys=[started_by_id])
    ended_by: Mapped[User | None] = relationship(foreign_keys=[ended_by_id])

    @property
    def reason_enum(self) -> PauseReason:
        return PauseReason(self.reason)


class ClockExtension(TimestampMixin, db.Model):
    """Order 47 Art 96: a stage's limit extended once, by at most half, approved in writing."""

    __tablename__ = "clock_extensions"
    __table_args__ = (
        UniqueConstraint("application_id", "stage"),
        CheckConstraint("working_days > 0", name="working_days_positive"),
    )
    audit_fields = ("application_id", "stage", "working_days", "reason", "granted_by_id",
                    "granted_on", "signature_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    stage: Mapped[str] = mapped_column(String(30))
    working_days: Mapped[int] = mapped_column()
    #: the written reason, shown to the holder
    reason: Mapped[str] = mapped_column(Text)
    granted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    granted_on: Mapped[date] = mapped_column()
    signature_id: Mapped[int] = mapped_column(ForeignKey("signatures.id"))

    application: Mapped[Application] = relationship(back_populates="clock_extensions")
    granted_by: Mapped[User] = relationship()
