"""Hands the conversation to a person: the hub's contact details, from the synced catalogue."""

from __future__ import annotations

from typing import Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.catalogue import localized, open_catalogue, user_language


def contact_details(language: str) -> Optional[Dict[str, str]]:
    """The hub's name, phone, email and opening hours, or None if the catalogue has none."""
    catalogue = open_catalogue()
    organisation = catalogue.organisation() if catalogue else None
    if not organisation or not (organisation.get("phone") or organisation.get("email")):
        return None
    hours, _ = localized(organisation, "opening_hours", language)
    return {
        "organisation": organisation.get("name") or "",
        "phone": organisation.get("phone") or "-",
        "email": organisation.get("email") or "-",
        "opening_hours": hours or "",
    }


def utter_with_contact(dispatcher: CollectingDispatcher, language: str, response: str, **values) -> None:
    """Sends a response that gives the hub's contact details, or says they are unavailable."""
    details = contact_details(language)
    if details is None:
        dispatcher.utter_message(response="utter_contact_unavailable")
    else:
        dispatcher.utter_message(response=response, **details, **values)


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


class ActionRegistrationContact(Action):
    """Says who books or cancels a seat, until registration through the chat exists."""

    def name(self) -> Text:
        """The action's name in the domain."""
        return "action_registration_contact"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Sends the team's contact details in the user's language."""
        utter_with_contact(dispatcher, user_language(tracker), "utter_registration_by_contact")
        return []
