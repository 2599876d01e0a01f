"""Chinese words for the people who read the leads: categories, verdicts, registry statuses, platforms.

Ids stay in the CSV contract and in summary.json; the workbook, the reports and the terminal
show these names. Category names are those of shared/categories.md (detectors.categories).
"""

from __future__ import annotations

from detectors.categories import CATEGORIES

DECIDED = {"confirmed": "确认", "dismissed": "排除", "investigating": "调查中"}  # verdict id → label
VERDICTS = {**DECIDED, "": "待研判"}  # '' is a lead waiting for a verdict (new, or reopened)
VERDICT_CHOICES = ("确认", "排除", "调查中", "待研判")  # the drop-down; 待研判 reopens a lead
FROM_LABEL = {label: verdict for verdict, label in VERDICTS.items()} | {v: v for v in VERDICTS if v}
REGISTRY = {
    "licensed": "已取得办学许可",
    "scope mismatch": "超出许可范围",
    "revoked": "许可已失效",
    "blacklisted": "列入黑名单",
    "not found": "未查到办学许可",
}
REGISTRY_RULES = {f"registry/{s.replace(' ', '-')}": s for s in ("not found", "revoked", "blacklisted")}
PLATFORMS = {"tutoring": "培训广告", "recruitment": "招聘求职", "housekeeping": "家政服务", "social": "社交/分类信息"}
OUTCOMES = {"new": "新线索", "changed": "有变化", "recurring": "再次出现"}
CONTACT_KINDS = {"phone": "电话", "wechat": "微信", "qq": "QQ"}
UNKNOWN_PLACE = "(未注明)"  # a lead whose page names no district or city


def category_name(category: str) -> str:
    return CATEGORIES.get(category, category)


def category_names(joined: str) -> str:
    """';'-joined category ids as the names people read, joined by 、."""
    return "、".join(category_name(c) for c in joined.split(";") if c)


def verdict_name(status: str) -> str:
    return VERDICTS.get(status, status)


def registry_name(status: str) -> str:
    return REGISTRY.get(status, status)


def platform_name(platform: str) -> str:
    return PLATFORMS.get(platform, platform)


def contact_name(key: str) -> str:
    """'phone:13800001234' → '电话 13800001234'."""
    kind, _, value = key.partition(":")
    return f"{CONTACT_KINDS.get(kind, kind)} {value}" if value else key
