"""bot/nlu/message_guard.py: an over-long message is read as its beginning, then as `message_too_long`."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.message_guard import KEPT_CHARS, LongMessageGuard, LongMessageIntent


def parse(text: str, intent: str = "search_courses") -> Message:
    """The two components around a stand-in for the pipeline between them."""
    message = Message({TEXT: text})
    LongMessageGuard().process([message])
    seen_by_pipeline = message.get(TEXT)
    message.set(INTENT, {"name": intent, "confidence": 0.9}, add_to_output=True)
    message.set(ENTITIES, [{"entity": "topic", "value": "web"}], add_to_output=True)
    LongMessageIntent().process([message])
    message.seen_by_pipeline = seen_by_pipeline
    return message


def test_a_message_over_the_limit_is_cut_then_read_as_too_long(monkeypatch):
    monkeypatch.setenv("MAX_MESSAGE_CHARS", "2000")
    message = parse("je cherche une formation web " * 400)
    assert len(message.seen_by_pipeline) == KEPT_CHARS
    assert message.get(INTENT) == {"name": "message_too_long", "confidence": 1.0}
    assert message.get(ENTITIES) == [] and message.get(TEXT) == ""
    assert message.get("message_too_long") == {"chars": 29 * 400, "limit": 2000}


@pytest.mark.parametrize("limit, length, too_long", [("2000", 2000, False), ("2000", 2001, True), ("50", 51, True)])
def test_the_limit_is_configurable(monkeypatch, limit, length, too_long):
    monkeypatch.setenv("MAX_MESSAGE_CHARS", limit)
    message = parse("a" * length)
    assert (message.get(INTENT)["name"] == "message_too_long") is too_long
    assert (message.get(TEXT) == "") is too_long
