"""Who is behind a listing: phone numbers, WeChat and QQ ids, institution names — evasions undone.

Advertisers write 微信 as VX, 薇信 or +V and 扣扣 for QQ (the de-obfuscation pass already turns
those into 微信 / qq), and numbers with Chinese numerals or spaces (一三八 0000 1234). Contacts
come back normalised (``phone:13800001234``, ``wechat:abc_123``, ``qq:12345678``) so that the
same person behind several listings is one key.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from detectors.detector import Detector, Reading
from detectors.models import Institution

if TYPE_CHECKING:
    from detectors.engine import Engine

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

INSTITUTION_PARTS = ("publisher", "title", "body", "contact")  # the advertiser's own name first


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


def named_institutions(reading: Reading, parts: Sequence[str] = INSTITUTION_PARTS) -> list[Institution]:
    """Institution names in the given parts of a reading, in that order, each with the original text it stands on."""
    found: dict[str, Institution] = {}
    text = reading.folded.text
    for part in parts:
        start, end = reading.bounds.get(part, (0, 0))
        for match in INSTITUTION.finditer(text, start, end):
            name = match.group(1)
            if name not in found:
                found[name] = Institution(name, reading.span(*match.span(1)), part)
    return list(found.values())


class PartiesDetector(Detector):
    """Who is behind a listing: contact keys from every part, institution names with where they stand."""

    name = "parties"

    @classmethod
    def build(cls, engine: Engine) -> PartiesDetector:
        return cls()

    def detect(self, readings: Sequence[Reading]) -> None:
        for reading in readings:
            reading.contacts = contacts(reading.folded.text)
            reading.institutions = named_institutions(reading)
