"""The go-live sample files: a Hebei province's existing records as import files (two more
holders and a manufacturer, its licence, two accounts, 30 certificates issued before go-live).
`flask import samples DIR` writes them; the demo imports them through the same code path as
`flask import` and the admin page. The dates are relative to today, so every sample
certificate's status is right whenever they are made."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from pathlib import Path

from dateutil.relativedelta import relativedelta

from devreg.certificates.services import last_valid_day
from devreg.clock import china_today
from devreg.orgs.uscc import check_character
from devreg.transfer.columns import KINDS

#: the demo's own Hebei holder (devreg/demo/loader.py ORGANISATIONS["holder_hebei"]): the
#: certificates name it, so on an instance without the demo import organisations with it first
DEMO_HOLDER = "91130100MA0CKL001"
HOLDERS = {
    "91130600MA0BDX101": ("保定康达医疗器械有限公司", "Baoding Kangda Medical Devices Co., Ltd.",
                          "河北省保定市高新区朝阳北大街 1 号"),
    "91130200MA0TRY102": ("唐山仁和医疗科技有限公司", "Tangshan Renhe Medical Technology Co.",
                          "河北省唐山市路北区建设北路 88 号"),
}
#: stands in for the demo's holder in the files for a fresh instance
SPARE_HOLDER = "91130100MA0KLM104"
SPARE = ("石家庄康联医疗科技有限公司", "Shijiazhuang Kanglian Medical Technology Co., Ltd.",
         "河北省石家庄市高新区天山大街 266 号")
MAKER = ("91131000MA0LFJ103", "廊坊精诚医疗器械制造有限公司",
         "Langfang Jingcheng Medical Manufacturing Co.", "河北省廊坊市经济技术开发区百合道 9 号")
LICENCE = "冀药监械生产许20200101号"
PRODUCTS = [
    ("电子血压计", "BP-{n}", "主机、袖带、电源适配器", "供医疗机构测量成人血压", "07"),
    ("医用红外体温计", "IR-{n}", "探头、主机、电池", "测量人体体温", "07"),
    ("一次性使用输液器", "0.{n}mm", "瓶塞穿刺器、滴斗、导管、流量调节器", "供静脉输液用", "14"),
    ("医用雾化器", "NB-{n}", "压缩机、雾化杯、面罩", "雾化吸入治疗", "08"),
    ("电动病床", "DB-{n}", "床架、电机、控制器", "供患者卧床使用", "15"),
    ("中频治疗仪", "ZP-{n}", "主机、电极片", "缓解肌肉疼痛", "09"),
    ("全自动生化分析仪", "BA-{n}", "分析模块、试剂盘、软件", "临床生化项目检测", "22"),
    ("医用外科口罩", "17.5×9.5cm-{n}", "口罩体、鼻夹、口罩带", "供医务人员防护用", "14"),
    ("葡萄糖测定试剂盒（葡萄糖氧化酶法）", "{n}×20mL", "试剂1、试剂2、校准品",
     "体外定量测定人血清中葡萄糖含量", "40"),
    ("脉搏血氧仪", "PO-{n}", "主机、血氧探头", "测量脉搏血氧饱和度", "07"),
]
COUNT = 30
FIRST_SERIAL = 101
FILES = {"organisations": "hebei-organisations.csv", "licences": "hebei-licences.csv",
         "certificates": "hebei-certificates.csv", "users": "hebei-users.csv"}


def _uscc(first17: str) -> str:
    return first17 + check_character(first17)


def _csv(kind: str, rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c.header for c in KINDS[kind]])
    for row in rows:
        writer.writerow([row.get(c.key, "") for c in KINDS[kind]])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def organisations_file(*, demo: bool = False) -> bytes:
    holders = dict(HOLDERS) if demo else {SPARE_HOLDER: SPARE, **HOLDERS}
    rows = [{"uscc": _uscc(code), "name_zh": zh, "name_en": en, "province": "河北省",
             "address": address, "roles": "注册人"} for code, (zh, en, address) in holders.items()]
    rows.append({"uscc": _uscc(MAKER[0]), "name_zh": MAKER[1], "name_en": MAKER[2],
                 "province": "13", "address": MAKER[3], "roles": "受托生产企业"})
    return _csv("organisations", rows)


def licences_file(today: date) -> bytes:
    return _csv("licences", [{
        "number": LICENCE, "organisation_uscc": _uscc(MAKER[0]), "province": "河北省",
        "valid_from": (today - relativedelta(years=2)).isoformat(),
        "valid_until": (today + relativedelta(years=3)).isoformat(), "scope": "07;14;22",
        "sites": MAKER[3]}])


def users_file() -> bytes:
    return _csv("users", [
        {"email": "zhao.lei@baoding-kangda.example", "display_name": "赵磊",
         "organisation_uscc": _uscc("91130600MA0BDX101"), "role": "注册人"},
        {"email": "qian.yu@tangshan-renhe.example", "display_name": "钱玉",
         "organisation_uscc": _uscc("91130200MA0TRY102"), "role": "注册人"},
    ])


def certificate_rows(today: date, *, demo: bool = False) -> list[dict[str, str]]:
    """30 certificates: most valid (approved 1 to 4 years ago), some renewed once, some expired,
    one cancelled; serials 0101 upwards in each year."""
    # in the demo a third of them belong to the demo's holder (holder@demo.devreg can renew
    # them); the files for a fresh instance name only the sample organisations
    holders = [_uscc(DEMO_HOLDER) if demo else _uscc(SPARE_HOLDER),
               *(_uscc(code) for code in HOLDERS)]
    serials: dict[int, int] = {}
    rows = []
    for i in range(COUNT):
        name, model, structure, use, code = PRODUCTS[i % len(PRODUCTS)]
        kind = "renewed" if i % 10 == 7 else "expired" if i % 10 == 9 else \
            "cancelled" if i == 4 else "valid"
        back = relativedelta(years=6, months=i % 6) if kind in ("renewed", "expired") else \
            relativedelta(months=8 + (i * 5) % 40)
        approved = today - back - timedelta(days=i)
        serial = serials.setdefault(approved.year, FIRST_SERIAL)
        serials[approved.year] += 1
        first_end = last_valid_day(approved)
        row = {"number": f"冀械注准{approved.year}2{code}{serial:04d}",
               "first_year": str(approved.year), "holder_uscc": holders[i % len(holders)],
               "device_name": name, "model_spec": model.format(n=100 + i),
               "structure": structure, "intended_use": use,
               "technical_requirements": f"冀械注准{approved.year}2{code}{serial:04d} 产品技术要求",
               "production_address": "河北省石家庄市高新区天山大街 266 号",
               "approved_on": approved.isoformat(), "status": "有效"}
        if kind == "renewed":
            start = first_end + timedelta(days=1)
            row.update(earlier_periods=f"{approved.isoformat()}~{first_end.isoformat()}",
                       valid_from=start.isoformat(), valid_until=last_valid_day(start).isoformat(),
                       change_history=f"{(approved + relativedelta(years=2)).isoformat()} "
                                      "变更注册：增加型号")
        else:
            row.update(valid_from=approved.isoformat(), valid_until=first_end.isoformat())
        if kind == "expired":
            row["status"] = "过期"
        if kind == "cancelled":
            row.update(status="注销", ended_on=(today - timedelta(days=30)).isoformat())
        rows.append(row)
    return rows


def certificates_file(today: date, *, demo: bool = False) -> bytes:
    return _csv("certificates", certificate_rows(today, demo=demo))


def sample_files(today: date | None = None, *, demo: bool = False) -> dict[str, bytes]:
    """``demo``: for the demo, whose own Hebei holder already exists (it is left out of the
    organisations and holds a third of the certificates)."""
    today = today or china_today()
    return {"organisations": organisations_file(demo=demo), "users": users_file(),
            "licences": licences_file(today),
            "certificates": certificates_file(today, demo=demo)}


def write_samples(folder: Path, today: date | None = None) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for kind, data in sample_files(today).items():
        path = folder / FILES[kind]
        path.write_bytes(data)
        written.append(path)
    return written


