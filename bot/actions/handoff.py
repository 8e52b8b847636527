"""Hands the conversation to a person: the hub's contact details, from the catalogue or the configuration."""

from __future__ import annotations

from typing import List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.catalogue import user_language, utter_with_contact


class ActionHumanHandoff(Action):
    """Tells the user how to reach someone of the hub's team."""

    def name(self) -> Text:
        """The action's name in the domain."""
        return "action_human_handoff"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Sends the contact details in the user's language."""
        utter_with_contact(dispatcher, user_language(tracker), "utter_human_handoff")
        return []

