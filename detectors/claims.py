"""Claims that must be read, not matched: amounts, periods, lesson counts, ages, grades, pupils, pay.

Advertisers write a prepayment as 年卡, 一学年, 2012年7月至2015年6月, 有效期720天 or 88+12课时;
listing every phrasing never ends. Instead each kind of claim is parsed into a number with the
span it stands on, and rules test the number (``claim: {kind: prepaid_months, gt: 3}``). A kind
is parsed only when a rule asks for it and its trigger appears in the text, so text without one
costs one search. In the engine, ``ClaimsDetector`` (registered before the rules) puts a lazy
``Claims`` view of each document on its reading; the rules detector hands it to its matchers.

All parsers read the folded text the rules read (NFKC, 简体, lower case, ASCII digits) and
return spans in it; they are pure functions.

Kinds (value, unit):
- ``prepaid_months`` — a period paid for at once, in months (年卡 12, 学期 4.5, 季度 3, 720天 24);
- ``lessons`` — lessons bought in one purchase, gifts included (88+12课时 → 100; 共80节 → 80);
- ``discount`` — percent off (五折 → 50, 原价120 抢购价1元 → 99); ``was_now`` — the same, only
  where an original price and a current price are both stated;
- ``refund_bar`` — a refund refused or cut (开课后不予退款, 满一个月不退, 扣除50%手续费), 1;
- ``guarantee`` — a promised outcome (保录取, 不过退费, 保证拿奖, 保证提100多分, 直通名校, 过线没问题), 1;
- ``age_from`` / ``age_to`` — the ages a class is for (3-8岁 → 3 and 8);
- ``grade`` — a school grade as a number 1–12 (三年级 3, 初二 8, 高一 10, HK 小三 3, 中二 8);
- ``pupils`` — how many pupils are taught (34名初中生, 数十名学生 → 20, 十几个孩子 → 12);
- ``monthly_pay`` — pay per month in yuan, the top of a range (月薪1万-3万 → 30000; 年薪50万 → 41667);
- ``result_gain`` — a claimed improvement in results (几何题正确率高出对照组18.7% → 18.7);
- ``success_rate`` — a claimed pass, admission or improvement rate in percent (升学率高达96% → 96);
- ``elite_share`` — a percentage of teachers or pupils said to come from elite schools (85%的老师来自985).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from detectors.detector import Detector, Reading

if TYPE_CHECKING:
    from detectors.engine import Engine

KINDS = (
    "prepaid_months",
    "lessons",
    "discount",
    "was_now",
    "refund_bar",
    "guarantee",
    "age_from",
    "age_to",
    "grade",
    "pupils",
    "monthly_pay",
    "result_gain",
    "success_rate",
    "elite_share",
)


@dataclass(frozen=True)
class Claim:
    kind: str
    value: float
    start: int  # [start, end) in the folded text
    end: int
    detail: str = ""  # what was read, e.g. "88+12"


Parser = Callable[[str], list["Claim"]]

# Numbers ----------------------------------------------------------------------------------------

DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
UNITS = {"十": 10, "百": 100, "千": 1000}
VAGUE = {"几十": 20, "数十": 20, "十几": 12, "十多": 12, "几百": 200, "数百": 200}
VAGUE |= {"上百": 100, "上千": 1000, "几千": 2000}
CN_SMALL = r"(?:[一二两三四五六七八九]?十[一二三四五六七八九]?|[一二两三四五六七八九])"
NUM = (
    r"(?:[0-9]+(?:[.,][0-9]+)*|[零〇一二两三四五六七八九十百千]+(?:点[零一二三四五六七八九]+)?"
    r"|几十|数十|十几|十多|几百|数百|上百|上千|几千)"
)
SCALE = r"(?:万|w|千|k)?"


def chinese_number(text: str) -> float | None:
    """一百二十 → 120, 十二 → 12, 两 → 2, 三点五 → 3.5; None when it is not a numeral."""
    if "点" in text:
        whole, _, fraction = text.partition("点")
        head = chinese_number(whole)
        if head is None or not fraction or any(c not in DIGITS for c in fraction):
            return None
        return head + float("0." + "".join(str(DIGITS[c]) for c in fraction))
    total, current = 0, 0
    for char in text:
        if char in DIGITS:
            current = current * 10 + DIGITS[char] if current and char in "零〇" else DIGITS[char]
        elif char in UNITS:
            total += (current or 1) * UNITS[char]
            current = 0
        else:
            return None
    return float(total + current)


def number(text: str) -> float | None:
    """A numeral as the folded text writes it: 1,200 / 3.5 / 一百二十 / 几十 (20) / 1.5万 / 3k."""
    text = text.strip()
    scale = 1.0
    if text[-1:] in ("万", "w"):
        scale, text = 10000.0, text[:-1]
    elif text[-1:] in ("千", "k") and len(text) > 1 and text[-2].isdigit():
        scale, text = 1000.0, text[:-1]
    if text in VAGUE:
        return VAGUE[text] * scale
    if not text:
        return None
    if text[0].isdigit():
        try:
            return float(text.replace(",", "")) * scale
        except ValueError:
            return None
    value = chinese_number(text)
    return None if value is None else value * scale


# Sentences: claims are read within one (a payment word must share the sentence with a period).
SENTENCE = re.compile(r"[^。!?;\n]+")


def sentences(text: str) -> list[tuple[int, str]]:
    return [(m.start(), m.group()) for m in SENTENCE.finditer(text)]


def parser(pattern: re.Pattern[str], kind: str, value: Callable[[re.Match[str], str], float | None]) -> Parser:
    """A parser that makes one claim of ``kind`` per match whose ``value`` is not None."""

    def parse(text: str) -> list[Claim]:
        found = ((m, value(m, text)) for m in pattern.finditer(text))
        return [Claim(kind, v, m.start(), m.end(), m.group()) for m, v in found if v is not None]

    return parse


# prepaid_months ---------------------------------------------------------------------------------

PAYMENT = re.compile(
    r"缴|交(?!流|通|友|给孩子)|付(?!出)|收取|收费|购买|购|买|报名|报班|充值|续费|学费|课时费|课程费|培训费|费用|元|课包|套餐|"
    r"一次性|卡|价|打包|预存|储值|有效期|办理|开通"
)
NOT_PREPAY = re.compile(r"个月(?:大|的宝宝|的婴儿|宝宝|婴儿|以内的宝宝)|工作|上班|经验|实习|试用期|做了|干了|保修|质保")
PAY_VERB = r"(?:交|缴|付|买|购|报|续|充|预存|收取|收|预收|办|送|赠|加送|再送)"
GIFT = re.compile(r"^(?:送|赠|加送|再送)")
FEE_NOUN = r"(?:的)?(?:学费|费用|课程费|培训费|课程|课|班|卡|套餐|课包|会员|有效期|期|制)"
PERIOD = re.compile(
    rf"(?P<pay>{PAY_VERB}[^,。!?;\n0-9]{{0,4}}?)?"
    rf"(?:(?P<most>不超过|不超出|不多于|不得超过|最多|至多|最长)?(?P<more>(?<!不)(?<!不得)(?:超过|超出|逾|多于|大于))?"
    rf"(?<![0-9])(?P<n>{NUM})个(?:多)?月(?P<more2>以上)?"
    rf"|(?P<half>半年)"
    rf"|(?P<years>[一二两三1-3])?(?:个)?学年"
    rf"|(?<![0-9一二三四五六七八九十])(?P<yn>[一二两三四五1-5])年"
    rf"|(?P<terms>[两三四2-4])个学期"
    rf"|(?P<quarter>季度|季卡))"
    rf"(?P<fee>{FEE_NOUN})?"
    # terms enrolled or paid for together (两个学期一起报名, 三个月一并缴清)
    rf"(?P<joint>[^,。!?;\n0-9]{{0,2}}?(?:一起|一并|同时|合并|连着)(?:报|報|交|缴|繳|付|购|買|买))?"
    rf"|(?P<annual>年卡|年课|年费|年缴|包年|(?:全年|整年|年度)(?:套餐|课包|卡|班|课程|会员|学费|课时|费用)|学年卡|终身(?:卡|班|会员|课|VIP|vip|制|学籍)"
    # a lifetime or permanent card however it is named (终身学习卡, 终身学员资格, 永久会员): no end date
    rf"|终身(?:学习|学员|成长)(?:卡|会员|VIP|vip|资格)|永久(?:会员|学员|VIP|vip|卡))"
    rf"|有效期(?:为|是)?(?P<days>{NUM})天|(?P<days2>{NUM})天(?:内)?有效"
)
DATE_RANGE = re.compile(
    r"(?P<y1>20[0-9]{2})年(?P<m1>1[0-2]|[1-9])月(?:[0-9]{1,2}日)?(?:至|到|-|~|—)(?P<y2>20[0-9]{2})年(?P<m2>1[0-2]|[1-9])月"
)


def _period_months(m: re.Match[str]) -> float | None:
    """The months a period match stands for; None when nothing says it is paid for (5年高考, 3个月大)."""
    stated = m.group("pay") or m.group("fee") or m.group("joint") or m.group("more") or m.group("more2")
    if m.group("annual"):
        return 120.0 if m.group("annual").startswith(("终身", "永久")) else 12.0
    days = m.group("days") or m.group("days2")
    if days:
        value = number(days)
        return None if value is None else value / 30.0
    if not stated:
        return None
    if m.group("n") is not None:
        months = number(m.group("n"))
        if months is None:
            return None
        return months + (0.01 if (m.group("more") or m.group("more2")) and not m.group("most") else 0)
    if m.group("half"):
        return 6.0
    if m.group("yn") is not None:
        return 12.0 * (number(m.group("yn")) or 1.0)
    if m.group("terms"):
        return 4.5 * (number(m.group("terms")) or 1.0)
    if m.group("quarter"):
        return 3.0
    return 12.0 * (number(m.group("years")) if m.group("years") else 1.0)  # 学年


def prepaid_months(text: str) -> list[Claim]:
    out = []
    for offset, sentence in sentences(text):
        if not PAYMENT.search(sentence):
            continue
        previous: Claim | None = None
        for m in PERIOD.finditer(sentence):
            if NOT_PREPAY.search(sentence[m.start() : m.end() + 8]):
                continue
            months = _period_months(m)
            if not months:
                continue
            start, end = offset + m.start(), offset + m.end()
            if previous is not None and GIFT.match(m.group("pay") or "") and start - previous.end <= 3:
                months += previous.value  # 报三个月送一个月: the gift is prepaid too
                start, detail = previous.start, f"{previous.detail}+{m.group()}"
            else:
                detail = m.group()
            previous = Claim("prepaid_months", round(months, 2), start, end, detail)
            out.append(previous)
        for m in DATE_RANGE.finditer(sentence):
            months = (int(m.group("y2")) - int(m.group("y1"))) * 12 + int(m.group("m2")) - int(m.group("m1")) + 1
            if months > 0:
                out.append(Claim("prepaid_months", float(months), offset + m.start(), offset + m.end(), m.group()))
    return out


# lessons ----------------------------------------------------------------------------------------

LESSON = re.compile(
    rf"(?P<total>共|共计|合计|总共|一共|总计)?(?P<n>{NUM})\+?(?P<plus>\+(?P<n2>{NUM}))?(?:个)?"
    rf"(?:节|课时(?!费)|次课|堂|课(?!程表|表|间|时费|费)|讲|次(?=课|辅导|培训))"
)
NOT_BOUGHT = re.compile(r"(?:每周|每週|一周|每天|每日|每次|每晚|每月|一个月|每个月|第|前|一次)$")
JOIN = re.compile(r"^[^。!?;\n]{0,14}$")
JOINER = re.compile(r"[、+]|加|送|赠|及|和|另|外加")  # not a bare comma: 小课包30节，大课包50节 are two offers
LESSON_PAYMENT = re.compile(r"元|费|购|买|报|续|充|价|课包|课时包|套餐|送|赠|一次性|缴|交|付|打包|卡|学费")


def lessons(text: str) -> list[Claim]:
    out = []
    for offset, sentence in sentences(text):
        if not LESSON_PAYMENT.search(sentence):
            continue
        found = []
        for m in LESSON.finditer(sentence):
            if NOT_BOUGHT.search(sentence[max(0, m.start() - 4) : m.start()]):
                continue
            count = number(m.group("n"))
            if count is None or count <= 0:
                continue
            if m.group("n2"):
                count += number(m.group("n2")) or 0
            found.append((m.start(), m.end(), count, bool(m.group("total")), m.group()))
        groups: list[list[tuple[int, int, float, bool, str]]] = []
        for item in found:
            previous = groups[-1][-1] if groups else None
            gap = sentence[previous[1] : item[0]] if previous else ""
            if previous and not item[3] and JOIN.match(gap) and JOINER.search(gap):
                groups[-1].append(item)
            else:
                groups.append([item])
        for group in groups:
            total = sum(c for _, _, c, _, _ in group)
            detail = "+".join(g[4] for g in group)
            out.append(Claim("lessons", total, offset + group[0][0], offset + group[-1][1], detail))
    return out


# discount, was_now ------------------------------------------------------------------------------

AMOUNT = rf"(?P<{{name}}>[0-9]+(?:[.,][0-9]+)*{SCALE}|{NUM}{SCALE})"
WAS = re.compile(
    r"(?:原价|原來|原来的价格|原來價格|划线价(?:格)?|门市价|市场价|专柜价|官方价|标价|定价|总价\(划线价格\)|总价|平时)"
    r"[^0-9一二三四五六七八九十。!?\n]{0,6}" + AMOUNT.format(name="was")
)
NOW = re.compile(
    r"(?:现价|现在|现只要|现仅|现|仅需|仅要|只需|只要|今天|今日|限时|活动价|特惠价?|秒杀价?|优惠价|折后(?:价|学费)?|团购价|到手价|"
    r"抢购价|特价|体验价|会员价|最终|开业价|早鸟价|拼团价)[^0-9一二三四五六七八九十。!?\n]{0,6}"
    + AMOUNT.format(name="now")
    + r"|(?:立减|直降|立省|优惠|减免|减)"
    + AMOUNT.format(name="cut")
)
FOLD_OFF = re.compile(
    r"(?<![0-9.十])(?P<n>[1-9](?:\.[0-9])?|[一二三四五六七八九](?:[五])?)折(?!叠|扣券|纸|腾|磨|返)|(?P<half>半价)"
)
# a price shown beside the struck-through one it replaces, currency signs and nothing else between (¥1 ¥2600,
# ￥999 ￥2000): a shop page's 划线价 display, read as was → now when at least 30% off
STRUCK_TRIGGER = r"[¥￥][^¥￥]{0,12}[¥￥]"
STRUCK = re.compile(r"[¥￥] ?(?P<now>[0-9]+(?:\.[0-9]+)?) {0,2}[¥￥] ?(?P<was>[0-9]+(?:\.[0-9]+)?)")
CN_FOLD = {"五": 5.0, "六": 6.0, "七": 7.0, "八": 8.0, "九": 9.0, "一": 1.0, "二": 2.0, "三": 3.0, "四": 4.0}


def discounts(text: str) -> list[Claim]:
    out = []
    for m in FOLD_OFF.finditer(text):
        if m.group("half"):
            out.append(Claim("discount", 50.0, m.start(), m.end(), m.group()))
            continue
        raw = m.group("n")
        tenths = float(raw) if raw[0].isdigit() else CN_FOLD[raw[0]] + (0.5 if len(raw) > 1 else 0.0)
        out.append(Claim("discount", round(100 - tenths * 10, 1), m.start(), m.end(), m.group()))
    for m in STRUCK.finditer(text):
        now, was = float(m.group("now")), float(m.group("was"))
        if 0 <= now <= 0.7 * was:  # two prices 25% apart may be two items listed side by side
            off = round(100 * (1 - now / was), 1)
            detail = f"{was:g}→{now:g}"
            out.append(Claim("was_now", off, m.start(), m.end(), detail))
            out.append(Claim("discount", off, m.start(), m.end(), detail))
    for offset, sentence in sentences(text):
        for was in WAS.finditer(sentence):
            before = number(was.group("was"))
            window = sentence[max(0, was.start() - 40) : was.end() + 40]
            shift = max(0, was.start() - 40)
            for now in NOW.finditer(window):
                cut = now.group("cut")
                after = (before - (number(cut) or 0)) if cut and before else number(now.group("now") or "")
                if before and after is not None and 0 <= after < before and abs(now.start() + shift - was.start()) > 2:
                    start, end = min(was.start(), now.start() + shift), max(was.end(), now.end() + shift)
                    off = round(100 * (1 - after / before), 1)
                    detail = f"{before:g}→{after:g}"
                    out.append(Claim("was_now", off, offset + start, offset + end, detail))
                    out.append(Claim("discount", off, offset + start, offset + end, detail))
                    break
    return out


# refund_bar ----------------------------------------------------------------------------------------

REFUND_BAR = re.compile(
    r"(?:概不|一律不|均不|都不|不予|不得|不能|不可|不会|无法|拒绝|拒不|不再|恕不|不)(?:办理|受理|予)?(?:退还|退回|退费|退款|退钱|退换|退学费|退)"
    r"(?!休|出|役|化|步|伍|货(?!款))"
    r"|不退不换|不退不转|(?:扣除|扣|收取)[^,。!?;\n]{0,6}(?:[0-9]{1,2}(?:\.[0-9])?%|[一二三四五六七八九]成|百分之[一二三四五六七八九十]+)(?:的)?(?:手续费|违约金|服务费|管理费)"
    r"|(?:扣除|扣)(?:学费|费用|总费用|课程费|培训费)(?:的)?(?:[0-9]{1,2}(?:\.[0-9])?%|[一二三四五六七八九]成)"
    r"|(?:只|仅)(?:退|能退|可退)[^,。!?;\n]{0,6}(?:[0-9]{1,2}%|[一二三四五六七八九]成|一半|部分)"
    # a refund cut to a share of what was paid (未学满一个月，按70%退款; 按学费的八成退还)
    r"|按(?:学费|费用|总费用|课程费|培训费|已交费用|已缴费用)?(?:的)?(?:[1-9][0-9]?%|[一二三四五六七八九]成)(?:退款|退费|退还|返还)"
    # a right to a refund denied or lost, with words between (不享有学费退还的权利, 丧失退费资格, 不具备退款条件)
    r"|(?:不享有|不享受|不再享有|丧失|无权|不具备|不具有)[^,。!?;\n]{0,8}?(?:退还|退回|退费|退款|退学费|退钱)"
)
REFUND_CONTEXT = re.compile(r"退|费|款|课|学员|报名|合同|协议|名额")
NOT_A_BAR = re.compile(r"(?:不提分|不过|没过|不满意|考不上|没考上|未录取|不达标)[^,。!?;\n]{0,4}$")


def _refund_bar(m: re.Match[str], text: str) -> float | None:
    if NOT_A_BAR.search(text[max(0, m.start() - 10) : m.start()]):
        return None
    return 1.0 if REFUND_CONTEXT.search(text[max(0, m.start() - 30) : m.end() + 10]) else None


refund_bars = parser(REFUND_BAR, "refund_bar", _refund_bar)


# guarantee ----------------------------------------------------------------------------------------

OUTCOME = (
    r"(?:录取|錄取|考上|考进|考入|上岸|通过|过关|及格|拿奖|获奖|得奖|拿证|拿到证|一等奖|金奖|提分|提高|提升|进步|涨分|"
    r"上重点|进重点|上名校|进名校|名校|重点|双一流|985|211|清北|一中|上线|达标|满分|高分|本科|一本|"
    # a gain in marks or places with its number (提100多分, 涨30分, 提高二十分, 进步10个名次)
    r"(?:提|提高|提升|涨|多考|进步)[0-9一二三四五六七八九十百几]+(?:多|来)?(?:分|个名次|名))"
)
GUARANTEE = re.compile(
    r"(?:保证|确保|承诺|担保|包(?!括|含|装|月|年|吃|住|车|邮|教材|书)|保(?!持|护|险|安|密|姆|洁|养|障|留|存|健|育|温|质|修|值)|稳(?!定|步|健|住))"
    rf"[^,。!?;\n]{{0,8}}?{OUTCOME}"
    r"|(?:签约|签协议|签合同|白纸黑字|写进合同)[^,。!?;\n]{0,4}?(?:保|包|承诺|确保|提分|保分|保过|保录|录取|达到)"
    r"|(?:保证|确保|承诺)[^。!?;\n]{0,20}?(?:达到|考到|提高到|提升到|拿到|考进|考入)[^。!?;\n]{0,8}?(?:[0-9]+分|名次|前[0-9一二三四五六七八九十]+名|录取线|分数线|重点|一本)"
    r"|(?:不过|没过|未过|考不过|考不上|没考上|未考上|不达标|未达标|达不到|不提分|没提分|不提高|没提高|没进步|不进步|没效果|无效果|"
    r"未录取|没录取|不录取|落榜|不及格|挂科|拿不到|没拿到)[^,。!?;\n]{0,6}?(?:就|则|即|可|全额|全部|随时)?"
    r"(?:退费|退款|退钱|退学费|全退|退一赔|退还|返还|免费重读|免费重学|免费重上|免费重修|重读|重学|赔)"
    r"|(?:直通车?|直达|直升|保送|包进|稳进|直接进|直接上)[^,。!?;\n]{0,10}?(?:名校|重点|双一流|清北|清华|北大|大学|一中|高中|985|211)"
    # a lowered admission line promised (证书考学可降分录取)
    r"|(?:可|能|就能|即可|还可以|可以|就可)[^,。!?;\n]{0,2}?降分录取"
    # a promised gain in marks, its number stated, further from the promise (保证:跟着学一学期能让孩子提80多分)
    r"|(?:保证|确保|承诺|担保)[^,。!?;\n]{0,16}?(?:提|提高|提升|涨|多考)[0-9一二三四五六七八九十百几]+(?:多|来)?分"
    # a line or school said to be certain (过建档线没问题, 上重点高中稳了, 考上一本不是问题)
    r"|(?:过|上|进|考上|考进|考入|达到)[^,。!?;\n]{0,8}?(?:线|重点|一本|本科|名校|高中|一中)"
    r"(?:绝对|肯定|完全|保准|铁定)?(?:没问题|没有问题|不是问题|不成问题|稳了|稳稳的)"
    # a refund promised when the result disappoints (提分不满意无条件退费, 成绩不理想可免费重学); a lesson
    # that disappoints (试课不满意退款) names no result and is no guarantee
    r"|(?:提分|成绩|分数|名次)[^,。!?;\n]{0,3}(?:不满意|不理想)[^。!?;\n]{0,6}?(?:就|则|即|可|全额|全部|无条件)?"
    r"(?:退费|退款|退钱|退学费|全退|退还|返还|免费重读|免费重学|免费重上|重读|重学)"
    # a refund promised if the pupil is not admitted or misses a target, the school or line named between
    # (未被上述中学之一录取的，由甲方退还; 如未达录取分数线，将退还一半的学费)
    r"|(?:未|没有|没)(?:被|能被|能)?[^,。!?;\n]{0,10}?(?:录取|考上|考入|考进|达到|到达|达|上线)[^。!?;\n退]{0,12}?"
    r"(?:退还|返还|退费|退款|全额退|全退|退[0-9一二三四五六七八九十半])(?!条件|标准|申请|手续|流程)"
)
NOT_GUARANTEE = re.compile(r"(?:不|无法|不能|不敢|没法|谁能|哪有|不可能)$")


def _guarantee(m: re.Match[str], text: str) -> float | None:
    return None if NOT_GUARANTEE.search(text[max(0, m.start() - 4) : m.start()]) else 1.0


guarantees = parser(GUARANTEE, "guarantee", _guarantee)


# ages, grades, pupils -----------------------------------------------------------------------------

AGE = r"(?:[0-9]{1,2}|" + CN_SMALL + ")"
AGES = re.compile(
    rf"(?<![一二三四五六七八九十])(?P<pair>[三四五六七八九])(?P<pair2>[四五六七八九])(?:周)?岁"
    rf"|(?<![0-9.])(?P<a>{AGE})(?:周)?(?:岁(?:半)?\s?(?:-|~|到|至|—)?|\s?(?:-|~|到|至|—))\s?(?P<b>{AGE})(?:周)?岁"
    rf"|(?<![0-9.])(?P<c>{AGE})(?:周)?岁(?:半)?(?P<up>以上|以下|及以上|及以下)?"
)


def ages(text: str) -> list[Claim]:
    out = []
    for m in AGES.finditer(text):
        if text[m.end() : m.end() + 1] in ("月",) or "个月" in text[m.start() : m.end() + 2]:
            continue
        if m.group("a"):
            low, high = number(m.group("a")), number(m.group("b"))
        elif m.group("pair"):
            low, high = number(m.group("pair")), number(m.group("pair2"))
        else:
            low = high = number(m.group("c"))
            if m.group("up") in ("以上", "及以上"):
                high = 99.0
            elif m.group("up") in ("以下", "及以下"):
                low = 0.0
        if low is None or high is None or low > high or high > 99:
            continue
        out.append(Claim("age_from", low, m.start(), m.end(), m.group()))
        out.append(Claim("age_to", high, m.start(), m.end(), m.group()))
    return out


GRADES = re.compile(
    r"(?P<n>[1-9]|[一二三四五六七八九])年级"
    r"|(?<![正大年最当起])初(?P<junior>[一二三])(?!十|点|次|期|心|步|稿|衷|级|恋)"
    r"|(?<![提最崇升拔增抬])高(?P<senior>[一二三])(?![点些倍层级截段分十百千万])"
    r"|(?<![a-z大])小(?P<hkp>[一二三四五六])(?=英文|英语|数学|中文|语文|学生|程度|全科|功课|补习|学童|生)"
    r"|(?<![a-z高初])中(?P<hks>[一二三四五六])(?=英文|英语|数学|中文|语文|学生|程度|全科|功课|补习|物理|化学|生)"
)


GRADE_BASE = {"n": 0, "junior": 6, "senior": 9, "hkp": 0, "hks": 6}  # grade = base + the numeral


def _grade(m: re.Match[str], text: str) -> float | None:
    name = next(g for g in GRADE_BASE if m.group(g))
    value = GRADE_BASE[name] + (number(m.group(name)) or 0)
    return value if 1 <= value <= 12 else None


grades = parser(GRADES, "grade", _grade)


PUPILS = re.compile(
    rf"(?P<n>{NUM})(?:余|多)?(?:名|个|位)?(?:在校)?(?:中小学生|小学生|初中生|高中生|中学生|学生|学员|孩子|小孩|小朋友|学童|儿童)"
)


def _pupils(m: re.Match[str], text: str) -> float | None:
    value = number(m.group("n"))
    return value if value and value >= 1 and not text[max(0, m.start() - 1) : m.start()].isdigit() else None


pupils = parser(PUPILS, "pupils", _pupils)


# pay, results, elite shares -----------------------------------------------------------------------

PAY = re.compile(
    rf"(?P<period>月薪|月入|月收入|工资|薪资|薪酬|待遇|年薪|年收入)[^0-9一二三四五六七八九十。!?;\n]{{0,4}}"
    rf"(?P<low>[0-9]+(?:\.[0-9]+)?{SCALE}|{NUM}{SCALE})(?:元)?(?:\s?(?P<sep>-|~|到|至)?\s?(?P<high>[0-9]+(?:\.[0-9]+)?{SCALE}|{NUM}{SCALE}))?(?P<unit>万|w|千|k|元)?"
    rf"|(?P<low2>[0-9]+(?:\.[0-9]+)?)(?:\s?(?:-|~)\s?(?P<high2>[0-9]+(?:\.[0-9]+)?))?(?P<unit2>万|w|k|千)?(?:元/?|/)(?:月|每月)(?!份|底|初|中|日|号)"
)


def monthly_pay(text: str) -> list[Claim]:
    out = []
    for m in PAY.finditer(text):
        if m.group("period"):
            ranged = m.group("high") and (m.group("sep") or m.group("low")[-1:] in "万wk千")
            top = m.group("high") if ranged else m.group("low")
            unit = m.group("unit") or ""
            yearly = m.group("period").startswith("年")
        else:
            top, unit, yearly = m.group("high2") or m.group("low2"), m.group("unit2") or "", False
        value = number(top + unit if unit and unit != "元" and top[-1:] not in "万wk千" else top)
        if value is None:
            continue
        if unit in ("万", "w") and value < 1000:  # "1-3万": the unit closes the range
            value *= 10000
        if yearly:
            value /= 12
        if value >= 500:
            out.append(Claim("monthly_pay", round(value), m.start(), m.end(), m.group()))
    return out


RESULT = re.compile(
    r"(?:成绩|分数|正确率|准确率|及格率|优秀率|优良率|平均分|均分|排名|名次|得分|通过率|升学率|录取率|提分率)"
    r"[^,。!?;\n]{0,12}?(?:提高|提升|高出|高于|反超|增长|上升|进步|领先|多出|超出)(?:了)?[^,。!?;\n0-9]{0,6}?"
    r"(?P<n>[0-9]+(?:\.[0-9]+)?)(?P<unit>%|分|个百分点|名)"
)


result_gains = parser(RESULT, "result_gain", lambda m, text: float(m.group("n")))

RATE = re.compile(
    r"(?:升学率|录取率|通过率|过关率|提分率|及格率|优秀率|上线率|重点率|本科率|一本率|满意率|有效率|成功率)"
    r"[^,。!?;\n0-9]{0,6}?(?P<n>[0-9]{1,3}(?:\.[0-9]+)?)\s?%"
)
success_rates = parser(RATE, "success_rate", lambda m, text: float(m.group("n")))


ELITE = re.compile(
    r"(?P<n>[0-9]{1,3}(?:\.[0-9]+)?)\s?%(?:以上)?(?:的)?(?:老师|教师|师资|讲师|学员|学生)?[^,。!?;\n]{0,6}?"
    r"(?:来自|毕业于|出自|来源于|考入|考上|进入|升入)[^,。!?;\n]{0,4}?(?:985|211|清华|北大|清北|名校|重点|双一流|top|常春藤)"
    r"|(?:老师|教师|师资|讲师)[^,。!?;\n]{0,6}?(?P<n2>[0-9]{1,3})\s?%[^,。!?;\n]{0,4}(?:来自|毕业于|出自)[^,。!?;\n]{0,4}(?:985|211|清华|北大|清北|名校|双一流)"
    # every teacher said to come from one (主讲老师都是来自985院校, 师资全部毕业于清北): a share of 100
    r"|(?P<all>(?:老师|教师|师资|讲师)[^,。!?;\n]{0,4}?(?:都是|全部|全是|均为|均是|皆为|清一色)(?:来自|毕业于|出自)?[^,。!?;\n]{0,2}?"
    r"(?:985|211|清华|北大|清北|双一流))"
)


elite_shares = parser(
    ELITE, "elite_share", lambda m, text: 100.0 if m.group("all") else float(m.group("n") or m.group("n2"))
)


# Dispatch -----------------------------------------------------------------------------------------

# kind -> (trigger that must appear for the kind to be parsed, parser); parsers shared by kinds run once.
PARSERS = {
    "prepaid_months": (
        re.compile(
            r"个(?:多)?月|半年|学年|[一二两三四五1-5]年|年[卡课费缴度]|包年|全年|整年|终身|永久|个学期|季[度卡]|有效|[0-9]年[0-9]{1,2}月"
        ),
        prepaid_months,
    ),
    "lessons": (re.compile(r"[0-9一二三四五六七八九十百](?:\+[0-9]+)?(?:个)?(?:节|课|堂|讲|次课)"), lessons),
    "discount": (re.compile(r"折|原价|划线|门市价|市场价|专柜价|标价|总价|半价|" + STRUCK_TRIGGER), discounts),
    "was_now": (
        re.compile(r"原价|划线|门市价|市场价|专柜价|官方价|标价|定价|总价|平时|原来|" + STRUCK_TRIGGER),
        discounts,
    ),
    "refund_bar": (re.compile(r"退|手续费|违约金"), refund_bars),
    "guarantee": (
        re.compile(
            r"保(?!姆|洁|险|持|护|安|密|养|障|留|存|健|育|温|质|修|值)|包(?!括|含|装|月|年|吃|住|车|邮)|稳(?!定|步|健)"
            r"|确保|承诺|签|白纸|写进合同|不过|没过|未过|考不|不达|未达|达不|不提|没提|没进步|不进步|没效果|无效果"
            r"|未录取|没录取|不录取|落榜|不及格|挂科|拿不到|没拿到|直通|直达|直升|直接进|直接上|未被|没被|没有被|未能"
            r"|不满意|不理想|降分录取|问题|稳了|稳稳"
        ),
        guarantees,
    ),
    "age_from": (re.compile(r"岁"), ages),
    "age_to": (re.compile(r"岁"), ages),
    "grade": (re.compile(r"年级|初[一二三]|高[一二三]|小[一二三四五六]|中[一二三四五六]"), grades),
    "pupils": (
        re.compile(
            r"[0-9十几数百多余](?:名|个|位)?(?:在校)?(?:中小学生|小学生|初中生|高中生|中学生|学生|学员|孩子|小孩|小朋友|学童|儿童)"
        ),
        pupils,
    ),
    "monthly_pay": (re.compile(r"薪|月入|月收入|工资|待遇|元/?月|/月"), monthly_pay),
    "result_gain": (re.compile(r"提高|提升|高出|高于|反超|增长|上升|进步|领先|多出|超出"), result_gains),
    "success_rate": (re.compile(r"率"), success_rates),
    "elite_share": (re.compile(r"%|都是|全部|全是|均为|均是|皆为|清一色"), elite_shares),
}
assert set(PARSERS) == set(KINDS)


class Claims:
    """The claims of one folded text, parsed kind by kind on first request: what `claim:` matchers test.

    A kind whose trigger is absent costs one search; parsers shared by kinds run once per text.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._parsed: dict[Parser, tuple[Claim, ...]] = {}

    def of(self, kind: str) -> tuple[Claim, ...]:
        trigger, parse = PARSERS[kind]
        if not trigger.search(self.text):
            return ()
        if parse not in self._parsed:
            self._parsed[parse] = tuple(parse(self.text))
        return tuple(claim for claim in self._parsed[parse] if claim.kind == kind)

    def all(self) -> list[Claim]:
        """Every claim, in order of position (for inspection and tests)."""
        return sorted((c for kind in KINDS for c in self.of(kind)), key=lambda c: (c.start, c.kind))


def extract(text: str, kind: str) -> tuple[Claim, ...]:
    """The claims of one kind in a folded text."""
    return Claims(text).of(kind)


def extract_all(text: str) -> list[Claim]:
    """Every claim in a folded text, in order of position."""
    return Claims(text).all()


class ClaimsDetector(Detector):
    """Puts each document's claims (parsed lazily, see Claims) on its reading, for the rules to test."""

    name = "claims"

    @classmethod
    def build(cls, engine: Engine) -> ClaimsDetector:
        return cls()

    def detect(self, readings: Sequence[Reading]) -> None:
        for reading in readings:
            reading.claims = Claims(reading.content)
