"""URL variants of one page canonicalise to one URL, so one page is one lead."""

from __future__ import annotations

from crawler.config.site_config import Canonical
from crawler.fetching.canonical import canonical_url


def test_tracking_params_fragment_and_host_case_are_dropped() -> None:
    variants = [
        "http://127.0.0.1:8701/post/jc001.html?from=list",
        "http://127.0.0.1:8701/post/jc001.html?from=hot#top",
        "HTTP://127.0.0.1:8701/post/jc001.html?utm_source=wx&spm=a.b",
        "http://127.0.0.1:8701/post/jc001.html?share_token=abc&_t=1732233600",
        "http://127.0.0.1:8701/post/jc001.html?gclid=x&fbclid=y&timestamp=1",
        "http://127.0.0.1:8701/post/jc001.html?utm=x&from_page=3&_refer=home",
        "http://127.0.0.1:8701/post/jc001.html?xhsshare=WeixinSession&isappinstalled=0&clicktime=1&enterid=2",
        "http://127.0.0.1:8701/post/jc001.html",
    ]
    assert {canonical_url(v) for v in variants} == {"http://127.0.0.1:8701/post/jc001.html"}


def test_identifying_params_are_kept_and_sorted() -> None:
    assert canonical_url("http://h/detail.php?z=1&id=9&from=x") == "http://h/detail.php?id=9&z=1"
    assert canonical_url("http://h/d?id=9&z=1", Canonical(keep_params=("id",))) == "http://h/d?id=9"
