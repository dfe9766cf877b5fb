"""The import templates: one per kind, each column with its Chinese and English header and an
example value. A header cell may hold the Chinese header, the English one, both (as the
template writes them: "中文 / English") or the column's key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from devreg.i18n import _l


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str
    required: bool
    example: str
    #: shown in the template's notes row and the docs
    hint: Any = ""

    @property
    def header(self) -> str:
        return f"{self.zh} / {self.en}"

    def names(self) -> set[str]:
        return {_norm(self.key), _norm(self.zh), _norm(self.en), _norm(self.header)}


def _norm(text: str) -> str:
    return "".join(text.split()).lower().replace("*", "")


def match_header(cell: str, columns: tuple[Column, ...]) -> Column | None:
    wanted = _norm(cell)
    return next((c for c in columns if wanted in c.names()), None)


# the organisations' credit codes below are valid (check character by GB 32100-2015)
ORGANISATIONS = (
    Column("uscc", "统一社会信用代码", "Unified social credit code", True, "91130100MA0CKH9X10"),
    Column("name_zh", "名称", "Name (Chinese)", True, "石家庄康宁医疗器械有限公司"),
    Column("name_en", "英文名称", "Name (English)", False, "Shijiazhuang Kangning Medical Co."),
    Column("province", "所在省份", "Province", True, "河北省",
           _l("Division code (13), Chinese or English name")),
    Column("address", "住所", "Address", True, "河北省石家庄市高新区天山大街 266 号"),
    Column("roles", "角色", "Roles", True, "注册人;受托生产企业",
           _l("注册人 (holder) and/or 受托生产企业 (manufacturer), separated by ;")),
)

USERS = (
    Column("email", "电子邮箱", "Email", True, "li.ming@example.cn"),
    Column("display_name", "姓名", "Name", True, "李明"),
    Column("organisation_uscc", "所属单位统一社会信用代码", "Organisation credit code", False,
           "91130100MA0CKH9X10", _l("Empty for an administrator")),
    Column("role", "角色", "Role", True, "注册人",
           _l("注册人 holder, 受托生产企业 manufacturer, 审评人员 reviewer, 管理员 admin")),
    Column("duties", "职责", "Duties", False, "",
           _l("Reviewers: 受理 accept; 审评 review; 审批 approve, separated by ;")),
)

LICENCES = (
    Column("number", "生产许可证编号", "Licence number", True, "冀药监械生产许20190001号"),
    Column("organisation_uscc", "企业统一社会信用代码", "Manufacturer credit code", True,
           "91130100MA0CKH9X10"),
    Column("province", "发证省份", "Issuing province", True, "河北省"),
    Column("valid_from", "有效期起", "Valid from", False, "2024-06-01"),
    Column("valid_until", "有效期至", "Valid until", True, "2029-05-31"),
    Column("scope", "生产范围", "Scope", True, "07;14",
           _l("Catalogue subcategory codes separated by ;")),
    Column("sites", "生产地址", "Production addresses", True,
           "河北省石家庄市高新区天山大街 266 号", _l("One per line, or separated by ;")),
)

CERTIFICATES = (
    Column("number", "注册证编号", "Certificate number", True, "冀械注准20212070012"),
    Column("first_year", "首次注册年份", "First registration year", False, "2021"),
    Column("holder_uscc", "注册人统一社会信用代码", "Holder credit code", True,
           "91130100MA0CKH9X10"),
    Column("device_name", "产品名称", "Product name", True, "电子血压计"),
    Column("model_spec", "型号、规格", "Models and specifications", True, "BP-100, BP-200"),
    Column("structure", "结构及组成", "Structure and composition", True, "主机、袖带、电源适配器"),
    Column("intended_use", "适用范围", "Intended use", True, "供医疗机构测量成人血压"),
    Column("technical_requirements", "产品技术要求", "Technical requirements file", False,
           "冀械注准20212070012 产品技术要求", _l("The reference of the technical "
                                              "requirements file")),
    Column("production_address", "生产地址", "Production addresses", True,
           "河北省石家庄市高新区天山大街 266 号", _l("One per line, or separated by ;")),
    Column("approved_on", "批准日期", "First approved on", True, "2021-03-15"),
    Column("valid_from", "本期有效期起", "Current period from", True, "2021-03-15"),
    Column("valid_until", "有效期至", "Valid until", True, "2026-03-14"),
    Column("earlier_periods", "以往有效期", "Earlier validity periods", False, "",
           _l("YYYY-MM-DD~YYYY-MM-DD, separated by ;")),
    Column("status", "状态", "Status", True, "有效",
           _l("有效 valid, 过期 expired, 注销 cancelled, 撤销 revoked")),
    Column("ended_on", "注销或撤销日期", "Cancelled or revoked on", False, ""),
    Column("change_history", "变更记录", "Change history", False,
           "2023-05-10 变更注册：增加型号 BP-200",
           _l("One entry per line: YYYY-MM-DD and what changed")),
)

KINDS: dict[str, tuple[Column, ...]] = {
    "organisations": ORGANISATIONS,
    "users": USERS,
    "licences": LICENCES,
    "certificates": CERTIFICATES,
}

KIND_TITLES = {
    "organisations": _l("Organisations"),
    "users": _l("User accounts"),
    "licences": _l("Production licences"),
    "certificates": _l("Certificates issued before go-live"),
}
