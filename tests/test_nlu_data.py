"""The NLU training data and the held-out test set: enough examples, both languages, no leaks."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import Counter, defaultdict
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Tuple

import pytest
import yaml

from support import REPO_ROOT

TRAINING = REPO_ROOT / "bot" / "data" / "nlu"
HELD_OUT = REPO_ROOT / "tests" / "nlu"
LANGUAGES = ("fr", "nl")
MIN_TRAINING_EXAMPLES = 30
MIN_TEST_EXAMPLES = 15
DOMAIN_INTENTS = yaml.safe_load((REPO_ROOT / "bot" / "domain.yml").read_text(encoding="utf-8"))["intents"]
# Set by an NLU component, never learnt from examples (bot/nlu/message_guard.py).
UNTRAINED_INTENTS = {"message_too_long"}
LEARNT_INTENTS = [intent for intent in DOMAIN_INTENTS if intent not in UNTRAINED_INTENTS]
ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


def plain(example: str) -> str:
    """The text of an example without entity annotations, lower case, spaces collapsed."""
    return " ".join(ANNOTATION.sub(r"\1", example).lower().split())


@lru_cache(maxsize=None)
def words(example: str) -> Tuple[str, ...]:
    """The words of an example, lower case, without accents or annotations."""
    decomposed = unicodedata.normalize("NFKD", plain(example))
    return tuple(re.findall(r"\w+", "".join(c for c in decomposed if not unicodedata.combining(c))))


# Below this many words a message has few ways to be said ("ja", "merci!"): only exact copies count.
NEAR_COPY_MIN_WORDS = 4
SAME_LETTERS = 0.9


def near_copy(a: str, b: str) -> bool:
    """Whether two examples say the same thing with the same words: reordered, one word more or
    less, or 90 % of the same letters ("donne moi les numéros du loto" / "donne-moi ... lotto")."""
    a_words, b_words = words(a), words(b)
    if min(len(a_words), len(b_words)) < NEAR_COPY_MIN_WORDS:
        return False
    small, big = sorted((set(a_words), set(b_words)), key=len)
    if small <= big and len(big - small) <= 1:
        return True
    a_text, b_text = " ".join(a_words), " ".join(b_words)
    # The ratio can't reach 90 % when the lengths differ more (difflib's real_quick_ratio, cheaper).
    if 2 * min(len(a_text), len(b_text)) < SAME_LETTERS * (len(a_text) + len(b_text)):
        return False
    matcher = difflib.SequenceMatcher(None, a_text, b_text)
    return matcher.quick_ratio() >= SAME_LETTERS and matcher.ratio() >= SAME_LETTERS


def examples_by_intent(folder: Path) -> Dict[str, List[str]]:
    found: Dict[str, List[str]] = defaultdict(list)
    for path in sorted(folder.glob("*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu") or []:
            if "intent" in block:
                found[block["intent"]] += [
                    line.strip()[2:] for line in block["examples"].splitlines() if line.strip().startswith("- ")
                ]
    return found


TRAIN = {language: examples_by_intent(TRAINING / language) for language in LANGUAGES}
TEST = {language: examples_by_intent(HELD_OUT / language) for language in LANGUAGES}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_intent_has_enough_training_examples(language):
    counts = {intent: len(TRAIN[language].get(intent, [])) for intent in LEARNT_INTENTS}
    assert {i: n for i, n in counts.items() if n < MIN_TRAINING_EXAMPLES} == {}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_intent_has_enough_held_out_examples(language):
    counts = {intent: len(TEST[language].get(intent, [])) for intent in LEARNT_INTENTS}
    assert {i: n for i, n in counts.items() if n < MIN_TEST_EXAMPLES} == {}


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_held_out_example_is_in_the_training_data(language):
    trained = {plain(e) for other in LANGUAGES for examples in TRAIN[other].values() for e in examples}
    leaked = [e for examples in TEST[language].values() for e in examples if plain(e) in trained]
    assert leaked == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_training_example_is_a_near_copy_of_a_held_out_one(language):
    held_out = [e for examples in TEST[language].values() for e in examples]
    copies = [(t, h) for examples in TRAIN[language].values() for t in examples for h in held_out if near_copy(t, h)]
    assert copies == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_training_example_is_written_twice(language):
    counts = Counter(plain(e) for examples in TRAIN[language].values() for e in examples)
    assert [e for e, n in counts.items() if n > 1] == []


def test_only_intents_of_the_domain():
    used = {i for data in (*TRAIN.values(), *TEST.values()) for i in data}
    assert used - set(LEARNT_INTENTS) == set()


def test_untrained_intents_are_the_ones_nlu_components_set():
    from bot.nlu.message_guard import UNTRAINED_INTENT

    assert UNTRAINED_INTENTS == {UNTRAINED_INTENT} and UNTRAINED_INTENT in DOMAIN_INTENTS
