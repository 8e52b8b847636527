"""The chat channels the website talks to (REST and socket.io), with the metadata a page may send checked.

Metadata travels with every message into the tracker store (and, at a session's start, into the
`session_started_metadata` slot): a page may send only the keys below, as short strings. Anything
else (a string, a list, unknown keys, a 100 KB blob) is dropped before Rasa sees it, so that it
neither crashes a turn nor gets stored.

A message over `MAX_MESSAGE_CHARS` is answered here, in its own language, with "please ask a
shorter question", and goes no further: no tracker to load and save, no NLU, no action. Hundreds
of them cost the other conversations almost nothing (bench/bench_long_messages.py). The NLU's
own guard (bot/nlu/message_guard.py) covers the ways in that are not these channels.

The socket.io channel also fixes Rasa 3.6's `session_persistence` with python-socketio >= 5.10,
where `enter_room` became a coroutine that Rasa does not await (the bot's answers were lost).
"""

from __future__ import annotations

import json
import logging
import uuid
from functools import lru_cache
from typing import Any, Awaitable, Callable, Dict, Optional, Text

import yaml
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint

from bot.actions.texts import response_text
from bot.config import REPO_ROOT, max_message_chars
from bot.language import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES, detect_language

logger = logging.getLogger(__name__)
TOO_LONG_RESPONSE = "utter_message_too_long"
# Enough of an over-long message to tell its language.
LANGUAGE_SAMPLE_CHARS = 300

# Metadata keys a page may send, with the longest value accepted for each.
ALLOWED_METADATA = {"language": 16}


def clean_metadata(raw: Any) -> Optional[Dict[str, str]]:
    """The allowed keys of a message's metadata, or None when nothing usable was sent.

    Accepts a dict, or a JSON object as a string (socket.io clients send either).
    """
    if isinstance(raw, (str, bytes)) and len(raw) <= 1000:
        try:
            raw = json.loads(raw)
        except ValueError:
            return None
    if not isinstance(raw, dict):
        return None
    cleaned = {}
    for key, longest in ALLOWED_METADATA.items():
        value = raw.get(key)
        if isinstance(value, str) and 0 < len(value) <= longest:
            cleaned[key] = value
    if len(cleaned) < len(raw):
        logger.debug("Metadata keys dropped: %d", len(raw) - len(cleaned))
    return cleaned or None


@lru_cache(maxsize=1)
def _domain() -> Dict[str, Any]:
    return yaml.safe_load((REPO_ROOT / "bot" / "domain.yml").read_text(encoding="utf-8"))


def too_long_answer(text: Any, metadata: Optional[Dict[str, str]]) -> Optional[str]:
    """The answer to a message over MAX_MESSAGE_CHARS, in its language, or None for a message that isn't.

    The language is the message's own (its beginning), else the page's (`metadata.language`),
    else the default.
    """
    if not isinstance(text, str) or len(text) <= max_message_chars():
        return None
    language = detect_language(text[:LANGUAGE_SAMPLE_CHARS]).code
    if language not in SUPPORTED_LANGUAGES:
        language = (metadata or {}).get("language", "")[:2].lower()
    if language not in SUPPORTED_LANGUAGES:
        language = DEFAULT_LANGUAGE
    return response_text(_domain(), TOO_LONG_RESPONSE, language)


OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


def _checking(on_new_message: OnNewMessage) -> OnNewMessage:
    """Hands a message on with its metadata cleaned, or answers an over-long one at once."""

    async def on_checked_message(message: UserMessage) -> Any:
        message.metadata = clean_metadata(message.metadata)
        answer = too_long_answer(message.text, message.metadata)
        if answer is not None:
            logger.info("A message of %d characters answered without processing", len(message.text))
            return await message.output_channel.send_text_message(message.sender_id, answer)
        return await on_new_message(message)

    return on_checked_message


class RestChannel(RestInput):
    """Rasa's REST channel (`/webhooks/rest/webhook`): allowed metadata only, over-long messages answered at once."""

    @classmethod
    def name(cls) -> Text:
        """The channel's name, which is also its URL prefix: the same as Rasa's."""
        return "rest"

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        """Rasa's REST webhook, handing on messages with their metadata checked."""
        return super().blueprint(_checking(on_new_message))


class SocketIOChannel(SocketIOInput):
    """Rasa's socket.io channel: allowed metadata only, over-long messages answered at once, working
    session persistence."""

    @classmethod
    def name(cls) -> Text:
        """The channel's name: the same as Rasa's."""
        return "socketio"

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        """Rasa's socket.io endpoint with two of its event handlers replaced (see the module doc)."""
        webhook = super().blueprint(_checking(on_new_message))
        sio = self.sio
        namespace = self.namespace or "/"
        rasa_handle_message = sio.handlers[namespace][self.user_message_evt]

        async def session_request(sid: Text, data: Optional[Dict]) -> None:
            data = data if isinstance(data, dict) else {}
            if not isinstance(data.get("session_id"), str) or not data["session_id"]:
                data["session_id"] = uuid.uuid4().hex
            if self.session_persistence:
                await sio.enter_room(sid, data["session_id"], namespace=self.namespace)
            await sio.emit("session_confirm", data["session_id"], room=sid, namespace=self.namespace)

        async def handle_message(sid: Text, data: Any) -> None:
            if not isinstance(data, dict) or not isinstance(data.get("message", ""), str):
                return
            data = {**data, self.metadata_key: clean_metadata(data.get(self.metadata_key)) or {}}
            await rasa_handle_message(sid, data)

        sio.on("session_request", handler=session_request, namespace=self.namespace)
        sio.on(self.user_message_evt, handler=handle_message, namespace=self.namespace)
        return webhook
