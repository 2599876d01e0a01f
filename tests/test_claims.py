"""Structured claims: what an ad states about periods, lessons, prices, refunds, ages and pay, read as numbers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from detectors.claims import KINDS, chinese_number, extract, extract_all, number
from detectors.normalize import normalize


def read(text: str, kind: str) -> list[float]:
    folded = normalize(text).text
    return sorted({round(claim.value, 2) for claim in extract(folded, kind)})


@pytest.mark.parametrize(
    ("text", "kind", "values"),
    [
        ("少儿英语年卡9800元，一次付清", "prepaid_months", [12.0]),
        ("续费15800元，购买2019年9月1日至2021年8月31日的课程", "prepaid_months", [24.0]),
        ("一次性收取超过三个月学费", "prepaid_months", [3.01]),
        ("学费按季度收取，单次收取不超过3个月", "prepaid_months", [3.0]),
        ("按学期收费，一学期3600元", "prepaid_months", []),
        ("预缴两个学期费用享八折", "prepaid_months", [9.0]),
        ("报三个月送一个月，学费2400", "prepaid_months", [3.0, 4.0]),
        ("出全新《五年高考三年模拟》，原价68，40出", "prepaid_months", []),
        ("季度班2680元", "prepaid_months", [3.0]),
        ("课程有效期540天，学费一次交清", "prepaid_months", [18.0]),
        ("宝宝5个月大，找育儿嫂，月薪8000", "prepaid_months", []),
        ("做了两年育儿嫂，月薪8000", "prepaid_months", []),
        ("每周两次课，学费按次结", "lessons", []),
        ("钢琴课88+12课时，学费8800", "lessons", [100.0]),
        ("小课包30节，大课包50节，学费另议", "lessons", [30.0, 50.0]),
        ("150课包送30课，学费一次付", "lessons", [180.0]),
        ("主修课96节、外教课24节，另赠送20节，共计13800元", "lessons", [140.0]),
        ("原价3680元，现价1280元", "was_now", [65.2]),
        ("划线价599，体验价9.9元", "was_now", [98.3]),
        ("原价4680/期，本周报名立减2000", "was_now", [42.7]),
        ("国庆五折抢课", "discount", [50.0]),
        ("七五折", "discount", [25.0]),
        ("开课后不予退款", "refund_bar", [1.0]),
        ("中途退课扣除30%手续费", "refund_bar", [1.0]),
        ("上课满三次后恕不退费", "refund_bar", [1.0]),
        ("第三周起学校不再办理退费事宜", "refund_bar", [1.0]),
        ("开课前申请退费，扣除学费10%", "refund_bar", [1.0]),
        ("两个学期一起报名，学费一次交清", "prepaid_months", [9.0]),
        ("一个学期报名", "prepaid_months", []),
        ("不提分全额退费", "refund_bar", []),
        ("试课不满意全额退款", "refund_bar", []),
        ("学员一旦被开除，即不享有学费退还的权利", "refund_bar", [1.0]),
        ("未学满一个月，按70%退款", "refund_bar", [1.0]),
        ("按学费的八成退还", "refund_bar", [1.0]),
        ("考不上按80%退还学费", "refund_bar", []),
        ("开课十天后申请者不具备退款条件", "refund_bar", [1.0]),
        ("享有七天无理由退费的权利", "refund_bar", []),
        ("签协议保录取", "guarantee", [1.0]),
        ("考不上就全额退费", "guarantee", [1.0]),
        ("直通名校计划", "guarantee", [1.0]),
        ("甲方承诺乙方孩子中考数学达到110分", "guarantee", [1.0]),
        ("签约生可以提前获得高中的录取资格", "guarantee", []),
        ("我们无法保证提分", "guarantee", []),
        ("试听不满意免费重新匹配老师", "guarantee", []),
        ("学生最终未被上述中学之一录取的，由甲方退还已缴纳培训费的50%", "guarantee", [1.0]),
        ("如未达录取分数线，将退还一半的学费", "guarantee", [1.0]),
        ("未达到退费条件的不予退费", "guarantee", []),
        ("提分不满意，无条件退费", "guarantee", [1.0]),
        ("取得等级证书，考学还可以降分录取", "guarantee", [1.0]),
        ("主讲老师都是来自985院校", "elite_share", [100.0]),
        ("老师都是本地人", "elite_share", []),
        ("数学培训班 ¥1 ¥2600", "was_now", [100.0]),
        ("套餐A ¥300 ¥200", "was_now", []),
        ("基础班 ¥1200 ¥1600", "was_now", []),
        ("办理终身VIP，学到16岁", "prepaid_months", [120.0]),
        ("成绩不理想可免费重学", "guarantee", [1.0]),
        # a gain in marks promised with its number, and a line said to be certain (issue 18j)
        ("负责人保证：能让孩子提100多分", "guarantee", [1.0]),
        ("承诺一学期涨30分", "guarantee", [1.0]),
        ("确保数学提高二十分", "guarantee", [1.0]),
        ("报冲刺班，过重点线没问题", "guarantee", [1.0]),
        ("考上一本绝对不是问题", "guarantee", [1.0]),
        ("上重点高中稳了", "guarantee", [1.0]),
        ("孩子这学期进步了10名", "guarantee", []),
        ("不能保证提100分", "guarantee", []),
        ("过马路没问题，孩子上高中了", "guarantee", []),
        ("这个问题没问题", "guarantee", []),
        ("面向3-8岁", "age_from", [3.0]),
        ("面向3-8岁", "age_to", [8.0]),
        ("适合四五岁孩子", "age_from", [4.0]),
        ("初二数学 高一物理 三年级英语", "grade", [3.0, 8.0, 10.0]),
        ("对34名初中生开班", "pupils", [34.0]),
        ("数十名学生放学后来上课", "pupils", [20.0]),
        ("月薪1万-3万", "monthly_pay", [30000.0]),
        ("年薪60万起", "monthly_pay", [50000.0]),
        ("8000-12000元/月", "monthly_pay", [12000.0]),
        ("平均分比对照班高出12分", "result_gain", [12.0]),
        ("九成老师毕业于985", "elite_share", []),
        ("历年升学率高达96%", "success_rate", [96.0]),
        ("超过80%的老师来自985、211", "elite_share", [80.0]),
    ],
)
def test_claims_are_read_as_numbers(text: str, kind: str, values: list[float]) -> None:
    assert read(text, kind) == pytest.approx(values, abs=0.05)


def test_spans_point_at_what_was_read() -> None:
    folded = normalize("寒假特惠：年卡只要6999元，送20节课，报名后不予退费").text
    claims = extract_all(folded)
    assert {c.kind for c in claims} >= {"prepaid_months", "lessons", "refund_bar"}
    for claim in claims:
        assert 0 <= claim.start < claim.end <= len(folded)
        assert claim.detail and folded[claim.start : claim.end]


def test_numerals() -> None:
    assert chinese_number("一百二十") == 120 and chinese_number("十二") == 12 and chinese_number("两") == 2
    assert number("1,200") == 1200 and number("1.5万") == 15000 and number("几十") == 20 and number("3k") == 3000
    assert number("abc") is None


ALPHABET = "一二三四五六七八九十百年月个节课时元原价现折不予退款保证岁级初高名学生薪万0123456789-+,。"


@given(st.text(alphabet=ALPHABET, max_size=60))
def test_any_text_gives_valid_claims(text: str) -> None:
    for kind in KINDS:
        for claim in extract(text, kind):
            assert claim.kind == kind and 0 <= claim.start < claim.end <= len(text)
            assert claim.value == claim.value  # not NaN
