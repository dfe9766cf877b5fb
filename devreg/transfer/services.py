"""Importing a file: read it, match its header to the kind's template, validate every row
(errors by row and column), then - unless it is a dry run and only if no row has an error -
write every row in the caller's transaction, each with its source (file, row) and an audit
event "imported". Rows imported before with the same values are skipped, so importing the same
file twice changes nothing."""

from __future__ import annotations

import hashlib
import itertools
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select

from devreg.audit.services import label_next_change, recording_creates_as
from devreg.auth.models import User
from devreg.auth.roles import Role
from devreg.certificates import services as certificates
from devreg.certificates.models import (
    Certificate,
    CertificateChange,
    NumberCounter,
    ValidityPeriod,
)
from devreg.certificates.numbers import CERTIFICATE_NUMBER_RE, is_valid_certificate_number
from devreg.clock import china_today
from devreg.errors import DomainError
from devreg.extensions import db
from devreg.i18n import _
from devreg.orgs.models import Organisation
from devreg.orgs.uscc import is_valid_uscc, normalise_uscc
from devreg.production.models import ProductionLicence
from devreg.production.numbers import parse_licence_number
from devreg.reference.data import CATALOGUE_CODES, IVD_REAGENT_CODE, PROVINCE_BY_ABBREVIATION
from devreg.registrations.models import Device
from devreg.transfer.columns import KIND_TITLES, KINDS, Column, match_header
from devreg.transfer.models import ImportedRecord
from devreg.transfer.parsing import (
    CERTIFICATE_STATUS_WORDS,
    DUTY_WORDS,
    ROLE_WORDS,
    USER_ROLE_WORDS,
    parse_date,
    parse_province,
    parse_words,
    split_lines,
    split_tokens,
)
from devreg.transfer.reading import FileRefused, read_table


@dataclass
class RowResult:
    number: int
    values: dict[str, str]
    #: column key -> message (in the user's language)
    errors: dict[str, str] = field(default_factory=dict)
    #: new | unchanged | example | error
    status: str = "new"
    key: str = ""
    plan: dict[str, Any] = field(default_factory=dict)
    #: shown once after the import (a new account's one-time password)
    secret: str = ""

    def fail(self, column: str, message: str) -> None:
        self.errors.setdefault(column, message)
        self.status = "error"


@dataclass
class Report:
    kind: str
    filename: str
    columns: tuple[Column, ...]
    rows: list[RowResult] = field(default_factory=list)
    #: the whole file was refused: one line
    refused: str | None = None
    written: bool = False

    def count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.status == status)

    @property
    def ok(self) -> bool:
        return self.refused is None and self.count("error") == 0

    def error_lines(self) -> list[str]:
        if self.refused:
            return [self.refused]
        titles = {c.key: c.header for c in self.columns}
        return [_("Row %(row)s, column “%(column)s”: %(message)s", row=row.number,
                  column=titles.get(key, key), message=message)
                for row in self.rows for key, message in row.errors.items()]

    def summary(self) -> str:
        if self.refused:
            return self.refused
        if not self.ok:
            return _("%(errors)s of %(total)s rows have errors; nothing was imported.",
                     errors=self.count("error"), total=len(self.rows))
        if self.written:
            return _("Imported %(new)s rows; %(same)s were already imported and are unchanged.",
                     new=self.count("new"), same=self.count("unchanged"))
        return _("Dry run: %(new)s rows would be imported, %(same)s are already imported; "
                 "nothing was written.", new=self.count("new"), same=self.count("unchanged"))


class ImportFailed(Exception):
    def __init__(self, report: Report) -> None:
        super().__init__(report.summary())
        self.report = report


# --- the header -------------------------------------------------------------------------------

def _map_header(kind: str, headers: list[str]) -> list[Column | None]:
    columns = KINDS[kind]
    mapped = [match_header(cell, columns) if cell else None for cell in headers]
    known = [c for c in mapped if c is not None]
    if not known:
        fits = {other: sum(1 for cell in headers if cell and match_header(cell, cols))
                for other, cols in KINDS.items() if other != kind}
        other = max(fits, key=lambda name: fits[name])
        if fits[other] >= 2:
            raise FileRefused(_("This is the template for “%(other)s”, not for “%(kind)s”.",
                                other=KIND_TITLES[other], kind=KIND_TITLES[kind]))
        raise FileRefused(_("The first row is not the header of the “%(kind)s” template: "
                            "download the template and keep its first row.",
                            kind=KIND_TITLES[kind]))
    problems = []
    extra = [cell for cell, col in zip(headers, mapped, strict=True) if col is None]
    seen: set[str] = set()
    twice = []
    for col in known:
        if col.key in seen:
            twice.append(col.header)
        seen.add(col.key)
    missing = [c.header for c in columns if c.required and c.key not in seen]
    if missing:
        problems.append(_("missing columns: %(columns)s", columns="; ".join(missing)))
    if extra:
        problems.append(_("columns not in the template: %(columns)s",
                          columns="; ".join(cell or "?" for cell in extra)))
    if twice:
        problems.append(_("columns given twice: %(columns)s", columns="; ".join(twice)))
    if problems:
        raise FileRefused(_("The header does not match the “%(kind)s” template: %(problems)s.",
                            kind=KIND_TITLES[kind], problems="; ".join(problems)))
    return mapped


def row_hash(values: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(values, sort_keys=True, ensure_ascii=False)
                          .encode("utf-8")).hexdigest()


# --- the run ----------------------------------------------------------------------------------

def run_import(kind: str, filename: str, data: bytes, *, actor_id: int | None,
               dry_run: bool, today: date | None = None) -> Report:
    """Validate, and write unless ``dry_run`` or any error. The caller commits (or, on an
    ImportFailed, rolls back): one import is one transaction."""
    if kind not in KINDS:
        raise ValueError(f"unknown import kind {kind!r}")
    report = Report(kind=kind, filename=filename, columns=KINDS[kind])
    try:
        table = read_table(filename, data)
        mapped = _map_header(kind, table.headers)
    except FileRefused as refused:
        report.refused = refused.message
        return report
    example = {c.key: c.example for c in KINDS[kind]}
    for number, cells in table.rows:
        values = {c.key: "" for c in KINDS[kind]}
        for col, cell in zip(mapped, cells, strict=False):
            if col is not None:
                values[col.key] = cell
        row = RowResult(number=number, values=values)
        if values == example:
            row.status = "example"  # the template's example row, left in: never imported
        report.rows.append(row)
    kind_impl = IMPORTERS[kind]
    context = Context(today=today or china_today(), kind=kind)
    context.cache["filename"] = filename
    for row in report.rows:
        if row.status == "example":
            continue
        for col in KINDS[kind]:
            if col.required and not row.values[col.key]:
                row.fail(col.key, _("This column must not be empty."))
        row.key = kind_impl.key(row.values)
        if row.key:
            earlier = context.seen.get(row.key)
            if earlier is not None:
                row.fail(kind_impl.key_column,
                         _("The same as row %(row)s of this file.", row=earlier))
                continue
            context.seen[row.key] = row.number
            record = db.session.scalar(select(ImportedRecord).where(
                ImportedRecord.kind == kind, ImportedRecord.natural_key == row.key))
            if record is not None:
                if record.row_hash == row_hash(row.values):
                    row.status = "unchanged"
                else:
                    row.fail(kind_impl.key_column, _(
                        "Already imported from %(file)s row %(row)s with other values; "
                        "change it in devreg instead.", file=record.source_file,
                        row=record.source_row))
                continue
        if row.status != "error":
            kind_impl.validate(row, context)
    if dry_run or not report.ok:
        return report
    with recording_creates_as("imported"):
        _write_rows(report, kind_impl, context, actor_id)
    report.written = True
    return report


def _write_rows(report: Report, kind_impl: Importer, context: Context,
                actor_id: int | None) -> None:
    filename = report.filename
    kind = report.kind
    for row in report.rows:
        if row.status != "new":
            continue
        try:
            subject = kind_impl.write(row, context)
        except DomainError as error:
            row.fail(kind_impl.key_column, error.message)
            raise ImportFailed(report) from error
        source = ImportedRecord(kind=kind, natural_key=row.key,
                                subject_type=type(subject).__name__, subject_id=subject.id,
                                source_file=filename[:255], source_row=row.number,
                                row_hash=row_hash(row.values), imported_by_id=actor_id)
        label_next_change(source, "imported")
        db.session.add(source)
    kind_impl.finish(report, context)
    db.session.flush()


@dataclass
class Context:
    today: date
    kind: str
    #: natural key -> row number, within this file
    seen: dict[str, int] = field(default_factory=dict)
    cache: dict[Any, Any] = field(default_factory=dict)

    def organisation(self, uscc: str) -> Organisation | None:
        key = ("org", uscc)
        if key not in self.cache:
            self.cache[key] = db.session.scalar(select(Organisation).where(
                Organisation.uscc == uscc))
        return self.cache[key]


@dataclass(frozen=True)
class Importer:
    key_column: str
    key: Callable[[dict[str, str]], str]
    validate: Callable[[RowResult, Context], None]
    write: Callable[[RowResult, Context], Any]
    finish: Callable[[Report, Context], None] = lambda report, context: None


def _org_column(row: RowResult, context: Context, column: str, *,
                role: str | None) -> Organisation | None:
    uscc = normalise_uscc(row.values[column])
    if not uscc:
        return None
    if not is_valid_uscc(uscc):
        row.fail(column, _("This is not a valid Unified Social Credit Code (check the last "
                           "character)."))
        return None
    org = context.organisation(uscc)
    if org is None:
        row.fail(column, _("No organisation with this credit code: import the organisations "
                           "first."))
        return None
    if role == "holder" and not org.is_holder:
        row.fail(column, _("This organisation is not a registration holder."))
    if role == "manufacturer" and not org.is_manufacturer:
        row.fail(column, _("This organisation is not a manufacturer."))
    return org


def _date_column(row: RowResult, column: str) -> date | None:
    text = row.values[column]
    if not text:
        return None
    day = parse_date(text)
    if day is None:
        row.fail(column, _("Not a date: write it as YYYY-MM-DD."))
    return day


# --- organisations ----------------------------------------------------------------------------

def _validate_org(row: RowResult, context: Context) -> None:
    v = row.values
    uscc = normalise_uscc(v["uscc"])
    if uscc and not is_valid_uscc(uscc):
        row.fail("uscc", _("This is not a valid Unified Social Credit Code (check the last "
                           "character)."))
    elif uscc and context.organisation(uscc) is not None:
        row.fail("uscc", _("An organisation with this credit code is already registered."))
    province = parse_province(v["province"]) if v["province"] else None
    if v["province"] and province is None:
        row.fail("province", _("Unknown province."))
    roles = parse_words(v["roles"], ROLE_WORDS) if v["roles"] else []
    if roles is None:
        row.fail("roles", _("Unknown role: use 注册人 (holder) or 受托生产企业 (manufacturer)."))
    elif "regulator" in roles and len(roles) > 1:
        row.fail("roles", _("A regulator cannot also be a holder or a manufacturer."))
    for key, limit in (("name_zh", 200), ("name_en", 200), ("address", 300)):
        if len(v[key]) > limit:
            row.fail(key, _("At most %(n)s characters.", n=limit))
    row.plan = {"uscc": uscc, "province": province, "roles": roles or []}


def _write_org(row: RowResult, context: Context) -> Organisation:
    from devreg.orgs.services import OrganisationData, create_organisation

    roles = row.plan["roles"]
    org = create_organisation(OrganisationData(
        name_zh=row.values["name_zh"], name_en=row.values["name_en"] or None,
        uscc=row.plan["uscc"], province_code=row.plan["province"],
        address=row.values["address"], is_holder="holder" in roles,
        is_manufacturer="manufacturer" in roles, is_regulator="regulator" in roles))
    label_next_change(org, "imported")
    context.cache[("org", org.uscc)] = org
    return org


# --- users ------------------------------------------------------------------------------------

def _validate_user(row: RowResult, context: Context) -> None:
    from devreg.auth.services import find_user_by_email

    v = row.values
    email = v["email"].strip().lower()
    if email and ("@" not in email or len(email) > 254 or " " in email):
        row.fail("email", _("Not an email address."))
    elif email and find_user_by_email(email) is not None:
        row.fail("email", _("An account with this email already exists."))
    roles = parse_words(v["role"], USER_ROLE_WORDS) if v["role"] else []
    if roles is None or len(roles or []) > 1:
        row.fail("role", _("Unknown role: use 注册人, 受托生产企业, 审评人员 or 管理员."))
        return
    role = roles[0] if roles else None
    duties = parse_words(v["duties"], DUTY_WORDS) if v["duties"] else []
    if duties is None:
        row.fail("duties", _("Unknown duty: use 受理, 审评 or 审批."))
        duties = []
    if duties and role != "reviewer":
        row.fail("duties", _("Only reviewers have duties."))
    org = _org_column(row, context, "organisation_uscc", role=None)
    if role and role != "admin" and not v["organisation_uscc"]:
        row.fail("organisation_uscc", _("Name the user's organisation."))
    if org is not None and role:
        fits = {"holder": org.is_holder, "manufacturer": org.is_manufacturer,
                "reviewer": org.is_regulator, "admin": True}[role]
        if not fits:
            row.fail("role", _("This role does not fit the organisation: holders belong to a "
                               "registration holder, manufacturers to a manufacturer, "
                               "reviewers to a regulator."))
    row.plan = {"email": email, "role": role, "duties": duties,
                "organisation_id": org.id if org else None}


def one_time_password() -> str:
    """A one-time password, shown once in the import report; the user must replace it at the
    first sign-in (until the outbox sends password-setting links)."""
    return secrets.token_urlsafe(12)


def _write_user(row: RowResult, context: Context) -> User:
    from devreg.auth.services import UserData, create_user

    plan = row.plan
    password = one_time_password()
    user = create_user(UserData(
        email=plan["email"], display_name=row.values["display_name"][:100],
        role=Role(plan["role"]), organisation_id=plan["organisation_id"],
        has_accept_duty="accept" in plan["duties"], has_review_duty="review" in plan["duties"],
        has_approve_duty="approve" in plan["duties"]), password=password, temporary=True)
    row.secret = password
    return user


# --- licences ---------------------------------------------------------------------------------

def _validate_licence(row: RowResult, context: Context) -> None:
    v = row.values
    parsed = parse_licence_number(v["number"], current_year=context.today.year) \
        if v["number"] else None
    if v["number"] and parsed is None:
        row.fail("number", _("Not a production licence number in the official format "
                             "(冀药监械生产许20190001号)."))
    elif v["number"] and db.session.scalar(select(ProductionLicence.id).where(
            ProductionLicence.number == v["number"].strip())) is not None:
        row.fail("number", _("This licence number is already recorded."))
    province = parse_province(v["province"]) if v["province"] else None
    if v["province"] and province is None:
        row.fail("province", _("Unknown province."))
    elif parsed is not None and province is not None and parsed.province_code != province:
        row.fail("number", _("The licence number's abbreviation is not that of the issuing "
                             "province."))
    org = _org_column(row, context, "organisation_uscc", role="manufacturer")
    if org is not None and province is not None:
        pair = (org.id, province)
        if pair in context.cache.setdefault("licence_pairs", set()) or db.session.scalar(
                select(ProductionLicence.id).where(ProductionLicence.organisation_id == org.id,
                                                   ProductionLicence.province_code == province)):
            # Order 53 Art 18: one licence per province where the company has sites
            row.fail("organisation_uscc", _("This manufacturer already holds a licence from "
                                            "this province."))
        context.cache["licence_pairs"].add(pair)
    valid_from = _date_column(row, "valid_from")
    valid_until = _date_column(row, "valid_until")
    if valid_from and valid_until and valid_until < valid_from:
        row.fail("valid_until", _("The end date is before the start date."))
    codes = split_tokens(v["scope"])
    if v["scope"] and (not codes or set(codes) - CATALOGUE_CODES):
        row.fail("scope", _("Unknown subcategory codes: %(codes)s.",
                            codes=", ".join(sorted(set(codes) - CATALOGUE_CODES)) or "?"))
    sites = split_lines(v["sites"])
    if any(len(site) > 300 for site in sites):
        row.fail("sites", _("At most %(n)s characters.", n=300))
    row.plan = {"org_id": org.id if org else None, "province": province,
                "valid_from": valid_from, "valid_until": valid_until, "codes": codes,
                "sites": sites}


def _write_licence(row: RowResult, context: Context) -> ProductionLicence:
    from devreg.production.services import LicenceData, add_site, create_licence

    plan = row.plan
    licence = create_licence(LicenceData(
        number=row.values["number"].strip(), organisation_id=plan["org_id"],
        valid_until=plan["valid_until"], scope_codes=tuple(plan["codes"]),
        province_code=plan["province"]))
    licence.valid_from = plan["valid_from"]
    label_next_change(licence, "imported")
    for address in dict.fromkeys(plan["sites"]):
        add_site(licence, address)
    return licence


# --- certificates -----------------------------------------------------------------------------

def _periods(row: RowResult, approved_on: date | None, valid_from: date | None,
             valid_until: date | None) -> list[tuple[date, date]]:
    periods: list[tuple[date, date]] = []
    for part in split_lines(row.values["earlier_periods"]):
        start_text, sep, end_text = part.replace("～", "~").partition("~")
        start, end = parse_date(start_text), parse_date(end_text)
        if not sep or start is None or end is None:
            row.fail("earlier_periods", _("Write each period as YYYY-MM-DD~YYYY-MM-DD."))
            return []
        periods.append((start, end))
    if valid_from and valid_until:
        periods.append((valid_from, valid_until))
    for start, end in periods:
        if end < start:
            row.fail("valid_until" if (start, end) == periods[-1] else "earlier_periods",
                     _("A validity period ends before it starts."))
    for (_s1, end1), (start2, _e2) in itertools.pairwise(periods):
        if start2 <= end1:
            # Order 47 Art 84: periods follow one another, never overlap
            row.fail("earlier_periods", _("The validity periods overlap or are out of order."))
    if approved_on and periods and periods[0][0] < approved_on:
        row.fail("approved_on", _("The first validity period starts before the approval."))
    return periods


def _validate_certificate(row: RowResult, context: Context) -> None:
    v = row.values
    number = v["number"].strip()
    match = CERTIFICATE_NUMBER_RE.fullmatch(number) if number else None
    if number and not (match and is_valid_certificate_number(number)):
        row.fail("number", _("Not a certificate number of the form 冀械注准20212070012 "
                             "(province, year, 2, subcategory, serial)."))
        match = None
    elif number and db.session.scalar(select(Certificate.id).where(
            Certificate.number == number)) is not None:
        # Order 47 Art 115: a certificate number is unique for life
        row.fail("number", _("A certificate with this number is already in devreg."))
    holder = _org_column(row, context, "holder_uscc", role="holder")
    province = PROVINCE_BY_ABBREVIATION[match["abbr"]] if match else None
    year = int(match["year"]) if match else None
    if holder is not None and province is not None and holder.province_code != province:
        row.fail("holder_uscc", _("The holder is registered in another province than the one "
                                  "that issued this number."))
    if v["first_year"]:
        if not v["first_year"].isdigit():
            row.fail("first_year", _("Not a year."))
        elif year is not None and int(v["first_year"]) != year:
            # Order 47 Art 115: the number's year is the year of first registration
            row.fail("first_year", _("The number says the first registration was in %(year)s.",
                                     year=year))
    approved_on = _date_column(row, "approved_on")
    valid_from = _date_column(row, "valid_from")
    valid_until = _date_column(row, "valid_until")
    ended_on = _date_column(row, "ended_on")
    if approved_on and year is not None and approved_on.year != year:
        row.fail("approved_on", _("The number says the first registration was in %(year)s.",
                                  year=year))
    if approved_on and approved_on > context.today:
        row.fail("approved_on", _("The date is in the future."))
    periods = _periods(row, approved_on, valid_from, valid_until)
    statuses = parse_words(v["status"], CERTIFICATE_STATUS_WORDS) if v["status"] else []
    status = statuses[0] if statuses and len(statuses) == 1 else None
    if v["status"] and status is None:
        row.fail("status", _("Unknown status: use 有效, 过期, 注销 or 撤销."))
    if status in ("cancelled", "revoked"):
        if ended_on is None and not v["ended_on"]:
            row.fail("ended_on", _("Give the day the cancellation or revocation took effect."))
        elif ended_on and approved_on and ended_on < approved_on:
            row.fail("ended_on", _("The date is before the approval."))
    elif v["ended_on"]:
        row.fail("ended_on", _("Only a cancelled or revoked certificate has an end date."))
    if status == "valid" and valid_until and valid_until < context.today:
        row.fail("status", _("The certificate expired on %(day)s: its status is 过期 (expired).",
                             day=valid_until.isoformat()))
    if status == "expired" and valid_until and valid_until >= context.today:
        row.fail("status", _("The certificate is still within its validity period."))
    history = []
    for line in split_lines(v["change_history"]):
        day = parse_date(line[:10])
        if day is None:
            row.fail("change_history", _("Start each entry with its date (YYYY-MM-DD)."))
            break
        if approved_on and day < approved_on:
            row.fail("change_history", _("A change is dated before the approval."))
            break
        history.append((day, line[10:].strip(" :：")))
    for key, limit in (("device_name", 200),):
        if len(v[key]) > limit:
            row.fail(key, _("At most %(n)s characters.", n=limit))
    row.plan = {"number": number, "holder": holder, "province": province, "year": year,
                "code": match["code"] if match else None,
                "serial": int(match["serial"]) if match else None,
                "approved_on": approved_on, "periods": periods, "status": status,
                "ended_on": ended_on, "history": history}


def _write_certificate(row: RowResult, context: Context) -> Certificate:
    v, plan = row.values, row.plan
    holder: Organisation = plan["holder"]
    code = plan["code"]
    device = Device(holder_org_id=holder.id, name=v["device_name"], model_spec=v["model_spec"],
                    structure=v["structure"], intended_use=v["intended_use"],
                    technical_requirements=v["technical_requirements"], category_code=code,
                    is_ivd_reagent=code == IVD_REAGENT_CODE)
    label_next_change(device, "imported")
    db.session.add(device)
    db.session.flush()
    periods: list[tuple[date, date]] = plan["periods"]
    certificate = Certificate(
        number=plan["number"], status=plan["status"], device_id=device.id,
        holder_org_id=holder.id, province_code=plan["province"], application_id=None,
        first_year=plan["year"], serial=plan["serial"], category_code=code,
        approved_on=plan["approved_on"], valid_from=periods[-1][0], valid_until=periods[-1][1],
        ended_on=plan["ended_on"], holder_name=holder.name_zh, holder_address=holder.address,
        production_address="\n".join(split_lines(v["production_address"])),
        device_name=v["device_name"], model_spec=v["model_spec"], structure=v["structure"],
        intended_use=v["intended_use"], technical_requirements=v["technical_requirements"])
    label_next_change(certificate, "imported")
    db.session.add(certificate)
    db.session.flush()
    for index, (start, end) in enumerate(periods):
        # the renewals' approval dates are not in the template: the period's start stands in
        certificate.periods.append(ValidityPeriod(
            kind="issued" if index == 0 else "renewal", starts_on=start, ends_on=end,
            approved_on=plan["approved_on"] if index == 0 else start))
    db.session.add(CertificateChange(
        certificate_id=certificate.id, kind="imported", effective_on=plan["approved_on"],
        summary=_("Imported from %(file)s, row %(row)s", file=context.cache.get("filename", ""),
                  row=row.number)))
    for day, text in plan["history"]:
        db.session.add(CertificateChange(certificate_id=certificate.id, kind="imported_change",
                                         effective_on=day, summary=text))
    context.cache.setdefault("serials", []).append(
        (certificates.certificate_counter(code), plan["province"], plan["year"], plan["serial"]))
    return certificate


def seed_counters(serials: list[tuple[str, str, int, int]]) -> list[tuple[str, str, int, int]]:
    """Raise each counter (kind, province, year) to at least the highest imported serial, so
    the next approval continues the numbering (Order 47 Art 115: numbers unique for life).
    Returns the counters that moved, with their new values."""
    highest: dict[tuple[str, str, int], int] = {}
    for kind, province, year, serial in serials:
        key = (kind, province, year)
        highest[key] = max(highest.get(key, 0), serial)
    moved = []
    for (kind, province, year), serial in sorted(highest.items()):
        counter = db.session.scalar(select(NumberCounter).where(
            NumberCounter.kind == kind, NumberCounter.province_code == province,
            NumberCounter.year == year).with_for_update())
        if counter is None:
            db.session.add(NumberCounter(kind=kind, province_code=province, year=year,
                                         last_value=serial))
        elif counter.last_value < serial:
            counter.last_value = serial
        else:
            continue
        moved.append((kind, province, year, serial))
    return moved


def _finish_certificates(report: Report, context: Context) -> None:
    db.session.flush()
    context.cache["moved"] = seed_counters(context.cache.get("serials", []))


IMPORTERS: dict[str, Importer] = {
    "organisations": Importer("uscc", lambda v: normalise_uscc(v["uscc"]), _validate_org,
                              _write_org),
    "users": Importer("email", lambda v: v["email"].strip().lower(), _validate_user,
                      _write_user),
    "licences": Importer("number", lambda v: v["number"].strip(), _validate_licence,
                         _write_licence),
    "certificates": Importer("number", lambda v: v["number"].strip(), _validate_certificate,
                             _write_certificate, _finish_certificates),
}

# the demo and docs import these in this order: each may name rows of the ones before
ORDER = ("organisations", "users", "licences", "certificates")
