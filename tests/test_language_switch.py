"""A message that asks to switch languages and asks something else (bot.nlu.language_switch)."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.language_switch import LANGUAGE_SWITCH, ORIGINAL_TEXT, SwitchAndAsk, split_switch


@pytest.mark.parametrize("text, language, question", [
    ("sorry, liever in het Nederlands: waar is dat?", "nl", "waar is dat?"),
    ("en français svp, il reste encore de la place?", "fr", "il reste encore de la place?"),
    ("ah pardon je parle mieux francais. c'est gratuit?", "fr", "c'est gratuit?"),
    ("mon neerlandais est pas top, on peut continuer en francais? c'est sur place ou en ligne?", "fr",
     "c'est sur place ou en ligne?"),
    ("mag ik verder in het Nederlands? welk niveau Frans moet ik hebben?", "nl", "welk niveau Frans moet ik hebben?"),
    ("eigenlijk spreek ik beter Nederlands, is er nog plaats?", "nl", "is er nog plaats?"),
    ("nederlands aub: welk diploma heb ik nodig?", "nl", "welk diploma heb ik nodig?"),
    ("euh en fait je prefere en francais. ca dure combien de semaines?", "fr", "ca dure combien de semaines?"),
    ("ah je parle francais c'est plus facile. je suis enceinte, je peux quand meme commencer?", "fr",
     "je suis enceinte, je peux quand meme commencer?"),
    ("kunt ge da in het nederlands zeggen? is er een stage?", "nl", "is er een stage?"),
])
def test_a_switch_with_a_question_is_split(text, language, question):
    assert split_switch(text) == (language, question)


@pytest.mark.parametrize("text", [
    "in het Nederlands aub",                            # only the switch: change_language answers it
    "pardon, en français svp !",
    "faut-il parler néerlandais ?",                     # the course's language level
    "kan ik de opleiding in het Nederlands volgen?",    # its teaching language
    "c'est en français, la formation ? et ça coûte combien ?",
    "ik spreek beter Frans dan Nederlands, is dat erg?",  # two languages: no request for one
    "/change_language",
])
def test_other_messages_are_left_alone(text):
    assert split_switch(text) is None


def test_the_component_marks_the_switch_and_keeps_the_question_as_the_text():
    switched = Message(data={TEXT: "sorry, liever in het Nederlands: waar is dat?"})
    plain = Message(data={TEXT: "waar is dat?"})
    SwitchAndAsk().process([switched, plain])
    assert switched.get(TEXT) == "waar is dat?"
    assert switched.get(LANGUAGE_SWITCH) == "nl"
    assert switched.get(ORIGINAL_TEXT) == "sorry, liever in het Nederlands: waar is dat?"
    assert plain.get(LANGUAGE_SWITCH) is None and plain.get(TEXT) == "waar is dat?"


def test_the_switch_intent_keeps_the_question_s_intent_aside():
    from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY

    from bot.language import QUESTION_INTENT
    from bot.nlu.language_switch import SwitchIntent

    switched = Message(data={TEXT: "waar is dat?", LANGUAGE_SWITCH: "nl",
                             INTENT: {"name": "ask_course_detail", "confidence": 0.8},
                             INTENT_RANKING_KEY: [{"name": "ask_course_detail", "confidence": 0.8}]})
    plain = Message(data={TEXT: "waar is dat?", INTENT: {"name": "ask_course_detail", "confidence": 0.8}})
    switched.set("original_text", "sorry, liever in het Nederlands: waar is dat?")
    switched.set("entities", [{"entity": "course_detail", "value": "location", "start": 0, "end": 4}])
    SwitchIntent().process([switched, plain])
    assert switched.get(INTENT) == {"name": "change_language", "confidence": 1.0}
    # The message as typed, its entities in it; the question and its place go along.
    assert switched.get(TEXT) == "sorry, liever in het Nederlands: waar is dat?"
    assert switched.get("entities")[0]["start"] == 33 and switched.get("question_text") == "waar is dat?"
    assert switched.get("question_start") == 33
    assert switched.get(QUESTION_INTENT) == {"name": "ask_course_detail", "confidence": 0.8}
    assert plain.get(INTENT)["name"] == "ask_course_detail"


@pytest.mark.parametrize("question, text, expected", [
    ("faq_cost", "c'est combien ?", "gratuit"),
    ("ask_course_detail", "il y a un stage ?", "13 semaines de stage"),
    ("ask_info_session", "c'est quand la séance d'info ?", "Prochaines séances"),
])
def test_the_switch_action_confirms_then_answers_the_question(catalogue_env, question, text, expected):
    from actions_helpers import make_tracker, read_by_user, run_action
    from bot.actions.language import ActionChangeLanguage
    from bot.language import QUESTION_INTENT

    tracker = make_tracker(text, intent="change_language",
                           slots={"language": "fr", "course_id": "dh-webdev-fullstack-27"})
    tracker.latest_message.update({LANGUAGE_SWITCH: "fr", QUESTION_INTENT: {"name": question, "confidence": 0.9}})
    messages, _ = run_action(ActionChangeLanguage(), tracker)
    assert messages[0]["response"] == "utter_language_changed"
    assert expected in " ".join(read_by_user(messages[1:], "fr"))
