"""An administrator sets a serial counter explicitly, with a signed reason, never below the
highest serial already used (Order 47 Art 115: a certificate number is unique for life)."""

from __future__ import annotations

from sqlalchemy import func, select

from devreg.auth.models import User
from devreg.certificates.models import Certificate, NumberCounter
from devreg.errors import DomainError
from devreg.extensions import db
from devreg.i18n import _
from devreg.signatures.services import sign, verify_signer
from devreg.transfer.models import CounterSetting

MEANING = "counter_set"


def counter_content(setting: CounterSetting) -> dict[str, object]:
    return {"counter": setting.kind, "province": setting.province_code, "year": setting.year,
            "from": setting.previous_value, "to": setting.new_value, "reason": setting.reason}


def highest_used(kind: str, province_code: str, year: int) -> int:
    """The highest serial of any certificate, native or imported, this counter covers."""
    query = select(func.max(Certificate.serial)).where(
        Certificate.province_code == province_code, Certificate.first_year == year)
    if kind.startswith("certificate-"):  # CERTIFICATE_SERIAL_SCOPE = authority_year_code
        query = query.where(Certificate.category_code == kind.removeprefix("certificate-"))
    return int(db.session.scalar(query) or 0)


def current_value(kind: str, province_code: str, year: int) -> int:
    return int(db.session.scalar(select(NumberCounter.last_value).where(
        NumberCounter.kind == kind, NumberCounter.province_code == province_code,
        NumberCounter.year == year)) or 0)


def set_counter(*, kind: str, province_code: str, year: int, value: int, reason: str,
                actor: User, password: str) -> CounterSetting:
    """The caller commits. The password is checked before anything is written."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for setting the counter."))
    verify_signer(actor, password)
    counter = db.session.scalar(select(NumberCounter).where(
        NumberCounter.kind == kind, NumberCounter.province_code == province_code,
        NumberCounter.year == year).with_for_update())
    used = highest_used(kind, province_code, year)
    if value < used:
        # Order 47 Art 115: a number already issued may never be handed out again
        raise DomainError(_("Serial %(used)s is already used in this province and year: the "
                            "counter cannot be set below it.", used=f"{used:04d}"))
    previous = counter.last_value if counter is not None else 0
    setting = CounterSetting(kind=kind, province_code=province_code, year=year,
                             previous_value=previous, new_value=value, reason=reason,
                             set_by_id=actor.id)
    db.session.add(setting)
    db.session.flush()
    signature = sign(setting, signer=actor, password=password, meaning=MEANING,
                     content=counter_content(setting))
    setting.signature_id = signature.id
    if counter is None:
        db.session.add(NumberCounter(kind=kind, province_code=province_code, year=year,
                                     last_value=value))
    else:
        counter.last_value = value
    db.session.flush()
    return setting
