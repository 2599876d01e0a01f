"""Annotated examples beside each rule file (rules/<category>.txt), checked like semgrep's.

    # ruleid: one_on_one/subject-individual      the next line must make the rule fire
    一对一辅导初中数学，老师上门
    # ok: one_on_one/subject-individual          the next line must not make it fire
    一对一钢琴陪练
    # platform: recruitment                      (optional) the platform of the next example

Several rule ids may follow one annotation, separated by commas. Comments and annotations start
with "# " (hash, space) or are a lone "#"; any other line is an example, so a post may begin
with a hashtag such as "#双减#".
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from detectors.engine import Engine
from detectors.models import Document


@dataclass(frozen=True)
class Example:
    path: Path
    line: int
    expect: str  # "ruleid" or "ok"
    rules: tuple[str, ...]
    text: str
    platform: str | None


def read_examples(path: Path) -> tuple[list[Example], list[str]]:
    """Examples of one file, and the problems in its annotations."""
    examples: list[Example] = []
    problems: list[str] = []
    pending: list[tuple[str, tuple[str, ...], int]] = []
    platform: str | None = None
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line == "#" or line.startswith("# "):
            body = line.lstrip("#").strip()
            tag, _, rest = body.partition(":")
            if tag in ("ruleid", "ok"):
                pending.append((tag, tuple(r.strip() for r in rest.split(",") if r.strip()), number))
            elif tag == "platform":
                platform = rest.strip() or None
            continue
        for tag, ids, at in pending:
            examples.append(Example(path, at, tag, ids, line, platform))
        pending, platform = [], None
    problems += [f"{path}:{at}: annotation without an example line after it" for _, _, at in pending]
    return examples, problems


def check_examples(engine: Engine) -> list[str]:
    """Every problem with the rules' examples, as 'file:line: message' lines (empty = all good).

    ``engine`` runs the rules alone, on each example as the title of a listing without a body.
    """
    rules_dir = engine.config.rules_dir
    known = engine.catalogue.by_id
    problems: list[str] = []
    positives: set[str] = set()
    negatives: set[str] = set()
    for path in sorted(rules_dir.glob("*.txt")):
        examples, bad = read_examples(path)
        problems += bad
        analyses = engine.analyze_many(Document(ex.text, "", ex.platform) for ex in examples)
        for ex, analysis in zip(examples, analyses, strict=True):
            fired = {f.rule for f in analysis.findings}
            for rule_id in ex.rules:
                where = f"{ex.path}:{ex.line}"
                if rule_id not in known:
                    problems.append(f"{where}: unknown rule {rule_id}")
                elif ex.expect == "ruleid":
                    positives.add(rule_id)
                    if rule_id not in fired:
                        problems.append(f"{where}: {rule_id} should match but does not: {ex.text}")
                else:
                    negatives.add(rule_id)
                    if rule_id in fired:
                        problems.append(f"{where}: {rule_id} should not match but does: {ex.text}")
    for rule_id in known:
        if rule_id not in positives:
            problems.append(f"{rules_dir}: {rule_id} has no '# ruleid:' example")
        if rule_id not in negatives:
            problems.append(f"{rules_dir}: {rule_id} has no '# ok:' example")
    return problems
