"""Issue 18k: wording classes of the readable real-world misses, each in generated variants with clean counterparts.

Every slot varies independently, so a class passes only if the rule or the reading handles the
wording, not one listing. The classes (docs/detection.md, "18k"): job posts that waive the teacher
certificate; an off-campus 培训学校 hiring is no school hiring; Hong Kong and Taiwan grades and
subjects (小三英文, 中四數學, 國二理化, 徵家教); a sanction stated for a kind of conduct is a rule
being stated; the case reading's study tasks, counted only where the listing does not refuse them.
"""

from __future__ import annotations

import pytest

from detectors.case_reading import CaseReader, feature_names, refused
from detectors.engine import Engine, EngineConfig
from detectors.models import Document
from tests.support.variants import grid


@pytest.fixture(scope="module")
def rules() -> Engine:
    return Engine(EngineConfig(model=None))


def _rules_fired(engine: Engine, texts: list[str], platform: str) -> list[list[str]]:
    analyses = engine.analyze_many(Document("", text, platform) for text in texts)
    return [[f.rule for f in a.findings if f.confidence in ("high", "medium")] for a in analyses]


WAIVERS = [
    "不限教资",
    "无需教师资格证",
    "没有教资也可入职",
    "不需要持有教师资格证",
    "有无教师资格证均可",
    "教资不作要求",
]


def test_a_certificate_waiver_makes_an_online_or_small_class_teaching_post_high(rules: Engine) -> None:
    online = grid(
        "{who}招聘{role}：{waiver}，{step}。",
        who=["在线教育机构", "网课平台", "某在线教培公司"],
        role=["兼职老师", "主讲老师", "学科老师"],
        waiver=WAIVERS,
        step=["经过两轮试讲便可上岗", "面试通过三周内正式上课"],
    )
    small = grid(
        "{verb}{level}小班授课老师：{waiver}，{step}。",
        verb=["急招", "诚聘", "招聘"],
        level=["初中", "初二数学", "小学语文", "高中物理"],
        waiver=WAIVERS,
        step=["简历通过后参加试讲", "入职前统一培训"],
    )
    for texts, rule in (
        (online, "online_subject/online-hiring-certificate-waived"),
        (small, "one_on_one/small-class-hiring-certificate-waived"),
    ):
        missed = [
            t for t, fired in zip(texts, _rules_fired(rules, texts, "recruitment"), strict=True) if rule not in fired
        ]
        assert not missed, missed[:3]


def test_a_certificate_asked_for_or_a_lawful_class_is_no_waiver(rules: Engine) -> None:
    clean = grid(
        "{who}招聘{role}，{cert}。",
        who=["在线教育平台", "初中数学小班"],
        role=["主讲老师", "授课老师"],
        cert=["需具备教师资格证", "有教师资格证优先", "须持教资上岗"],
    ) + grid(
        "{who}招聘{role}老师，{waiver}，{extra}。",
        who=["舞蹈工作室", "少儿美术小班", "线上成人英语口语平台"],
        role=["兼职", "授课"],
        waiver=WAIVERS[:3],
        extra=["喜欢孩子即可", "面向上班族白领"],
    )
    fired = _rules_fired(rules, clean, "recruitment")
    wrong = [(t, f) for t, f in zip(clean, fired, strict=True) if any(r.endswith("certificate-waived") for r in f)]
    assert not wrong, wrong[:3]


def test_an_off_campus_school_hiring_for_holiday_classes_is_not_a_school(rules: Engine) -> None:
    hiring = grid(
        "{school}招聘{level}{subject}老师，负责{when}的班课，课时费面议。",
        school=["培训学校", "文化补习学校", "某辅导学校"],
        level=["初中", "高中", "小学"],
        subject=["数学", "化学", "英语"],
        when=["寒假班", "周六周日", "暑期"],
    )
    fired = _rules_fired(rules, hiring, "recruitment")
    missed = [t for t, f in zip(hiring, fired, strict=True) if not any(r.startswith("holiday_training/") for r in f)]
    assert not missed, missed[:3]
    schools = grid(
        "{school}招聘{level}{subject}教师，{when}到岗，须持教师资格证。",
        school=["育才学校", "市实验学校", "外国语学校"],
        level=["初中", "高中"],
        subject=["数学", "化学"],
        when=["寒假后", "暑假后"],
    )
    assert not any(_rules_fired(rules, schools, "recruitment"))


def test_hong_kong_and_taiwan_grades_and_subjects_are_read(rules: Engine) -> None:
    offers = grid(
        "{verb}{grade}{subject}{role}，{form}，{pay}。",
        verb=["招聘", "徵", "誠徵", "找"],
        grade=["小三", "小六", "中四", "國二", "國一"],
        subject=["英文", "數學", "國文", "理化"],
        role=["家教", "補習導師", "私補"],
        form=["每週兩堂", "上門"],
        pay=["$300/小時", "時薪600"],
    )
    fired = _rules_fired(rules, offers, "social")
    missed = [t for t, f in zip(offers, fired, strict=True) if not f]
    assert not missed, missed[:3]
    clean = [
        "其中一個孩子喜歡畫畫，大小一樣的畫紙都買了。",
        "誠聘英文秘書，需流利英文，月薪2萬。",
        "成人英文會話班，上班族適用，晚上上課。",
        "這個特徵家教老師都會提醒：孩子要多睡覺。",
        "征文比赛结果公布，感谢各位家长参与。",
    ]
    assert not any(_rules_fired(rules, clean, "social"))


def test_a_sanction_stated_for_a_kind_of_conduct_is_a_rule_not_an_offer(rules: Engine) -> None:
    notices = grid(
        "{where}以{names}等名义有偿开展学科类培训的，{sanction}。",
        where=["利用居民楼、酒店、咖啡厅等场所，", "", "在职教师"],
        names=["家政服务、住家教师、众筹私教", "托管、游学、研学", "一对一、住家教师"],
        sanction=["将受到相应处罚", "一律依法查处", "均将依法予以取缔", "都将被严肃追责"],
    )
    for platform in ("social", "housekeeping", "tutoring"):
        fired = _rules_fired(rules, notices, platform)
        wrong = [(t, f) for t, f in zip(notices, fired, strict=True) if f]
        assert not wrong, wrong[:3]


def test_the_case_reading_counts_only_the_study_tasks_a_listing_does_not_refuse(rules: Engine) -> None:
    reader = CaseReader(rules.catalogue.lexicons)
    at = feature_names().index("chores_with_study")
    affirmed = grid(
        "{role}工作职责：{chore}、{chore2}、{study}。",
        role=["住家保姆", "育儿嫂", "钟点工"],
        chore=["做饭", "打扫卫生"],
        chore2=["清洗衣服", "接送孩子"],
        study=["辅导孩子学习", "检查作业", "辅导功课", "家庭教师"],
    )
    refusing = grid(
        "{role}，{chore}、{chore2}，{refusal}。",
        role=["找住家阿姨", "钟点工", "育儿嫂"],
        chore=["做饭", "打扫卫生"],
        chore2=["清洗衣服", "接送孩子"],
        refusal=["不辅导作业", "孩子作业我们自己管", "功课不用管", "不负责学业", "作业辅导不了", "阿姨不用管作业"],
    )
    rows = reader.features(rules.read_many([Document("", t, "housekeeping") for t in affirmed + refusing]))
    assert all(row[at] > 0 for row in rows[: len(affirmed)])
    assert not [t for t, row in zip(refusing, rows[len(affirmed) :], strict=True) if row[at] > 0]


def test_a_refusal_is_read_in_the_study_tasks_clause_only() -> None:
    for text, term, expected in [
        ("不辅导作业", "作业", True),
        ("作业不会的题讲清楚", "作业", False),
        ("做饭、辅导孩子学习", "孩子学习", False),
        ("不做饭，辅导作业", "辅导作业", False),
        ("孩子的学习的事请找学校", "孩子的学习", True),
    ]:
        start = text.rindex(term)
        assert refused(text, start, start + len(term)) is expected, text


@pytest.fixture(scope="module")
def shipped() -> Engine:
    return Engine(EngineConfig())


def test_readable_split_style_duty_lists_and_waiver_posts_are_flagged_by_the_shipped_engine(shipped: Engine) -> None:
    # written in the manner of the readable split's 家政 duty lists and job posts (rb0011, rb0066, rf0023,
    # rb0198; train), none of them a corpus listing
    flagged = [
        ("housekeeping", "住家保姆的工作职责，包含了照顾老人孩子，洗衣做饭，打扫房间卫生，辅导孩子学习等等。"),
        ("housekeeping", "育儿嫂服务内容：照顾孩子饮食起居，接送孩子上下学，做饭，检查作业，辅导功课。"),
        ("recruitment", "急招初二数学小班授课教师：不限专业，不需要持有教师资格证，试讲通过即可上岗。"),
        ("recruitment", "在线教培机构招聘初中英语老师：没有教资也可入职，两轮试讲后正式上课。"),
        ("recruitment", "培训学校招聘初中数学老师，负责周六周日的班课，课时费150-250。"),
    ]
    analyses = shipped.analyze_many(Document("", text, platform) for platform, text in flagged)
    assert [a.flagged for a in analyses] == [True] * len(flagged), [
        (t, a.score) for (_, t), a in zip(flagged, analyses, strict=True)
    ]
    clean = [
        ("housekeeping", "住家保姆工作职责：做饭、打扫卫生、洗衣熨烫、接送孩子，孩子作业我们自己管。"),
        ("recruitment", "实验中学招聘初中数学教师，须持教师资格证，有编制。"),
        ("social", "以家政服务、住家教师名义有偿开展学科类培训的，将受到相应处罚。"),
    ]
    analyses = shipped.analyze_many(Document("", text, platform) for platform, text in clean)
    assert not any(a.flagged for a in analyses), [(t, a.score) for (_, t), a in zip(clean, analyses, strict=True)]


def test_a_class_teacher_paid_by_the_class_is_a_serving_teacher(rules: Engine) -> None:
    # the readable split's rc0009 class (train): a class group's paid lessons by the class's own teacher
    posts = grid(
        "{level}{n}班{group}：{teacher}{how}，{fee}。",
        level=["初四", "初二", "六年级", "高一"],
        n=["10", "3"],
        group=["钉钉学习群", "家长群"],
        teacher=["老师", "数学老师", "班主任"],
        how=["网课辅导", "周末线上补课", "晚上上课"],
        fee=["家委会每周微信收费，每晚每人30元", "每生每月收400元"],
    ) + grid(
        "{teacher}{verb}{whose}学生{when}补课，{fee}",
        teacher=["学校老师", "班主任", "数学老师"],
        verb=["给", "动员", "让"],
        whose=["班上", "本班", "自己所带班级的"],
        when=["周末到家里", "课后在家"],
        fee=["每人每月800元", "每次收费100元"],
    )
    fired = _rules_fired(rules, posts, "social")
    missed = [t for t, f in zip(posts, fired, strict=True) if not any(r.startswith("in_service_teacher/") for r in f)]
    assert not missed, missed[:3]
    clean = [
        "三年级2班家长群：学校课后服务每生每月200元，由学校统一收取，老师辅导作业。",
        "初二3班：数学老师周末免费线上答疑，家委会组织报名。",
        "班主任放学后免费给班上学生辅导作业，不收任何费用。",
        "记者调查发现，某校班主任给本班学生有偿补课，每人800元，教育局已介入调查。",
        "正月初四上午，全家去庙会，10班同学聚会每人50元。",
    ]
    fired = _rules_fired(rules, clean, "social")
    wrong = [(t, f) for t, f in zip(clean, fired, strict=True) if any(r.startswith("in_service_teacher/") for r in f)]
    assert not wrong, wrong[:3]


def test_hong_kong_and_taiwan_care_and_study_words_are_read(rules: Engine) -> None:
    daycare = grid(
        "{name}招生：{level}，課後接送、{study}，月費{fee}。",
        name=["安親班", "課輔班", "功課輔導班"],
        level=["國小一至六年級", "小一至小六"],
        study=["作業指導", "寫功課、訂正考卷", "溫書默書"],
        fee=["6500", "$2800"],
    )
    fired = _rules_fired(rules, daycare, "tutoring")
    assert not [t for t, f in zip(daycare, fired, strict=True) if not f]
    helpers = grid(
        "{who}，{chore}，{study}。",
        who=["請外傭", "菲傭", "工人姐姐"],
        chore=["照顧兩個小朋友、煮飯清潔", "接送返學、煮飯"],
        study=["可以陪小朋友溫書默書", "教小朋友做功課"],
    )
    fired = _rules_fired(rules, helpers, "housekeeping")
    assert not [t for t, f in zip(helpers, fired, strict=True) if not any(r.startswith("home_tutor/") for r in f)]
    clean = [
        "外傭工作：煮飯、清潔、照顧長者，不用溫書默書，家中冇小朋友。",
        "安親班暑期才藝營：烏克麗麗、繪畫、桌遊，不上學科課。",
    ]
    assert not any(_rules_fired(rules, clean, "housekeeping"))


def test_a_nanny_resume_offering_a_teaching_record_is_found(rules: Engine) -> None:
    # DATA.md b-4, the readable split's nanny résumés (rb0006-rb0009, train): the record is the selling point
    resumes = grid(
        "{role}，{age}，{record}，{chore}，{offer}。",
        role=["育儿嫂李阿姨", "住家保姆", "保姆王姐"],
        age=["45岁", "大专学历"],
        record=["曾在培训机构任教两年", "做过三年小学语文老师", "持教师资格证", "两年家教经历"],
        chore=["会做饭", "做饭收纳都行"],
        offer=["可住家，月薪9000", "求职住家"],
    )
    fired = _rules_fired(rules, resumes, "housekeeping")
    missed = [t for t, f in zip(resumes, fired, strict=True) if "home_tutor/nanny-teaching-record" not in f]
    assert not missed, missed[:3]
    clean = grid(
        "{role}，{record}，{limit}，月薪1万。",
        role=["本科育儿嫂", "住家育儿嫂"],
        record=["有教师资格证", "做过两年幼儿园老师"],
        limit=["只带0-3岁宝宝，辅食睡眠户外", "但不辅导功课，只做生活照料", "退休后只做饭打扫"],
    )
    fired = _rules_fired(rules, clean, "housekeeping")
    wrong = [(t, f) for t, f in zip(clean, fired, strict=True) if "home_tutor/nanny-teaching-record" in f]
    assert not wrong, wrong[:3]
