"""NLU components that keep an over-long message from costing what a real question costs.

A message longer than `MAX_MESSAGE_CHARS` (2,000 by default) is not a question the bot can answer
well, and reading all of it (language detection, tokens, entities, spelling correction against
the catalogue) would slow every other conversation of the server down. `LongMessageGuard`, first
in the pipeline, leaves the following components only its beginning (enough to tell its
language); `LongMessageIntent`, last, gives it the intent `message_too_long`, no entities and no
text, so that the bot asks for a shorter question and no action reads it.
"""

from __future__ import annotations

from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.config import max_message_chars
from bot.nlu.stateless import StatelessComponent

TOO_LONG = "message_too_long"
# No example teaches it (scripts/validate_data.py expects it to have no training data).
UNTRAINED_INTENT = "message_too_long"
# What the components after the guard read of an over-long message: its language shows by then.
KEPT_CHARS = 300


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class LongMessageGuard(StatelessComponent):
    """First in the pipeline: an over-long message goes on as its beginning only."""

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Training examples are short: nothing to do."""
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        """Cuts each over-long message to its beginning and marks it."""
        limit = max_message_chars()
        for message in messages:
            text = message.get(TEXT)
            if isinstance(text, str) and len(text) > limit:
                message.set(TEXT, text[:KEPT_CHARS])
                message.set(TOO_LONG, {"chars": len(text), "limit": limit}, add_to_output=True)
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class LongMessageIntent(StatelessComponent, IntentClassifier):
    """Last in the pipeline: a message the guard marked gets the intent `message_too_long`."""

    def process(self, messages: List[Message]) -> List[Message]:
        """Sets the intent, and leaves no entities and no text for the actions to read."""
        for message in messages:
            if message.get(TOO_LONG):
                intent = {"name": UNTRAINED_INTENT, "confidence": 1.0}
                message.set(INTENT, intent, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [intent], add_to_output=True)
                message.set(ENTITIES, [], add_to_output=True)
                message.set(TEXT, "")
        return messages
