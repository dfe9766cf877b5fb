"""marshmallow schemas of the API: query parameters (validated, errors as field errors) and
the JSON shapes of the answers, documented in the OpenAPI document."""

from __future__ import annotations

import re
from typing import Any

import marshmallow as ma
from marshmallow import validate

from devreg.certificates.lists import CERTIFICATE_SORTS
from devreg.certificates.models import CertificateStatus
from devreg.listing import SEARCH_MAX
from devreg.reference.data import CATALOGUE_CODES, PROVINCE_CODES

#: the most rows one page of an API list returns (the default is the registry's 20)
MAX_PER_PAGE = 100
#: pages beyond this are refused (the bulk export is the way to read everything)
MAX_PAGE = 100_000


_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class IsoDate(ma.fields.Date):
    """YYYY-MM-DD exactly (date.fromisoformat alone also takes 20260101 and more)."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        if not isinstance(value, str) or not _ISO_DAY.fullmatch(value):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class PageArgs(ma.Schema):
    page = ma.fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE),
                             metadata={"description": "1 is the first page"})
    per_page = ma.fields.Integer(load_default=20,
                                 validate=validate.Range(min=1, max=MAX_PER_PAGE))


#: no text of devreg may hold NUL (the app refuses it with 400 before any view)
NO_NUL = r"^[^\x00]*$"


def _text(description: str) -> ma.fields.String:
    return ma.fields.String(validate=[validate.Length(max=SEARCH_MAX), validate.Regexp(NO_NUL)],
                            metadata={"description": description})


class CertificateSearchArgs(PageArgs):
    """The public registry's search, filters and sorts (devreg/certificates/lists.py)."""

    q = _text("registration number, product name or holder name (part of)")
    status = ma.fields.String(validate=validate.OneOf([s.value for s in CertificateStatus]))
    province = ma.fields.String(validate=validate.OneOf(sorted(PROVINCE_CODES)),
                                metadata={"description": "issuing province code, e.g. 13"})
    category = ma.fields.String(validate=validate.OneOf(sorted(CATALOGUE_CODES)),
                                metadata={"description": "catalogue subcategory code"})
    holder = _text("registration holder name (part of)")
    manufacturer = _text("name of a manufacturer making the device (part of)")
    approved_from = IsoDate(metadata={"description": "approved on or after, YYYY-MM-DD"})
    approved_to = IsoDate(metadata={"description": "approved on or before, YYYY-MM-DD"})
    sort = ma.fields.String(load_default="number",
                            validate=validate.OneOf(list(CERTIFICATE_SORTS)))


class ValidityArgs(ma.Schema):
    on = IsoDate(metadata={"description": "the day asked, YYYY-MM-DD (default: today, "
                                                 "China time)"})


class PeriodSchema(ma.Schema):
    kind = ma.fields.String(required=True,
                            metadata={"description": "issued | renewal | deemed_renewal"})
    starts_on = ma.fields.Date(required=True)
    ends_on = ma.fields.Date(required=True, metadata={"description": "the last valid day"})
    approved_on = ma.fields.Date(required=True)


class CertificateSummarySchema(ma.Schema):
    number = ma.fields.String(required=True)
    status = ma.fields.String(required=True,
                              validate=validate.OneOf([s.value for s in CertificateStatus]))
    device_name = ma.fields.String(required=True)
    holder_name = ma.fields.String(required=True)
    province_code = ma.fields.String(required=True)
    category_code = ma.fields.String(required=True)
    approved_on = ma.fields.Date(required=True)
    valid_from = ma.fields.Date(required=True,
                                metadata={"description": "start of the latest period"})
    valid_until = ma.fields.Date(required=True,
                                 metadata={"description": "last day of the latest period"})
    ended_on = ma.fields.Date(allow_none=True, required=True,
                              metadata={"description": "cancellation or revocation in force"})
    valid_today = ma.fields.Boolean(required=True)


class CertificatePageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(CertificateSummarySchema), required=True)
    total = ma.fields.Integer(required=True)
    page = ma.fields.Integer(required=True, metadata={"description": "the page returned"})
    pages = ma.fields.Integer(required=True)
    per_page = ma.fields.Integer(required=True)


class AddressSchema(ma.Schema):
    address = ma.fields.String(required=True)
    valid_from = ma.fields.Date(required=True)
    valid_to = ma.fields.Date(allow_none=True, required=True)
    manufacturer = ma.fields.String(allow_none=True, required=True,
                                    metadata={"description": "None: made by the holder"})


class ChangeSchema(ma.Schema):
    kind = ma.fields.String(required=True, metadata={
        "description": "issued | change_registration | change_filing | renewal | "
                       "cancellation | revocation | expiry"})
    effective_on = ma.fields.Date(required=True)
    before = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Raw(allow_none=True),
                            required=True)
    after = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Raw(allow_none=True),
                           required=True)


class CertificateSchema(CertificateSummarySchema):
    holder_address = ma.fields.String(required=True)
    production_address = ma.fields.String(required=True)
    model_spec = ma.fields.String(required=True)
    structure = ma.fields.String(required=True)
    intended_use = ma.fields.String(required=True)
    periods = ma.fields.List(ma.fields.Nested(PeriodSchema), required=True)
    production_addresses = ma.fields.List(ma.fields.Nested(AddressSchema), required=True)
    changes = ma.fields.List(ma.fields.Nested(ChangeSchema), required=True)


class ValiditySchema(ma.Schema):
    number = ma.fields.String(required=True)
    on = ma.fields.Date(required=True)
    valid = ma.fields.Boolean(required=True)
    reason = ma.fields.String(allow_none=True, required=True, metadata={
        "description": "why not valid: not_yet_issued | gap | expired | cancelled | revoked"})
    period = ma.fields.Nested(PeriodSchema, allow_none=True, required=True,
                              metadata={"description": "the period covering the day"})


class ExportFileSchema(ma.Schema):
    format = ma.fields.String(required=True, validate=validate.OneOf(["jsonl", "csv"]))
    media_type = ma.fields.String(required=True)
    url = ma.fields.String(required=True)
    sha256 = ma.fields.String(required=True, metadata={"description": "hex"})
    size = ma.fields.Integer(required=True, metadata={"description": "bytes"})


class ExportSchema(ma.Schema):
    day = ma.fields.Date(required=True, metadata={"description": "the export's day (China)"})
    count = ma.fields.Integer(required=True, metadata={"description": "certificates"})
    files = ma.fields.List(ma.fields.Nested(ExportFileSchema), required=True)
