"""Starts a conversation session with nothing of the previous one but its language.

A new session (after `session_expiration_time` of silence, or `/session_start`) may be another
person at the same computer, in a public library for instance: their eligibility answers (age,
residence, jobseeker status, diploma, languages) and the course under discussion must not follow.
The domain sets `carry_over_slots_to_new_session: false`; this action replaces Rasa's default
`action_session_start` to carry over the conversation's language, which is not personal and
which the page would otherwise have to send again.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

# The slots a new session keeps: the language and why it was chosen (page, message, request).
CARRIED_OVER = ("language", "language_source")
SESSION_START_METADATA = "session_started_metadata"


def session_start_metadata(tracker: Tracker) -> Optional[Dict[str, Any]]:
    """The metadata this session start came with, as Rasa's own session start keeps it.

    Rasa stores the message's metadata in `session_started_metadata` just before calling this
    action when a session starts by itself (a new sender, or a session that expired); the
    SessionStarted event then clears every slot, so the action sets it again. A `/session_start`
    message is not given that slot by Rasa: its own metadata is the new session's. What the
    previous session stored is never carried over.
    """
    events = tracker.events or []
    last = events[-1] if events else {}
    if last.get("event") == "slot" and last.get("name") == SESSION_START_METADATA:
        metadata = last.get("value")
    else:
        latest = tracker.latest_message or {}
        is_restart = (latest.get("intent") or {}).get("name") == "session_start"
        metadata = latest.get("metadata") if is_restart else None
    return metadata if isinstance(metadata, dict) and metadata else None


class ActionSessionStart(Action):
    """Rasa's session start, keeping only the conversation's language of the previous session."""

    def name(self) -> Text:
        """The default action this one replaces."""
        return "action_session_start"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """SessionStarted, the language slots, the session's metadata, then listening.

        The session must begin with `session_started` and end with `action_listen`, as the
        user's message comes next.
        """
        events: List[EventType] = [SessionStarted()]
        for slot in CARRIED_OVER:
            value = tracker.get_slot(slot)
            if value is not None:
                events.append(SlotSet(slot, value))
        metadata = session_start_metadata(tracker)
        if metadata is not None:
            events.append(SlotSet(SESSION_START_METADATA, metadata))
        events.append(ActionExecuted("action_listen"))
        return events
