"""Reference tables (docs/rules.md §7): provincial-level regions and the 2017
classification catalogue's subcategories plus the IVD reagent code."""

from __future__ import annotations

# (division code, English name, Chinese name, abbreviation used on certificates)
# Guizhou and Yunnan: certificates use 黔 and 滇, as on NMPA's published certificates.
# The 31 regions as the first migration loaded them: never edit this list, add a migration.
PROVINCES: list[tuple[str, str, str, str]] = [
    ("11", "Beijing", "北京市", "京"),
    ("12", "Tianjin", "天津市", "津"),
    ("13", "Hebei", "河北省", "冀"),
    ("14", "Shanxi", "山西省", "晋"),
    ("15", "Inner Mongolia", "内蒙古自治区", "蒙"),
    ("21", "Liaoning", "辽宁省", "辽"),
    ("22", "Jilin", "吉林省", "吉"),
    ("23", "Heilongjiang", "黑龙江省", "黑"),
    ("31", "Shanghai", "上海市", "沪"),
    ("32", "Jiangsu", "江苏省", "苏"),
    ("33", "Zhejiang", "浙江省", "浙"),
    ("34", "Anhui", "安徽省", "皖"),
    ("35", "Fujian", "福建省", "闽"),
    ("36", "Jiangxi", "江西省", "赣"),
    ("37", "Shandong", "山东省", "鲁"),
    ("41", "Henan", "河南省", "豫"),
    ("42", "Hubei", "湖北省", "鄂"),
    ("43", "Hunan", "湖南省", "湘"),
    ("44", "Guangdong", "广东省", "粤"),
    ("45", "Guangxi", "广西壮族自治区", "桂"),
    ("46", "Hainan", "海南省", "琼"),
    ("50", "Chongqing", "重庆市", "渝"),
    ("51", "Sichuan", "四川省", "川"),
    ("52", "Guizhou", "贵州省", "黔"),
    ("53", "Yunnan", "云南省", "滇"),
    ("54", "Tibet", "西藏自治区", "藏"),
    ("55", "Shaanxi", "陕西省", "陕"),
    ("62", "Gansu", "甘肃省", "甘"),
    ("63", "Qinghai", "青海省", "青"),
    ("64", "Ningxia", "宁夏回族自治区", "宁"),
    ("65", "Xinjiang", "新疆维吾尔自治区", "新"),
]

#: The Xinjiang Production and Construction Corps administration issues Class II certificates as
#: 兵械注准… beside the 31 provinces. It has no GB/T 2260 code of its own; devreg uses "66", which
#: GB/T 2260 leaves unused (docs/rules.md §7, an interpretation). Added by its own migration.
XPCC = ("66", "Xinjiang Production & Construction Corps", "新疆生产建设兵团", "兵")

#: every authority that registers Class II devices and issues certificates and licences
ISSUING_AUTHORITIES: list[tuple[str, str, str, str]] = [*PROVINCES, XPCC]

IVD_REAGENT_CODE = "40"

# (code, English name, Chinese name)
CATALOGUE: list[tuple[str, str, str]] = [
    ("01", "Active surgical instruments", "有源手术器械"),
    ("02", "Passive surgical instruments", "无源手术器械"),
    ("03", "Neurological and cardiovascular surgical instruments", "神经和心血管手术器械"),
    ("04", "Orthopaedic surgical instruments", "骨科手术器械"),
    ("05", "Radiotherapy devices", "放射治疗器械"),
    ("06", "Medical imaging devices", "医用成像器械"),
    ("07", "Medical diagnostic and monitoring devices", "医用诊察和监护器械"),
    ("08", "Respiratory, anaesthesia and first-aid devices", "呼吸、麻醉和急救器械"),
    ("09", "Physical therapy devices", "物理治疗器械"),
    ("10", "Blood transfusion, dialysis and extracorporeal circulation devices",
     "输血、透析和体外循环器械"),
    ("11", "Medical device disinfection and sterilisation devices", "医疗器械消毒灭菌器械"),
    ("12", "Active implants", "有源植入器械"),
    ("13", "Passive implants", "无源植入器械"),
    ("14", "Injection, nursing and protective devices", "注输、护理和防护器械"),
    ("15", "Patient carrying devices", "患者承载器械"),
    ("16", "Ophthalmic devices", "眼科器械"),
    ("17", "Dental devices", "口腔科器械"),
    ("18", "Obstetric, gynaecological, assisted reproduction and contraceptive devices",
     "妇产科、辅助生殖和避孕器械"),
    ("19", "Medical rehabilitation devices", "医用康复器械"),
    ("20", "Traditional Chinese medicine devices", "中医器械"),
    ("21", "Medical software", "医用软件"),
    ("22", "Clinical laboratory instruments", "临床检验器械"),
    (IVD_REAGENT_CODE, "In-vitro diagnostic reagents", "体外诊断试剂"),
]

PROVINCE_BY_ABBREVIATION = {abbr: code for code, _en, _zh, abbr in ISSUING_AUTHORITIES}
PROVINCE_CODES = frozenset(code for code, *_ in ISSUING_AUTHORITIES)
CATALOGUE_CODES = frozenset(code for code, *_ in CATALOGUE)
