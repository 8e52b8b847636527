"""A message that only picks a place in a list asks about that course (bot.nlu.list_pick, issue 14 class 4)."""

import pytest
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.list_pick import ListPick
from bot.text import only_picks


def parsed(text, ranking):
    message = Message(data={TEXT: text})
    intents = [{"name": name, "confidence": confidence} for name, confidence in ranking]
    message.set(INTENT, intents[0])
    message.set(INTENT_RANKING_KEY, intents)
    return ListPick().process([message])[0]


@pytest.mark.parametrize("text", ["la première", "et la première ?", "la 1ère", "en de tweede?", "nummer 2",
                                  "la dernière", "je prends la deuxième", "ok de eerste graag"])
def test_a_pick_is_a_question_about_that_course_whatever_it_resembled(text):
    message = parsed(text, [("greet", 0.69), ("ask_course_detail", 0.1), ("out_of_scope", 0.08)])
    assert message.get(INTENT) == {"name": "ask_course_detail", "confidence": 1.0}
    assert [i["name"] for i in message.get(INTENT_RANKING_KEY)] == ["ask_course_detail", "greet", "out_of_scope"]


@pytest.mark.parametrize("text", ["2", "la première séance c'est quand ?", "mon premier emploi", "le 2 décembre",
                                  "c'est ma première fois à Bruxelles, bonjour", "de eerste dag van de opleiding"])
def test_other_messages_are_left_alone(text):
    assert not only_picks(text)
    message = parsed(text, [("greet", 0.69), ("out_of_scope", 0.08)])
    assert message.get(INTENT)["name"] == "greet"
