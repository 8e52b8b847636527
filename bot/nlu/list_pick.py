"""NLU component: a message that only picks a place in a list ("la première", "en de tweede?") asks
about that course.

The classifier has little to go on in two words: "la 1ère" looked like a greeting, "et la première
?" like the training allowance. A message made of one ordinal and a few filler words is a pick,
whatever else it resembles: it becomes ask_course_detail, whose action takes the course at that
place of the list just shown (or asks which course when no list was shown).
"""

from __future__ import annotations

from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.stateless import StatelessComponent
from bot.text import only_picks

DETAIL_INTENT = "ask_course_detail"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class ListPick(StatelessComponent, IntentClassifier):
    """Puts ask_course_detail first, sure, for a message that only picks a place in a list.
    Goes after the other intent components and before the FallbackClassifier."""

    def process(self, messages: List[Message]) -> List[Message]:
        """Relabels the pick messages; the others go on unchanged."""
        for message in messages:
            if not only_picks(message.get(TEXT) or ""):
                continue
            picked = {"name": DETAIL_INTENT, "confidence": 1.0}
            ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != DETAIL_INTENT]
            message.set(INTENT, picked, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [picked] + ranking, add_to_output=True)
        return messages
