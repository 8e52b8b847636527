"""NLU component that adds the message's language (French or Dutch) to the parse output."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.language import detect_language

LANGUAGE = "language"


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER], is_trainable=False
)
class LanguageDetector(GraphComponent):
    """Sets `language` ({code, confidence, decisive, words}) on every message.

    Runs first in the pipeline so that the tokenizer can pick the right language rules,
    and the action keeping the `language` slot reads it from the parse output.
    """

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "LanguageDetector":
        """Creates the component (it has nothing to train)."""
        return cls()

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """The component has no settings."""
        return {}

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
