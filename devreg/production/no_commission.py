"""The list of devices that may not be commissioned (禁止委托生产医疗器械目录, NMPA 2022 No. 17):
code of the 2017 catalogue, the name as printed, and the keyword a device's name must contain.
Loaded by the migration that creates the table and by the demo; administrators maintain it.
Section 三 of the list (other allogeneic implants and implants taken directly from animal
tissue) names no catalogue code: administrators add such products by name as they arise."""

NO_COMMISSION_LIST: tuple[tuple[str, str, str], ...] = (
    ("12-01-01", "植入式心脏起搏器", "心脏起搏器"),
    ("12-04-01", "植入式心脏收缩力调节器", "心脏收缩力调节器"),
    ("12-04-02", "植入式循环辅助设备", "循环辅助"),
    ("13-06-04", "硬脑（脊）膜补片（不含动物源性材料的产品除外）", "膜补片"),
    ("13-06-06", "颅内支架系统", "颅内支架"),
    ("13-06-11", "颅内动脉瘤血流导向装置", "血流导向"),
    ("13-07", "心血管植入物（外周血管支架、腔静脉滤器、心血管栓塞器械除外）", "心血管植入物"),
    ("13-09-01", "整形填充材料", "填充材料"),
    ("13-09-02", "整形用注射填充物", "注射填充"),
    ("13-09-03", "乳房植入物", "乳房植入"),
    ("13-10", "组织工程支架材料（不含同种异体或者动物源性材料的产品除外）", "组织工程支架"),
    ("14-08-02", "可吸收外科防粘连敷料（不含动物源性材料的产品除外）", "防粘连"),
)
