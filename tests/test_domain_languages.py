"""Every text the bot can say exists in French and in Dutch, and reads as that language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.language import detect_language, words_of

DOMAIN = Path(__file__).resolve().parents[1] / "bot" / "domain.yml"
RESPONSES = yaml.safe_load(DOMAIN.read_text(encoding="utf-8"))["responses"]
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def variant_language(variant: dict) -> str | None:
    for condition in variant.get("condition") or []:
        if condition.get("type") == "slot" and condition.get("name") == "language":
            return condition.get("value")
    return None


def variants_by_language(name: str) -> dict:
    found = {}
    for variant in RESPONSES[name]:
        language = variant_language(variant)
        assert language is not None, f"{name}: a variation without a language condition"
        assert language not in found, f"{name}: two variations for {language}"
        found[language] = variant
    return found


def test_the_domain_has_responses():
    assert len(RESPONSES) >= 10


@pytest.mark.parametrize("name", sorted(RESPONSES))
def test_response_has_french_and_dutch(name):
    variants = variants_by_language(name)
    assert set(variants) == {"fr", "nl"}, f"{name} has {sorted(variants)}"
    for language, variant in variants.items():
        assert (variant.get("text") or "").strip(), f"{name} ({language}) has no text"


@pytest.mark.parametrize("name", sorted(RESPONSES))
def test_both_languages_say_the_same_things(name):
    variants = variants_by_language(name)
    fr, nl = variants["fr"], variants["nl"]
    assert set(PLACEHOLDER.findall(fr["text"])) == set(PLACEHOLDER.findall(nl["text"])), name
    fr_buttons, nl_buttons = fr.get("buttons") or [], nl.get("buttons") or []
    assert [b["payload"] for b in fr_buttons] == [b["payload"] for b in nl_buttons], name
    for button in fr_buttons + nl_buttons:
        assert button["title"].strip(), f"{name}: a button without a title"


@pytest.mark.parametrize("name", sorted(RESPONSES))
def test_each_text_is_written_in_its_language(name):
    for language, variant in variants_by_language(name).items():
        text = PLACEHOLDER.sub(" ", variant["text"])
        if len(words_of(text)) < 3:
            continue  # a bare placeholder ("{answer}") carries catalogue text, checked elsewhere
        guess = detect_language(text)
        assert guess.code == language, f"{name} ({language}) reads as {guess}: {text!r}"
        for button in variant.get("buttons") or []:
            if len(words_of(button["title"])) >= 2:
                assert detect_language(button["title"]).code == language, (name, button["title"])
