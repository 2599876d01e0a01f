"""The ``scan`` contract that outside tools read: one JSON object per input line, spans exact."""

from __future__ import annotations

import json

from tests.conftest import read_jsonl, tutorwatch

DOCS = [
    {"id": "a", "title": "周末初中数学一对一", "text": "老师上门，保证提分", "platform": "tutoring"},
    {"id": 7, "title": "一对一钢琴陪练", "text": "成人零基础可学"},
    {"id": "c", "title": "ＦＵＬＬ　１对１", "text": "高三英语\n冲刺", "platform": "social"},
]


def test_jsonl_in_jsonl_out_in_order_with_exact_spans() -> None:
    stdin = "\n".join(json.dumps(d, ensure_ascii=False) for d in DOCS) + "\n"
    result = tutorwatch("scan", "--format", "jsonl", stdin=stdin)
    assert result.returncode == 0, result.stderr
    out = read_jsonl(result.stdout)
    assert [o["id"] for o in out] == ["a", 7, "c"]
    for doc, record in zip(DOCS, out, strict=True):
        assert set(record) >= {"id", "flagged", "score", "categories", "findings"}
        assert 0 <= record["score"] <= 1
        full = doc["title"] + "\n" + doc["text"]
        for finding in record["findings"]:
            assert set(finding) >= {"category", "rule", "text", "start", "end", "basis"}
            assert full[finding["start"] : finding["end"]] == finding["text"]
            assert finding["category"] in record["categories"]
    assert out[0]["flagged"] and "one_on_one" in out[0]["categories"]
    assert not out[1]["flagged"]
    assert out[2]["flagged"], "full-width 1对1 + 英语 must be found"


def test_stdin_is_read_as_what_it_holds() -> None:
    """Piped JSON Lines are listings (each judged on its own fields, spans into title + text, never into
    the JSON's syntax), a piped page is HTML, anything else one text: no --format needed."""
    lines = "\ufeff" + "\n".join(json.dumps(d, ensure_ascii=False) for d in DOCS) + "\n"
    out = read_jsonl(tutorwatch("scan", stdin=lines).stdout)
    assert [o["id"] for o in out] == ["a", 7, "c"]
    assert all('"' not in f["text"] for o in out for f in o["findings"]) and out[0]["findings"]
    page = "<!DOCTYPE html><html><body><nav>首页 登录</nav><p>高中物理1v1 寒假班</p></body></html>"
    [judged] = read_jsonl(tutorwatch("scan", "--json", stdin=page).stdout)
    assert judged["flagged"] and all("<" not in f["text"] for f in judged["findings"])
    for text in ("初中数学一对一 {名师} 上门", "{初中数学}一对一 名师上门"):
        plain = tutorwatch("scan", stdin=text)
        assert plain.returncode == 0 and "FLAGGED" in plain.stdout, plain.stderr


def test_bad_jsonl_line_is_reported_in_place_and_exit_is_nonzero() -> None:
    stdin = '{"id": 1, "title": "t", "text": "x"}\nnot json\n{"id": 3, "title": "一对一数学", "text": ""}\n'
    result = tutorwatch("scan", "--format", "jsonl", stdin=stdin)
    assert result.returncode == 1
    out = read_jsonl(result.stdout)
    assert [o["id"] for o in out] == [1, None, 3]
    assert "line 2" in out[1]["error"] and "line 2" in result.stderr


def test_plain_text_and_html_files(tmp_path) -> None:
    text = tmp_path / "ad.txt"
    text.write_text("初中数学一对一\n名师上门", encoding="utf-8")
    page = tmp_path / "ad.html"
    page.write_text(
        "<html><body><nav>首页</nav><article><h1>高中物理1v1</h1><p>寒假班</p></article></body></html>",
        encoding="utf-8",
    )
    for path in (text, page):
        result = tutorwatch("scan", str(path), "--json")
        assert result.returncode == 0, result.stderr
        assert read_jsonl(result.stdout)[0]["flagged"]
    readable = tutorwatch("scan", str(text))
    assert "FLAGGED" in readable.stdout and "one_on_one" in readable.stdout


def test_platform_option_is_the_platform_of_lines_that_name_none(tmp_path) -> None:
    """``--platform`` is where lines without their own come from, a line's own wins; in this process and in
    the workers, and for a line that names pictures (parsed again by ``scan`` once they are read)."""
    job = {"title": "招聘周末兼职初中物理老师", "text": "不限教资，在校大学生可"}
    pictured = {**job, "images": [str(tmp_path / "missing.png")]}  # a picture that cannot be read: still a line
    lines = [
        {"id": "none", **job},
        {"id": "pictured", **pictured},
        {"id": "recruitment", **job, "platform": "recruitment"},
        {"id": "housekeeping", **job, "platform": "housekeeping"},
    ]
    stdin = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\n"
    for option, jobs in (("recruitment", "1"), ("housekeeping", "2")):
        result = tutorwatch("scan", "--platform", option, "--jobs", jobs, stdin=stdin)
        judged = {o["id"]: (o["categories"], [f["rule"] for f in o["findings"]]) for o in read_jsonl(result.stdout)}
        assert judged["recruitment"] != judged["housekeeping"], "the platform changes what this text gets"
        assert judged["none"] == judged["pictured"] == judged[option], (option, jobs, result.stderr)
