"""NLU component that adds the message's language (French or Dutch) to the parse output."""

from __future__ import annotations

from typing import List, Optional

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.language import detect_language
from bot.nlu.stateless import StatelessComponent

LANGUAGE = "language"


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER], is_trainable=False
)
class LanguageDetector(StatelessComponent):
    """Sets `language` ({code, confidence, decisive, words}) on every message.

    Runs first in the pipeline so that the tokenizer can pick the right language rules,
    and the action keeping the `language` slot reads it from the parse output.
    """


    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Marks the language of training examples, for the tokenizer that follows."""
        for example in training_data.training_examples:
            self._mark(example)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        """Marks the language of incoming messages."""
        for message in messages:
            self._mark(message)
        return messages

    @staticmethod
    def _mark(message: Message) -> None:
        text: Optional[str] = message.get(TEXT)
        if not text:
            return
        message.set(LANGUAGE, detect_language(text).as_dict(), add_to_output=True)
