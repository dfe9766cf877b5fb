"""A realistic dataset at a province's volume, for benchmarks and the statement-count tests.

On top of the demo accounts (loaded first when missing), bulk inserts in batches: holder and
manufacturer organisations spread over the provinces (Hebei the busiest), devices, applications
in every state with consistent dates, certificates for the approved ones (valid, cancelled,
revoked, expired), licences with sites, arrangements, and audit events chained with the audit
module's own hash. One demo holder gets about 1 % of the applications, so a single account
sees a large list. Deterministic for a given seed. Nothing is loaded whole: rows are built and
written one batch at a time; the ids the later tables refer to are kept as small tuples."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, text

from devreg.arrangements.models import Arrangement
from devreg.audit.models import (
    GENESIS_HASH,
    KEYED,
    AuditEvent,
    audit_key,
    chain_hash,
    event_content,
)
from devreg.auth.models import User
from devreg.certificates.models import Certificate, NumberCounter, ValidityPeriod
from devreg.certificates.numbers import format_certificate_number, numbering_code
from devreg.clock import china_today
from devreg.extensions import db
from devreg.orgs.models import Organisation
from devreg.orgs.uscc import check_character
from devreg.production.models import ProductionLicence, ProductionSite, licence_scope
from devreg.reference.models import CatalogueCategory, Province
from devreg.registrations.models import Application, Device

BATCH = 2000
#: the province that gets the largest share of the organisations (the issue's Hebei)
BUSY_PROVINCE = "13"
BUSY_SHARE = 0.07
#: (state, share) of the applications
STATES = [
    ("draft", 0.04), ("submitted", 0.02), ("correction_requested", 0.01), ("accepted", 0.01),
    ("in_review", 0.05), ("supplement_requested", 0.02), ("review_done", 0.01),
    ("approved", 0.73), ("refused", 0.04), ("not_accepted", 0.03), ("withdrawn", 0.03),
    ("terminated", 0.01),
]
#: certificate statuses of the approved applications
CERTIFICATE_STATUSES = [("valid", 0.85), ("cancelled", 0.05), ("revoked", 0.03),
                        ("expired", 0.07)]
PRODUCTS = ["一次性使用无菌注射器", "医用外科口罩", "电子血压计", "医用超声耦合剂", "輸液器",
            "血糖仪", "医用冷敷贴", "体温计", "牙科种植体", "医用敷料", "雾化器", "心电电极"]
NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
OPEN_OR_DRAFT = {"draft", "submitted", "correction_requested", "accepted", "in_review",
                 "supplement_requested", "review_done"}
#: every row of a bulk insert carries the same keys
_APPLICATION_COLUMNS = [c.name for c in Application.__table__.columns]


@dataclass
class Counts:
    organisations: int = 0
    devices: int = 0
    applications: int = 0
    certificates: int = 0
    arrangements: int = 0
    audit_events: int = 0


def _weighted(rng: random.Random, table: list[tuple[str, float]]) -> str:
    return rng.choices([v for v, _w in table], weights=[w for _v, w in table])[0]


def _next_id(model: Any) -> int:
    return int(db.session.scalar(select(func.coalesce(func.max(model.id), 0)))) + 1


def _write(table: Any, rows: list[dict[str, Any]]) -> None:
    if rows:
        db.session.execute(insert(table), rows)


def _batched(rows: Iterator[dict[str, Any]], table: Any,
             progress: Callable[[int], None] | None = None) -> int:
    written, batch = 0, []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            _write(table, batch)
            written += len(batch)
            if progress:
                progress(len(batch))
            batch = []
    _write(table, batch)
    written += len(batch)
    if progress and batch:
        progress(len(batch))
    return written


def generate(*, applications: int, organisations: int, audit_events: int, seed: int = 11,
             big_holder_share: float = 0.01, busy_share: float = BUSY_SHARE,
             progress: Callable[[str, int, int], Any] | None = None) -> Counts:
    """Add the dataset to the database (the caller commits). ``progress(label, done, total)``
    is called after each batch. ``big_holder_share`` of the applications go to the demo
    holder; ``busy_share`` of the organisations are in Hebei."""
    from devreg.audit.services import acting_as
    from devreg.demo.loader import load_demo

    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    counts = Counts()
    tick = progress or (lambda label, done, total: None)

    holder_user = db.session.scalar(select(User).where(User.email == "holder@demo.devreg"))
    if holder_user is None:
        with acting_as(None, "bench-generate"):
            load_demo()
        db.session.flush()
        holder_user = db.session.scalar(select(User).where(User.email == "holder@demo.devreg"))
    if holder_user is None or holder_user.organisation is None:
        raise RuntimeError("the demo holder account is missing")
    big_holder = holder_user.organisation
    creator = holder_user.id
    today = china_today()
    provinces = {p.code: p.abbreviation for p in db.session.scalars(select(Province))}
    codes = [c for c in provinces if c != BUSY_PROVINCE]
    categories = list(db.session.scalars(select(CatalogueCategory.code)))

    # --- organisations: holders; one in ten also a manufacturer with a licence and a site ---
    first_org = _next_id(Organisation)
    org_province: list[str] = []

    def org_rows() -> Iterator[dict[str, Any]]:
        for i in range(organisations):
            province = BUSY_PROVINCE if rng.random() < busy_share else rng.choice(codes)
            org_province.append(province)
            first17 = f"9{province}{first_org + i:014d}"
            yield {"id": first_org + i, "name_zh": f"{province}省测试医疗器械有限公司{i:05d}",
                   "name_en": f"Bench Medical Devices {i:05d} Co., Ltd.",
                   "uscc": first17 + check_character(first17), "province_code": province,
                   "address": f"测试路 {i} 号", "is_holder": True,
                   "is_manufacturer": i % 10 == 0, "is_regulator": False,
                   "created_at": NOW, "updated_at": NOW}

    counts.organisations = _batched(org_rows(), Organisation.__table__,
                                    lambda n: tick("organisations", n, organisations))
    org_ids = list(range(first_org, first_org + organisations))

    first_licence, first_site = _next_id(ProductionLicence), _next_id(ProductionSite)
    makers = [oid for oid in org_ids if (oid - first_org) % 10 == 0]
    _write(ProductionLicence.__table__, [
        {"id": first_licence + k,
         "number": f"{provinces[org_province[oid - first_org]]}食药监械生产许"
                   f"{2020 + k % 6}{first_licence + k:06d}号",
         "organisation_id": oid, "province_code": org_province[oid - first_org],
         "valid_until": today + timedelta(days=365 * 3), "version": 1,
         "created_at": NOW, "updated_at": NOW} for k, oid in enumerate(makers)])
    _write(licence_scope, [{"licence_id": first_licence + k, "category_code": code}
                           for k in range(len(makers)) for code in categories[:3]])
    _write(ProductionSite.__table__, [
        {"id": first_site + k, "licence_id": first_licence + k, "address": f"生产路 {k} 号",
         "is_active": True, "created_at": NOW, "updated_at": NOW} for k in range(len(makers))])

    # --- devices and applications ---------------------------------------------------------
    big_share = max(int(applications * big_holder_share), 1)
    first_device, first_application = _next_id(Device), _next_id(Application)
    first_certificate = _next_id(Certificate)
    device_count = max(int(applications * 0.85), 1)
    device_holder: list[tuple[int, str, str]] = []  # (holder id, province, category)

    def device_rows() -> Iterator[dict[str, Any]]:
        for i in range(device_count):
            if i < big_share:
                holder, province = big_holder.id, big_holder.province_code
            else:
                holder = rng.choice(org_ids)
                province = org_province[holder - first_org]
            category = rng.choice(categories)
            device_holder.append((holder, province, category))
            yield {"id": first_device + i, "holder_org_id": holder,
                   "name": f"{rng.choice(PRODUCTS)} B{i:06d}", "model_spec": "型号 A1",
                   "structure": "由主机和附件组成", "intended_use": "供医疗机构使用",
                   "category_code": category, "is_ivd_reagent": False,
                   "created_at": NOW, "updated_at": NOW}

    counts.devices = _batched(device_rows(), Device.__table__,
                              lambda n: tick("devices", n, device_count))

    serials: dict[tuple[str, int], int] = {}
    for counter in db.session.scalars(select(NumberCounter).where(
            NumberCounter.kind == "certificate")):
        serials[(counter.province_code, counter.year)] = counter.last_value
    certificate_rows: list[dict[str, Any]] = []
    limits = {"acceptance": 5, "technical_review": 60, "supplement_review": 60,
              "qms_verification": 30, "decision": 20, "certificate_issue": 10}

    open_devices: set[int] = set()

    def application_rows() -> Iterator[dict[str, Any]]:
        for i in range(applications):
            app_id = first_application + i
            device_index = i if i < big_share else rng.randrange(device_count)
            state = _weighted(rng, STATES)
            if state in OPEN_OR_DRAFT:
                # one open application of a kind per device (the database enforces it)
                for _try in range(20):
                    if device_index not in open_devices:
                        break
                    device_index = rng.randrange(device_count)
                else:
                    state = "withdrawn"
                if state in OPEN_OR_DRAFT:
                    open_devices.add(device_index)
            holder, province, category = device_holder[device_index]
            is_open = state in {"submitted", "correction_requested", "accepted", "in_review",
                                "supplement_requested", "review_done"}
            age = rng.randint(1, 80) if is_open else rng.randint(60, 2000)
            received = today - timedelta(days=age)
            row: dict[str, Any] = dict.fromkeys(_APPLICATION_COLUMNS)
            row.update({
                "id": app_id, "kind": "initial",
                "state": state, "version": 1, "device_id": first_device + device_index,
                "holder_org_id": holder, "province_code": province, "certificate_id": None,
                "created_by_id": creator,
                "stream": "priority" if rng.random() < 0.02 else "ordinary",
                "declaration_accepted": state != "draft", "created_at": NOW,
                "updated_at": NOW, "production_address": "生产路 1 号",
            })
            if state != "draft":
                row["submitted_at"] = datetime(received.year, received.month, received.day,
                                               2, tzinfo=UTC)
                row["received_on"] = received
            if state in {"accepted", "in_review", "supplement_requested", "review_done",
                         "approved", "refused", "terminated"}:
                accepted = received + timedelta(days=min(3, age))
                row.update(accepted_on=accepted, time_limits=limits,
                           acceptance_number=f"{provinces[province]}械注受"
                                             f"{accepted.year}{app_id:08d}")
                if state != "accepted":
                    row["review_started_on"] = accepted
            if state == "correction_requested":
                row.update(correction_requested_on=received, correction_items="补正材料")
            if state == "supplement_requested":
                row.update(supplement_requested_on=received + timedelta(days=min(age, 20)),
                           supplement_items="补充资料",
                           supplement_deadline=received + timedelta(days=385))
            if state in {"review_done", "approved", "refused"}:
                row.update(opinion="refuse" if state == "refused" else "approve",
                           opinion_text="审评意见",
                           opinion_on=received + timedelta(days=min(age, 40)))
            if state in {"approved", "refused", "not_accepted", "withdrawn", "terminated"}:
                row["closed_on"] = received + timedelta(days=min(age, 50))
            if state in {"approved", "refused"}:
                row.update(decided_on=row["closed_on"], decision_reasons="决定")
            if state == "approved":
                year = row["decided_on"].year
                key = (province, year)
                serials[key] = serials.get(key, 0) + 1
                if serials[key] <= 9999:
                    certificate_rows.append(_certificate(
                        first_certificate + len(certificate_rows), row, category, provinces,
                        serials[key], rng))
            yield row

    counts.applications = _batched(application_rows(), Application.__table__,
                                   lambda n: tick("applications", n, applications))
    db.session.flush()
    for start in range(0, len(certificate_rows), BATCH):
        _write(Certificate.__table__, certificate_rows[start:start + BATCH])
        tick("certificates", min(BATCH, len(certificate_rows) - start), len(certificate_rows))
    counts.certificates = len(certificate_rows)
    # each certificate's first validity period (Order 47 Art 84), as issue_certificate makes it
    for start in range(0, len(certificate_rows), BATCH):
        _write(ValidityPeriod.__table__, [
            {"certificate_id": c["id"], "kind": "issued", "starts_on": c["valid_from"],
             "ends_on": c["valid_until"], "approved_on": c["approved_on"],
             "application_id": c["application_id"]}
            for c in certificate_rows[start:start + BATCH]])
    # the approved application points at its certificate, as ``decide`` leaves it (one
    # executemany from the rows in hand: a correlated subquery over the unindexed
    # certificates.application_id ran for over an hour at 200,000 applications)
    for start in range(0, len(certificate_rows), BATCH):
        db.session.execute(
            text("UPDATE applications SET certificate_id = :c WHERE id = :a "
                 "AND certificate_id IS NULL"),
            [{"c": c["id"], "a": c["application_id"]}
             for c in certificate_rows[start:start + BATCH]])
    # the stored due-soon and overdue days, as the services' flushes write them
    from devreg.registrations.clock_store import refresh_clocks

    refresh_clocks()
    for (province, year), value in serials.items():
        updated = db.session.execute(
            NumberCounter.__table__.update().where(
                NumberCounter.kind == "certificate", NumberCounter.province_code == province,
                NumberCounter.year == year).values(last_value=min(value, 9999)))
        if updated.rowcount == 0:  # type: ignore[attr-defined]
            _write(NumberCounter.__table__, [{"kind": "certificate", "province_code": province,
                                              "year": year, "last_value": min(value, 9999)}])

    # --- arrangements: one for about one device in ten ------------------------------------
    arrangement_count = min(device_count // 10, device_count)
    first_arrangement = _next_id(Arrangement)

    def arrangement_rows() -> Iterator[dict[str, Any]]:
        pairs: set[tuple[int, int]] = set()  # one arrangement per device and site
        for k in range(arrangement_count):
            device_index, maker_k = rng.randrange(device_count), rng.randrange(len(makers))
            while (device_index, maker_k) in pairs:
                device_index, maker_k = rng.randrange(device_count), rng.randrange(len(makers))
            pairs.add((device_index, maker_k))
            holder, province, _category = device_holder[device_index]
            maker = makers[maker_k]
            yield {"id": first_arrangement + k,
                   "state": rng.choice(["active", "active", "active", "confirmed", "proposed",
                                        "ended"]),
                   "version": 1, "device_id": first_device + device_index,
                   "holder_org_id": holder, "manufacturer_org_id": maker,
                   "site_id": first_site + maker_k, "holder_province_code": province,
                   "site_province_code": org_province[maker - first_org],
                   "planned_start": today - timedelta(days=rng.randint(30, 900)),
                   "is_self_manufacture": False, "clauses": ["quality", "release"],
                   "created_by_id": creator, "created_at": NOW, "updated_at": NOW}

    counts.arrangements = _batched(arrangement_rows(), Arrangement.__table__,
                                   lambda n: tick("arrangements", n, arrangement_count))

    # --- audit events, chained onto the existing trail ------------------------------------
    prev = db.session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)) \
        or GENESIS_HASH

    key = audit_key()

    def audit_rows() -> Iterator[dict[str, Any]]:
        nonlocal prev
        for k in range(audit_events):
            created_at = NOW + timedelta(microseconds=k)
            fields = {"actor_id": creator, "actor_email": "holder@demo.devreg",
                      "client_address": "127.0.0.1", "subject_type": "Application",
                      "subject_id": first_application + k % max(applications, 1),
                      "action": "update", "before": {"state": "draft"},
                      "after": {"state": "submitted"}}
            # the audit module's own chaining (keyed under AUDIT_KEY), so `audit verify` passes
            digest = chain_hash(event_content(created_at=created_at, **fields), prev, key=key)
            yield {"created_at": created_at, "prev_hash": prev, "hash": digest,
                   "chain_version": KEYED, **fields}
            prev = digest

    counts.audit_events = _batched(audit_rows(), AuditEvent.__table__,
                                   lambda n: tick("audit events", n, audit_events))
    _reset_sequences()
    return counts


def _certificate(cid: int, application: dict[str, Any], category: str,
                 provinces: dict[str, str], serial: int, rng: random.Random) -> dict[str, Any]:
    approved = application["decided_on"]
    status = _weighted(rng, CERTIFICATE_STATUSES)
    valid_until = approved + timedelta(days=5 * 365 - 1)
    if status == "expired":
        valid_until = min(valid_until, china_today() - timedelta(days=rng.randint(1, 300)))
        if valid_until <= approved:  # approved too recently to have expired
            status, valid_until = "valid", approved + timedelta(days=5 * 365 - 1)
    ended_on = None
    if status in ("cancelled", "revoked"):
        ended_on = min(approved + timedelta(days=rng.randint(30, 900)), china_today())
    code = numbering_code(category, is_ivd_reagent=False)
    province = application["province_code"]
    return {
        "id": cid, "number": format_certificate_number(provinces[province], approved.year,
                                                        code, serial),
        "status": status, "version": 1, "device_id": application["device_id"],
        "holder_org_id": application["holder_org_id"], "province_code": province,
        "application_id": application["id"], "first_year": approved.year, "serial": serial,
        "category_code": category, "approved_on": approved, "valid_from": approved,
        "valid_until": valid_until, "ended_on": ended_on,
        "holder_name": f"测试医疗器械有限公司{application['holder_org_id']}",
        "holder_address": "测试路 1 号", "production_address": "生产路 1 号",
        "device_name": f"{rng.choice(PRODUCTS)} C{cid:06d}", "model_spec": "型号 A1",
        "structure": "由主机和附件组成", "intended_use": "供医疗机构使用",
        "created_at": NOW, "updated_at": NOW,
    }


def _reset_sequences() -> None:
    """PostgreSQL: the identity sequences continue after the explicit ids written here."""
    if db.engine.dialect.name != "postgresql":
        return
    for model in (Organisation, ProductionLicence, ProductionSite, Device, Application,
                  Certificate, ValidityPeriod, Arrangement, AuditEvent, NumberCounter):
        table = model.__tablename__
        # our own table names, not input
        statement = (f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608  # nosec B608
                     f"(SELECT COALESCE(MAX(id), 1) FROM {table}))")
        db.session.execute(text(statement))
