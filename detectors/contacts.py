"""Who is behind a listing: phone numbers, WeChat and QQ ids, institution names — evasions undone.

Advertisers write 微信 as VX, 薇信 or +V and 扣扣 for QQ (the de-obfuscation pass already turns
those into 微信 / qq), and numbers with Chinese numerals or spaces (一三八 0000 1234). Contacts
come back normalised (``phone:13800001234``, ``wechat:abc_123``, ``qq:12345678``) so that the
same person behind several listings is one key.
"""

from __future__ import annotations

import re

from detectors.analysis import rule_detector

NUMERALS = str.maketrans("零〇一二三四五六七八九幺", "001234567891")
SPACED_DIGITS = re.compile(r"(?<![0-9])(?:[0-9][ \-.·]?){6,13}[0-9](?![0-9])")
MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
LANDLINE = re.compile(r"^0[0-9]{2,3}[0-9]{7,8}$")
WECHAT = re.compile(r"微信(?:号|号码|id)?\s*[:：是为]?\s*([a-z][-_a-z0-9]{5,19})")
QQ = re.compile(r"qq(?:号|群)?\s*[:：是为]?\s*([1-9][0-9]{4,11})")
INSTITUTION = re.compile(
    r"([\u4e00-\u9fff]{2,12}?(?:教育科技有限公司|教育咨询有限公司|文化传播有限公司|培训学校|培训中心|教育|学校|学堂|书院|"
    r"工作室|家政服务中心|家政公司|家政))"
)


def fold(text: str) -> str:
    """The folded, de-obfuscated text that contacts() and institutions() read (and rules match)."""
    return rule_detector().prepare(text).text


def contacts(folded: str) -> list[str]:
    """Normalised contact keys in folded text (phones, WeChat, QQ), in order, without repeats."""
    folded = folded.translate(NUMERALS)
    found: list[str] = []
    for match in SPACED_DIGITS.finditer(folded):
        digits = re.sub(r"[^0-9]", "", match.group())
        if MOBILE.match(digits) or LANDLINE.match(digits):
            found.append(f"phone:{digits}")
    found += [f"wechat:{m.group(1)}" for m in WECHAT.finditer(folded)]
    found += [f"qq:{m.group(1)}" for m in QQ.finditer(folded)]
    return list(dict.fromkeys(found))


def institutions(folded: str) -> list[str]:
    """Names in folded text that look like an institution or agency (…教育, …培训学校, …工作室, …家政)."""
    return list(dict.fromkeys(m.group(1) for m in INSTITUTION.finditer(folded)))
