"""An unsure FAQ intent is not answered: below the threshold it becomes nlu_fallback (issue 14, class 3)."""

import pytest
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.faq_confidence import FaqConfidence


def parsed(ranking, threshold=0.5):
    message = Message(data={TEXT: "..."})
    intents = [{"name": name, "confidence": confidence} for name, confidence in ranking]
    message.set(INTENT, intents[0])
    message.set(INTENT_RANKING_KEY, intents)
    return FaqConfidence({"threshold": threshold}).process([message])[0]


def test_an_unsure_faq_becomes_the_fallback_with_its_ranking_kept():
    message = parsed([("faq_accessibility", 0.42), ("out_of_scope", 0.30), ("help", 0.10)])
    assert message.get(INTENT) == {"name": "nlu_fallback", "confidence": 0.5}
    assert [i["name"] for i in message.get(INTENT_RANKING_KEY)] == [
        "nlu_fallback", "faq_accessibility", "out_of_scope", "help"]


@pytest.mark.parametrize("ranking", [
    [("faq_accessibility", 0.5), ("out_of_scope", 0.30)],       # sure enough
    [("search_courses", 0.40), ("faq_cost", 0.30)],             # not a FAQ first: the FallbackClassifier decides
    [("out_of_scope", 0.45), ("faq_cost", 0.40)],
])
def test_a_sure_faq_or_another_intent_is_left_alone(ranking):
    message = parsed(ranking)
    assert message.get(INTENT)["name"] == ranking[0][0]
    assert [i["name"] for i in message.get(INTENT_RANKING_KEY)] == [name for name, _ in ranking]


def test_the_threshold_is_a_setting():
    assert parsed([("faq_cost", 0.6)], threshold=0.7).get(INTENT)["name"] == "nlu_fallback"
    assert FaqConfidence.get_default_config() == {"threshold": 0.5}
