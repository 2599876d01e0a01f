"""家政 wording classes (issue 18i): each class in generated variants, each with clean counterparts.

A class is the way 家政 posts put tutoring among a helper's duties (辅导作业 among 做饭 and 打扫;
家庭教师 on a service menu; 不做家务只负责孩子学习; a degree and a teaching record tied to high
pay; agencies' 住家老师 résumés; 陪读 with 作业; 师范/教师 sought for a child's study), not one ad's
words: every slot below varies independently. The clean side is what the guide calls lawful:
月嫂, 育婴师/早教 of under-3s, 钟点工 接送 and cooking, degree-holding nannies with no teaching
duty, a post that says the helper does not tutor, elderly care, sitters who only play.
"""

from __future__ import annotations

import pytest

from detectors.case_reading import CaseReader, feature_names
from detectors.engine import Engine, EngineConfig
from detectors.models import Document
from tests.support.variants import grid

VIOLATIONS = {
    "duty list with tutoring": grid(
        "{role}工作内容：{chore}、{chore2}、{study}。",
        role=["住家保姆", "育儿嫂", "家政阿姨", "住家管家", "钟点工"],
        chore=["做饭", "打扫卫生"],
        chore2=["接送孩子上下学", "洗衣熨烫"],
        study=[
            "辅导孩子作业",
            "检查作业",
            "负责孩子的学习",
            "督促孩子学习",
            "辅导小学全科",
            "课业辅导",
            "陪孩子做功课",
        ],
    ),
    "service menu naming tutoring": grid(
        "{who}服务项目：{a}、{b}、{tutor}。",
        who=["本家政公司", "XX家政", "我们家政"],
        a=["月嫂", "保洁"],
        b=["育儿嫂", "养老护理"],
        tutor=["家庭教师", "家教老师", "学科辅导", "作业辅导", "住家家教"],
    ),
    "no housework, only the child's study": grid(
        "{role}，{nochore}，{only}{what}，月薪{pay}。",
        role=["招住家老师", "找一位住家阿姨", "聘育儿嫂"],
        nochore=["不做家务", "不用做饭", "无需做家务", "家务有保姆", "不负责家务"],
        only=["只负责", "专门负责", "主要负责"],
        what=["孩子的学习", "孩子功课", "孩子作业辅导"],
        pay=["1.5万", "20000元"],
    ),
    "degree and teaching record for high pay": grid(
        "招聘{role}：{degree}，{record}，月薪{pay}，包吃住。",
        role=["住家育儿嫂", "高端保姆", "家庭管家"],
        degree=["985本科", "师范类本科", "211硕士"],
        record=["有两年小学语文教学经验", "持教师资格证，在培训机构任教过", "做过三年初中数学老师"],
        pay=["2万", "25000元"],
    ),
    "agency résumé of a live-in teacher": grid(
        "{agency}推荐{who}：{degree}，{exp}，{can}。{cta}",
        agency=["家政公司", "本中介"],
        who=["住家老师", "家庭教师", "高级育儿嫂", "住家英语助教"],
        degree=["英语专业本科", "雅思7.5"],
        exp=["全科辅导经验丰富", "曾在教培机构任教三年", "两段私人家教经历"],
        can=["可辅导小学全科", "能给孩子讲数学题"],
        cta=["详细简历私信。", "价格私聊。"],
    ),
    "陪读 with homework": grid(
        "{role}，{duty}，{chore}，{pay}。",
        role=["招陪读阿姨", "找陪读保姆", "住家陪读"],
        duty=["陪孩子写作业、检查功课", "督促孩子完成作业并听写", "辅导初二孩子功课"],
        chore=["做一日三餐", "负责接送"],
        pay=["月薪7000", "工资面议"],
    ),
    "师范/教师 sought for a child's study": grid(
        "{who}招{role}，{req}，{duty}，{pay}。",
        who=["家政公司", "雇主家"],
        role=["住家育儿嫂", "住家保姆", "阿姨"],
        req=["师范专业优先", "要求有教师资格证", "退休教师优先"],
        duty=["负责孩子学习辅导", "能辅导孩子功课", "晚上陪孩子写作业"],
        pay=["月薪1万", "待遇面议"],
    ),
    "the child's study handed to the helper": grid(
        "{role}，{cred}，孩子{what}交给{who}，{rest}。",
        role=["育儿嫂", "住家阿姨", "保姆"],
        cred=["持小学语文教师资格证", "师范毕业", "做过老师"],
        what=["的学习", "的功课都", "上学后的学习"],
        who=["我", "阿姨"],
        rest=["你们只管上班", "月薪8000"],
    ),
    "workbooks done with a childminder": grid(
        "{season}找阿姨{when}看孩子（{age}），做午饭，{task}，月薪{pay}。",
        season=["暑假", "寒假"],
        when=["白天", "下午"],
        age=["8岁，三年级", "10岁，四年级"],
        task=["上午带着他把练习册做完，不会的题给他讲讲", "陪他把学校发的习题做完", "盯着他做完暑假试卷"],
        pay=["6500", "5000"],
    ),
    "学伴 sent by a 家政 platform": grid(
        "{role}，{when}陪孩子两小时，{task}。{src}",
        role=["大学生学伴姐姐", "学伴哥哥", "学伴"],
        when=["放学后", "每天晚上"],
        task=["把当天学的东西再过一遍，作业有问题现场解决", "检查作业、讲错题"],
        src=["由家政平台统一派单。", "家政公司派单，按月付费。"],
    ),
}
CLEAN = {
    "月嫂": grid(
        "{role}，{duty}，{pay}。",
        role=["金牌月嫂", "高级月嫂", "母婴护理师"],
        duty=["负责产妇护理、新生儿洗澡抚触、月子餐", "照顾新生儿喂养、换尿布，指导母乳喂养"],
        pay=["26天18800元", "月薪1.5万"],
    ),
    "早教 of under-3s": grid(
        "{role}：{duty}，{pay}。",
        role=["育婴师", "育儿嫂"],
        duty=["0-3岁婴幼儿早期教育、辅食制作、作息培养", "照顾1岁宝宝，做辅食，做早教游戏、讲绘本"],
        pay=["月薪9000", "价格面议"],
    ),
    "钟点工 接送 and cooking": grid(
        "{role}，{duty}，{pay}。",
        role=["钟点工阿姨", "接送阿姨", "小时工"],
        duty=["每天下午接孩子放学、做晚饭", "负责接送孩子上下学和打扫卫生"],
        pay=["每月2000元", "每小时40元"],
    ),
    "degree-holding nanny, no teaching duty": grid(
        "{role}，{degree}，{skill}，月薪{pay}。",
        role=["住家保姆", "育儿嫂", "家庭管家"],
        degree=["本科学历", "大专毕业"],
        skill=["会开车、懂营养搭配", "英语沟通流利、持健康证", "会做粤菜、整理收纳"],
        pay=["1.2万", "8000元"],
    ),
    "says it does not tutor": grid(
        "{role}{duty}，{neg}。",
        role=["住家保姆", "育儿嫂"],
        duty=["只负责家务和接送", "负责做饭打扫"],
        neg=["不辅导作业", "不负责孩子学习", "不做家教"],
    ),
    "elderly care": grid(
        "{role}，{duty}，{pay}。",
        role=["住家保姆", "护工"],
        duty=["照顾82岁老人起居、做饭打扫", "照顾卧床老人，会鼻饲"],
        pay=["月薪6000", "每天300元"],
    ),
    "a sitter who only plays, called 陪读": grid(
        "{role}有许多名称，如陪读、伴读，{duty}。",
        role=["陪玩姐姐", "陪玩姊姊"],
        duty=["到雇主家中陪伴幼童玩乐，玩玩具、念故事书", "陪宝宝玩游戏、拼图"],
    ),
}


@pytest.fixture(scope="module")
def rules() -> Engine:
    return Engine(EngineConfig(model=None))


def _analyses(engine: Engine, texts: list[str]) -> list:
    return engine.analyze_many(Document("", text, "housekeeping") for text in texts)


@pytest.mark.parametrize("name", VIOLATIONS)
def test_every_variant_of_a_wording_class_is_found_by_a_home_tutor_rule(rules: Engine, name: str) -> None:
    texts = VIOLATIONS[name]
    assert len(texts) >= 24
    missed = [
        text
        for text, analysis in zip(texts, _analyses(rules, texts), strict=True)
        if not (analysis.flagged and "home_tutor" in analysis.categories)
    ]
    assert not missed, missed[:3]


@pytest.mark.parametrize("name", CLEAN)
def test_lawful_housekeeping_gets_no_home_tutor_finding_that_stands_alone(rules: Engine, name: str) -> None:
    """Low findings (a subject word near 保姆) need the classifier's support; nothing stronger may fire."""
    texts = CLEAN[name]
    flagged = [
        (text, [f.rule for f in analysis.findings])
        for text, analysis in zip(texts, _analyses(rules, texts), strict=True)
        if any(f.category == "home_tutor" and f.confidence in ("high", "medium") for f in analysis.findings)
    ]
    assert not flagged, flagged[:3]


def test_the_case_reading_counts_chores_with_study_only_where_both_are_there(rules: Engine) -> None:
    reader = CaseReader(rules.catalogue.lexicons)
    duty, chores_only, study_only = reader.features(
        rules.read_many(
            [
                Document("", "住家保姆工作职责：做饭、打扫卫生、接送孩子、辅导孩子作业。", "housekeeping"),
                Document("", "住家保姆工作职责：做饭、打扫卫生、洗衣熨烫、照顾老人。", "housekeeping"),
                Document("", "大学生暑期辅导作业，检查功课，讲题。", "social"),
            ]
        )
    )
    at = feature_names().index("chores_with_study")
    assert duty[at] > 0
    assert chores_only[at] == 0 and study_only[at] == 0
