"""The catalogue matcher: a message naming a course the model never saw is read as a course search."""

from __future__ import annotations

import json

import pytest
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.catalogue_matcher import CATALOGUE_MATCH, CatalogueMatcher
from support import REPO_ROOT, feed_with_a_new_course, sync_catalogue

UNSURE = [("faq_accessibility", 0.59), ("out_of_scope", 0.11), ("search_courses", 0.06), ("greet", 0.24)]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """The component trained on the real training data, saved, and loaded back as the server would."""
    storage = LocalModelStorage(tmp_path_factory.mktemp("model"))
    resource = Resource("catalogue_matcher")
    config = CatalogueMatcher.get_default_config()
    component = CatalogueMatcher.create(config, storage, resource, None)
    component.train(load_data(str(REPO_ROOT / "bot" / "data" / "nlu")))
    return CatalogueMatcher.load(config, storage, resource, None)


@pytest.fixture
def catalogue_with_a_new_course(catalogue_env, sample_feed, tmp_path):
    path = tmp_path / "feed.json"
    path.write_text(json.dumps(feed_with_a_new_course(sample_feed), ensure_ascii=False), encoding="utf-8")
    sync_catalogue(path, catalogue_env)
    return catalogue_env


def parsed(text, ranking=UNSURE):
    ranking = sorted(({"name": n, "confidence": c} for n, c in ranking), key=lambda r: -r["confidence"])
    return Message(data={"text": text, "intent": dict(ranking[0]), "intent_ranking": ranking})


def test_training_words_are_kept_with_the_model(trained):
    assert {"formation", "opleiding", "cybersecurite"} <= trained.trained_words
    assert "drones" not in trained.trained_words


def test_an_unsure_message_naming_a_new_course_is_a_search(trained, catalogue_with_a_new_course):
    [message] = trained.process([parsed("je voudrais devenir télépilote de drones")])
    assert message.get("intent") == {"name": "search_courses", "confidence": 0.59}
    ranking = message.get("intent_ranking")
    assert [r["name"] for r in ranking[:2]] == ["search_courses", "greet"]
    assert {r["name"]: r["confidence"] for r in ranking}["faq_accessibility"] == 0.06
    assert sum(r["confidence"] for r in ranking) == pytest.approx(1.0)
    assert message.get(CATALOGUE_MATCH) == {"new_words": ["telepilote", "drones"]}


def test_a_misspelt_new_course_word_still_counts(trained, catalogue_with_a_new_course):
    [message] = trained.process([parsed("ik wil dronepilot worden")])
    assert message.get("intent")["name"] == "search_courses"


def test_a_sure_classifier_is_left_alone(trained, catalogue_with_a_new_course):
    sure = [("faq_accessibility", 0.93), ("search_courses", 0.07)]
    [message] = trained.process([parsed("la formation drones est accessible en fauteuil roulant ?", sure)])
    assert message.get("intent")["name"] == "faq_accessibility"
    assert message.get(CATALOGUE_MATCH) is None


def test_words_the_model_was_trained_on_are_left_to_it(trained, catalogue_with_a_new_course):
    # "cybersécurité" names a course too, but the classifier knows it: its doubt is its own.
    [message] = trained.process([parsed("cybersécurité et fauteuil roulant")])
    assert message.get("intent")["name"] == "faq_accessibility"


def test_answers_to_the_bots_questions_are_left_alone(trained, catalogue_with_a_new_course):
    [message] = trained.process([parsed("drones", [("inform", 0.5), ("search_courses", 0.3), ("greet", 0.2)])])
    assert message.get("intent")["name"] == "inform"


def test_a_course_withdrawn_by_the_next_sync_is_no_longer_matched(trained, catalogue_with_a_new_course, sample_feed, tmp_path):
    [message] = trained.process([parsed("je voudrais devenir télépilote de drones")])
    assert message.get("intent")["name"] == "search_courses"
    path = tmp_path / "without.json"
    path.write_text(json.dumps(sample_feed, ensure_ascii=False), encoding="utf-8")
    sync_catalogue(path, catalogue_with_a_new_course)
    [message] = trained.process([parsed("je voudrais devenir télépilote de drones")])
    assert message.get("intent")["name"] == "faq_accessibility"


def test_no_catalogue_changes_nothing(trained, tmp_path, monkeypatch):
    monkeypatch.setenv("CATALOGUE_DB", str(tmp_path / "none.db"))
    [message] = trained.process([parsed("je voudrais devenir télépilote de drones")])
    assert message.get("intent")["name"] == "faq_accessibility"


@pytest.mark.parametrize("text, intent", [
    ("vertel me meer over de opleiding ethical hacking", "faq_equipment_loan"),
    ("pour la formation ethical hacking faut parler néerlandais ?", "change_language"),
    ("c quoi ethical hacking", "help"),
    ("la formation ethical hacking donne un certificat ?", "faq_certificates"),
])
def test_a_message_naming_one_course_is_a_question_about_it(trained, catalogue_env, text, intent):
    [message] = trained.process([parsed(text, [(intent, 0.7), ("ask_course_detail", 0.2), ("greet", 0.1)])])
    assert message.get("intent") == {"name": "ask_course_detail", "confidence": 0.7}
    assert message.get(CATALOGUE_MATCH) == {"course": "dh-ethical-hacking-27"}


@pytest.mark.parametrize("text, intent", [
    ("je peux emprunter un pc pour la formation ethical hacking ?", "faq_equipment_loan"),  # its own words
    ("je peux emprunter un pc ?", "faq_equipment_loan"),  # no course named
    ("en néerlandais svp", "change_language"),
    ("la formation ethical hacking est accessible en fauteuil ?", "faq_accessibility"),  # not a course detail
])
def test_other_messages_keep_their_intent(trained, catalogue_env, text, intent):
    [message] = trained.process([parsed(text, [(intent, 0.9), ("ask_course_detail", 0.1)])])
    assert message.get("intent")["name"] == intent


@pytest.mark.parametrize("text, intent", [
    ("je ne peux suivre les cours que sur mon smartphone, c'est ok ?", "faq_equipment_loan"),
    ("je cherche un logement social", "out_of_scope"),
    ("bereiden jullie voor op Cisco- of Microsoft-certificaten?", "faq_certificates"),
])
def test_an_everyday_word_found_in_one_course_does_not_override_a_confident_classifier(trained, catalogue_env, text, intent):
    [message] = trained.process([parsed(text, [(intent, 0.8), ("ask_course_detail", 0.2)])])
    assert message.get("intent")["name"] == intent


def test_words_other_questions_use_are_kept_with_the_model(trained):
    assert {"smartphone", "logement"} <= trained.everyday_words
    assert "hacking" not in trained.everyday_words
