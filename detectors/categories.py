"""The fixed category vocabulary of ../shared/categories.md; every rule, finding and export uses it."""

from __future__ import annotations

CATEGORIES: dict[str, str] = {
    "one_on_one": "一对一/一对多学科辅导",
    "home_tutor": "住家教师/高端家政带教",
    "crowdfunded_tutor": "众筹私教/拼课",
    "tutor_recruitment": "招聘家教/家庭教师",
    "preschool": "学龄前学科类/线上培训",
    "holiday_training": "节假日/寒暑假学科培训",
    "disguised_subject": "非学科名义开展学科培训",
    "online_subject": "线上学科类培训",
    "in_service_teacher": "在职教师有偿补课",
    "false_advertising": "虚假宣传/夸大效果/制造焦虑",
    "price_violation": "价格违法",
    "competition": "违规学科竞赛",
    "unlicensed": "无证经营",
}

PLATFORMS: tuple[str, ...] = ("tutoring", "recruitment", "housekeeping", "social")

# The clauses each category rests on (categories.md, "basis"); a classifier finding cites them.
BASIS: dict[str, tuple[str, ...]] = {
    "one_on_one": ("YY 四(二)", "HY 三.2", "HY 三.5"),
    "home_tutor": ("HY 三.3", "HY 三.5"),
    "crowdfunded_tutor": ("HY 三.2", "HY 三.5", "YY 四(二)"),
    "tutor_recruitment": ("HY 三.2",),
    "preschool": ("YY 四(二)", "HY 三.5"),
    "holiday_training": ("YY 四(二)", "HY 三.5"),
    "disguised_subject": ("HY 三.3", "HY 三.5", "YY 四(二)"),
    "online_subject": ("YY 四(二)",),
    "in_service_teacher": ("HY 三.3", "HY 四(二)"),
    "false_advertising": ("YY 四(三)",),
    "price_violation": ("YY 四(四)",),
    "competition": ("HY 三.3",),
    "unlicensed": ("YY 四(一)",),
}
