"""The rule catalogue: every rule's examples pass, and lint rejects broken rule files."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from detectors.catalogue import RULES_DIR, load_catalogue
from detectors.categories import CATEGORIES
from detectors.engine import Engine, EngineConfig
from detectors.errors import ConfigError
from detectors.rule_examples import check_examples
from tests.conftest import TUTORWATCH, tutorwatch

REQUIRED = {"one_on_one", "home_tutor", "crowdfunded_tutor", "tutor_recruitment", "false_advertising"}


def test_every_rule_example_passes_and_every_rule_has_both_kinds() -> None:
    assert check_examples(Engine(EngineConfig(detectors=("rules",)))) == []


def test_first_categories_are_covered_with_clauses() -> None:
    catalogue = load_catalogue(RULES_DIR)
    assert {rule.category for rule in catalogue.rules} >= REQUIRED
    assert {rule.category for rule in catalogue.rules} <= set(CATEGORIES)


RULE = """rules:
  - id: one_on_one/x
    category: one_on_one
    basis: ["YY 四(二)"]
    confidence: high
    match: {terms: [一对一]}
"""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (RULE.replace("category: one_on_one", "category: one_to_one"), "unknown category 'one_to_one'"),
        (RULE.replace('basis: ["YY 四(二)"]', "basis: []"), "basis"),
        (RULE.replace('basis: ["YY 四(二)"]', 'basis: ["policy"]'), "must cite a clause"),
        (RULE.replace("{terms: [一对一]}", '{regex: "一对("}'), "invalid regex"),
        (RULE.replace("{terms: [一对一]}", "{lexicon: nosuch}"), "unknown lexicon 'nosuch'"),
        (RULE.replace("id: one_on_one/x", "id: home_tutor/x"), "must be 'one_on_one/<kebab-slug>'"),
        (RULE.replace("{terms: [一对一]}", "{not: {terms: [一对一]}}"), "must be able to point at text"),
        (RULE + RULE[len("rules:\n") :], "duplicate id"),
        (RULE.replace("{terms: [一对一]}", "{use: nosuch}"), "unknown shared matcher 'nosuch'"),
        ("defs:\n  a: {terms: [x]}\n" + RULE, "expected a mapping with 'rules'"),
        ("matchers:\n  a: {use: b}\n  b: {any: [{use: a}]}\n" + RULE, "refers to itself"),
    ],
)
def test_lint_names_file_rule_and_problem(tmp_path: Path, text: str, message: str) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(RULES_DIR / "lexicons", rules / "lexicons")
    shutil.copy(RULES_DIR / "shared.yaml", rules / "shared.yaml")
    (rules / "bad.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_catalogue(rules)
    assert message in str(err.value) and "bad.yaml:" in str(err.value)


def test_lint_points_at_the_line_of_the_rule(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(RULES_DIR / "lexicons", rules / "lexicons")
    second = (
        RULE[len("rules:\n") :]
        .replace("one_on_one/x", "one_on_one/y")
        .replace("{terms: [一对一]}", "{lexicon: nosuch}")
    )
    (rules / "bad.yaml").write_text(RULE + second, encoding="utf-8")
    line = (RULE + second).splitlines().index("  - id: one_on_one/y") + 1
    assert line == 7
    with pytest.raises(ConfigError, match=rf"bad\.yaml:{line}: rule one_on_one/y: unknown lexicon 'nosuch'"):
        load_catalogue(rules)


def test_shared_matcher_is_one_object_in_every_rule_that_uses_it() -> None:
    rules = [r for r in load_catalogue(RULES_DIR).rules if r.id.startswith("one_on_one/")]
    subjects = {id(e) for r in rules for e in r.match.walk() if e.any and e.any[0].lexicon == "k12_subjects"}
    assert len(subjects) == 1, "a shared matcher must be evaluated once per document, not once per rule"


def test_rules_commands_at_the_cli(tmp_path: Path) -> None:
    assert tutorwatch("rules", "lint").returncode == 0
    assert tutorwatch("rules", "test").returncode == 0
    rules = tmp_path / "rules"
    shutil.copytree(RULES_DIR, rules)
    (rules / "one_on_one.txt").write_text(
        (rules / "one_on_one.txt").read_text(encoding="utf-8") + "\n# ruleid: one_on_one/no-such-rule\n一对一数学\n",
        encoding="utf-8",
    )
    env = {**os.environ, "TUTORWATCH_RULES_DIR": str(rules)}
    result = subprocess.run([TUTORWATCH, "rules", "test"], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 4
    assert "unknown rule one_on_one/no-such-rule" in result.stderr and "one_on_one.txt" in result.stderr
