"""The chat channels keep only the metadata a page may send (bot/channels.py)."""

from __future__ import annotations

import pytest

from actions_helpers import DOMAIN
from bot.actions.texts import render
from bot.channels import clean_metadata, too_long_answer


@pytest.mark.parametrize("raw, cleaned", [
    ({"language": "nl"}, {"language": "nl"}),
    ('{"language": "fr"}', {"language": "fr"}),
    ({"language": "fr", "password": "secret", "email": "x@y.be"}, {"language": "fr"}),
    ({"language": "x" * 100_000}, None),
    ({"language": ["fr"]}, None),
    ({"language": None}, None),
    ("not json at all", None),
    ('{"language": ', None),
    ("x" * 100_000, None),
    (["language", "fr"], None),
    (42, None),
    (None, None),
    ({}, None),
])
def test_only_allowed_keys_with_short_string_values_are_kept(raw, cleaned):
    assert clean_metadata(raw) == cleaned


@pytest.mark.parametrize("text, metadata, language", [
    ("Bonjour, je cherche une formation en développement web à Bruxelles. " * 40, None, "fr"),
    ("Hallo, ik zoek een opleiding webontwikkeling in Brussel, liefst snel. " * 40, {"language": "fr"}, "nl"),
    ("1234567890 " * 300, {"language": "nl"}, "nl"),
    ("1234567890 " * 300, None, "fr"),
])
def test_an_over_long_message_is_answered_in_its_language(monkeypatch, text, metadata, language):
    monkeypatch.setenv("MAX_MESSAGE_CHARS", "2000")
    assert too_long_answer(text, metadata) == render(DOMAIN, "utter_message_too_long", language)


def test_a_message_within_the_limit_goes_on(monkeypatch):
    monkeypatch.setenv("MAX_MESSAGE_CHARS", "2000")
    assert too_long_answer("x" * 2000, None) is None
    assert too_long_answer(None, None) is None
