"""URL canonicalisation: the same detail page reached as ?from=list or #top is one page, one lead."""

from __future__ import annotations

from fnmatch import fnmatch
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from crawler.config.site_config import Canonical

DEFAULT_RULES = Canonical()


def canonical_url(url: str, rules: Canonical = DEFAULT_RULES) -> str:
    """Lower-case scheme and host, no fragment, tracking parameters dropped, the rest sorted."""
    parts = urlsplit(url.strip())
    params = parse_qsl(parts.query, keep_blank_values=True)
    if rules.keep_params is not None:
        params = [(k, v) for k, v in params if k in rules.keep_params]
    else:
        params = [(k, v) for k, v in params if not any(fnmatch(k, pat) for pat in rules.drop_params)]
    path = parts.path or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, urlencode(sorted(params)), ""))
