"""NLU component: a FAQ answer needs more confidence than "some answer" does.

A question no FAQ entry covers ("mag mijn hond mee naar de les?", "vous donnez des cours de
conduite ?") gets the nearest FAQ intent with a middling confidence, and its answer would be about
another topic. Below `threshold` a FAQ intent becomes nlu_fallback, as the FallbackClassifier
does below its own threshold: the fallback action then says it may not have an answer, offers the
FAQ topic as a button and gives the hub's contact.

The threshold comes from cross-validation on the training data (bench/cv_faq_threshold): the
highest that keeps at least 95 % of the FAQ questions the classifier gets right.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message

from bot.text import FAQ_INTENT_PREFIX

FALLBACK_INTENT = "nlu_fallback"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class FaqConfidence(GraphComponent, IntentClassifier):
    """Turns an unsure FAQ intent into nlu_fallback. Goes after CourseDetailOrFaq (whose merged
    confidence of a course detail and its FAQ counts) and before the FallbackClassifier."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """The confidence a FAQ intent needs to be answered."""
        return {"threshold": 0.5}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.threshold = float(config["threshold"])

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "FaqConfidence":
        """Creates the component: nothing to learn."""
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        """Puts nlu_fallback first where the top intent is a FAQ below the threshold."""
        for message in messages:
            intent = message.get(INTENT) or {}
            name, confidence = intent.get("name") or "", intent.get("confidence") or 0.0
            if not name.startswith(FAQ_INTENT_PREFIX) or confidence >= self.threshold:
                continue
            fallback = {"name": FALLBACK_INTENT, "confidence": self.threshold}
            ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != FALLBACK_INTENT]
            message.set(INTENT, fallback, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [fallback] + ranking, add_to_output=True)
        return messages
