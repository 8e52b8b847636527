"""Builds rasa-sdk trackers and runs actions, as the action server would."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any, Dict, List, Optional, Tuple

import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from support import REPO_ROOT

DOMAIN = yaml.safe_load((REPO_ROOT / "bot" / "domain.yml").read_text(encoding="utf-8"))


def make_tracker(
    text: str = "",
    intent: Optional[str] = None,
    entities: Optional[List[Dict[str, Any]]] = None,
    slots: Optional[Dict[str, Any]] = None,
    language_guess: Optional[Dict[str, Any]] = None,
    metadata: Optional[Dict[str, Any]] = None,
) -> Tracker:
    """A tracker whose latest user message is `text`."""
    all_slots = {name: spec.get("initial_value") for name, spec in DOMAIN["slots"].items()}
    all_slots.update(slots or {})
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.99} if intent else {},
        "entities": entities or [],
        "metadata": metadata or {},
    }
    if language_guess is not None:
        latest["language"] = language_guess
    return Tracker("test-user", all_slots, latest, [], False, None, {}, "action_listen")


def run_action(action, tracker: Tracker) -> Tuple[List[Dict[str, Any]], List[Dict[str, Any]]]:
    """Runs an action; returns (messages sent, events returned)."""
    dispatcher = CollectingDispatcher()
    result = action.run(dispatcher, tracker, DOMAIN)
    if inspect.isawaitable(result):
        result = asyncio.run(result)
    return dispatcher.messages, result


def read_by_user(messages: List[Dict[str, Any]], language: str) -> List[str]:
    """What the user reads of an action's messages: plain texts, and domain responses rendered in
    `language` with the values the action gave them."""
    from bot.actions.texts import render

    out = []
    for message in messages:
        if message.get("text"):
            out.append(message["text"])
        elif message.get("response"):
            values = {k: v for k, v in message.items() if k not in ("response", "buttons", "template")}
            out.append(render(DOMAIN, message["response"], language, **values))
    return out
