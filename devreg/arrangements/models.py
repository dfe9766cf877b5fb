"""Arrangements, their quality agreement, supervision actions and inter-provincial notices."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, select, text
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from devreg.arrangements.states import ArrangementState
from devreg.auth.models import User
from devreg.db import TimestampMixin, UTCDateTime
from devreg.extensions import db
from devreg.orgs.models import Organisation
from devreg.production.models import ProductionLicence, ProductionSite
from devreg.registrations.models import Device

#: the states in which an arrangement is live
LIVE_STATES = (ArrangementState.PROPOSED, ArrangementState.CONFIRMED, ArrangementState.ACTIVE,
         ArrangementState.SUSPENDED)
_LIVE_SQL = "state IN ({})".format(", ".join(f"'{s.value}'" for s in LIVE_STATES))


class Arrangement(TimestampMixin, db.Model):
    """Commissioned production of one device at one manufacturer site (or self-manufacture)."""

    __tablename__ = "arrangements"
    # one live arrangement per device and site (issue 8 item 3)
    __table_args__ = (
        Index("uq_arrangements_live_device_site", "device_id", "site_id", unique=True,
              sqlite_where=text(_LIVE_SQL), postgresql_where=text(_LIVE_SQL)),
    )
    audit_fields = ("state", "device_id", "holder_org_id", "manufacturer_org_id", "site_id",
                    "planned_start", "planned_end", "is_self_manufacture", "clauses",
                    "decline_reason", "end_date", "end_reason", "suspension_reason",
                    "change_filing_id", "flag", "agreement_until", "commission_until",
                    "suspension_part")

    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[str] = mapped_column(String(20), default=ArrangementState.PROPOSED.value)
    version: Mapped[int] = mapped_column(default=1)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"), index=True)
    holder_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    manufacturer_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("production_sites.id"))
    planned_start: Mapped[date] = mapped_column()
    planned_end: Mapped[date | None] = mapped_column()
    is_self_manufacture: Mapped[bool] = mapped_column(default=False)
    #: ticked quality agreement clause codes (arrangements.clauses.CLAUSES)
    clauses: Mapped[list[str]] = mapped_column(JSON, default=list)
    agreement_file_id: Mapped[int | None] = mapped_column(ForeignKey("arrangement_files.id"))
    #: last day of the quality agreement's term (2024-38 §4: not after the certificate's or the
    #: manufacturer's licence's validity)
    agreement_until: Mapped[date | None] = mapped_column()
    #: the commission agreement (委托协议, Decree 739 Art 34, Order 53 Art 32) and its term
    commission_file_id: Mapped[int | None] = mapped_column(ForeignKey("arrangement_files.id"))
    commission_until: Mapped[date | None] = mapped_column()
    decline_reason: Mapped[str | None] = mapped_column(Text)
    end_date: Mapped[date | None] = mapped_column()
    end_reason: Mapped[str | None] = mapped_column(Text)
    suspension_reason: Mapped[str | None] = mapped_column(Text)
    #: whose part the suspension concerns: "holder" or "manufacturer" (who may lift it)
    suspension_part: Mapped[str | None] = mapped_column(String(20))
    #: the change filing devreg started to put this site on the certificate
    change_filing_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"))
    #: the change filing devreg started, on ending, to take the address off (2024-38 §14 ¶2)
    removal_filing_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"))
    #: set by the sweep, e.g. "licence_expired"
    flag: Mapped[str | None] = mapped_column(String(40))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    device: Mapped[Device] = relationship(lazy="joined")
    holder: Mapped[Organisation] = relationship(foreign_keys=[holder_org_id], lazy="joined")
    manufacturer: Mapped[Organisation] = relationship(foreign_keys=[manufacturer_org_id],
                                                      lazy="joined")
    site: Mapped[ProductionSite] = relationship(lazy="joined")
    agreement_file: Mapped[ArrangementFile | None] = relationship(
        foreign_keys=[agreement_file_id])
    commission_file: Mapped[ArrangementFile | None] = relationship(
        foreign_keys=[commission_file_id])

    __mapper_args__ = {"version_id_col": version}

    def province_of_part(self, part: str) -> str:
        """Order 53 Art 56: the holder's province supervises the holder, the site's province the
        factory."""
        return self.holder_province_code if part == "holder" else self.site_province_code

    @property
    def is_cross_regional(self) -> bool:
        """Derived, never typed: the site's province differs from the holder's."""
        return self.site_province_code != self.holder_province_code

    @property
    def licence(self) -> ProductionLicence:
        return self.site.licence

    @property
    def state_enum(self) -> ArrangementState:
        return ArrangementState(self.state)


class ArrangementFile(db.Model):
    """A signed agreement (quality or commission), stored like dossier files."""

    __tablename__ = "arrangement_files"
    audit_fields = ("original_name", "size", "content_type", "sha256")

    id: Mapped[int] = mapped_column(primary_key=True)
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column()
    content_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SupervisionAction(db.Model):
    """Inspection, rectification request or suspension recorded by a regulator."""

    __tablename__ = "supervision_actions"
    audit_fields = ("arrangement_id", "province_code", "kind", "action_date", "result",
                    "findings", "part", "mode", "partner_province_code", "feedback_due",
                    "feedback_on")

    id: Mapped[int] = mapped_column(primary_key=True)
    arrangement_id: Mapped[int] = mapped_column(ForeignKey("arrangements.id"), index=True)
    #: the acting regulator's province
    province_code: Mapped[str] = mapped_column(ForeignKey("provinces.code"))
    kind: Mapped[str] = mapped_column(String(20))  # inspection | rectification | suspension | lift
    action_date: Mapped[date] = mapped_column()
    result: Mapped[str | None] = mapped_column(String(30))
    findings: Mapped[str] = mapped_column(Text)
    #: whose part the action concerns: holder | manufacturer (orders need that province's duty)
    part: Mapped[str | None] = mapped_column(String(20))
    #: Order 53 Art 57: own | joint | delegated (carried out for the partner province)
    mode: Mapped[str] = mapped_column(String(20), default="own")
    #: the other province of a joint or delegated inspection, or the one told of a disposition
    partner_province_code: Mapped[str | None] = mapped_column(ForeignKey("provinces.code"))
    #: 2022 opinion (二)(三): feedback to the partner province within 10 working days
    feedback_due: Mapped[date | None] = mapped_column()
    feedback_on: Mapped[date | None] = mapped_column()
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    created_by: Mapped[User] = relationship()
    arrangement: Mapped[Arrangement] = relationship()


class ProductionAddress(db.Model):
    """One production address of a certificate, as a record (issue 10 item 2): the licensed
    site and, for commissioned production, the arrangement; from and to dates answer "who was
    authorised to make the device on day D"."""

    __tablename__ = "production_addresses"
    audit_fields = ("certificate_id", "address", "site_id", "arrangement_id", "valid_from",
                    "valid_to")

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"), index=True)
    #: as printed, without the （委托生产） note (rendered from the arrangement)
    address: Mapped[str] = mapped_column(String(300))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("production_sites.id"))
    arrangement_id: Mapped[int | None] = mapped_column(ForeignKey("arrangements.id"))
    valid_from: Mapped[date] = mapped_column()
    #: the last day on the certificate; None while it is
    valid_to: Mapped[date | None] = mapped_column()

    arrangement: Mapped[Arrangement | None] = relationship(lazy="joined")

    @property
    def is_commissioned(self) -> bool:
        return self.arrangement is not None and not self.arrangement.is_self_manufacture


class AgreementReview(db.Model):
    """The holder's yearly audit of the manufacturer (2022 No. 20) or yearly review of the
    quality agreement (2024-38 §5), as recorded by the holder."""

    __tablename__ = "agreement_reviews"
    audit_fields = ("arrangement_id", "kind", "done_on", "notes")

    id: Mapped[int] = mapped_column(primary_key=True)
    arrangement_id: Mapped[int] = mapped_column(ForeignKey("arrangements.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # audit | review
    done_on: Mapped[date] = mapped_column()
    notes: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    recorded_by: Mapped[User] = relationship()


class Notice(db.Model):
    """信息通报: what one province's regulator is told about an arrangement touching it.
    Automatic (kind: the event) or written by a reviewer of the other province (kind
    "message", with a body and attachments); answers share the first notice's thread."""

    __tablename__ = "notices"
    audit_fields = ("province_code", "arrangement_id", "kind", "from_province_code",
                    "author_id", "thread_id", "body")

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the province told (the recipient)
    province_code: Mapped[str] = mapped_column(ForeignKey("provinces.code"), index=True)
    arrangement_id: Mapped[int] = mapped_column(ForeignKey("arrangements.id"), index=True)
    #: confirmed | suspended | lifted | ended | licence_expired | supervision | message ...
    kind: Mapped[str] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: when a reviewer of the recipient province first opened it (the sender sees it)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    read_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: a written notice: the sending province, its author and the text
    from_province_code: Mapped[str | None] = mapped_column(ForeignKey("provinces.code"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str | None] = mapped_column(Text)
    #: the thread's first notice (None: this one starts its thread)
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("notices.id"), index=True)

    arrangement: Mapped[Arrangement] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    read_by: Mapped[User | None] = relationship(foreign_keys=[read_by_id])
    attachments: Mapped[list[NoticeAttachment]] = relationship(
        order_by="NoticeAttachment.id", back_populates="notice")

    @property
    def root_id(self) -> int:
        return self.thread_id or self.id


class NoticeAttachment(db.Model):
    """A file sent with a written notice (stored like dossier files)."""

    __tablename__ = "notice_attachments"
    audit_fields = ("notice_id", "original_name", "sha256")

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id"), index=True)
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column()
    content_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))

    notice: Mapped[Notice] = relationship(back_populates="attachments")


# Provinces are derived from the current records, never copied (issue 10 item 5): the holder's
# registered province, and the province of the licence the site is on; so a holder that moves
# or a site re-licensed elsewhere moves the arrangement's supervision with it. As SQL
# expressions, supervision queues still filter on them in one query.
Arrangement.holder_province_code = column_property(
    select(Organisation.province_code).where(Organisation.id == Arrangement.holder_org_id)
    .correlate_except(Organisation).scalar_subquery())
Arrangement.site_province_code = column_property(
    select(ProductionLicence.province_code)
    .join(ProductionSite, ProductionSite.licence_id == ProductionLicence.id)
    .where(ProductionSite.id == Arrangement.site_id)
    .correlate_except(ProductionLicence, ProductionSite).scalar_subquery())
