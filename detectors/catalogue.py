"""The rule catalogue: YAML rules and term lexicons under rules/, validated when loaded.

A rule is a small boolean expression over term lists and regexes (see README, "Rules").
Loading fails with one line naming the file and the rule, so a bad edit never reaches a crawl.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from detectors.categories import CATEGORIES, PLATFORMS
from detectors.errors import ConfigError
from detectors.normalize import normalize_term

# The bundled rules. Another directory comes in as an argument (the CLI: --rules-dir or TUTORWATCH_RULES_DIR).
RULES_DIR = Path(__file__).resolve().parent.parent / "rules"
RULE_ID = re.compile(r"^[a-z_]+/[a-z0-9]+(?:-[a-z0-9]+)*$")
KINDS = ("lexicon", "terms", "regex", "claim", "all", "any", "near", "not_", "use")


class ClaimTest(BaseModel):
    """``claim: {kind: prepaid_months, gt: 3}``: a structured claim (detectors/claims.py) whose value passes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: str
    gt: float | None = None
    ge: float | None = None
    lt: float | None = None
    le: float | None = None

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        from detectors.claims import KINDS as CLAIM_KINDS

        if value not in CLAIM_KINDS:
            raise ValueError(f"unknown claim kind {value!r}; one of {', '.join(CLAIM_KINDS)}")
        return value

    def passes(self, value: float) -> bool:
        return (
            (self.gt is None or value > self.gt)
            and (self.ge is None or value >= self.ge)
            and (self.lt is None or value < self.lt)
            and (self.le is None or value <= self.le)
        )


class Expr(BaseModel):
    """One matcher: exactly one of lexicon, terms, regex, claim, all, any, near (+ within), not, use.

    ``use: NAME`` stands for the shared matcher NAME (a ``matchers:`` entry of any rules file);
    it is replaced by that matcher when the catalogue is loaded.
    """

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)

    lexicon: str | None = None
    terms: tuple[str, ...] | None = None
    regex: str | None = None
    claim: ClaimTest | None = None
    all: tuple[Expr, ...] | None = None
    any: tuple[Expr, ...] | None = None
    near: tuple[Expr, ...] | None = None
    within: int | None = Field(default=None, ge=0, le=500)
    not_: Expr | None = Field(default=None, alias="not")
    use: str | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Expr:
        kinds = [k for k in KINDS if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError(f"a matcher needs exactly one of {', '.join(k.rstrip('_') for k in KINDS)}")
        if (self.near is None) != (self.within is None):
            raise ValueError("'within' goes with 'near' and 'near' needs 'within'")
        if self.near is not None and (len(self.near) < 2 or any(e.not_ is not None for e in self.near)):
            raise ValueError("'near' needs two or more positive matchers")
        for group in (self.all, self.any):
            if group is not None and not group:
                raise ValueError("'all'/'any' need at least one matcher")
        if self.terms is not None and not all(t.strip() for t in self.terms):
            raise ValueError("'terms' must not contain empty strings")
        if self.regex is not None:
            try:
                re.compile(self.regex)
            except re.error as exc:
                raise ValueError(f"invalid regex {self.regex!r}: {exc}") from None
        return self

    @property
    def kind(self) -> str:
        return next(k for k in KINDS if getattr(self, k) is not None)

    def walk(self) -> list[Expr]:
        """This matcher and every matcher inside it."""
        children = self.all or self.any or self.near or ((self.not_,) if self.not_ else ())
        return [self, *(sub for child in children for sub in child.walk())]

    def resolve(self, shared: dict[str, Expr]) -> Expr:
        """This matcher with every ``use`` replaced by the shared matcher it names (the same object)."""
        if self.use is not None:
            if self.use not in shared:
                raise ValueError(f"unknown shared matcher {self.use!r}")
            return shared[self.use]
        if self.not_ is not None:
            return self.model_copy(update={"not_": self.not_.resolve(shared)})
        for kind in ("all", "any", "near"):
            children = getattr(self, kind)
            if children is not None:
                return self.model_copy(update={kind: tuple(child.resolve(shared) for child in children)})
        return self

    def is_positive(self) -> bool:
        """Whether a match of this (resolved) matcher always carries evidence spans."""
        if self.kind in ("lexicon", "terms", "regex", "claim", "near"):
            return True
        if self.all is not None:
            return any(child.is_positive() for child in self.all)
        if self.any is not None:
            return all(child.is_positive() for child in self.any)
        return False


class Rule(BaseModel):
    """One rule of rules/<category>.yaml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    category: str
    basis: tuple[str, ...] = Field(min_length=1)
    confidence: Literal["high", "medium", "low"]
    description: str = ""
    platforms: tuple[str, ...] | None = None
    match: Expr
    unless: tuple[Expr, ...] = ()

    @field_validator("category")
    @classmethod
    def _known_category(cls, value: str) -> str:
        if value not in CATEGORIES:
            raise ValueError(f"unknown category {value!r} (see ../shared/categories.md)")
        return value

    @field_validator("platforms")
    @classmethod
    def _known_platforms(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        for platform in value or ():
            if platform not in PLATFORMS:
                raise ValueError(f"unknown platform {platform!r}; one of {', '.join(PLATFORMS)}")
        return value

    @field_validator("basis")
    @classmethod
    def _clauses(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for clause in value:
            if not re.match(r"^(YY|HY) \S+$", clause):
                raise ValueError(f"basis {clause!r} must cite a clause as 'YY 四(二)' or 'HY 三.2'")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Rule:
        if not RULE_ID.match(self.id) or not self.id.startswith(self.category + "/"):
            raise ValueError(f"rule id {self.id!r} must be '{self.category}/<kebab-slug>'")
        return self

    def resolve(self, shared: dict[str, Expr]) -> Rule:
        """The rule with shared matchers filled in; checks that ``match`` can point at text."""
        match = self.match.resolve(shared)
        if not match.is_positive():
            raise ValueError("'match' must be able to point at text (not only 'not')")
        return self.model_copy(update={"match": match, "unless": tuple(u.resolve(shared) for u in self.unless)})


@dataclass(frozen=True)
class Catalogue:
    """All rules and lexicons; lexicon terms are stored normalised."""

    rules: tuple[Rule, ...]
    lexicons: dict[str, frozenset[str]]

    @cached_property
    def by_id(self) -> dict[str, Rule]:
        return {rule.id: rule for rule in self.rules}


def _read_lexicon(path: Path) -> frozenset[str]:
    raw = [line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines()]
    raw = [term for term in raw if term]
    if not raw:
        raise ConfigError(f"{path}: lexicon has no terms")
    return frozenset(term for term in normalize_term("\n".join(raw)).split("\n") if term)


def _load_yaml(path: Path) -> tuple[object, dict[tuple[str, int | str], int]]:
    """The document, and the line of each rule (("rules", index)) and matcher (("matchers", name))."""
    loader = yaml.CSafeLoader(path.read_text(encoding="utf-8"))
    try:
        node = loader.get_single_node()
        doc = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    lines: dict[tuple[str, int | str], int] = {}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == "rules" and isinstance(value, yaml.SequenceNode):
                lines.update({("rules", i): item.start_mark.line + 1 for i, item in enumerate(value.value)})
            if key.value == "matchers" and isinstance(value, yaml.MappingNode):
                lines.update({("matchers", k.value): k.start_mark.line + 1 for k, _ in value.value})
    return doc, lines


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(part) for part in err["loc"])
    return f"{where}: {err['msg'].removeprefix('Value error, ')}" if where else err["msg"]


def _read_rules_file(path: Path) -> tuple[list[Rule], dict[str, Expr], dict[str, int]]:
    """The rules and the shared matchers of one rules/*.yaml file (either key may be absent)."""
    try:
        doc, lines = _load_yaml(path)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {' '.join(str(exc).split())}") from None
    if not isinstance(doc, dict) or set(doc) - {"rules", "matchers"} or not doc:
        raise ConfigError(f"{path}: expected a mapping with 'rules' (a list) and/or 'matchers' (a mapping)")
    raw_rules, raw_matchers = doc.get("rules") or [], doc.get("matchers") or {}
    if not isinstance(raw_rules, list) or not isinstance(raw_matchers, dict):
        raise ConfigError(f"{path}: 'rules' must be a list and 'matchers' a mapping")
    shared = {}
    for name, raw in raw_matchers.items():
        try:
            shared[str(name)] = Expr.model_validate(raw)
        except ValidationError as exc:
            line = lines.get(("matchers", name), 1)
            raise ConfigError(f"{path}:{line}: matcher {name}: {_first_error(exc)}") from None
    rules: list[Rule] = []
    for index, raw in enumerate(raw_rules):
        label = raw.get("id", f"#{index + 1}") if isinstance(raw, dict) else f"#{index + 1}"
        try:
            rules.append(Rule.model_validate(raw))
        except ValidationError as exc:
            raise ConfigError(f"{path}:{lines.get(('rules', index), 1)}: rule {label}: {_first_error(exc)}") from None
    where = {f"rule {r.id}": lines.get(("rules", i), 1) for i, r in enumerate(rules)}
    where |= {f"matcher {name}": lines.get(("matchers", name), 1) for name in shared}
    return rules, shared, where


def _resolve_shared(raw: dict[str, tuple[Path, Expr]], at: Callable[[Path, str], str]) -> dict[str, Expr]:
    """Shared matchers with their own ``use`` references filled in; cycles are an error."""
    done: dict[str, Expr] = {}

    def visit(name: str, trail: tuple[str, ...]) -> Expr:
        if name in done:
            return done[name]
        if name in trail:
            raise ConfigError(f"{at(raw[name][0], f'matcher {name}')}: refers to itself via {' -> '.join(trail)}")
        path, expr = raw[name]
        needed = {e.use for e in expr.walk() if e.use is not None}
        for other in needed:
            if other not in raw:
                raise ConfigError(f"{at(path, f'matcher {name}')}: unknown shared matcher {other!r}")
        deps = {other: visit(other, (*trail, name)) for other in needed}
        done[name] = expr.resolve(deps)
        return done[name]

    for name in raw:
        visit(name, ())
    return done


def _check_lexicons(expr: Expr, lexicons: dict[str, frozenset[str]], where: str, *more: Expr) -> None:
    for one in (expr, *more):
        for sub in one.walk():
            if sub.lexicon is not None and sub.lexicon not in lexicons:
                raise ConfigError(f"{where}: unknown lexicon {sub.lexicon!r}")


def load_catalogue(rules_dir: Path = RULES_DIR) -> Catalogue:
    """Read and cross-check every rules/*.yaml and rules/lexicons/*.txt."""
    if not rules_dir.is_dir():
        raise ConfigError(f"{rules_dir}: rules directory not found")
    lexicons = {p.stem: _read_lexicon(p) for p in sorted((rules_dir / "lexicons").glob("*.txt"))}
    files = {path: _read_rules_file(path) for path in sorted(rules_dir.glob("*.yaml"))}

    def at(path: Path, what: str) -> str:
        return f"{path}:{files[path][2].get(what, 1)}: {what}"

    raw_shared: dict[str, tuple[Path, Expr]] = {}
    for path, (_, shared_here, _) in files.items():
        for name, expr in shared_here.items():
            if name in raw_shared:
                raise ConfigError(f"{at(path, f'matcher {name}')}: duplicate name (also in {raw_shared[name][0].name})")
            raw_shared[name] = (path, expr)
    shared = _resolve_shared(raw_shared, at)
    rules: list[Rule] = []
    seen: dict[str, Path] = {}
    for path, (file_rules, _, _) in files.items():
        for unresolved in file_rules:
            where = at(path, f"rule {unresolved.id}")
            if unresolved.id in seen:
                raise ConfigError(f"{where}: duplicate id (also in {seen[unresolved.id].name})")
            seen[unresolved.id] = path
            try:
                rule = unresolved.resolve(shared)
            except ValueError as exc:
                raise ConfigError(f"{where}: {exc}") from None
            _check_lexicons(rule.match, lexicons, where, *rule.unless)
            rules.append(rule)
    for name, (path, _) in raw_shared.items():
        _check_lexicons(shared[name], lexicons, at(path, f"matcher {name}"))
    if not rules:
        raise ConfigError(f"{rules_dir}: no rules found")
    return Catalogue(tuple(rules), lexicons)
