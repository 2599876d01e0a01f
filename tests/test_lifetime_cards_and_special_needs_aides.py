"""Two wording classes read on issue 18n's real listings, each in generated variants with clean counterparts.

- A lifetime or permanent card however it is named (终身学习卡, 终身学员资格, 永久会员) is a prepayment
  with no end date: more than 3 months (YY 四(四), DATA.md a-2), whatever the course. Lifelong
  learning as an idea (终身学习理念) or a per-lesson price is not.
- An aide hired to sit in class beside a child with special needs (入校陪读 for 多动症/自闭症, 影子老师)
  gives behaviour support, not tutoring: 陪读 there is no 家教. The same aide who also does homework or
  a school subject is tutoring again.
"""

from __future__ import annotations

import pytest

from detectors.claims import prepaid_months
from detectors.engine import Engine, EngineConfig
from detectors.models import Document
from tests.support.variants import grid

LIFETIME_CARDS = grid(
    "{course}：{price}，{card}{paid}，{use}",
    course=["少儿口才班", "拉丁舞培训", "小学英语辅导", "少儿围棋"],
    price=["单节课65元", "体验课免费"],
    card=["办理一张1万元的终身学习卡", "开通永久会员", "终身学员资格8800元", "永久VIP卡"],
    paid=["", "一次交清"],
    use=["不限次数上课", "课程随便上"],
)
NOT_PREPAID = grid(
    "{course}：{idea}，{price}",
    course=["少儿口才班", "拉丁舞培训", "少儿围棋", "社区图书馆"],
    idea=["倡导终身学习理念", "终身学习是一种生活方式", "终身成长从阅读开始"],
    price=["每节120元", "按次收费", "季度班2280元"],
)

AIDES = grid(
    "{who}：孩子{need}，{school}；{hire}{aide}，{duty}，{pay}",
    who=["家长", "王先生", "招聘"],
    need=["有多动症", "患有自闭症", "属于特殊儿童", "注意力缺陷"],
    school=["学校要求家长陪读", "上课无法集中精力"],
    hire=["聘请", "招"],
    aide=["陪读老师入校陪读", "影子老师随班陪读"],
    duty=["纠正课堂行为、协助处理同学关系", "帮助孩子适应集体生活"],
    pay=["每月8000元", "薪资面议"],
)
AIDES_WHO_TUTOR = grid(
    "招聘陪读老师：孩子{need}，{when}陪读，{study}，{pay}",
    need=["有多动症", "患有自闭症", "属于特殊儿童"],
    when=["放学后", "周末", "每天晚上"],
    study=["辅导数学作业、讲解错题", "检查作业、辅导英语", "预习语文、复习功课"],
    pay=["月薪8000", "每小时100元"],
)


@pytest.fixture(scope="module")
def rules() -> Engine:
    return Engine(EngineConfig(model=None))


def _analyses(engine: Engine, texts: list[str], platform: str) -> list:
    return engine.analyze_many(Document("", text, platform) for text in texts)


def test_every_lifetime_card_reads_as_a_prepayment_with_no_end(rules: Engine) -> None:
    assert len(LIFETIME_CARDS) >= 24
    assert all([claim.value for claim in prepaid_months(text)] == [120.0] for text in LIFETIME_CARDS)
    missed = [
        text
        for text, analysis in zip(LIFETIME_CARDS, _analyses(rules, LIFETIME_CARDS, "tutoring"), strict=True)
        if "price_violation/prepaid-period-over-limit" not in {f.rule for f in analysis.findings}
    ]
    assert not missed, missed[:3]


def test_lifelong_learning_as_an_idea_is_no_prepaid_period(rules: Engine) -> None:
    assert not [text for text in NOT_PREPAID if any(claim.value > 3 for claim in prepaid_months(text))]
    flagged = [
        text
        for text, analysis in zip(NOT_PREPAID, _analyses(rules, NOT_PREPAID, "tutoring"), strict=True)
        if any(f.category == "price_violation" for f in analysis.findings)
    ]
    assert not flagged, flagged[:3]


@pytest.mark.parametrize("platform", ["housekeeping", "recruitment", "social"])
def test_a_special_needs_aide_in_class_is_no_home_tutor_or_tutor_request(rules: Engine, platform: str) -> None:
    assert len(AIDES) >= 24
    flagged = [
        (text, [f.rule for f in analysis.findings])
        for text, analysis in zip(AIDES, _analyses(rules, AIDES, platform), strict=True)
        if any(f.category in ("home_tutor", "tutor_recruitment") and f.confidence == "high" for f in analysis.findings)
    ]
    assert not flagged, flagged[:3]


def test_an_aide_who_also_does_homework_or_a_subject_is_tutoring_again(rules: Engine) -> None:
    missed = [
        text
        for text, analysis in zip(AIDES_WHO_TUTOR, _analyses(rules, AIDES_WHO_TUTOR, "housekeeping"), strict=True)
        if not (analysis.flagged and "home_tutor" in analysis.categories)
    ]
    assert not missed, missed[:3]
