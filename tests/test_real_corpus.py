"""The real-world corpus: every listing grounded in a source, split by article, its frozen part never trained on."""

from __future__ import annotations

import json
import unicodedata
from collections import defaultdict
from pathlib import Path

import pytest

from detectors.classifier import MODELS_DIR
from detectors.errors import DetectorError
from detectors.evaluation import Labelled, labelled_files, load_labelled
from detectors.splits import FROZEN, READABLE, REAL_DIR, article_groups, article_of, real_split_of
from detectors.training import readable, refuse_frozen
from tests.conftest import tutorwatch

SOURCE_KINDS = {"news", "bureau_notice", "market_regulation", "court", "ad_page", "job_post", "forum", "other"}
PLATFORM_FILES = {"tutoring", "social", "housekeeping", "recruitment"}


@pytest.fixture(scope="module")
def raw() -> list[dict]:
    rows = []
    for path in sorted(REAL_DIR.glob("*.jsonl")):
        assert path.stem in PLATFORM_FILES, f"{path.name}: one file per platform"
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            assert row["platform"] == path.stem, row["id"]
            rows.append(row)
    return rows


@pytest.fixture(scope="module")
def real() -> list[Labelled]:
    return [item for item in load_labelled(labelled_files()) if item.corpus == "real"]


def test_every_real_listing_has_a_source_address_and_a_quote(raw: list[dict]) -> None:
    assert len(raw) >= 600
    assert len({row["id"] for row in raw}) == len(raw)
    for row in raw:
        assert row["source"].startswith(("http://", "https://")) and " " not in row["source"], row["id"]
        assert row["quote"].strip(), row["id"]
        assert row["grounding"] in ("quoted", "described"), row["id"]
        assert row["source_kind"] in SOURCE_KINDS, row["id"]
        assert (row["form"] == "clean") == (not row["categories"]), row["id"]


def test_the_loader_tells_real_listings_from_team_written_ones(real: list[Labelled]) -> None:
    team = [item for item in load_labelled(labelled_files()) if item.corpus == "team"]
    assert len(real) >= 600 and len(team) >= 2000
    assert all(item.source for item in real) and not any(item.source for item in team)


def test_one_article_never_straddles_two_splits(real: list[Labelled]) -> None:
    by_family, by_article = defaultdict(set), defaultdict(set)
    for item in real:
        by_family[item.family].add(item.split)
        by_article[article_of(item.source or "")].add(item.split)
    assert all(len(splits) == 1 for splits in by_family.values())
    assert all(len(splits) == 1 for splits in by_article.values())
    groups = defaultdict(set)
    for address, key in article_groups().items():
        groups[key].add(real_split_of(address))
    assert len(groups) >= 8 and all(len(splits) == 1 for splits in groups.values())


def test_a_family_citing_several_addresses_is_one_article(real: list[Labelled]) -> None:
    addresses = defaultdict(set)
    for item in real:
        addresses[item.family].add(item.source)
    for family, sources in addresses.items():
        assert len({article_of(s) for s in sources}) == 1, f"{family}: list {sorted(sources)} in same-article.txt"


# issues 18c, 18d, 18f, 18g, 18j, 18i, 18n: readable parts only
AFTER_THE_FREEZE = ("rc", "rd", "rf", "rg", "rj", "ri", "rn")


def test_the_frozen_part_is_about_two_fifths_of_the_articles(real: list[Labelled]) -> None:
    """The hash puts two fifths of the articles collected before the freeze in the frozen part.

    Later additions are chosen from readable articles only, so they are left out of the share.
    """
    before = [item for item in real if not item.id.startswith(AFTER_THE_FREEZE)]
    articles = {article_of(item.source or ""): item.split for item in before}
    frozen = sum(split == FROZEN for split in articles.values()) / len(articles)
    assert 0.35 <= frozen <= 0.45
    assert {item.platform for item in real if item.split == FROZEN} == PLATFORM_FILES


def test_training_reads_only_readable_splits_and_refuses_frozen_extras(real: list[Labelled]) -> None:
    frozen = [item for item in real if item.split == FROZEN]
    assert frozen
    for split in ("train", "tune"):
        chosen = readable(real, split)
        assert chosen and all(item.split == split for item in chosen)
        assert not {item.id for item in chosen} & {item.id for item in frozen}
    with pytest.raises(DetectorError):
        readable(real, "test")
    with pytest.raises(DetectorError, match="frozen"):
        refuse_frozen(frozen[:1])
    assert refuse_frozen([item for item in real if item.split == "train"][:3])


def test_the_shipped_model_never_fitted_or_tuned_on_a_frozen_listing(real: list[Labelled]) -> None:
    card = json.loads((MODELS_DIR / "tutorwatch.card.json").read_text(encoding="utf-8"))
    ids = card["data"]["ids"]
    everything = {item.id: item for item in load_labelled(labelled_files())}
    frozen = {item.id for item in real if item.split == FROZEN}
    assert len(ids["train"]) == card["data"]["train"] - card["data"]["extra"]
    assert any(i.startswith("r") for i in ids["train"])
    for split, fitted in ids.items():  # "train": every readable split since issue 18h
        assert not set(fitted) & frozen
        assert all(everything[i].split in READABLE for i in fitted), split


@pytest.mark.parametrize("split", ["test", "all", "tune"])
def test_misses_refuse_every_part_that_is_not_read(split: str) -> None:
    result = tutorwatch("evaluate", "--split", split, "--misses")
    assert result.returncode == 2 and "never read one by one" in result.stderr


def test_train_refuses_frozen_listings_given_as_extra(tmp_path: Path) -> None:
    result = tutorwatch("train", "--name", "leak", "--extra", str(REAL_DIR / "tutoring.jsonl"))
    assert result.returncode == 1 and "frozen real-world test part" in result.stderr
    assert not (MODELS_DIR / "leak.pkl.gz").exists()


def test_evaluate_reports_the_two_corpora_apart_by_form_and_platform() -> None:
    files = [str(REAL_DIR / "social.jsonl"), str(REAL_DIR / "housekeeping.jsonl"), str(labelled_files()[0])]
    result = tutorwatch("evaluate", "--split", "test", *files)
    assert result.returncode == 0, result.stderr
    team, real = result.stdout.split("## real-world listings, test")
    assert "## team-written listings, test" in team
    for part in (team, real):
        assert "| platform | recall on violations | false-positive rate on clean |" in part
        assert "| recall on plain violations |" in part
    assert "| housekeeping |" in real and "| social |" in real and "| tutoring |" not in real
    assert "MISSED" not in result.stdout


@pytest.mark.parametrize("prefix", AFTER_THE_FREEZE)
def test_listings_added_after_the_freeze_are_never_in_the_frozen_part(real: list[Labelled], prefix: str) -> None:
    """Issues 18c, 18d, 18f, 18g, 18i (rc… ri…) added to the readable parts only: the frozen part stays as measured."""
    added = [item for item in real if item.id.startswith(prefix)]
    assert added and all(item.split != FROZEN for item in added)
    frozen = [item for item in real if item.split == FROZEN]
    assert (len(frozen), sum(bool(item.categories) for item in frozen)) == (271, 160)
    frozen_articles = {article_of(item.source or "") for item in frozen}
    assert not frozen_articles & {article_of(item.source or "") for item in added}


def shared_passages(quotes: dict[str, str], others: dict[str, str], width: int = 20) -> set[tuple[str, str]]:
    """Pairs (id, other id) whose quotes share a run of ``width`` letters or digits: one passage quoted twice."""

    def letters(text: str) -> str:
        return "".join(c for c in unicodedata.normalize("NFKC", text) if c.isalnum())

    runs: dict[str, set[str]] = defaultdict(set)
    for other, quote in others.items():
        text = letters(quote)
        for start in range(len(text) - width + 1):
            runs[text[start : start + width]].add(other)
    pairs = set()
    for key, quote in quotes.items():
        text = letters(quote)
        for start in range(len(text) - width + 1):
            pairs |= {(key, other) for other in runs.get(text[start : start + width], ())}
    return pairs


def test_no_readable_listing_quotes_a_passage_a_frozen_listing_quotes(raw: list[dict]) -> None:
    """A mirror of a frozen article under another address would leak it into training: its quotes give it away."""
    frozen = {row["id"]: row["quote"] for row in raw if real_split_of(row["source"]) == FROZEN}
    readable_quotes = {row["id"]: row["quote"] for row in raw if real_split_of(row["source"]) != FROZEN}
    assert shared_passages({"x": "转载：" + next(iter(frozen.values()))}, frozen)  # the check sees a mirror
    assert not shared_passages(readable_quotes, frozen)
