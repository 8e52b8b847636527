"""Bad input through the real REST channel: an over-long message, malformed metadata."""

from __future__ import annotations

import json

import pytest

from actions_helpers import DOMAIN
from bot.actions.texts import render

pytestmark = pytest.mark.rest

LONG = {
    "fr": ("Bonjour, je cherche une formation en développement web et en cybersécurité à Bruxelles. " * 150)[:10_000],
    "nl": ("Hallo, ik zoek een opleiding webontwikkeling of cyberveiligheid in Brussel, liefst snel. " * 150)[:10_000],
}


@pytest.mark.parametrize("language", ["fr", "nl"])
def test_a_message_too_long_gets_a_short_answer_and_the_conversation_goes_on(servers, sender, language):
    servers.send(sender, {"fr": "Bonjour", "nl": "Goedemorgen"}[language], metadata={"language": language})
    before = servers.tracker(sender)
    replies = servers.send(sender, LONG[language])
    assert [r.get("text") for r in replies] == [render(DOMAIN, "utter_message_too_long", language)]
    # Answered by the channel: not stored, not read by the NLU, no spelling correction, no search.
    after = servers.tracker(sender)
    assert len(after["events"]) == len(before["events"]) and after["slots"] == before["slots"]
    replies = servers.send(sender, {"fr": "je cherche une formation en cybersécurité",
                                    "nl": "ik zoek een opleiding cyberveiligheid"}[language])
    assert any("dh-soc-analyst-27" in b["payload"] for r in replies for b in r.get("buttons") or [])


MALFORMED = [
    "just a string",
    '{"language": ',
    ["language", "nl"],
    {"language": "nl", "unknown": "key", "nested": {"deep": [1, 2, 3]}},
    {"blob": "x" * 100_000},
    {"language": "y" * 100_000},
    12345,
]


def test_malformed_metadata_is_ignored_and_never_stored(servers, sender):
    for number, metadata in enumerate(MALFORMED):
        replies = servers.send(f"{sender}-{number}", "Bonjour, je cherche une formation en data", metadata=metadata)
        assert replies and replies[0].get("text"), metadata
        tracker = servers.tracker(f"{sender}-{number}")
        stored = json.dumps(tracker)
        assert "x" * 100 not in stored and "y" * 100 not in stored and "unknown" not in stored
        assert "just a string" not in stored and "deep" not in stored
        assert tracker["slots"].get("session_started_metadata") in (None, {}, {"language": "nl"})
        assert tracker["slots"]["language"] in ("fr", "nl")


def test_allowed_metadata_still_sets_the_language(servers, sender):
    replies = servers.send(sender, "Hallo", metadata={"language": "nl", "junk": "x" * 5000})
    assert replies[0]["text"].startswith("Hallo")
    assert servers.tracker(sender)["slots"]["session_started_metadata"] == {"language": "nl"}


def test_buttons_carrying_entities_arrive_as_json_and_log_no_error(servers, sender):
    replies = servers.send(sender, "je cherche une formation", metadata={"language": "fr"})
    payloads = [b["payload"] for r in replies for b in r.get("buttons") or []]
    assert '/search_courses{"topic": "web"}' in payloads
    assert "interpolator" not in servers.logs()
