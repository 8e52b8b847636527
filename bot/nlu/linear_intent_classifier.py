"""NLU intent classifier: a linear SVM over the character and word n-grams of the message.

With no pretrained language model for French or Dutch available offline, the intent is told by
the message's own letters and words. A linear model on TF-IDF n-grams does that as well as DIET
did on the held-out test set (bench/eval_nlu) and trains in seconds instead of minutes. Its
scores are calibrated (Platt scaling over cross-validation folds), so the FallbackClassifier's
threshold and the "did you mean...?" suggestions read them as probabilities.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Dict, List, Optional, Text

import joblib
import numpy
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.language_detector import LANGUAGE
from bot.spelling import standard

logger = logging.getLogger(__name__)

MODEL_FILE = "linear_intent_classifier.joblib"
_WORD = re.compile(r"\w+")


class WordFeatures:
    """The words of a folded message, its word pairs, and its pairs of words with at most `gap`
    words between them.

    "schrijf me maar uit" keeps "schrijf _ uit", "meld mij af" and "meld mij aan" differ in
    "meld _ af" / "meld _ aan": a Dutch separable verb and its particle, or a verb and its object
    across a pronoun ("annuler _ inscription"), count whatever short words stand between them.
    A class, not a closure, so that the trained pipeline can be saved with joblib.
    """

    def __init__(self, gap: int) -> None:
        self.gap = gap

    def __call__(self, text: Text) -> List[Text]:
        words = _WORD.findall(text)
        features = words + [f"{a} {b}" for a, b in zip(words, words[1:])]
        for distance in range(2, self.gap + 2):
            features += [f"{a} _ {b}" for a, b in zip(words, words[distance:])]
        return features


def classifier_input(message: Message) -> Text:
    """What the classifier reads of a message: its folded text with the chat spellings of its
    language written out ("c ou ?" as "c'est ou ?"; bot.spelling), the same in training and use."""
    language = (message.get(LANGUAGE) or {}).get("code")
    return standard(message.get(TEXT), language or "")


def build_pipeline(config: Dict[Text, Any]):
    """The untrained scikit-learn pipeline: n-gram features, then the calibrated linear SVM."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline, make_union
    from sklearn.svm import LinearSVC

    features = make_union(
        # Letters within words: typos, missing accents, SMS spellings, inflections.
        TfidfVectorizer(analyzer="char_wb", ngram_range=tuple(config["char_ngrams"]), sublinear_tf=True),
        # Words, word pairs ("pas encore", "niet meer") and words a few apart ("meld _ af").
        TfidfVectorizer(analyzer=WordFeatures(config["skip_gap"]), sublinear_tf=True),
    )
    svm = LinearSVC(C=config["C"], random_state=config["random_seed"])
    return make_pipeline(features, CalibratedClassifierCV(svm, cv=config["calibration_folds"], method="sigmoid"))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearIntentClassifier(GraphComponent, IntentClassifier):
    """Sets `intent` and `intent_ranking` from a calibrated linear SVM over the folded text."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """Settings chosen by 5-fold cross-validation on the training data (not the held-out set)."""
        return {
            "C": 1.0,
            "char_ngrams": [2, 5],
            # Pairs of words with at most this many words between them, besides adjacent pairs: 2 by
            # cross-validation (3 seeds): +0.3 macro-F1 in Dutch, +0.1 in French.
            "skip_gap": 2,
            "calibration_folds": 5,
            "ranking_length": 10,
            "random_seed": 42,
        }

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        pipeline: Optional[Any] = None,
    ) -> None:
        """Creates the classifier, trained when `pipeline` is given."""
        self.config = config
        self._model_storage = model_storage
        self._resource = resource
        self.pipeline = pipeline

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "LinearIntentClassifier":
        """Creates an untrained classifier."""
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """Fits the pipeline on every example that has an intent, and saves it with the model."""
        examples = [m for m in training_data.intent_examples if m.get(TEXT)]
        if len({m.get(INTENT) for m in examples}) < 2:
            logger.warning("LinearIntentClassifier needs examples of two intents or more: not trained.")
            return self._resource
        self.pipeline = build_pipeline(self.config)
        # An array, not a list: the calibration counts each intent's examples with `labels == intent`.
        labels = numpy.array([m.get(INTENT) for m in examples])
        self.pipeline.fit([classifier_input(m) for m in examples], labels)
        with self._model_storage.write_to(self._resource) as directory:
            joblib.dump(self.pipeline, directory / MODEL_FILE)
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "LinearIntentClassifier":
        """Loads the pipeline saved by `train` (untrained if there is none)."""
        try:
            with model_storage.read_from(resource) as directory:
                pipeline = joblib.load(directory / MODEL_FILE)
        except (ValueError, FileNotFoundError):
            logger.warning("No trained LinearIntentClassifier in the model: intents will not be classified.")
            pipeline = None
        return cls(config, model_storage, resource, pipeline)

    def process(self, messages: List[Message]) -> List[Message]:
        """Adds the most likely intent and the ranking of the others to each message."""
        texts = [m.get(TEXT) for m in messages]
        if self.pipeline is None or not any(texts):
            return messages
        with_text = [(m, t) for m, t in zip(messages, texts) if t]
        probabilities = self.pipeline.predict_proba([classifier_input(m) for m, _ in with_text])
        labels = self.pipeline.classes_
        for (message, _), row in zip(with_text, probabilities):
            ranked = sorted(zip(labels, row), key=lambda pair: pair[1], reverse=True)
            ranking = [{"name": str(name), "confidence": float(p)} for name, p in ranked[: self.config["ranking_length"]]]
            message.set(INTENT, dict(ranking[0]), add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages
