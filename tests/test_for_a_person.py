"""Personal situations a person of the hub answers, not the bot (bot.nlu.for_a_person)."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from actions_helpers import make_tracker, run_action
from bot.actions.fallback import ActionOutOfScope
from bot import for_a_person
from bot.for_a_person import TOPIC_FOUND, topic_for_a_person
from bot.nlu.for_a_person import ForAPerson


@pytest.mark.parametrize("text, topic", [
    ("je suis enceinte de 5 mois, je peux commencer quand meme?", "enceinte"),
    ("jai pas encore de titre de sejour, juste la carte orange", "titre de sejour"),
    ("J'ai un casier judiciaire, ça pose problème ?", "casier judiciaire"),
    ("ik heb nen strafblad, is da een probleem bij jullie?", "strafblad"),
    ("mijn verblijfskaart vervalt volgende maand, kan ik toch beginnen?", "verblijfskaart"),
    ("mijn identiteitskaart is vervallen, mag ik zo naar de infosessie komen?", "identiteitskaart is vervallen"),
    ("is er een gebedsruimte in het gebouw", "gebedsruimte"),
])
def test_a_personal_situation_is_found_whatever_the_spelling(text, topic):
    assert topic_for_a_person(text) == topic


@pytest.mark.parametrize("text", [
    "c'est combien la formation ?", "krijg ik een attest?", "is er kinderopvang?", "je cherche une formation web",
    "/ask_course_detail", "",
])
def test_other_questions_are_left_to_the_nlu(text):
    assert topic_for_a_person(text) is None


def test_the_component_marks_the_topic_and_leaves_the_intent():
    message = Message(data={TEXT: "ik ben zwanger, mag ik beginnen?", INTENT: {"name": "ask_eligibility", "confidence": 0.7}})
    other = Message(data={TEXT: "hoeveel kost het?", INTENT: {"name": "faq_cost", "confidence": 0.9}})
    ForAPerson().process([message, other])
    assert message.get(INTENT) == {"name": "ask_eligibility", "confidence": 0.7}
    assert message.get(TOPIC_FOUND) == "zwanger"
    assert other.get(TOPIC_FOUND) is None


@pytest.mark.parametrize("action, intent", [
    ("bot.actions.eligibility:ActionEligibilityStart", "ask_eligibility"),
    ("bot.actions.faq:ActionAnswerFaq", "faq_registration_process"),
    ("bot.actions.course_details:ActionCourseDetail", "ask_course_detail"),
    ("bot.actions.info_sessions:ActionInfoSessions", "ask_info_session"),
    ("bot.actions.search:ActionSearchCourses", "search_courses"),
])
def test_every_answer_from_the_catalogue_gives_the_way_to_a_person_instead(catalogue_env, action, intent):
    import importlib

    module, name = action.split(":")
    tracker = make_tracker("mijn verblijfskaart is vervallen, mag ik de opleiding Java volgen?", intent=intent,
                           slots={"language": "nl"})
    tracker.latest_message[TOPIC_FOUND] = "verblijfskaart"
    messages, _ = run_action(getattr(importlib.import_module(module), name)(), tracker)
    assert [m["response"] for m in messages] == ["utter_out_of_scope"]


def test_staff_can_add_a_topic_without_retraining(tmp_path, monkeypatch):
    (tmp_path / "fr.yml").write_text("- permis de conduire\n", encoding="utf-8")
    (tmp_path / "nl.yml").write_text("- rijbewijs\n", encoding="utf-8")
    monkeypatch.setattr(for_a_person, "TOPICS_DIR", tmp_path)
    for_a_person._CACHE.clear()
    assert topic_for_a_person("j'ai perdu mon permis de conduire") == "permis de conduire"
    assert topic_for_a_person("ik ben zwanger") is None
    for_a_person._CACHE.clear()


def test_the_answer_is_the_way_to_a_person_even_when_a_course_is_named(catalogue_env):
    tracker = make_tracker("je suis enceinte, je peux faire la formation Développeur Java ?", intent="out_of_scope",
                           slots={"language": "fr"})
    tracker.latest_message[TOPIC_FOUND] = "enceinte"
    messages, _ = run_action(ActionOutOfScope(), tracker)
    assert [m["response"] for m in messages] == ["utter_out_of_scope"]
    assert messages[0]["phone"]
