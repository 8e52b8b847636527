"""The development sets of whole conversations (tests/dev, tests/dev2, tests/dev3): their catalogues and files are sound (no server).

Unlike the held-out evaluation (tests/eval), their failures may be read to improve the bot; each is
played with `python -m bench.eval_conversations --set tests/dev` (or tests/dev2). Each was written
by someone who had not read the others, on a provider of its own.
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

REPO_ROOT = Path(__file__).resolve().parents[2]
# Each set: its folder, its ids' prefix, the conversations it has at least per language.
SETS = {"dev": (REPO_ROOT / "tests" / "dev", "dev", 100), "dev2": (REPO_ROOT / "tests" / "dev2", "dev2", 80),
        "dev3": (REPO_ROOT / "tests" / "dev3", "dev3", 60)}
OTHER_FEEDS = {"demo": REPO_ROOT / "catalogue_sync" / "demo" / "catalogue.json",
               "evaluation": REPO_ROOT / "tests" / "eval" / "catalogue.json",
               "sample": REPO_ROOT.parent / "shared" / "catalogue-feed" / "sample.json",
               **{name: folder / "catalogue.json" for name, (folder, _, _) in SETS.items()}}


@pytest.fixture(scope="module", params=sorted(SETS))
def dev_set(request):
    return request.param


@pytest.fixture(scope="module")
def catalogue(dev_set) -> dict:
    return json.loads((SETS[dev_set][0] / "catalogue.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def macros(dev_set) -> dict:
    return load_set_macros(SETS[dev_set][0] / "conversations")


def test_the_real_sync_accepts_every_record(tmp_path, dev_set, catalogue):
    feed = tmp_path / "dev.json"
    feed.write_text(json.dumps(eval_feed(catalogue=SETS[dev_set][0] / "catalogue.json"), ensure_ascii=False),
                    encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "catalogue_sync", "sync", str(feed), "--db", str(tmp_path / "x.db"),
                             "--dry-run"], check=False, capture_output=True, text=True, cwd=REPO_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(catalogue['courses'])} added, 0 updated, 0 withdrawn, 0 rejected" in result.stdout


@pytest.mark.parametrize("name", sorted(OTHER_FEEDS))
def test_a_provider_of_its_own(dev_set, catalogue, name):
    if name == dev_set:
        pytest.skip("the set's own catalogue")
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
def test_both_languages_have_conversations_of_every_class(dev_set, macros, language):
    folder, prefix, at_least = SETS[dev_set]
    items = load_conversations(folder / "conversations" / f"{language}.yml", macros)
    assert len(items) >= at_least
    classes = Counter(name for c in items for name in c["classes"])
    assert set(classes) == set(CLASSES)
    assert all(c["id"].startswith(f"{prefix}-{language}-") for c in items)
