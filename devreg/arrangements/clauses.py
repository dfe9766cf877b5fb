"""Quality agreement clause checklist (docs/rules.md §9.3): the basic elements
(二、基本要素) of the NMPA 2022 No. 20 guideline 医疗器械委托生产质量协议编制指南, with the
items its drafting steps (三、制定步骤) add (标识和可追溯性, 不合格品控制, 沟通机制, 考核指标)
and the commercial-insurance requirement of element (八). Codes shared with the earlier list
keep their meaning."""

from devreg.i18n import _l

CLAUSES = {
    # 二（一）委托生产的产品范围
    "product_scope": _l("Scope of the commissioned products"),
    # 二（二）专用术语和定义
    "definitions": _l("Terms and definitions used in the agreement"),
    # 二（三）适用的法律法规、标准的要求
    "laws_standards": _l("Applicable laws, regulations and standards"),
    # 二（四）适用质量管理规范或体系的要求
    "records": _l("Control of documents and records"),
    "technical_transfer": _l("Transfer of technical documentation"),
    "purchasing": _l("Purchasing control"),
    "production": _l("Production and process control"),
    "quality_control": _l("Inspection and testing"),
    "release": _l("Release control (manufacturer's production release, holder's market "
                  "release)"),
    "audits": _l("Quality management system audits"),
    "complaints": _l("After-sales service, complaints and adverse event monitoring"),
    "change_control": _l("Change control"),
    # 三（六）: identification and traceability (incl. UDI), non-conforming product
    "traceability": _l("Identification and traceability (incl. UDI)"),
    "deviations": _l("Control of non-conforming product"),
    # 二（五）质量管理体系中委托方和受托方的责任
    "responsibilities": _l("Responsibilities of the holder and the manufacturer"),
    # 三（七）制定沟通机制; 三（八）制定考核指标
    "communication": _l("Communication mechanism"),
    "kpis": _l("Performance indicators (考核指标)"),
    # 二（六）分歧的解决
    "disputes": _l("Resolution of disagreements"),
    # 二（七）协议的有效期限和终止条款
    "term_termination": _l("Term of the agreement and termination"),
    # 二（八）知识产权的保护、保密及商业保险要求
    "confidentiality": _l("Protection of intellectual property and confidentiality"),
    "commercial_insurance": _l("Commercial insurance"),
}
