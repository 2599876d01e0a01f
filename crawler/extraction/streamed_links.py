"""A huge HTML list page's links taken while it is parsed, without ever holding its whole tree.

A list page of 240,000 links (9 MB) parsed whole is a 190 MB lxml tree (about 800 bytes a link),
held by the big-page lane while the links are taken: on a night when Chromium renders at the same
moment, that tree is what takes the crawl past 1 GB. Here the page is fed to lxml's pull parser a
slice at a time; after each slice the link selectors run over the part of the tree built so far,
and every finished element is dropped, except those on the tree's right edge (the elements still
open, which the parser is filling). The tree never holds more than a slice's elements, and parsing
stops once every selector has its ``limit`` links.

This gives exactly the whole tree's answer, in document order, only for a selector whose matches
are decided by what lies on the path from the root to the node: tag names and attributes of the
node and its ancestors, never its siblings, positions or contents, ending in an attribute
(``a.item::attr(href)``, ``xpath://ul[@id='list']//a/@href``). Any other selector (``::text``,
``:nth-child``, ``+``, ``:contains()``) is answered from the whole tree, as before
(``streamable`` says which).
"""

from __future__ import annotations

import re
from itertools import chain

from lxml import etree
from parsel.csstranslator import css2xpath

SLICE_CHARS = 256 * 1024  # characters parsed between two rounds of selecting and dropping
LITERAL = re.compile(r"'[^']*'|\"[^\"]*\"")
PREDICATE = re.compile(r"\[[^\[\]]*\]")
# a predicate reading only the node's attributes: @name, string functions over them, comparisons
ATTRIBUTE_TEST = re.compile(
    r"(?:\s|@[\w-]+|\bLIT\b|\b(?:and|or)\b|\b(?:not|contains|concat|normalize-space|starts-with|translate)\((?!\s*\))"
    r"|[(),=!])*"
)
# a path of child/descendant steps by name, ending in an attribute (predicates already removed)
PATH = re.compile(r"(?:/{0,2}(?:(?:descendant-or-self|descendant|child|self)::)?(?:[\w-]+|\*))+/@[\w-]+")


def selector_xpath(query: str) -> str:
    """The XPath of a site selector (CSS, or XPath after ``xpath:``)."""
    return query[6:] if query.startswith("xpath:") else css2xpath(query)


def streamable(query: str) -> bool:
    """Whether ``query``'s matches depend only on the path to the node, so streaming gives the whole tree's answer."""
    try:
        xpath = LITERAL.sub("LIT", selector_xpath(query))
    except Exception:  # a selector cssselect cannot translate: the whole tree's parser says why
        return False
    if any(char.isdigit() for predicate in PREDICATE.findall(xpath) for char in predicate):
        return False  # [1], position arithmetic: positional
    if not all(ATTRIBUTE_TEST.fullmatch(predicate[1:-1]) for predicate in PREDICATE.findall(xpath)):
        return False
    branches = PREDICATE.sub("", xpath).split("|")
    return all(PATH.fullmatch(branch.strip()) for branch in branches)


def streamed_links(text: str, queries: list[str], limit: int, slice_chars: int = SLICE_CHARS) -> list[list[str]]:
    """The first ``limit`` values each query (all ``streamable``) selects in the HTML ``text``, in document order.

    The text is prepared as parsel prepares it for its tree (stripped, NULs removed, UTF-8), so the
    parser sees the same bytes.
    """
    compiled = [etree.XPath(selector_xpath(query)) for query in queries]
    found: list[list[str]] = [[] for _ in queries]
    seen: list[set[tuple[etree._Element, str]]] = [set() for _ in queries]  # taken from the right edge
    parser = etree.HTMLPullParser(events=("start",), tag="html", recover=True, encoding="utf-8", huge_tree=True)
    text = text.strip().replace("\x00", "") or "<html/>"
    root: etree._Element | None = None
    slices = (text[start : start + slice_chars] for start in range(0, len(text), slice_chars))
    for piece in chain(slices, [None]):
        if piece is None:
            parser.close()
        else:
            parser.feed(piece.encode("utf-8"))
        for _, element in parser.read_events():
            root = element.getroottree().getroot() if root is None else root
        if root is None:
            continue
        edge = _right_edge(root)
        for query, values, taken in zip(compiled, found, seen, strict=True):
            if len(values) >= limit:
                continue
            for value in query(root):
                key = (value.getparent(), value.attrname)
                if key in taken:
                    continue
                values.append(str(value))
                if key[0] in edge:
                    taken.add(key)
                if len(values) >= limit:
                    break
            taken -= {key for key in taken if key[0] not in edge}  # dropped below: never selected again
        if all(len(values) >= limit for values in found):
            break
        _drop_finished(root)
    return found


def _right_edge(root: etree._Element) -> set[etree._Element]:
    """The root and each last child down from it: every element still open is among them."""
    edge, node = {root}, root
    while len(node):
        node = node[-1]
        edge.add(node)
    return edge


def _drop_finished(root: etree._Element) -> None:
    """Remove every element off the right edge: they are finished, and their links were taken."""
    node = root
    while len(node):
        del node[:-1]
        node = node[-1]
