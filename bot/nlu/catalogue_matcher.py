"""NLU component that reads a message naming courses the model never saw as a course search.

A course added by a sync after training ("Télépilote de drones") brings words the classifier has
never seen: their character n-grams point anywhere ("je voudrais devenir télépilote de drones"
came out as a question about wheelchair access). When the classifier is unsure and the message
names active courses of the catalogue with such words, the catalogue is the better clue.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any, Dict, Iterable, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot import text as words_of
from bot.config import catalogue_db_path
from catalogue_sync.errors import CatalogueUnavailable
from catalogue_sync.read import Catalogue

logger = logging.getLogger(__name__)

CATALOGUE_MATCH = "catalogue_match"
VOCABULARY_FILE = "trained_words.json"
EVERYDAY_FILE = "everyday_words.json"
MATCHER_BUSY_TIMEOUT = 0.2


def open_catalogue():
    """The catalogue the actions read (`CATALOGUE_DB`), or None when none was synced yet."""
    path = catalogue_db_path()
    # A hint only: it must never hold the NLU (and every conversation with it) behind a lock.
    return Catalogue(path, timeout=MATCHER_BUSY_TIMEOUT) if path.exists() else None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class CatalogueMatcher(GraphComponent, IntentClassifier):
    """Ranks the search intent first for an unsure message that names new catalogue words.

    Goes after the intent classifier and before the FallbackClassifier. It learns nothing but
    the words of the training data; at prediction time it reads the live catalogue's words.
    """

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """Settings: below `threshold` the classifier counts as unsure; the intents it leaves alone."""
        return {
            "threshold": 0.8,
            "search_intent": "search_courses",
            # Intents that already read a course (or answer a form's question) stay as they are.
            "keep_intents": [
                "search_courses", "ask_course_detail", "ask_info_session", "ask_eligibility",
                "register_info_session", "cancel_registration", "show_more", "inform",
            ],
            # A message naming one course is a question about that course, whatever a word of
            # it suggests ("vertel me meer over de opleiding PC-technicus" is no laptop loan;
            # "pour scrum faut parler néerlandais ?" no request to switch languages).
            "detail_intent": "ask_course_detail",
            "course_named_intents": [
                "help", "greet", "out_of_scope", "change_language", "faq_certificates", "faq_cost",
                "faq_directions", "faq_language_support", "faq_equipment_loan",
            ],
            # ...unless the message also has words of that intent's own question.
            "own_words": {"faq_equipment_loan": [
                "preter", "prete", "emprunter", "pret", "lenen", "leen", "uitlenen", "ontlenen",
            ]},
        }

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        trained_words: Optional[Iterable[str]] = None,
        everyday_words: Optional[Iterable[str]] = None,
    ) -> None:
        """Creates the component with the words of the training data (none before training)."""
        self.config = config
        self._model_storage = model_storage
        self._resource = resource
        self.trained_words = frozenset(trained_words or ())
        self.everyday_words = frozenset(everyday_words or ())

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "CatalogueMatcher":
        """Creates an untrained component."""
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """Remembers every word the classifier was trained on: examples, lookup tables, synonyms."""
        texts = [example.get(TEXT) for example in training_data.training_examples]
        for table in training_data.lookup_tables:
            elements = table.get("elements")
            texts += elements if isinstance(elements, list) else []
        texts += list(training_data.entity_synonyms)
        self.trained_words = frozenset(words_of.words_in(texts))
        # Words the examples of other questions use ("smartphone" of "je ne peux suivre les cours
        # que sur mon smartphone", "social" of "un logement social"): alone, they name no course.
        self.everyday_words = frozenset(words_of.words_in(
            example.get(TEXT) for example in training_data.training_examples
            if example.get(INTENT) not in self.config["keep_intents"]
        ))
        with self._model_storage.write_to(self._resource) as directory:
            (directory / VOCABULARY_FILE).write_text(json.dumps(sorted(self.trained_words)), encoding="utf-8")
            (directory / EVERYDAY_FILE).write_text(json.dumps(sorted(self.everyday_words)), encoding="utf-8")
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "CatalogueMatcher":
        """Loads the training words saved by `train`."""
        with model_storage.read_from(resource) as directory:
            words = json.loads((directory / VOCABULARY_FILE).read_text(encoding="utf-8"))
            everyday = json.loads((directory / EVERYDAY_FILE).read_text(encoding="utf-8"))
        return cls(config, model_storage, resource, words, everyday)

    def process(self, messages: List[Message]) -> List[Message]:
        """Moves the course detail intent first for a message naming one course, the search intent
        where the catalogue's new words are the better clue."""
        catalogue = None
        for message in messages:
            intent = message.get(INTENT) or {}
            if intent.get("name") in self.config["course_named_intents"]:
                catalogue = catalogue or open_catalogue()
                course = self.course_named(message.get(TEXT) or "", intent["name"], catalogue)
                if course:
                    self._rank_first(message, self.config["detail_intent"])
                    message.set(CATALOGUE_MATCH, {"course": course}, add_to_output=True)
                    continue
            if not intent.get("name") or intent["name"] in self.config["keep_intents"]:
                continue
            if (intent.get("confidence") or 0) >= self.config["threshold"]:
                continue
            catalogue = catalogue or open_catalogue()
            if catalogue is None:
                return messages
            new_words = self.new_catalogue_words(message.get(TEXT) or "", catalogue)
            if new_words:
                self._rank_first(message, self.config["search_intent"])
                message.set(CATALOGUE_MATCH, {"new_words": new_words}, add_to_output=True)
        return messages

    def new_catalogue_words(self, text: str, catalogue) -> List[str]:
        """Words of the message that name active courses and that training never showed."""
        try:
            known = words_of.catalogue_words(catalogue)
        except CatalogueUnavailable as error:  # the NLU goes on without the catalogue's help
            logger.warning("Catalogue words unavailable: %s", error)
            return []
        return [w for w in words_of.course_words(text, known) if w not in self.trained_words]

    def course_named(self, text: str, intent: str, catalogue) -> Optional[str]:
        """The id of the one course the message names for sure, unless it has words of the intent's own question."""
        if catalogue is None:
            return None
        folded = {part for word in words_of.keywords(text) for part in re.findall(r"[^\W_]+", word)}
        if folded & set(self.config["own_words"].get(intent, ())):
            return None
        try:
            course = words_of.named_course(text, catalogue)
        except CatalogueUnavailable as error:  # the NLU goes on without the catalogue's help
            logger.warning("Catalogue unavailable to name a course: %s", error)
            return None
        if course is None:
            return None
        # A confident classifier gives way only to words that name a course for sure: two words
        # of its title, or one that the examples of other questions never use ("flutter").
        titled = [w for w in folded if w not in words_of.NOT_NAMING and w in words_of.title_words(course)]
        if len(titled) >= 2 or any(w not in self.everyday_words for w in titled):
            return course["id"]
        # The message is the course's title ("eerste klikken"), whatever words of it others use.
        return course["id"] if words_of.is_title_of(text, course, catalogue) else None

    def _rank_first(self, message: Message, search: str) -> None:
        """Swaps the confidences of the top intent and `search` (they still sum to 1)."""
        top = message.get(INTENT)
        ranking = [dict(r) for r in message.get(INTENT_RANKING_KEY) or []]
        found = next((r for r in ranking if r["name"] == search), None)
        search_confidence = found["confidence"] if found else 0.0
        ranking = [r for r in ranking if r["name"] != search]
        for r in ranking:
            if r["name"] == top["name"]:
                r["confidence"] = search_confidence
        ranking.insert(0, {"name": search, "confidence": top["confidence"]})
        ranking.sort(key=lambda r: r["confidence"], reverse=True)
        message.set(INTENT, {"name": search, "confidence": top["confidence"]}, add_to_output=True)
        message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
