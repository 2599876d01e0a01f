"""The case a listing makes, read as facts: pupils, a subject, a fee, a place, a contact, an offer — or a report.

The classifier reads a listing's register (what its characters look like), and on real text it has
learnt that notice and news wording means clean, so it votes down real offers written plainly
(docs/detection.md, issue 18d). This reading asks what the listing *offers*: pupils (grades, ages,
学生/孩子), a school subject, a fee or a price, a place (上门, 家中, 小区), a way to get in touch, an
offer or hiring verb, times (周末, 寒暑假, 晚托), the claims the claims detector parses, which
rule categories fired and how strongly — against the signs that the text reports on tutoring
rather than offers it (通报, 记者, 查处, 依法, 据悉, an ad quoted inside a news sentence, a parent's
question). Each is a small count (one Aho-Corasick scan over the term groups below and the
catalogue's lexicons of the same meaning), so a logistic regression over them stays readable:
its weights say how much each fact counts (``tutorwatch train`` prints them into the card).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import ahocorasick_rs
import numpy as np

from detectors.categories import CATEGORIES
from detectors.claims import KINDS, Claims
from detectors.detector import Detector, Reading
from detectors.errors import ConfigError
from detectors.normalize import normalize_term
from detectors.scoring import combine, rule_score, standing_score, strong_score

if TYPE_CHECKING:
    from detectors.engine import Engine

# Term groups of this reading's own (folded like lexicon terms). What reports and notices say
# about an offer, and what an advertiser says to a reader, are the two sides it weighs.
OWN_GROUPS: dict[str, str] = {  # name: terms separated by spaces
    "pupils": (
        "学生 孩子 小孩 小朋友 学员 学童 儿童 宝宝 娃 中小学 小学 初中 高中 年级 初一 初二 "
        "初三 高一 高二 高三 中考 高考 小升初 幼小衔接 幼儿"
    ),
    "subject": (
        "语文 数学 英语 物理 化学 生物 历史 地理 政治 道德与法治 奥数 作文 阅读 口算 拼音 "
        "识字 功课 作业 学科 文化课 全科 理科 文科 讲题 刷题 预习 复习 "
        # the tutoring itself, named without a subject (a 家政 menu's 家庭教师, a duty list's 辅导孩子学习)
        "家教 家庭教师 学业 课业 补习 补课 辅导作业 辅导功课 辅导学习 学习辅导 孩子学习 孩子的学习"
    ),
    "fee": (
        "元 块钱 收费 学费 费用 价格 价位 课时费 ¥ 优惠 折 报名费 课程费 薪 工资 待遇 "
        "/小时 /节 /课时 /月 一节课 每小时 报酬 定金 预付 充值"
    ),
    "place": ("上门 家中 家里 在家 小区 住家 地址 校区 教室 门店 号楼 栋 单元 附近 周边 就近 路 街 区域 面授 到家"),
    "offer": (
        "招生 报名 补课 补习 辅导 招聘 诚聘 急聘 招募 招收 寻找 找家教 欢迎 预约 试听 名额 "
        "开课 开班 授课 带娃 需要 要求 求职 应聘 有意者 接单 包教"
    ),
    "contact_words": "联系 电话 微信 加v 扫码 私信 私聊 详询 咨询 致电 vx qq 手机",
    "times": ("周末 周六 周日 星期六 星期天 星期日 寒假 暑假 寒暑假 假期 晚托 午托 放学后 课后 晚上 节假日 每周 每天"),
    # the teaching a job post or profile offers (not a subject: 授课, 试讲, the certificate it asks for or waives)
    "teaching": "授课 试讲 讲课 上课 教学 带班 主讲 任教 教师资格证 教资 备课 讲师 教师 老师",
    "address_reader": "我 本人 本机构 本店 本公司 本中心 您 你家 宝妈 家长们 亲 咱们 我们",
    "report": (
        "通报 记者 查处 依法 据悉 据了解 日前 近日 执法 检查 责令 处罚 罚款 立案 调查 整改 "
        "取缔 约谈 举报 经查 专项 涉事 涉嫌 违规 违法 有关部门 相关部门 监管 教育局 市场监管 "
        "提醒 警惕 曝光 投诉 核实 当事 该机构 该公司 报道 采访 表示 介绍 法院 判决 原告 "
        "被告 案例 典型 记者调查 记者发现 暗访"
    ),
    "policy": (
        "通知 规定 意见 办法 方案 实施 不得 严禁 禁止 一律 应当 各地 各级 双减 政策 文件 "
        "条例 治理 部门 要求各 加强 规范"
    ),
    "quoting": ("“ ” 「 」 称 写着 打出 宣称 标榜 号称 声称 广告语 广告中 字样 宣传"),
    "question": "? 吗 怎么 如何 是否 请问 求助 有没有 靠谱 值得",
    # What a 家政 listing assigns the helper: household chores, and study tasks among them (issue 18i's
    # duty fact, once detectors/housekeeping_facts.py's own lists and scan). A 家政 service page, duty
    # list or contract rarely has a price or a contact, so without these the reading voted down the
    # 住家保姆/育儿嫂 duty lists naming 辅导作业 beside 做饭 and 打扫 (HY 三.3: 家政服务企业不得将校外培训纳入
    # 家庭服务; DATA.md b-5). Chores are read only through ``chores_with_study`` (below): most clean 家政
    # pages are duty lists, so a chores count alone would teach the reading to doubt every one.
    "chores": (
        "做饭 烹饪 买菜 三餐 保洁 打扫 卫生 洗衣 熨烫 收纳 家务 清洁 擦窗 拖地 接送 照顾老人 喂养 起居 "
        "家庭保洁 家庭烹饪 家庭护理 月嫂 护工"
    ),
    "study_tasks": (
        "辅导作业 辅导功课 辅导孩子 辅导学习 检查作业 写作业 功课 作业 学业 课业 家教 家庭教师 学科辅导 "
        "全科辅导 讲题 听写 预习 复习 学习辅导 孩子学习 孩子的学习 补习 "
        # a companion's study tasks (rules/shared.yaml: study_duty)
        "学习计划 学习任务 学习规划 学习习惯 辅导课程 陪读 伴读 陪学 督促学习 监督学习 陪写作业 错题 温书 默书 温习"
    ),
}
# Groups counted into other columns only (not columns of their own): see ``chores_with_study``.
HIDDEN_GROUPS = frozenset({"chores"})
# Lexicons of the rule catalogue that say the same kind of thing (read when present).
LEXICON_GROUPS: dict[str, tuple[str, ...]] = {
    "lex_news": ("policy_news", "ad_ban_notice", "school_notice"),
    "lex_doubt": ("parent_complaint", "parent_story", "reflection_markers", "legality_question"),
    "lex_offer": ("offer_cues", "call_to_action", "paid_cues", "hiring_terms", "door_format", "tutor_roles"),
}
NOT_READ_CLAIMS = frozenset({"age_to", "monthly_pay"})
CLAIM_KINDS = tuple(kind for kind in KINDS if kind not in NOT_READ_CLAIMS)  # the model's columns: fixed at its fit
PLATFORMS = ("tutoring", "recruitment", "housekeeping", "social")
CATEGORY_COLUMN = {category: column for column, category in enumerate(CATEGORIES)}
DIGITS = re.compile(r"[0-9]{2,}")
# A study task the listing refuses (不辅导作业, 不用管作业, 功课不用管, 不提供儿童课业相关服务, 学习的事请找学校):
# a negation in the clause just before it, or right after it. Clean 家政 listings say so far more
# often than violations do, so an unrefused study task is the fact, not the word.
REFUSAL_BEFORE = re.compile(r"(?:不|无需|無需|别|別|免|没有|沒有|拒绝|拒絕|谢绝|謝絕)[^，,。！!？?；;\n]{0,6}$")
REFUSAL_AFTER = re.compile(
    r"(?:的事|的事情|方面|相关|相關)?[^，,。！!？?；;\n]{0,3}(?:不用|不要|不需|不必|不管|不负责|不負責|不辅导|不輔導|不做|不接|不提供|不插手|不过问|不過問|别|別|免|请找|請找|另请|另請|由我们|由我們|由家长|由家長|自己|不了|不会(?!的)|不會(?!的)|帮不上|幫不上)"
)


def refused(text: str, start: int, end: int) -> bool:
    """Whether the study task at text[start:end] is refused in its clause (see REFUSAL_BEFORE)."""
    return bool(REFUSAL_BEFORE.search(text, max(0, start - 8), start) or REFUSAL_AFTER.match(text, end, end + 8))


def feature_names() -> list[str]:
    """The columns of ``features``, in order (the model card lists its weights under these names)."""
    return [
        *(name for name in OWN_GROUPS if name not in HIDDEN_GROUPS),
        *LEXICON_GROUPS,
        *(f"claim_{kind}" for kind in CLAIM_KINDS),
        "contacts",
        "numbers",
        "length",
        *(f"platform_{p}" for p in PLATFORMS),
        "rules",
        "rules_strong",
        "findings",
        *(f"fired_{c}" for c in CATEGORIES),
        "chores_with_study",  # a 家政 listing's chores and study tasks named together (OWN_GROUPS)
    ]


class CaseReader:
    """One automaton over every group's terms; ``features`` turns readings into one row each."""

    def __init__(self, lexicons: Mapping[str, frozenset[str]]) -> None:
        groups: dict[str, set[str]] = {
            name: {normalize_term(t) for t in terms.split()} for name, terms in OWN_GROUPS.items()
        }
        for name, sources in LEXICON_GROUPS.items():
            groups[name] = {t for source in sources for t in lexicons.get(source, ())}
        owners: dict[str, list[int]] = {}
        for column, name in enumerate(groups):
            for term in groups[name]:
                if term:
                    owners.setdefault(term, []).append(column)
        self._terms = list(owners)
        self._columns = [owners[t] for t in self._terms]
        self._automaton = ahocorasick_rs.AhoCorasick(self._terms)
        self.names = feature_names()
        # where each counted group goes in the row (hidden groups feed only chores_with_study)
        self._shown = np.array([column for column, name in enumerate(groups) if name not in HIDDEN_GROUPS])
        self._chores = list(groups).index("chores")
        self._study = list(groups).index("study_tasks")
        self._groups = len(self._shown)
        self._counts = len(groups)

    def features(self, readings: Sequence[Reading]) -> np.ndarray:
        """One row per reading: log(1 + count) per term group, claims, contacts, rules fired (see feature_names).

        Terms are counted overlapping (辅导孩子学习 holds 辅导, 辅导孩子, 孩子, 孩子学习 and 学习: each is
        a fact of its group), in one scan of every group's terms.
        """
        rows = np.zeros((len(readings), len(self.names)))
        claim_at = self._groups
        fired_at = len(self.names) - len(CATEGORIES) - 1
        counts = np.zeros(self._counts)
        study = self._study
        for row, reading in zip(rows, readings, strict=True):
            text = reading.content
            counts[:] = 0
            for index, start, end in self._automaton.find_matches_as_indexes(text, overlapping=True):
                for column in self._columns[index]:
                    if column != study or not refused(text, start, end):
                        counts[column] += 1
            row[:claim_at] = np.log1p(counts[self._shown])
            claims = reading.claims if reading.claims is not None else Claims(text)
            for offset, kind in enumerate(CLAIM_KINDS):
                row[claim_at + offset] = 1.0 if claims.of(kind) else 0.0
            at = claim_at + len(CLAIM_KINDS)
            row[at] = 1.0 if reading.contacts else 0.0
            row[at + 1] = math.log1p(len(DIGITS.findall(text)))
            row[at + 2] = math.log1p(len(text)) / 5
            platform = reading.doc.platform
            for offset, name in enumerate(PLATFORMS):
                row[at + 3 + offset] = 1.0 if platform == name else 0.0
            at += 3 + len(PLATFORMS)
            row[at] = rule_score(reading.findings)
            row[at + 1] = strong_score(reading.findings)
            row[at + 2] = math.log1p(len(reading.findings))
            for finding in reading.findings:
                if finding.category in CATEGORY_COLUMN:
                    row[fired_at + CATEGORY_COLUMN[finding.category]] = 1.0
            # 0 unless both are there: chores assigned and study tasks beside them
            row[-1] = math.log1p(min(counts[self._chores], counts[self._study]))
        return rows


class CaseModel:
    """The fitted reading: a logistic regression over standardised case features, as plain arrays.

    ``bundle`` is what ``detectors.case_fit.fit`` exports into the model file (``case``): the
    feature names it was fitted on (a model whose names differ from this code's is refused by
    ``load``), their means and scales, the weights and the intercept.
    """

    def __init__(self, bundle: Mapping[str, Any]) -> None:
        self.names: list[str] = list(bundle["names"])
        self._mean = np.asarray(bundle["mean"], dtype=np.float64)
        self._scale = np.asarray(bundle["scale"], dtype=np.float64)
        self._coef = np.asarray(bundle["coef"], dtype=np.float64)
        self._intercept = float(bundle["intercept"])
        self._columns = [feature_names().index(name) for name in self.names]

    @classmethod
    def load(cls, bundle: Mapping[str, Any] | None) -> CaseModel | None:
        """The model's case reading, or None when the model file has none (trained before issue 18e)."""
        if not bundle:
            return None
        unknown = set(bundle["names"]) - set(feature_names())
        if unknown:
            raise ConfigError(
                f"the model's case reading uses feature {sorted(unknown)[0]!r}, unknown to this version;"
                " retrain it with `tutorwatch train`"
            )
        return cls(bundle)

    def probability(self, rows: np.ndarray) -> np.ndarray:
        """P(the listing offers what it is flagged for) per row of ``CaseReader.features``."""
        z = (rows[:, self._columns] - self._mean) / self._scale @ self._coef + self._intercept
        return 1.0 / (1.0 + np.exp(-z))

    def weights(self) -> dict[str, float]:
        """Each feature's weight (per standard deviation), largest first: what the card shows."""
        order = np.argsort(-np.abs(self._coef), kind="stable")
        return {self.names[i]: round(float(self._coef[i]), 3) for i in order}


class CaseDetector(Detector):
    """A second opinion on the rules' findings: does the listing make the case it is flagged for?

    It reads only listings it can change the verdict of — high- and medium-confidence findings
    whose score reaches the threshold, on a listing the weighted mean of findings and classifier
    leaves below it — and puts the probability on ``reading.case``; scoring then lets those
    findings stand at their score times that probability (scoring.combine). A report, a notice or
    a parent's question quoting banned words reads low and stays voted down; a plain offer the
    classifier found unfamiliar stands. Low findings are not rescued: on text nobody fitted the
    rules to they are the least precise ones (docs/detection.md).
    """

    name = "case"
    requires = ("parties",)  # the contacts it counts (it weighs the rules' findings, and asks nothing without them)

    def __init__(self, reader: CaseReader, model: CaseModel, engine: Engine) -> None:
        self.reader = reader
        self.model = model
        self.scoring = engine.scoring

    @classmethod
    def build(cls, engine: Engine) -> CaseDetector | None:
        model = engine.model.case if engine.model is not None else None
        if model is None or not engine.config.runs("rules"):
            return None
        return cls(CaseReader(engine.catalogue.lexicons), model, engine)

    def detect(self, readings: Sequence[Reading]) -> None:
        scoring = self.scoring
        chosen = []
        for reading in readings:
            standing = standing_score(reading.findings)
            if standing < scoring.threshold or reading.prediction is None:
                continue
            strong = strong_score(reading.findings)
            rules = rule_score(reading.findings)
            mean = combine(rules, reading.prediction.violation, scoring.rule_weight, scoring.rule_margin, strong)
            if mean < scoring.threshold:
                chosen.append(reading)
        if chosen:
            for reading, case in zip(chosen, self.model.probability(self.reader.features(chosen)), strict=True):
                reading.case = round(float(case), 4)
