"""Demo devices, applications and certificates for issue 3, in Hebei and Beijing.

Everything is made through the real services, as the demo accounts would do it in the browser:
the audit trail names the acting account, every decision carries a real signature (the demo
password is re-entered), acceptance numbers and certificate numbers come from the real
counters. The steps are dated in the past, counted back in working days from today (Beijing
time), so the statutory clocks show something meaningful: one application waits for its
acceptance decision, one is overdue in technical review, one waits for the approver, and so on.

All scenarios' steps run in date order (across scenarios), so acceptance numbers and
certificate serials are handed out in the order the events happened.

Idempotent: a scenario is identified by its device (holder + device name); when the device
exists, the scenario is left alone, whatever happened to it since (for example when a demo
user took the waiting application further in the browser)."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from flask import current_app
from sqlalchemy import select

from devreg.audit.services import acting_as
from devreg.auth.models import User
from devreg.auth.passwords import verify_password
from devreg.certificates.models import Certificate
from devreg.certificates.services import VALIDITY_YEARS
from devreg.clock import china_today
from devreg.extensions import db
from devreg.orgs.models import Organisation
from devreg.registrations import services as filing
from devreg.registrations.kinds import ApplicationKind
from devreg.registrations.models import Application, Device
from devreg.review import services as review
from devreg.workdays.calendar import WorkdayCalendar
from devreg.workdays.queries import calendar_for

# --- what the demo contains ------------------------------------------------------------------

HEBEI_PRODUCTION = "江苏省苏州市工业园区星湖街 218 号（受托生产企业：苏州精工医疗器械制造有限公司）"
BEIJING_PRODUCTION = "北京市海淀区中关村南大街 12 号"

CORRECTION_ITEMS = ("1. 申请表中的产品名称与产品技术要求不一致，请统一；\n"
                    "2. 注册检验报告缺少检验机构的资质证明；\n"
                    "3. 说明书未载明禁忌证和注意事项。")
SUPPLEMENT_ITEMS = ("1. 补充电磁兼容（YY 9706.102）检验报告；\n"
                    "2. 补充软件版本命名规则及软件研究资料；\n"
                    "3. 补充分析性能评估资料（精密度、线性范围、携带污染率）。")
SUPPLEMENT_ITEMS_BJ = ("1. 补充输出强度的安全性论证资料；\n"
                       "2. 补充与同品种产品的对比分析（同品种比对）。")
OPINION_APPROVE = ("产品技术要求和注册检验报告符合要求，临床评价资料充分，质量管理体系核查通过。"
                   "建议准予注册。")
OPINION_REFUSE = ("质量管理体系核查结论为不通过（灭菌过程确认和生产过程控制不符合要求），"
                  "申报资料不能证明产品安全、有效。建议不予注册。")
REFUSAL_REASONS = ("质量管理体系核查不通过，申报资料不能证明产品的安全性、有效性，不予注册。"
                   "申请人对本决定有异议的，可自收到本决定之日起 20 个工作日内申请复审。")
QMS_FINDINGS_GOOD = "现场核查未发现严重缺陷；生产、检验记录完整。"
QMS_FINDINGS_BAD = "灭菌过程确认资料不完整；关键工序未进行过程确认。"
PAUSE_NOTICE = "本产品需召开专家咨询会，专家咨询时间不计入审评时限（第九十八条第三项）。"
EXTENSION_REASON = ("产品结构复杂，需补充开展技术审评，"
                    "经审评机构负责人批准延长审评时限 30 个工作日。")
WITHDRAWAL_REASON = "企业调整产品规划，申请撤回本次注册申请及相关资料。"
PRIORITY_REASON = "本产品为儿童专用医疗器械，属于冀药监规〔2020〕1号规定的优先审批情形。"
CANCELLATION_REASON = "企业调整产品线，该产品已停止生产，申请注销注册证。"
RENEWAL_STATEMENT = "自注册以来产品未发生变化，申请延续注册。"
SUPPLEMENT_ANSWER = "已按补充资料通知逐项补充：电磁兼容检验报告及说明书修订稿见附件。"


@dataclass(frozen=True)
class DemoDevice:
    name: str
    model_spec: str
    structure: str
    intended_use: str
    category_code: str
    is_ivd_reagent: bool = False


#: anchors: the date the scenario's step offsets count back from (default: today)
Anchor = Callable[[date, WorkdayCalendar], date]


@dataclass(frozen=True)
class Scenario:
    """One device and its applications. ``steps`` are (step, working days before the anchor),
    in order; ``later`` are steps counted back from today instead (e.g. a cancellation of a
    certificate issued years ago)."""

    key: str  # a short name for tests and the report
    holder: str  # the holder account's email
    device: DemoDevice
    steps: tuple[tuple[str, int], ...]
    anchor: Anchor | None = None
    later: tuple[tuple[str, int], ...] = ()
    draft_chapters: tuple[str, ...] | None = None  # a draft with only these chapters uploaded
    qms: str = "pass"
    refusal_of_acceptance: str = ""
    supplement_items: str = SUPPLEMENT_ITEMS


def _working_day_on_or_before(day: date, calendar: WorkdayCalendar) -> date:
    while not calendar.is_workday(day):
        day -= timedelta(days=1)
    return day


def _days_ago(**delta: int) -> Anchor:
    """A working day about ``delta`` before today."""
    return lambda today, calendar: _working_day_on_or_before(today - relativedelta(**delta),
                                                             calendar)


def _renewal_due_in_a_month(today: date, calendar: WorkdayCalendar) -> date:
    """Approved so that the last valid day is about seven months away: the renewal must be
    applied for at least six months before expiry, so its deadline is about a month away."""
    last_valid_day = today + relativedelta(months=7)
    approved_on = last_valid_day + timedelta(days=1) - relativedelta(years=VALIDITY_YEARS)
    return _working_day_on_or_before(approved_on, calendar)


HEBEI = "holder@demo.devreg"
BEIJING = "holder.bj@demo.devreg"
#: the full path of an approved initial registration, counted back from the approval
_TO_CERTIFICATE = (("draft", 70), ("submit", 65), ("accept", 62), ("assign", 60), ("qms", 30),
                   ("opinion", 12), ("approve", 0))

SCENARIOS: tuple[Scenario, ...] = (
    # --- Hebei: 石家庄康联, production commissioned to the Jiangsu manufacturer ---------------
    Scenario("hebei_draft", HEBEI, DemoDevice(
        "电子体温计", "KL-T100、KL-T200", "由测温探头、主机和显示屏组成。",
        "用于测量人体腋下或口腔温度。", "07"),
        (("draft", 3),), draft_chapters=("1", "2")),
    Scenario("hebei_submitted", HEBEI, DemoDevice(
        "医用脉搏血氧仪", "KL-SP20", "由主机、指夹式血氧探头组成。",
        "用于无创测量人体脉搏血氧饱和度和脉率。", "07"),
        (("draft", 6), ("submit", 2))),
    Scenario("hebei_correction", HEBEI, DemoDevice(
        "一次性使用无菌注射器", "1 mL、2 mL、5 mL、10 mL", "由外套、芯杆、活塞组成，环氧乙烷灭菌。",
        "供抽吸液体或在注入液体后立即注射用。", "14"),
        (("draft", 12), ("submit", 8), ("correction", 5))),
    Scenario("hebei_not_accepted", HEBEI, DemoDevice(
        "人工晶状体", "KL-IOL60", "由光学部和襻组成，材料为疏水性丙烯酸酯。",
        "用于白内障摘除术后植入眼内替代人眼晶状体。", "16"),
        (("draft", 25), ("submit", 20), ("refuse_acceptance", 17)),
        refusal_of_acceptance=("人工晶状体按照第三类医疗器械管理，不属于本局受理范围。"
                               "请向国家药品监督管理局申请注册（不予受理）。")),
    Scenario("hebei_accepted", HEBEI, DemoDevice(
        "医用雾化器", "KL-N3、KL-N5", "由压缩机、雾化杯、送气管和面罩组成。",
        "用于将药液雾化后供患者吸入治疗。", "08"),
        (("draft", 14), ("submit", 9), ("accept", 6))),
    Scenario("hebei_in_review", HEBEI, DemoDevice(
        "多参数患者监护仪", "KL-M8、KL-M10",
        "由主机、心电导联线、血氧探头、血压袖带和体温探头组成。",
        "用于对成人患者的心电、血氧饱和度、无创血压和体温进行监护。", "07"),
        (("draft", 35), ("submit", 30), ("accept", 27), ("assign", 25), ("qms", 10))),
    # Hebei priority review (冀药监规〔2020〕1号): first registrations, 45 + 45 working days,
    # accepted the same day
    Scenario("hebei_priority", HEBEI, DemoDevice(
        "医用电子体温计（儿童型）", "KL-T300", "由测温探头、主机和显示屏组成，专为儿童设计。",
        "用于测量儿童腋下温度。", "07"),
        (("draft", 22), ("priority", 22), ("submit", 20), ("accept", 20), ("assign", 19))),
    # a clock paused for an expert meeting (Order 47 Art 98(3)), and one extended (Art 96)
    Scenario("hebei_paused", HEBEI, DemoDevice(
        "电动病床", "KL-EB3", "由床架、电动推杆、控制器和护栏组成。",
        "供医疗机构病房患者卧床使用。", "15"),
        (("draft", 40), ("submit", 36), ("accept", 33), ("assign", 31), ("qms", 20),
         ("pause", 4))),
    Scenario("hebei_extended", HEBEI, DemoDevice(
        "医用冷敷贴", "KL-CP10", "由水凝胶层、背衬和防粘层组成。",
        "用于闭合性软组织损伤的冷敷。", "09"),
        (("draft", 50), ("submit", 46), ("accept", 43), ("assign", 41), ("qms", 30),
         ("extend", 5))),
    # Order 47 Art 54: the supplement was not answered within the year; the approver is to sign
    # the refusal (不予注册)
    Scenario("hebei_terminated", HEBEI, DemoDevice(
        "医用超声耦合剂", "250 mL、5 L", "由卡波姆、甘油、纯化水组成。",
        "用于超声检查时作为耦合介质。", "06"),
        (("draft", 300), ("submit", 296), ("accept", 293), ("assign", 291),
         ("supplement", 280), ("terminate", 10))),
    # Order 47 Art 55: withdrawn by the holder after the review opinion, with a reason
    Scenario("hebei_withdrawn", HEBEI, DemoDevice(
        "医用隔离眼罩", "均码", "由眼罩主体和松紧带组成。", "供医务人员隔离防护佩戴。", "14"),
        (("draft", 60), ("submit", 56), ("accept", 53), ("assign", 51), ("qms", 30),
         ("opinion", 8), ("withdraw", 3))),
    Scenario("hebei_supplement", HEBEI, DemoDevice(
        "全自动生化分析仪", "KL-BC400", "由样本处理系统、反应系统、光学检测系统和控制软件组成。",
        "与配套试剂共同使用，在临床上用于对人体样本中的被分析物进行定量检测。", "22"),
        (("draft", 60), ("submit", 55), ("accept", 52), ("assign", 50), ("qms", 40),
         ("supplement", 30))),
    Scenario("hebei_overdue", HEBEI, DemoDevice(
        "动态血压监测仪", "KL-ABP1", "由记录盒、袖带和分析软件组成。",
        "用于对成人进行 24 小时动态血压监测。", "07"),
        (("draft", 80), ("submit", 76), ("accept", 72), ("assign", 70), ("qms", 50))),
    Scenario("hebei_review_done", HEBEI, DemoDevice(
        "红外额温计", "KL-F1", "由红外传感器、主机和显示屏组成。",
        "用于通过测量额头红外辐射得到人体温度。", "07"),
        (("draft", 60), ("submit", 55), ("accept", 50), ("assign", 48), ("qms", 20),
         ("opinion", 3))),
    Scenario("hebei_refused", HEBEI, DemoDevice(
        "一次性使用输液器", "带针、不带针",
        "由瓶塞穿刺器、滴斗、药液过滤器、流量调节器和静脉针组成。",
        "供临床重力输液用。", "14"),
        (("draft", 120), ("submit", 115), ("accept", 110), ("assign", 108), ("qms", 70),
         ("opinion_refuse", 60), ("refuse", 40)), qms="fail"),
    Scenario("hebei_certificate", HEBEI, DemoDevice(
        "臂式电子血压计", "KL-B60、KL-B80", "由主机、袖带和电源适配器组成。",
        "用于测量成人的收缩压、舒张压和脉率。", "07"),
        _TO_CERTIFICATE, anchor=_days_ago(days=40)),
    Scenario("hebei_ivd", HEBEI, DemoDevice(
        "C反应蛋白（CRP）测定试剂盒（胶乳增强免疫比浊法）", "2×50 mL/2×10 mL、4×50 mL/4×10 mL",
        "由试剂1（甘氨酸缓冲液）和试剂2（包被抗人CRP抗体的胶乳颗粒）组成。",
        "用于体外定量测定人血清或血浆中C反应蛋白的含量。", "40", is_ivd_reagent=True),
        _TO_CERTIFICATE, anchor=_days_ago(years=1, months=2)),
    Scenario("hebei_renewal_due", HEBEI, DemoDevice(
        "医用外科口罩", "平面耳挂式 17.5 cm×9.5 cm",
        "由内层、过滤层和外层无纺布、鼻夹及口罩带组成。",
        "供临床医务人员在有创操作等过程中佩戴。", "14"),
        _TO_CERTIFICATE, anchor=_renewal_due_in_a_month),
    Scenario("hebei_cancelled", HEBEI, DemoDevice(
        "一次性使用医用橡胶检查手套", "S、M、L", "由天然胶乳制成，无粉。",
        "供医疗检查时佩戴，防止交叉感染。", "14"),
        _TO_CERTIFICATE, anchor=_days_ago(years=2, months=5),
        later=(("cancellation", 30), ("submit", 25), ("accept", 22), ("approve", 15))),
    # renewal applied for in time, but the supplement was still owed when the certificate
    # expired; approved weeks later, so the new period starts on the approval date and the
    # public page shows the gap (Order 47 Art 84)
    Scenario("hebei_renewed_late", HEBEI, DemoDevice(
        "医用雾化器", "KL-N10、KL-N20", "由压缩机、雾化杯、吸入面罩和连接管组成。",
        "供雾化吸入治疗时将药液雾化。", "08"),
        _TO_CERTIFICATE, anchor=_days_ago(years=5, months=2),
        later=(("renewal", 200), ("submit", 198), ("accept", 195), ("assign", 193),
               ("supplement", 180), ("answer", 40), ("qms", 30), ("opinion", 20),
               ("approve", 10))),
    # --- Beijing: 北京华康, its own production site (licence 京药监械生产许20200088号) ----------
    Scenario("beijing_draft", BEIJING, DemoDevice(
        "经皮神经电刺激仪", "HK-TENS2", "由主机、电极片和导联线组成。",
        "用于缓解慢性疼痛。", "09"),
        (("draft", 2),), draft_chapters=("1",)),
    Scenario("beijing_submitted", BEIJING, DemoDevice(
        "电子体温计", "HK-T10", "由测温探头、主机和显示屏组成。",
        "用于测量人体腋下温度。", "07"),
        (("draft", 5), ("submit", 1))),
    Scenario("beijing_correction", BEIJING, DemoDevice(
        "一次性使用医用口罩", "17.5 cm×9.5 cm", "由无纺布、熔喷布、鼻夹和口罩带组成。",
        "供普通医疗环境中佩戴，阻隔口腔和鼻腔呼出或喷出的污染物。", "14"),
        (("draft", 10), ("submit", 7), ("correction", 4))),
    Scenario("beijing_not_accepted", BEIJING, DemoDevice(
        "医用听诊器", "HK-S1", "由听头、导管和耳挂组成。",
        "用于听诊人体心、肺等部位的声音。", "07"),
        (("draft", 15), ("submit", 12), ("refuse_acceptance", 10)),
        refusal_of_acceptance=("听诊器按照第一类医疗器械管理，应向所在地设区的市级负责药品监督管理的"
                               "部门办理备案，无需申请注册（不予受理）。")),
    Scenario("beijing_accepted", BEIJING, DemoDevice(
        "低频治疗仪", "HK-L3", "由主机、电极片和导联线组成。",
        "用于缓解肌肉疼痛。", "09"),
        (("draft", 12), ("submit", 8), ("accept", 4))),
    Scenario("beijing_due_soon", BEIJING, DemoDevice(
        "中频治疗仪", "HK-M5", "由主机、电极和导联线组成。",
        "用于软组织损伤的辅助治疗。", "09"),
        (("draft", 70), ("submit", 62), ("accept", 57), ("assign", 55), ("qms", 30))),
    Scenario("beijing_supplement", BEIJING, DemoDevice(
        "电子血压计", "HK-BP1", "由主机和袖带组成。",
        "用于测量成人的收缩压、舒张压和脉率。", "07"),
        (("draft", 50), ("submit", 45), ("accept", 42), ("assign", 40), ("supplement", 15)),
        supplement_items=SUPPLEMENT_ITEMS_BJ),
    Scenario("beijing_review_done", BEIJING, DemoDevice(
        "一次性使用无菌导尿管", "F8～F24", "由导管、球囊和接头组成，环氧乙烷灭菌。",
        "供临床导尿用。", "14"),
        (("draft", 55), ("submit", 50), ("accept", 45), ("assign", 43), ("qms", 20),
         ("opinion", 2))),
    Scenario("beijing_refused", BEIJING, DemoDevice(
        "超声治疗仪", "HK-U1", "由主机和治疗头组成。",
        "用于软组织损伤的辅助治疗。", "09"),
        (("draft", 100), ("submit", 95), ("accept", 90), ("assign", 88), ("qms", 60),
         ("opinion_refuse", 50), ("refuse", 30)), qms="fail"),
    Scenario("beijing_certificate", BEIJING, DemoDevice(
        "特定电磁波治疗器", "HK-TDP1", "由治疗板、加热元件、支架和控制器组成。",
        "用于软组织损伤的辅助治疗。", "09"),
        _TO_CERTIFICATE, anchor=_days_ago(months=3)),
)

#: the reviewer (accept and review duties) and the approver of each holder's province
REGULATORS = {
    HEBEI: ("reviewer@demo.devreg", "approver@demo.devreg"),
    BEIJING: ("reviewer.bj@demo.devreg", "approver.bj@demo.devreg"),
}
PRODUCTION_ADDRESSES = {HEBEI: HEBEI_PRODUCTION, BEIJING: BEIJING_PRODUCTION}


# --- running the scenarios -------------------------------------------------------------------

@dataclass
class _Run:
    scenario: Scenario
    holder: User
    reviewer: User
    approver: User
    application: Application | None = None
    certificate: Certificate | None = None
    files: int = field(default=0)


@contextmanager
def _as(user: User) -> Iterator[None]:
    """The audit trail names the demo account that acts; the flush at the end writes the
    step's events while that account is still the actor."""
    with acting_as(user.id, user.email):
        yield
        db.session.flush()


def _pdf(run: _Run, chapter: str) -> io.BytesIO:
    run.files += 1
    text = f"devreg demo dossier: {run.scenario.device.name}, chapter {chapter}, #{run.files}"
    return io.BytesIO(b"%PDF-1.4\n% " + text.encode() +
                      b"\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")


def _upload(run: _Run, chapters: tuple[str, ...] | None = None) -> None:
    application = run.application
    if application is None:
        raise ValueError("no application to upload to")
    for chapter in application.checklist:
        if chapter.required and (chapters is None or chapter.code in chapters):
            filing.add_dossier_file(application, chapter.code,
                                    filename=f"{run.scenario.device.name}-{chapter.code}.pdf",
                                    stream=_pdf(run, chapter.code), actor=run.holder)


def _step(run: _Run, name: str, on: date, password: str) -> None:
    s, application = run.scenario, run.application
    if name == "draft":
        with _as(run.holder):
            device = filing.create_device(filing.DeviceData(
                name=s.device.name, model_spec=s.device.model_spec, structure=s.device.structure,
                intended_use=s.device.intended_use, device_class="2",
                category_code=s.device.category_code, is_ivd_reagent=s.device.is_ivd_reagent),
                holder_org_id=run.holder.organisation_id)  # type: ignore[arg-type]
            run.application = filing.create_application(
                ApplicationKind.INITIAL, device, actor=run.holder, today=on,
                production_address=PRODUCTION_ADDRESSES[s.holder])
            _upload(run, s.draft_chapters)
        return
    if name == "renewal":
        certificate = run.certificate
        if certificate is None:
            raise ValueError("a renewal step must follow an approval")
        with _as(run.holder):
            run.application = filing.create_application(
                ApplicationKind.RENEWAL, certificate.device, actor=run.holder,
                certificate=certificate, today=on, change_description=RENEWAL_STATEMENT)
            _upload(run)
        return
    if name == "cancellation":
        certificate = run.certificate
        if certificate is None:
            raise ValueError("a cancellation step must follow an approval")
        with _as(run.holder):
            run.application = filing.create_application(
                ApplicationKind.CANCELLATION, certificate.device, actor=run.holder,
                certificate=certificate, today=on,
                change_description=CANCELLATION_REASON)
            _upload(run)
        return
    if application is None:
        raise ValueError(f"demo step {name!r} before the draft")
    if name == "submit":
        with _as(run.holder):
            filing.submit_application(application, actor=run.holder, password=password,
                                      declaration=True, today=on)
    elif name == "correction":
        with _as(run.reviewer):
            review.request_correction(application, actor=run.reviewer, password=password,
                                      items=CORRECTION_ITEMS, today=on)
    elif name == "refuse_acceptance":
        with _as(run.reviewer):
            review.refuse_acceptance(application, actor=run.reviewer, password=password,
                                     reasons=s.refusal_of_acceptance, today=on)
    elif name == "pause":
        with _as(run.reviewer):
            review.record_pause(application, actor=run.reviewer, password=password,
                                reason="expert_consultation", notice=PAUSE_NOTICE, today=on)
    elif name == "extend":
        with _as(run.approver):
            review.extend_clock(application, actor=run.approver, password=password,
                                working_days=30, reason=EXTENSION_REASON, today=on)
    elif name == "terminate":
        from devreg.review.sweep import terminate_unanswered

        with acting_as(None, "sweep"):  # what the daily sweep did on that day
            terminate_unanswered(application, today=on)
            db.session.flush()
    elif name == "withdraw":
        with _as(run.holder):
            filing.withdraw_application(application, actor=run.holder, today=on,
                                        reason=WITHDRAWAL_REASON)
    elif name == "priority":
        with _as(run.holder):
            filing.request_stream(application, actor=run.holder, stream="priority",
                                  reason=PRIORITY_REASON)
    elif name == "accept":
        with _as(run.reviewer):
            review.accept(application, actor=run.reviewer, password=password, today=on,
                          stream_decision="grant" if application.requested_stream else None)
    elif name == "assign":
        with _as(run.reviewer):
            review.assign_reviewer(application, actor=run.reviewer, reviewer=run.reviewer,
                                   today=on)
    elif name == "qms":
        with _as(run.reviewer):
            review.record_qms(application, actor=run.reviewer, result=s.qms,
                              notes=QMS_FINDINGS_GOOD if s.qms != "fail" else QMS_FINDINGS_BAD,
                              today=on)
    elif name == "answer":
        with _as(run.holder):
            filing.answer_supplement(application, actor=run.holder, password=password,
                                     answer=SUPPLEMENT_ANSWER, today=on)
    elif name == "supplement":
        with _as(run.reviewer):
            review.request_supplement(application, actor=run.reviewer, password=password,
                                      items=s.supplement_items, today=on)
    elif name in ("opinion", "opinion_refuse"):
        approve = name == "opinion"
        with _as(run.reviewer):
            review.give_opinion(application, actor=run.reviewer, password=password,
                                recommendation="approve" if approve else "refuse",
                                text=OPINION_APPROVE if approve else OPINION_REFUSE, today=on)
    elif name in ("approve", "refuse"):
        approve = name == "approve"
        with _as(run.approver):
            certificate = review.decide(application, actor=run.approver, password=password,
                                        approve=approve,
                                        reasons="" if approve else REFUSAL_REASONS, today=on)
        run.certificate = certificate or run.certificate
    else:
        raise ValueError(f"unknown demo step {name!r}")


def _device_exists(holder_org_id: int, name: str) -> bool:
    return db.session.scalar(select(Device.id).where(
        Device.holder_org_id == holder_org_id, Device.name == name)) is not None


def _can_sign(user: User, password: str, known: dict[int, bool]) -> bool:
    if user.id not in known:
        known[user.id] = user.is_active and verify_password(user.password_hash, password)
    return known[user.id]


def _back(calendar: WorkdayCalendar, anchor: date, working_days: int) -> date:
    """The working day ``working_days`` working days before ``anchor`` (the anchor itself for 0):
    a clock started that day has used ``working_days`` days on ``anchor``."""
    day, counted = anchor, 0
    while counted < working_days:
        day -= timedelta(days=1)
        if calendar.is_workday(day):
            counted += 1
    return day


def _hebei_priority_stream() -> None:
    """Hebei runs priority review for first registrations: technical review 45 working days,
    and 45 after the supplement (冀药监规〔2020〕1号). Set once; an administrator's later change
    is kept."""
    from devreg.workdays.models import ProvinceStream, Stage, Stream
    from devreg.workdays.services import set_stream, set_time_limit

    if db.session.scalar(select(ProvinceStream.id).where(
            ProvinceStream.province_code == "13", ProvinceStream.stream == Stream.PRIORITY)):
        return
    set_stream("13", Stream.PRIORITY, [ApplicationKind.INITIAL.value], actor=None)  # type: ignore[arg-type]
    for stage in (Stage.TECHNICAL_REVIEW, Stage.SUPPLEMENT_REVIEW):
        set_time_limit("13", stage, 45, actor=None, kind=ApplicationKind.INITIAL.value,  # type: ignore[arg-type]
                       stream=Stream.PRIORITY)


def load_registrations(orgs: dict[str, Organisation], users: dict[str, User]) -> None:
    """The demo step: create the scenarios whose device does not exist yet. Flushes only."""
    from devreg.demo.loader import DEMO_PASSWORD

    _hebei_priority_stream()

    today = china_today()
    calendars: dict[str, WorkdayCalendar] = {}
    can_sign: dict[int, bool] = {}
    events: list[tuple[date, int, int, _Run, str]] = []
    for number, scenario in enumerate(SCENARIOS):
        holder_user = users[scenario.holder]
        if _device_exists(holder_user.organisation_id, scenario.device.name):  # type: ignore[arg-type]
            continue
        reviewer, approver = (users[email] for email in REGULATORS[scenario.holder])
        unable = [u.email for u in (holder_user, reviewer, approver)
                  if not _can_sign(u, DEMO_PASSWORD, can_sign)]
        if unable:
            # e.g. a demo password changed in the browser: the steps could not be signed
            current_app.logger.warning(
                "demo scenario %s skipped: %s cannot sign with the demo password",
                scenario.key, ", ".join(unable))
            continue
        province = holder_user.organisation.province_code  # type: ignore[union-attr]
        calendar = calendars.setdefault(province, calendar_for(province))
        run = _Run(scenario, holder_user, reviewer, approver)
        anchor = scenario.anchor(today, calendar) if scenario.anchor else today
        dated = [(_back(calendar, anchor, n), name) for name, n in scenario.steps]
        dated += [(_back(calendar, today, n), name) for name, n in scenario.later]
        for index, (on, name) in enumerate(dated):
            events.append((on, number, index, run, name))
    for on, _number, _index, run, name in sorted(events, key=lambda e: e[:3]):
        _step(run, name, on, DEMO_PASSWORD)
