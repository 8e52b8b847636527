"""Eligibility: the questions a course's rules need, answers in both languages, and the verdict."""

from __future__ import annotations

import asyncio

import pytest

from actions_helpers import DOMAIN, make_tracker, run_action
from bot.actions import eligibility_rules as rules
from bot.actions.eligibility import ActionEligibilityStart, ActionEligibilityVerdict, ValidateEligibilityForm
from bot.actions.texts import render


@pytest.mark.parametrize(
    "rule, answers, met",
    [
        ({"registered_jobseeker": True}, {"elig_registered_jobseeker": True}, True),
        ({"registered_jobseeker": True}, {"elig_registered_jobseeker": False}, False),
        ({"brussels_resident": True}, {"elig_brussels_resident": True}, True),
        ({"brussels_resident": True}, {"elig_brussels_resident": False}, False),
        ({"min_age": 18}, {"elig_age": 18}, True),
        ({"min_age": 18}, {"elig_age": 17}, False),
        ({"max_age": 29}, {"elig_age": 29}, True),
        ({"max_age": 29}, {"elig_age": 30}, False),
        ({"language_requirements": [{"language": "fr", "level": "B1"}]}, {"elig_level_fr": "B2"}, True),
        ({"language_requirements": [{"language": "fr", "level": "B1"}]}, {"elig_level_fr": "A2"}, False),
        ({"min_diploma": "upper_secondary"}, {"elig_diploma": "bachelor"}, True),
        ({"min_diploma": "upper_secondary"}, {"elig_diploma": "lower_secondary"}, False),
        ({"max_diploma": "upper_secondary"}, {"elig_diploma": "none"}, True),
        ({"max_diploma": "upper_secondary"}, {"elig_diploma": "master"}, False),
        ({"min_age": 18}, {}, None),
    ],
)
def test_each_rule_type(rule, answers, met):
    [(_, _, result)] = rules.rule_results(rule, answers)
    assert result is met


def test_only_the_questions_the_rules_need():
    assert rules.needed_slots({"min_age": 18, "language_requirements": [{"language": "nl", "level": "B1"}]}) == [
        "elig_age", "elig_level_nl"]
    assert rules.needed_slots({}) == []


@pytest.mark.parametrize("text, age", [("j'ai 24 ans", 24), ("ik ben 31 jaar", 31), ("45", 45), ("pas d'âge", None)])
def test_ages(text, age):
    assert rules.parse_age(text) == age


@pytest.mark.parametrize("text, level", [("B1", "B1"), ("niveau b 2", "B2"), ("je suis débutant", "A1"),
                                         ("het is mijn moedertaal", "C2"), ("vloeiend", "C1"), ("aucune idée", None)])
def test_cefr_levels(text, level):
    assert rules.parse_cefr(text) == level


@pytest.mark.parametrize("text, brussels", [("j'habite à Schaerbeek", True), ("ik woon in Schaarbeek", True),
                                            ("Sint-Jans-Molenbeek", True), ("à Liège", None), ("ik woon in Gent", None)])
def test_municipalities(text, brussels):
    assert rules.lives_in_brussels(text) is brussels


def form_required(course_id):
    tracker = make_tracker("", slots={"language": "fr", "course_id": course_id})
    return asyncio.run(ValidateEligibilityForm().required_slots([], None, tracker, DOMAIN))


def test_form_asks_what_the_course_needs(catalogue_env):
    assert form_required("dh-webdev-fullstack-27") == [
        "elig_registered_jobseeker", "elig_brussels_resident", "elig_age", "elig_level_fr"]
    assert form_required("dh-soc-analyst-27") == [
        "elig_registered_jobseeker", "elig_brussels_resident", "elig_age", "elig_level_fr", "elig_level_en",
        "elig_diploma"]


def extract(method, text, intent="inform", entities=None, requested=None):
    tracker = make_tracker(text, intent=intent, entities=entities,
                           slots={"language": "fr", "requested_slot": requested})
    return getattr(ValidateEligibilityForm(), method)(__import__("rasa_sdk").executor.CollectingDispatcher(), tracker, DOMAIN)


def test_answers_understood_in_both_languages():
    assert extract("extract_elig_registered_jobseeker", "oui", "affirm", requested="elig_registered_jobseeker") == {
        "elig_registered_jobseeker": True}
    assert extract("extract_elig_registered_jobseeker", "nee", "deny", requested="elig_registered_jobseeker") == {
        "elig_registered_jobseeker": False}
    assert extract("extract_elig_brussels_resident", "ik woon in Schaarbeek", requested="elig_brussels_resident") == {
        "elig_brussels_resident": True}
    assert extract("extract_elig_brussels_resident", "j'habite à Namur",
                   entities=[{"entity": "municipality", "value": "Namur"}], requested="elig_brussels_resident") == {
        "elig_brussels_resident": False}
    assert extract("extract_elig_age", "j'ai 24 ans", requested="elig_age") == {"elig_age": 24}
    assert extract("extract_elig_level_fr", "B1", requested="elig_level_fr") == {"elig_level_fr": "B1"}
    assert extract("extract_elig_diploma", "CESS", entities=[{"entity": "diploma", "value": "upper_secondary"}],
                   requested="elig_diploma") == {"elig_diploma": "upper_secondary"}


def test_an_answer_only_fills_the_question_asked():
    assert extract("extract_elig_age", "j'ai 24 ans", requested="elig_level_fr") == {}


def verdict(course_id, language="fr", **answers):
    tracker = make_tracker("", slots={"language": language, "course_id": course_id, **answers})
    return run_action(ActionEligibilityVerdict(), tracker)


def test_verdict_eligible_lists_each_rule_met_and_is_not_final(catalogue_env):
    messages, _ = verdict("dh-webdev-fullstack-27", elig_registered_jobseeker=True, elig_brussels_resident=True,
                          elig_age=24, elig_level_fr="B2")
    text = messages[0]["text"]
    assert text.startswith(render(DOMAIN, "utter_eligibility_met", "fr", title="Développeur·euse web full stack (JavaScript)"))
    assert text.count("✅") == 4 and "❌" not in text
    assert render(DOMAIN, "utter_eligibility_not_final", "fr") in text


def test_verdict_not_eligible_says_which_rule_and_proposes_other_courses(catalogue_env):
    messages, _ = verdict("dh-webdev-fullstack-27", language="nl", elig_registered_jobseeker=True,
                          elig_brussels_resident=True, elig_age=24, elig_level_fr="A2")
    text = messages[0]["text"]
    assert "❌ " + render(DOMAIN, "utter_rule_language_level", "nl", language="Frans", level="B1") in text
    assert render(DOMAIN, "utter_eligibility_not_final", "nl") in text
    assert messages[1]["response"] == "utter_eligibility_alternatives"
    assert messages[1]["buttons"] and all("dh-webdev-fullstack-27" not in b["payload"] for b in messages[1]["buttons"])


def test_start_without_a_course_gives_the_general_rules(catalogue_env):
    tracker = make_tracker("qui peut s'inscrire ?", intent="ask_eligibility", slots={"language": "fr"})
    messages, events = run_action(ActionEligibilityStart(), tracker)
    assert [m["response"] for m in messages] == ["utter_eligibility_general", "utter_eligibility_which_course"]
    assert events == []


def test_start_with_a_course_runs_the_form(catalogue_env):
    tracker = make_tracker("puis-je m'inscrire ?", intent="ask_eligibility",
                           slots={"language": "fr", "course_id": "dh-webdev-fullstack-27"})
    messages, events = run_action(ActionEligibilityStart(), tracker)
    assert messages[0]["response"] == "utter_eligibility_intro"
    assert events[-1] == {"event": "followup", "name": "eligibility_form", "timestamp": None}
