"""A course detail and the FAQ on it, first and second, are read as one question."""

import pytest
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.detail_or_faq import CourseDetailOrFaq


def parsed(ranking, entities=()):
    message = Message(data={TEXT: "...", ENTITIES: list(entities)})
    intents = [{"name": name, "confidence": confidence} for name, confidence in ranking]
    message.set(INTENT, intents[0])
    message.set(INTENT_RANKING_KEY, intents)
    return CourseDetailOrFaq().process([message])[0]


def course(value="Java"):
    return {"entity": "course", "value": value}


def detail(value):
    return {"entity": "course_detail", "value": value}


@pytest.mark.parametrize("ranking", [
    [("faq_cost", 0.51), ("ask_course_detail", 0.47), ("out_of_scope", 0.02)],
    [("ask_course_detail", 0.44), ("faq_cost", 0.40), ("help", 0.16)],
])
def test_a_near_tie_between_a_detail_and_its_faq_is_the_faq_with_both_confidences(ranking):
    message = parsed(ranking)
    assert message.get(INTENT)["name"] == "faq_cost"
    assert message.get(INTENT)["confidence"] == pytest.approx(ranking[0][1] + ranking[1][1])
    assert [i["name"] for i in message.get(INTENT_RANKING_KEY)] == ["faq_cost", ranking[2][0]]


@pytest.mark.parametrize("faq, entities", [
    ("faq_cost", [course()]),                             # "la formation Java est payante ?"
    ("faq_certificates", [course("Python")]),
    ("faq_directions", [detail("duration")]),             # another detail than the FAQ's topic
    ("faq_cost", [detail("cost"), detail("start_date")]),
])
def test_a_named_course_or_another_detail_makes_it_the_course_detail(faq, entities):
    message = parsed([(faq, 0.5), ("ask_course_detail", 0.45), ("help", 0.05)], entities)
    assert message.get(INTENT) == {"name": "ask_course_detail", "confidence": pytest.approx(0.95)}


def test_the_faq_s_own_detail_keeps_the_faq():
    message = parsed([("ask_course_detail", 0.5), ("faq_directions", 0.45)], [detail("location")])
    assert message.get(INTENT)["name"] == "faq_directions"


@pytest.mark.parametrize("ranking", [
    [("faq_cost", 0.5), ("faq_training_allowance", 0.45), ("ask_course_detail", 0.05)],  # not first two
    [("ask_course_detail", 0.5), ("faq_childcare", 0.45)],  # childcare is no course detail
    [("search_courses", 0.5), ("ask_course_detail", 0.45)],
    [("faq_cost", 1.0)],
])
def test_other_rankings_are_left_alone(ranking):
    message = parsed(ranking)
    assert message.get(INTENT) == {"name": ranking[0][0], "confidence": ranking[0][1]}
    assert len(message.get(INTENT_RANKING_KEY)) == len(ranking)
