"""(b) The cross-regional journey in a real browser: the Hebei holder proposes commissioned
production by the Jiangsu manufacturer of a registered device that the manufacturer's licence
does not cover; the manufacturer hits the licence-scope block and requests the scope change;
the Jiangsu reviewer approves it; the manufacturer confirms; both provinces see the arrangement
in their supervision queues; the holder files the change and the certificate lists the new
production site; (c) the arrangement page switches language."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from devreg.arrangements.clauses import CLAUSES
from devreg.arrangements.states import ArrangementState as A
from devreg.registrations.states import ApplicationState as S
from tests.browser.helpers import (
    card,
    in_days,
    pdf_file,
    sign_action,
    state_is,
    submit,
    switch_language,
    upload_every_chapter,
)

pytestmark = pytest.mark.browser

HOLDER, MANUFACTURER = "holder@demo.devreg", "manufacturer@demo.devreg"
REVIEWER_HEBEI, REVIEWER_JIANGSU = "reviewer@demo.devreg", "reviewer.js@demo.devreg"


def test_cross_regional_production_from_proposal_to_certificate(
        people, live, shoot, cross_regional) -> None:
    device = cross_regional

    # --- the Hebei holder proposes commissioned production in Jiangsu --------------------
    holder = people(HOLDER)
    holder.goto("/arrangements")
    holder.locator("main a[href$='/arrangements/new']").click()
    holder.wait_for_url("**/arrangements/new")
    form = holder.locator("main form")
    form.locator("#device_id").select_option(str(device.device_id))
    form.locator("#site_id").select_option(str(device.site_id))
    form.locator("#planned_start").fill(in_days(30))
    clauses = form.locator("input[name=clauses]")
    expect(clauses).to_have_count(len(CLAUSES))
    assert len(CLAUSES) == 21  # the 2022 No. 20 checklist
    for i in range(clauses.count()):
        clauses.nth(i).check()
    form.locator("input[type=file][name=agreement]").set_input_files(pdf_file("质量协议.pdf"))
    form.locator("#agreement_until").fill(device.agreement_until)
    form.locator("input[type=file][name=commission_agreement]").set_input_files(
        pdf_file("委托协议.pdf"))
    form.locator("#commission_until").fill(device.agreement_until)
    submit(form.locator("button[type=submit]"))
    assert re.search(r"/arrangements/\d+$", holder.url), holder.url
    arrangement_path = holder.url.removeprefix(live.url)
    state_is(holder, live, A.PROPOSED)
    expect(holder.get_by_test_id("cross-regional")).to_be_visible()
    expect(holder.locator("main")).to_contain_text(device.site_address)

    # --- the Jiangsu manufacturer hits the licence-scope block ---------------------------
    maker = people(MANUFACTURER)
    maker.goto(arrangement_path)
    problem = maker.get_by_test_id("licence-problem")
    expect(problem).to_contain_text(device.category_code)
    shoot(maker, "b1-arrangement-licence-block.png")
    # confirming is refused while the licence does not cover the device
    sign_action(maker, "confirm", status=422)
    state_is(maker, live, A.PROPOSED)
    expect(maker.locator(".alert-danger").first).to_be_visible()

    # ... and requests the scope change from the block
    problem.get_by_role("link").click()
    maker.wait_for_url(re.compile(r"/scope-change"))
    request_form = maker.locator("main form")
    expect(request_form.locator(f"input[name=codes][value='{device.category_code}']")
           ).to_be_checked()
    request_form.locator("#reason").fill(f"承接{device.device_name}的委托生产，申请增加生产范围。")
    submit(request_form.locator("button[type=submit]"))
    licence_path = maker.url.removeprefix(live.url)
    assert licence_path.endswith(f"/licences/{device.licence_id}"), licence_path

    # --- the Jiangsu reviewer approves the scope change on the licence page ---------------
    js_reviewer = people(REVIEWER_JIANGSU)
    js_reviewer.goto(licence_path)
    scope = js_reviewer.get_by_test_id("licence-scope").locator("li")
    codes_before = scope.count()
    pending = js_reviewer.get_by_test_id("scope-request").filter(
        has=js_reviewer.locator("form"))
    expect(pending).to_have_count(1)
    pending.locator("input[name=decision][value=approve]").check()
    pending.locator("input[name=signature_password]").fill("devreg-demo")
    submit(pending.locator("button[type=submit]"))
    expect(scope).to_have_count(codes_before + 1)
    expect(js_reviewer.get_by_test_id("scope-request").first.get_by_test_id("signature")
           ).to_contain_text("赵敏")

    # --- the manufacturer confirms with its signature ------------------------------------
    maker.goto(arrangement_path)
    expect(maker.get_by_test_id("licence-problem")).to_have_count(0)
    sign_action(maker, "confirm")
    state_is(maker, live, A.CONFIRMED)
    expect(maker.get_by_test_id("change-filing-link")).to_be_visible()

    # --- both provinces see it in their supervision queues --------------------------------
    link = f"main [data-testid=arrangements] a[href='{arrangement_path}']"
    for email, screenshot in ((REVIEWER_HEBEI, "b3-supervision-hebei.png"),
                              (REVIEWER_JIANGSU, "b4-supervision-jiangsu.png")):
        reviewer = people(email)
        reviewer.goto("/supervision")
        expect(reviewer.locator(link)).to_have_count(1)
        expect(reviewer.get_by_test_id("notices").locator(
            f"a[href='{arrangement_path}']").first).to_be_visible()
        shoot(reviewer, screenshot)

    # --- the holder completes the change filing that devreg started ----------------------
    holder.goto(arrangement_path)
    holder.get_by_test_id("change-filing-link").click()
    holder.wait_for_url(re.compile(r"/applications/\d+$"))
    state_is(holder, live, S.DRAFT)
    expect(holder.locator("main")).to_contain_text(device.site_address)  # the new values
    assert upload_every_chapter(holder, "change-filing") == ["form", "certificate", "change"]
    card(holder, "submit").locator("input[name=declaration]").check()
    sign_action(holder, "submit")
    state_is(holder, live, S.FILED)

    # --- the certificate lists the new production site -----------------------------------
    holder.get_by_test_id("certificate-link").click()
    holder.wait_for_url(re.compile(r"/certificates/\d+$"))
    expect(holder.get_by_test_id("certificate-number")).to_contain_text(
        device.certificate_number)
    expect(holder.get_by_test_id("certificate")).to_contain_text(device.site_address)
    sites = holder.get_by_test_id("production-sites")
    row = sites.locator("tbody tr", has_text=device.site_address)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(live.title(A.ACTIVE))
    sites.scroll_into_view_if_needed()
    shoot(holder, "b6-certificate-production-sites.png")

    # --- now active: the Jiangsu queue and the province matrix show it -------------------
    js_reviewer = people(REVIEWER_JIANGSU)
    js_reviewer.goto("/supervision")
    row = js_reviewer.locator("main [data-testid=arrangements] tbody tr").filter(
        has=js_reviewer.locator(f"a[href='{arrangement_path}']"))
    expect(row).to_contain_text(live.title(A.ACTIVE))
    expect(js_reviewer.get_by_test_id("matrix").locator("td.active-cell")).not_to_have_count(0)
    shoot(js_reviewer, "b8-supervision-jiangsu-active.png")

    # --- (c) the language switch on the arrangement page ---------------------------------
    holder.goto(arrangement_path)
    state_is(holder, live, A.ACTIVE)
    texts = {"nav form[action$='/logout'] button": "Sign out"}
    try:
        assert switch_language(holder, live, texts) == "zh_CN"
        expect(holder.get_by_test_id("state")).to_have_text(live.title(A.ACTIVE, "zh_CN"))
        shoot(holder, "b7-arrangement-zh.png")
    finally:  # the choice is saved on the account: leave it in English for other tests
        if (holder.locator("html").get_attribute("lang") or "").startswith("zh"):
            assert switch_language(holder, live, texts) == "en"
