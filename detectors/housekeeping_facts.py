"""What a 家政 listing lays out as the helper's duties: household chores, and study tasks among them.

The case reading (detectors/case_reading.py) weighs whether a listing offers what it is flagged
for. A 家政 service page, duty list or contract rarely has a price or a contact in it, so on
real text the reading voted down the 住家保姆/育儿嫂 duty lists that name 辅导作业 among 做饭 and
打扫 (HY 三.3: 家政服务企业不得将校外培训纳入家庭服务) — the listing's own facts were missing. These
groups count the chores a listing assigns and the study tasks next to them; ``chores_with_study``
is the fact that both are there (the smaller of the two counts), which clean duty lists, 月嫂 and
钟点工 pages and news about 住家教师 do not share.
"""

from __future__ import annotations

# name: terms separated by spaces (folded by the case reading like its own groups)
HOUSEKEEPING_GROUPS: dict[str, str] = {
    "chores": (
        "做饭 烹饪 买菜 三餐 保洁 打扫 卫生 洗衣 熨烫 收纳 家务 清洁 擦窗 拖地 接送 照顾老人 "
        "喂养 起居 家庭保洁 家庭烹饪 家庭护理 月嫂 护工"
    ),
    "study_duties": (
        "辅导作业 辅导功课 辅导孩子 辅导学习 检查作业 陪写作业 写作业 功课 作业 学业 课业 家教 "
        "家庭教师 学科辅导 全科辅导 讲题 听写 预习 复习 学习辅导 孩子学习 孩子的学习 补习"
    ),
}
PAIRS: dict[str, tuple[str, str]] = {"chores_with_study": ("chores", "study_duties")}
