"""The policy clauses rules cite, with their words (rules/policy/clauses.yaml), for explanations people read.

A finding cites ``"YY 四(二)"``; an analyst needs 「岳阳方案 四(二)」 and what that clause says about
the finding's category. The table is loaded once and validated, so a missing or misspelt entry
fails loudly rather than printing a bare reference.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, Field, ValidationError

from crawler.errors import ConfigError

CLAUSES = Path(__file__).resolve().parents[2] / "rules" / "policy" / "clauses.yaml"


class Clause(BaseModel):
    title: str
    text: str
    for_: dict[str, str] = Field(default_factory=dict, alias="for")


class ClauseTable(BaseModel):
    documents: dict[str, str]
    clauses: dict[str, Clause]

    def cite(self, basis: str) -> str:
        """'YY 四(二)' as people cite it: '岳阳方案 四(二)'."""
        document, _, number = basis.partition(" ")
        return f"{self.documents.get(document, document)} {number}".strip()

    def words(self, basis: str, category: str) -> str:
        """What the clause says about ``category`` (its own phrase, else the clause's default or whole text)."""
        clause = self.clauses.get(basis)
        if clause is None:
            return ""
        return clause.for_.get(category) or clause.for_.get("default") or clause.text


@lru_cache(maxsize=2)
def clause_table(path: Path = CLAUSES) -> ClauseTable:
    try:
        return ClauseTable.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise ConfigError(f"{path}: not a valid clause table: {str(exc).splitlines()[0]}") from None
