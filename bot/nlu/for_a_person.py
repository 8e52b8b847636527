"""NLU component: marks a question about a personal situation a person must answer (bot.for_a_person).

A message naming one of the topics of `bot/for_a_person/<language>.yml` is marked; the actions
then say they can't answer that here and give the way to a person, whatever FAQ it resembles.
"""

from __future__ import annotations

from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.for_a_person import TOPIC_FOUND, topic_for_a_person
from bot.nlu.stateless import StatelessComponent



@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class ForAPerson(StatelessComponent, IntentClassifier):
    """Marks a message about a topic a person answers (`for_a_person` in the parse output).

    The intent stays the classifier's: the actions that would answer such a message from the
    catalogue or the FAQ (a FAQ, the eligibility check, a course's details, info sessions, a
    search, "did you mean") give the way to a person instead; cancelling a seat because one is
    ill, or a greeting, goes on as usual.
    """

    def process(self, messages: List[Message]) -> List[Message]:
        """Adds the topic found, if any."""
        for message in messages:
            topic = topic_for_a_person(message.get(TEXT))
            if topic is not None:
                message.set(TOPIC_FOUND, topic, add_to_output=True)
        return messages
