"""The intent classifier: trained on the real training data, saved, loaded back, deterministic."""

from __future__ import annotations

import pytest
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.linear_intent_classifier import LinearIntentClassifier, WordFeatures
from support import REPO_ROOT

CONFIG = LinearIntentClassifier.get_default_config()


def trained_and_loaded(directory):
    storage, resource = LocalModelStorage(directory), Resource("intents")
    LinearIntentClassifier.create(CONFIG, storage, resource, None).train(load_data(str(REPO_ROOT / "bot" / "data" / "nlu")))
    return LinearIntentClassifier.load(CONFIG, storage, resource, None)


@pytest.fixture(scope="module")
def classifier(tmp_path_factory):
    return trained_and_loaded(tmp_path_factory.mktemp("model"))


def classify(classifier, *texts):
    messages = classifier.process([Message(data={"text": t}) for t in texts])
    return [m.get("intent") for m in messages], [m.get("intent_ranking") for m in messages]


@pytest.mark.parametrize("text, intent", [
    ("je cherche une formation en cybersécurité", "search_courses"),
    ("ik zoek een opleiding webontwikkeling", "search_courses"),
    ("quand a lieu la prochaine séance d'information ?", "ask_info_session"),
    ("wanneer is de volgende infosessie?", "ask_info_session"),
    ("est-ce que je peux garder mes allocations de chômage pendant la formation ?", "faq_unemployment_benefits"),
    ("kan ik met iemand van het team spreken?", "human_handoff"),
])
def test_clear_messages_get_their_intent_with_confidence(classifier, text, intent):
    [predicted], _ = classify(classifier, text)
    assert predicted["name"] == intent
    assert predicted["confidence"] > 0.5


def test_the_ranking_holds_probabilities_best_first(classifier):
    [intent], [ranking] = classify(classifier, "bonjour, je voudrais savoir si c'est gratuit")
    confidences = [r["confidence"] for r in ranking]
    assert len(ranking) == CONFIG["ranking_length"]
    assert confidences == sorted(confidences, reverse=True)
    assert ranking[0] == intent
    assert all(type(c) is float for c in confidences)  # JSON-serialisable, not numpy
    assert 0.5 < sum(confidences) <= 1.0 + 1e-9


def test_accents_and_case_do_not_matter(classifier):
    [a, b], _ = classify(classifier, "Séance d'information à distance ?", "seance d'information a distance ?")
    assert a == b


def test_training_is_deterministic(classifier, tmp_path):
    text = "je me demandais si la formation donne droit à une indemnité"
    assert classify(trained_and_loaded(tmp_path), text) == classify(classifier, text)


def test_a_message_without_text_is_left_alone(classifier):
    [message] = classifier.process([Message(data={"text": ""})])
    assert message.get("intent") is None


def test_word_features_pair_words_up_to_the_gap_apart():
    features = WordFeatures(2)("schrijf me maar uit")
    assert {"schrijf", "uit", "schrijf me", "maar uit", "schrijf _ maar", "schrijf _ uit", "me _ uit"} <= set(features)
    assert WordFeatures(1)("schrijf me maar uit").count("schrijf _ uit") == 0
    # A separable verb's particle tells signing up from cancelling, whatever stands between.
    assert "meld _ af" in WordFeatures(2)("meld mij af") and "meld _ af" not in WordFeatures(2)("meld mij aan")
    assert WordFeatures(0)("meld mij af") == ["meld", "mij", "af", "meld mij", "mij af"]
