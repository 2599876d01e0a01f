"""The columns of every leads file, in order, and the SQL that reads them from the store.

The derived columns (verdict label, evidence reference, changed since verdict) and the formula
escaping of CSV cells are computed by SQLite, so exporting a million leads needs no Python per cell.
"""

from __future__ import annotations

from crawler.leads.wording import DECIDED as VERDICTS  # the status column's labels

LEAD_COLUMNS: tuple[str, ...] = (
    "lead_id",
    "first_seen",
    "last_seen",
    "site",
    "platform",
    "url",
    "title",
    "publisher",
    "contact",
    "city",
    "district",
    "price",
    "posted_at",
    "categories",
    "rules",
    "matched_text",
    "basis",
    "score",
    "status",
    "notes",
    "times_seen",
    "changed_at",
    "changed_since_verdict",
    "evidence",
    "evidence_sha256",
    "contacts",
    "actor_id",
    "registry_status",
    "case_id",
    "stamp",
    "verdict_rev",
)
NUMBERS = ("score", "times_seen")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ESCAPE_PREFIX = "'"  # put before a CSV cell that would be a formula
ORDER = " ORDER BY score DESC, first_seen, lead_id"


def safe_cell(value: object) -> str:
    """A cell's text that no spreadsheet evaluates: formula starts get a leading apostrophe."""
    text = "" if value is None else (f"{value:.2f}" if isinstance(value, float) else str(value))
    return ESCAPE_PREFIX + text if text.startswith(FORMULA_STARTS) else text


def safe_sql(expression: str) -> str:
    """``safe_cell`` as an SQL expression, so SQLite escapes a million cells without Python per cell."""
    starts = ", ".join(f"char({ord(c)})" for c in FORMULA_STARTS)
    escaped = f"char({ord(ESCAPE_PREFIX)}) || {expression}"
    return f"CASE WHEN substr({expression}, 1, 1) IN ({starts}) THEN {escaped} ELSE {expression} END"


DERIVED = {
    "status": "CASE status " + " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in VERDICTS.items()) + " ELSE status END",
    "changed_since_verdict": "CASE WHEN status != '' AND content_hash != verdict_hash THEN 'yes' ELSE '' END",
    "evidence": "CASE WHEN evidence_file != '' THEN evidence_file || '@' || evidence_offset ELSE '' END",
}


def _select(csv_cells: bool) -> str:
    """SELECT of the exported columns in LEAD_COLUMNS order: escaped text for CSV, values for XLSX."""
    parts = []
    for column in LEAD_COLUMNS:
        expression = DERIVED.get(column, column)
        if csv_cells and column == "score":
            expression = "printf('%.2f', score)"
        elif csv_cells and column not in NUMBERS:
            expression = safe_sql(expression)
        parts.append(expression)
    return "SELECT " + ", ".join(parts) + " FROM leads"


CSV_SELECT, VALUES_SELECT = _select(csv_cells=True), _select(csv_cells=False)
