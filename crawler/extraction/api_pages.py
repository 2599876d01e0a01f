"""Pagination of JSON APIs that give no next URL: by page number, offset or cursor, until a stop rule says so.

The stop rule is a tiny grammar read when the config loads (never evaluated as code):

    empty items              the page had no items (always a stop, whatever the rule says)
    PATH == VALUE            e.g. has_more == false, data.isLastPage == true (VALUE a JSON literal)
    PATH != VALUE            e.g. code != 0
    page > PATH              the last page number is at PATH (data.total_pages, data.pages)
    offset >= PATH           the number of items is at PATH (data.total, data.count)
    PATH                     the last page (by: page) or the number of items (by: offset)
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Literal

from crawler.extraction.json_path import value_at

PATH = r"[\w$@:-]+(?:\[\])?(?:\.[\w$@:-]+(?:\[\])?)*"  # keys of letters, digits, _ $ @ : -
COMPARE = re.compile(rf"(?P<path>{PATH})\s*(?P<op>==|!=)\s*(?P<value>.+)")
BOUND = re.compile(rf"(?P<var>page|offset)\s*(?P<op>>=|>)\s*(?P<path>{PATH})")


@dataclass(frozen=True)
class Stop:
    kind: Literal["empty", "equals", "differs", "last_page", "total"]
    path: str = ""
    value: Any = None


def parse_stop(text: str, by: str) -> Stop:
    """The stop rule as data; a rule that is not in the grammar is a config error naming the forms."""
    rule = " ".join(text.split())
    if rule in ("empty items", "empty"):
        return Stop("empty")
    if match := COMPARE.fullmatch(rule):
        try:
            value = json.loads(match["value"])
        except ValueError:
            raise ValueError(
                f'stop {text!r}: {match["value"]!r} is not a JSON value (true, false, null, 0, "text")'
            ) from None
        return Stop("equals" if match["op"] == "==" else "differs", match["path"], value)
    if match := BOUND.fullmatch(rule):
        wanted = {"page": ("page", ">"), "offset": ("offset", ">=")}[by] if by in ("page", "offset") else None
        if wanted != (match["var"], match["op"]):
            raise ValueError(
                f"stop {text!r}: with by: {by} the bound is 'page > PATH' or 'offset >= PATH' as the by says"
            )
        return Stop("last_page" if by == "page" else "total", match["path"])
    if re.fullmatch(PATH, rule) and by in ("page", "offset"):
        return Stop("last_page" if by == "page" else "total", rule)
    raise ValueError(
        f"stop {text!r} is not one of: 'empty items', 'PATH == VALUE', 'PATH != VALUE', 'page > PATH',"
        " 'offset >= PATH', 'PATH'"
    )


def _number(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def next_value(by: str, step: int, cursor_path: str | None, stop: Stop, current: Any, doc: Any, items: int) -> Any:
    """The paginate parameter's value for the next page, or None when this page was the last."""
    if items == 0:
        return None
    if stop.kind in ("equals", "differs"):
        found = value_at(doc, stop.path)
        if (found == stop.value) == (stop.kind == "equals"):
            return None
    if by == "cursor":
        following = value_at(doc, cursor_path or "")
        return None if following in (None, "", 0, False) or following == current else following
    following = int(current) + step
    if stop.kind in ("last_page", "total"):
        bound = _number(value_at(doc, stop.path))
        if bound is None:
            return following  # the bound is missing from this page: the empty page will end it
        if (stop.kind == "last_page" and following > bound) or (stop.kind == "total" and following >= bound):
            return None
    return following
