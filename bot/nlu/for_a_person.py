"""NLU component: a question about a personal situation a person must answer goes to the hub's team.

A message naming one of the topics of `bot/for_a_person/<language>.yml` (bot.for_a_person) gets the
intent `out_of_scope`, whatever FAQ it resembles: the bot says it can't answer that here and gives
the way to a person.
"""

from __future__ import annotations

from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.for_a_person import TOPIC_FOUND, topic_for_a_person
from bot.nlu.stateless import StatelessComponent

OUT_OF_SCOPE_INTENT = "out_of_scope"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class ForAPerson(StatelessComponent, IntentClassifier):
    """Sets `out_of_scope` on a message about a topic a person answers (before the FallbackClassifier)."""

    def process(self, messages: List[Message]) -> List[Message]:
        """Puts out_of_scope first where the message names a topic of the lists."""
        for message in messages:
            topic = topic_for_a_person(message.get(TEXT))
            if topic is None:
                continue
            intent = {"name": OUT_OF_SCOPE_INTENT, "confidence": 1.0}
            ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != OUT_OF_SCOPE_INTENT]
            message.set(INTENT, intent, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [intent] + ranking, add_to_output=True)
            message.set(TOPIC_FOUND, topic, add_to_output=True)
        return messages
