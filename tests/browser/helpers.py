"""What the browser journeys do on every page: sign in, submit a form and wait for the page it
leads to, switch the language, make small files."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

try:
    from playwright.sync_api import Locator, Page, expect
except ImportError as error:  # a failure, not a skip: CI must run these
    raise ImportError("The browser tests need Playwright for Python: "
                      "pip install -e '.[test]' (it is in the test extra).") from error

if TYPE_CHECKING:
    from tests.browser.conftest import Live

PASSWORD = "devreg-demo"


def pdf_bytes(label: str) -> bytes:
    """A small file that passes the content check as a PDF."""
    return (b"%PDF-1.4\n% devreg browser test: " + label.encode() +
            b"\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")


def pdf_file(name: str) -> dict[str, Any]:
    """For Locator.set_input_files."""
    return {"name": name, "mimeType": "application/pdf", "buffer": pdf_bytes(name)}


def errors_on(page: Page) -> list[str]:
    return page.locator(".invalid-feedback, .alert-danger, .alert-warning").all_inner_texts()


def submit(button: Locator, *, status: int = 200) -> Any:
    """Click a submit button and wait for the page it leads to (after any redirect); fail
    with the page's error messages when the answer is not ``status``."""
    page = button.page
    with page.expect_navigation() as navigation:
        button.click()
    response = navigation.value
    assert response is not None
    if response.status != status:
        raise AssertionError(f"{response.url} answered {response.status}, expected {status}: "
                             f"{errors_on(page)}")
    return response


def sign_in(page: Page, email: str) -> None:
    page.goto("/login")
    form = page.locator("main form")
    form.locator("input[name=email]").fill(email)
    form.locator("input[name=password]").fill(PASSWORD)
    submit(form.locator("button[type=submit]"))
    assert "/login" not in page.url, f"{email} could not sign in: {errors_on(page)}"


def card(page: Page, name: str) -> Locator:
    """An action card of the application or arrangement page (id="action-<name>")."""
    return page.locator(f"#action-{name}")


def sign_action(page: Page, name: str, *, status: int = 200, **fields: str) -> Any:
    """Fill an action card (text fields and radio buttons by name), re-enter the password
    when the card asks for it, and submit."""
    form = card(page, name)
    expect(form).to_be_visible()
    for field_name, value in fields.items():
        radios = form.locator(f"input[type=radio][name={field_name}]")
        if radios.count():
            radios.and_(form.locator(f"[value='{value}']")).check()
        else:
            form.locator(f"[name={field_name}]").fill(value)
    password = form.locator("input[name=signature_password]")
    if password.count():
        password.fill(PASSWORD)
    return submit(form.locator("button[type=submit]"), status=status)


def upload_every_chapter(page: Page, prefix: str) -> list[str]:
    """Upload a small PDF for every chapter the upload card offers; returns the chapters."""
    chapters = card(page, "upload").locator("select[name=chapter] option")
    codes = [code for code in (chapters.nth(i).get_attribute("value")
                               for i in range(chapters.count())) if code]
    for code in codes:
        form = card(page, "upload")
        form.locator("select[name=chapter]").select_option(code)
        form.locator("input[type=file]").set_input_files(pdf_file(f"{prefix}-{code}.pdf"))
        submit(form.locator("button[type=submit]"))
        expect(page.locator(".alert-success")).to_be_visible()
    return codes


def state_is(page: Page, live: Live, state: Any) -> None:
    expect(page.get_by_test_id("state")).to_have_text(live.title(state))


def switch_language(page: Page, live: Live, texts: dict[str, str]) -> str:
    """Click the language switch and check that the page changed language: ``<html lang>``,
    the switch's own label, and each ``selector -> msgid`` of ``texts`` shown as the message
    catalogue translates it (where the catalogue has no translation yet, the English text is
    expected, and only the language attribute and the switch prove the change). Returns the
    new locale."""
    html = page.locator("html")
    before = html.get_attribute("lang") or ""
    target = "en" if before.startswith("zh") else "zh_CN"
    submit(page.get_by_test_id("language-switch"))
    expect(html).to_have_attribute("lang", "en" if target == "en" else "zh-CN")
    expect(page.get_by_test_id("language-switch")).to_have_text(
        "中文" if target == "en" else "English")
    for selector, msgid in texts.items():
        expect(page.locator(selector).first).to_contain_text(live.translate(msgid, target))
    return target


def in_days(days: int) -> str:
    from devreg.clock import china_today

    return (china_today() + timedelta(days=days)).isoformat()
