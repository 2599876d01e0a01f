"""What a 家政 listing lays out as the helper's duties: household chores, and study tasks among them.

The case reading (detectors/case_reading.py) weighs whether a listing offers what it is flagged
for. A 家政 service page, duty list or contract rarely has a price or a contact in it, so on
real text the reading voted down the 住家保姆/育儿嫂 duty lists that name 辅导作业 among 做饭 and
打扫 (HY 三.3: 家政服务企业不得将校外培训纳入家庭服务) — the listing's own facts were missing. The
fact read here is that both are there: chores assigned and study tasks beside them, which clean
duty lists, 月嫂 and 钟点工 pages do not share. Chores alone are left out on purpose: most clean
家政 pages are duty lists, so a chores count would only teach the reading to doubt every one.
"""

from __future__ import annotations

import math

import ahocorasick_rs

from detectors.normalize import normalize_term

CHORES = (
    "做饭 烹饪 买菜 三餐 保洁 打扫 卫生 洗衣 熨烫 收纳 家务 清洁 擦窗 拖地 接送 照顾老人 喂养 起居 "
    "家庭保洁 家庭烹饪 家庭护理 月嫂 护工"
)
STUDY_DUTIES = (
    "辅导作业 辅导功课 辅导孩子 辅导学习 检查作业 写作业 功课 作业 学业 课业 家教 家庭教师 学科辅导 "
    "全科辅导 讲题 听写 预习 复习 学习辅导 孩子学习 孩子的学习 补习"
)
NAMES = ("chores_with_study",)  # the case reading's columns this module fills


class DutyFacts:
    """One automaton over both term lists, matched overlapping (辅导孩子学习 holds 辅导孩子 and 孩子学习)."""

    def __init__(self) -> None:
        chores = {normalize_term(t) for t in CHORES.split()}
        study = {normalize_term(t) for t in STUDY_DUTIES.split()}
        self._terms = sorted(chores | study)
        self._is_chore = [term in chores for term in self._terms]
        self._automaton = ahocorasick_rs.AhoCorasick(self._terms)

    def row(self, text: str) -> list[float]:
        """log(1 + the smaller of the chores and study-task counts): 0 unless both are there."""
        chores = study = 0
        for index, _, _ in self._automaton.find_matches_as_indexes(text, overlapping=True):
            if self._is_chore[index]:
                chores += 1
            else:
                study += 1
        return [math.log1p(min(chores, study))]
