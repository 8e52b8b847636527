"""The chat channels the website talks to (REST and socket.io), with the metadata a page may send checked.

Metadata travels with every message into the tracker store (and, at a session's start, into the
`session_started_metadata` slot): a page may send only the keys below, as short strings. Anything
else (a string, a list, unknown keys, a 100 KB blob) is dropped before Rasa sees it, so that it
neither crashes a turn nor gets stored.

The socket.io channel also fixes Rasa 3.6's `session_persistence` with python-socketio >= 5.10,
where `enter_room` became a coroutine that Rasa does not await (the bot's answers were lost).
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint

logger = logging.getLogger(__name__)

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


OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


def _cleaning(on_new_message: OnNewMessage) -> OnNewMessage:
    async def on_clean_message(message: UserMessage) -> Any:
        message.metadata = clean_metadata(message.metadata)
        return await on_new_message(message)

    return on_clean_message


class RestChannel(RestInput):
    """Rasa's REST channel (`/webhooks/rest/webhook`), keeping only the allowed metadata."""

    @classmethod
    def name(cls) -> Text:
        """The channel's name, which is also its URL prefix: the same as Rasa's."""
        return "rest"

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        """Rasa's REST webhook, handing on messages with their metadata checked."""
        return super().blueprint(_cleaning(on_new_message))


class SocketIOChannel(SocketIOInput):
    """Rasa's socket.io channel, with checked metadata and working session persistence."""

    @classmethod
    def name(cls) -> Text:
        """The channel's name: the same as Rasa's."""
        return "socketio"

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        """Rasa's socket.io endpoint with two of its event handlers replaced (see the module doc)."""
        webhook = super().blueprint(_cleaning(on_new_message))
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
