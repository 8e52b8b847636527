"""The development set of whole conversations (tests/dev): its catalogue and files are sound (no server).

Unlike the held-out evaluation (tests/eval), its failures may be read to improve the bot; it is
played with `python -m bench.eval_conversations --set tests/dev`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from bench.eval_conversations import (CLASSES, LANGUAGES, appears, eval_feed, fold, load_conversations,
                                      load_set_macros)

DEV_DIR = Path(__file__).resolve().parent
REPO_ROOT = DEV_DIR.parents[1]
CATALOGUE = DEV_DIR / "catalogue.json"
OTHER_FEEDS = {"demo": REPO_ROOT / "catalogue_sync" / "demo" / "catalogue.json",
               "evaluation": REPO_ROOT / "tests" / "eval" / "catalogue.json",
               "sample": REPO_ROOT.parent / "shared" / "catalogue-feed" / "sample.json"}


@pytest.fixture(scope="module")
def catalogue() -> dict:
    return json.loads(CATALOGUE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def macros() -> dict:
    return load_set_macros(DEV_DIR / "conversations")


def test_the_real_sync_accepts_every_record(tmp_path, catalogue):
    feed = tmp_path / "dev.json"
    feed.write_text(json.dumps(eval_feed(catalogue=CATALOGUE), ensure_ascii=False), encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "catalogue_sync", "sync", str(feed), "--db", str(tmp_path / "x.db"),
                             "--dry-run"], check=False, capture_output=True, text=True, cwd=REPO_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(catalogue['courses'])} added, 0 updated, 0 withdrawn, 0 rejected" in result.stdout


@pytest.mark.parametrize("name", sorted(OTHER_FEEDS))
def test_a_provider_of_its_own(catalogue, name):
    other = json.loads(OTHER_FEEDS[name].read_text(encoding="utf-8"))
    titles = {fold(t) for c in other["courses"] for t in c["title"].values()}
    assert not {fold(t) for c in catalogue["courses"] for t in c["title"].values()} & titles
    assert catalogue["organisation"]["phone"] != other["organisation"]["phone"]


def test_the_hub_macro_is_the_catalogue_phone(catalogue, macros):
    assert all(appears(s, fold(catalogue["organisation"]["phone"])) for s in macros["hub"])


def test_each_faq_phrase_is_in_exactly_one_faq_entry(catalogue, macros):
    answers = [fold(" ".join(entry["answer"].values())) for entry in catalogue["faq"]]
    for phrase in macros["faq"]:
        assert sum(appears(phrase, answer) for answer in answers) == 1, phrase


@pytest.mark.parametrize("language", LANGUAGES)
def test_both_languages_have_conversations_of_every_class(macros, language):
    items = load_conversations(DEV_DIR / "conversations" / f"{language}.yml", macros)
    assert len(items) >= 100
    classes = Counter(name for c in items for name in c["classes"])
    assert set(classes) == set(CLASSES)
    assert all(c["id"].startswith(f"dev-{language}-") for c in items)
