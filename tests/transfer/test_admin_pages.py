"""The admin's import page (upload, dry-run table with failing cells, confirm) and the signed
counter setting."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from devreg.audit.services import acting_as
from devreg.certificates.models import NumberCounter
from devreg.extensions import db
from devreg.orgs.models import Organisation
from devreg.signatures.models import Signature
from devreg.signatures.records import check as signature_check
from devreg.transfer.models import CounterSetting
from devreg.transfer.services import run_import
from tests.conftest import login, post
from tests.foundation.helpers import make_uscc
from tests.transfer.helpers import certificate_row, csv_bytes, header, row_of

TOKEN_RE = re.compile(r'name="token" value="([^"]+)"')


def _orgs(count: int = 2, **bad: str) -> bytes:
    rows = [row_of("organisations", uscc=make_uscc(f"9113010000000{i:04d}"),
                   name_zh=f"企业{i}") for i in range(count)]
    if bad:
        rows.append(row_of("organisations", uscc=make_uscc("91130100000009999"), **bad))
    return csv_bytes([header("organisations"), *rows])


def _upload(client, data: bytes, name="orgs.csv", kind="organisations"):  # type: ignore[no-untyped-def]
    return post(client, "/admin/import", {"kind": kind, "file": (io.BytesIO(data), name)},
                content_type="multipart/form-data", token_from="/admin/import")


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Organisation))


@pytest.fixture
def admin(client, demo):  # type: ignore[no-untyped-def]
    login(client, "admin")
    return client


def test_dry_run_table_then_confirm_imports(admin):
    before = _count()
    page = _upload(admin, _orgs()).get_data(as_text=True)
    assert "Dry run: 2 rows would be imported" in page and _count() == before
    token = TOKEN_RE.search(page).group(1)
    done = post(admin, "/admin/import/confirm", {"token": token}, token_from="/admin/import")
    assert done.status_code == 200 and "Imported 2 rows" in done.get_data(as_text=True)
    assert _count() == before + 2


def test_failing_cells_are_highlighted_and_nothing_can_be_confirmed(admin):
    before = _count()
    page = _upload(admin, _orgs(province="火星")).get_data(as_text=True)
    assert 'class="import-cell-error"' in page and "Unknown province." in page
    assert 'data-testid="confirm-form"' not in page and _count() == before
    assert page.count('data-testid="cell-error"') == 1


def test_a_refused_file_is_one_line_and_the_kind_stays_chosen(admin):
    page = _upload(admin, b"", kind="licences").get_data(as_text=True)
    assert "The file is empty." in page
    assert '<option selected value="licences">' in page or \
        'value="licences" selected' in page


def test_no_file_is_a_form_error_not_a_500(admin):
    response = post(admin, "/admin/import", {"kind": "organisations"},
                    token_from="/admin/import")
    assert response.status_code == 200 and "Choose a file." in response.get_data(as_text=True)


def test_a_tampered_confirmation_imports_nothing(admin):
    before = _count()
    response = post(admin, "/admin/import/confirm", {"token": "forged"},
                    token_from="/admin/import")
    assert response.status_code == 302 and _count() == before


def test_one_time_passwords_are_shown_once_after_a_users_import(admin, demo):
    holder = demo.org("holder_hebei").uscc
    data = csv_bytes([header("users"), row_of("users", organisation_uscc=holder,
                                               email="new.user@example.cn")])
    page = _upload(admin, data, name="users.csv", kind="users").get_data(as_text=True)
    token = TOKEN_RE.search(page).group(1)
    done = post(admin, "/admin/import/confirm", {"token": token},
                token_from="/admin/import").get_data(as_text=True)
    assert 'data-testid="one-time-passwords"' in done and "new.user@example.cn" in done
    again = post(admin, "/admin/import/confirm", {"token": token},
                 token_from="/admin/import").get_data(as_text=True)
    assert 'data-testid="one-time-passwords"' not in again


def test_template_download_is_an_xlsx(admin):
    response = admin.get("/admin/import/template/licences.xlsx")
    assert response.status_code == 200 and response.get_data()[:2] == b"PK"
    assert admin.get("/admin/import/template/nothing.xlsx").status_code == 404


# --- counters ---------------------------------------------------------------------------------

def _import_0137(demo) -> None:  # type: ignore[no-untyped-def]
    with acting_as(None, "test"):
        run_import("certificates", "c.csv", csv_bytes([header("certificates"), certificate_row(
            demo.org("holder_hebei").uscc)]), actor_id=None, dry_run=False)
    db.session.commit()


def _set(client, value: int, password="devreg-demo", reason="上线前纸质证书已用至此号"):  # type: ignore[no-untyped-def]
    return post(client, "/admin/counters", {"province_code": "13", "year": "2026",
                                            "value": str(value), "reason": reason,
                                            "signature_password": password},
                token_from="/admin/counters")


def _counter() -> int:
    return db.session.scalar(select(NumberCounter.last_value).where(
        NumberCounter.province_code == "13", NumberCounter.year == 2026))


def test_admin_sets_the_counter_with_a_signed_reason(admin, demo):
    _import_0137(demo)
    response = _set(admin, 300)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert _counter() == 300
    setting = db.session.scalar(select(CounterSetting))
    assert (setting.previous_value, setting.new_value) == (137, 300)
    signature = db.session.get(Signature, setting.signature_id)
    assert signature.meaning == "counter_set" and signature_check(signature).is_valid


def test_counter_cannot_go_below_a_used_serial(admin, demo):
    _import_0137(demo)
    page = _set(admin, 136).get_data(as_text=True)
    assert "Serial 0137 is already used" in page and _counter() == 137
    assert db.session.scalar(select(func.count()).select_from(CounterSetting)) == 0


def test_counter_may_be_set_to_the_highest_used_serial(admin, demo):
    _import_0137(demo)
    db.session.execute(NumberCounter.__table__.update().values(last_value=200))
    db.session.commit()
    assert _set(admin, 137).status_code == 302 and _counter() == 137


def test_a_wrong_password_signs_and_sets_nothing(admin, demo):
    _import_0137(demo)
    page = _set(admin, 300, password="wrong-password").get_data(as_text=True)
    assert _counter() == 137 and "300" in page
    assert db.session.scalar(select(func.count()).select_from(CounterSetting)) == 0


def test_a_counter_without_a_reason_is_refused(admin, demo):
    _import_0137(demo)
    response = _set(admin, 300, reason="")
    assert response.status_code == 200 and _counter() == 137
