"""(a) The registration journey in a real browser: the Hebei holder registers a new Class II
device, the reviewer accepts and reviews it with a supplement round, the approver signs the
approval, and anyone can find and verify the certificate on the public registry; (c) the
verification page switches language."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from devreg.clock import china_today
from devreg.registrations.states import ApplicationState as S
from tests.browser.helpers import (
    card,
    sign_action,
    state_is,
    submit,
    switch_language,
    upload_every_chapter,
)

pytestmark = pytest.mark.browser

HOLDER, REVIEWER, APPROVER = ("holder@demo.devreg", "reviewer@demo.devreg",
                              "approver@demo.devreg")
DEVICE = "腕式电子血压计"
MODELS = "KL-W7、KL-W9"
PRODUCTION = "河北省石家庄市高新区天山大街 266 号 3 号楼"
#: Hebei (冀), year of approval, class 2, subcategory 07, serial
CERTIFICATE_NUMBER = re.compile(r"冀械注准\d{4}207\d{4}")


def test_registration_from_draft_to_verified_certificate(people, live, shoot) -> None:
    # --- the holder describes the device and creates the draft ---------------------------
    holder = people(HOLDER)
    holder.goto("/devices/new")
    form = holder.locator("main form")
    form.locator("#name").fill(DEVICE)
    form.locator("#model_spec").fill(MODELS)
    form.locator("#structure").fill("由主机、腕带和电源组成。")
    form.locator("#intended_use").fill("用于测量成人的收缩压、舒张压和脉率。")
    form.locator("input[name=device_class][value='2']").check()
    form.locator("#category_code").select_option("07")
    submit(form.locator("button[type=submit]"))
    assert re.search(r"/devices/\d+$", holder.url), holder.url
    expect(holder.locator("main h1")).to_have_text(DEVICE)

    apply = holder.locator("main form[action$='/apply']")
    apply.locator("#production_address").fill(PRODUCTION)
    submit(apply.locator("button[type=submit]"))
    assert re.search(r"/applications/\d+$", holder.url), holder.url
    application_path = holder.url.removeprefix(live.url)
    state_is(holder, live, S.DRAFT)

    # --- the six dossier chapters, then the signed submission ----------------------------
    chapters = upload_every_chapter(holder, "dossier")
    assert chapters == ["1", "2", "3", "4", "5", "6"]
    dossier = holder.get_by_test_id("dossier")
    for code in chapters:
        expect(dossier).to_contain_text(f"dossier-{code}.pdf")
    card(holder, "submit").locator("input[name=declaration]").check()
    sign_action(holder, "submit")
    state_is(holder, live, S.SUBMITTED)

    # --- the reviewer accepts, assigns itself and asks for a supplement ------------------
    reviewer = people(REVIEWER)
    reviewer.goto(application_path)
    sign_action(reviewer, "accept")
    state_is(reviewer, live, S.ACCEPTED)
    expect(reviewer.get_by_test_id("acceptance-number")).to_contain_text("冀械受")
    me = card(reviewer, "assign").locator("select[name=reviewer_id] option", has_text="刘洋")
    card(reviewer, "assign").locator("select[name=reviewer_id]").select_option(
        me.get_attribute("value"))
    sign_action(reviewer, "assign")
    state_is(reviewer, live, S.IN_REVIEW)
    items = "1. 补充电磁兼容（YY 9706.102）检验报告；\n2. 补充腕带尺寸适用范围的验证资料。"
    sign_action(reviewer, "supplement", items=items)
    state_is(reviewer, live, S.SUPPLEMENT_REQUESTED)

    # --- the holder answers the supplement notice ----------------------------------------
    holder.goto(application_path)
    expect(holder.get_by_test_id("supplement-items")).to_contain_text("电磁兼容")
    sign_action(holder, "answer", answer="1. 已补充电磁兼容检验报告；\n2. 已补充验证资料。")
    state_is(holder, live, S.IN_REVIEW)

    # --- the reviewer records the QMS verification and signs the opinion -----------------
    reviewer.goto(application_path)
    sign_action(reviewer, "qms", result="pass", notes="现场核查未发现严重缺陷。")
    sign_action(reviewer, "opinion", recommendation="approve",
                text="产品技术要求和注册检验报告符合要求，质量管理体系核查通过。建议准予注册。")
    state_is(reviewer, live, S.REVIEW_DONE)

    # --- the approver signs the approval: the certificate is issued ----------------------
    approver = people(APPROVER)
    approver.goto(application_path)
    sign_action(approver, "decide", decision="approve")
    state_is(approver, live, S.APPROVED)
    expect(approver.get_by_test_id("decision")).to_be_visible()
    number = approver.get_by_test_id("certificate-link").inner_text().strip()
    assert CERTIFICATE_NUMBER.fullmatch(number), number
    assert number[4:8] == str(china_today().year)
    # signed: submission, acceptance, supplement notice and answer, opinion, decision
    expect(approver.get_by_test_id("signature")).to_have_count(6)
    shoot(approver, "a3-application-approved.png")

    approver.get_by_test_id("certificate-link").click()
    approver.wait_for_url(re.compile(r"/certificates/\d+$"))
    expect(approver.get_by_test_id("certificate-number")).to_contain_text(number)
    certificate = approver.get_by_test_id("certificate")
    expect(certificate).to_contain_text(DEVICE)
    expect(certificate).to_contain_text(PRODUCTION)
    expect(approver.get_by_test_id("approver-signature")).to_contain_text("陈静")
    shoot(approver, "a4-certificate.png")

    # --- signed out: the public registry and the verification page -----------------------
    public = people.anonymous()
    public.goto("/registry")
    search = public.locator("main form[role=search]")
    search.locator("input[name=q]").fill(DEVICE)
    submit(search.locator("button[type=submit]"))
    results = public.get_by_test_id("registry-results")
    expect(results).to_contain_text(number)
    expect(results.locator("tbody tr")).to_have_count(1)
    results.get_by_role("link", name=number).click()
    public.wait_for_url(re.compile(r"/verify/"))
    verdict = public.get_by_test_id("verdict")
    today = china_today().isoformat()
    expect(verdict).to_have_text(live.translate("Valid today (%(date)s).", "en", date=today))
    expect(verdict).to_have_class(re.compile(r"\balert-success\b"))
    expect(public.locator("main")).to_contain_text(number)
    shoot(public, "a5-verification.png")

    # --- (c) the language switch on the verification page --------------------------------
    texts = {"main h1": "Certificate verification", "nav a[href$='/login']": "Sign in"}
    assert switch_language(public, live, texts) == "zh_CN"
    expect(verdict).to_have_text(live.translate("Valid today (%(date)s).", "zh_CN", date=today))
    shoot(public, "a6-verification-zh.png")
    assert switch_language(public, live, texts) == "en"
