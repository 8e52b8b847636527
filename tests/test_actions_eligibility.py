"""Eligibility: the questions a course's rules need, answers in both languages, and the verdict."""

from __future__ import annotations

import asyncio
import inspect

import pytest
from rasa_sdk.executor import CollectingDispatcher

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
                                         ("het is mijn moedertaal", "C2"), ("vloeiend", "C1"), ("aucune idée", None),
                                         ("je parle bien français", "B2"), ("un peu", "A2"), ("pas très bien", "A2"),
                                         ("niet zo goed", "A2"), ("pas du tout", "A0"), ("ik spreek geen Nederlands", "A0"),
                                         ("couramment", "C1"), ("mijn Engels is redelijk", "B1")])
def test_cefr_levels(text, level):
    assert rules.parse_cefr(text) == level


@pytest.mark.parametrize("text, brussels", [("j'habite à Schaerbeek", True), ("ik woon in Schaarbeek", True),
                                            ("Sint-Jans-Molenbeek", True), ("à Liège", None), ("ik woon in Gent", None)])
def test_municipalities(text, brussels):
    assert rules.lives_in_brussels(text) is brussels


@pytest.mark.parametrize("text, place", [("ik woon in Gent", "gent"), ("j'habite à Liège", "liege"),
                                         ("je vis en Flandre", "flandre"), ("wij wonen te Halle", "halle"),
                                         ("j'habite en Belgique", None), ("ik woon in België", None),
                                         ("oui", None), ("Gent", None)])
def test_the_place_a_sentence_says_someone_lives_in(text, place):
    assert rules.place_of_residence(text) == place


@pytest.mark.parametrize("text", ["ik woon in Gent", "j'habite à Liège", "nous vivons à Wavre"])
def test_a_place_outside_the_region_without_an_entity_is_a_no(text):
    # The entity extractor does not know every town; the sentence still says where the person lives.
    assert extract("extract_elig_brussels_resident", text, requested="elig_brussels_resident") == {
        "elig_brussels_resident": False}


def form_required(course_id):
    tracker = make_tracker("", slots={"language": "fr", "course_id": course_id})
    return asyncio.run(ValidateEligibilityForm().required_slots([], None, tracker, DOMAIN))


def test_form_asks_what_the_course_needs(catalogue_env):
    assert form_required("dh-webdev-fullstack-27") == [
        "elig_registered_jobseeker", "elig_brussels_resident", "elig_age", "elig_level_fr"]
    assert form_required("dh-soc-analyst-27") == [
        "elig_registered_jobseeker", "elig_brussels_resident", "elig_age", "elig_level_fr", "elig_level_en",
        "elig_diploma"]


def extract_with_messages(method, text, intent="inform", entities=None, requested=None, course_id=None):
    tracker = make_tracker(text, intent=intent, entities=entities,
                           slots={"language": "fr", "requested_slot": requested, "course_id": course_id})
    dispatcher = CollectingDispatcher()
    result = getattr(ValidateEligibilityForm(), method)(dispatcher, tracker, DOMAIN)
    if inspect.isawaitable(result):
        result = asyncio.run(result)
    return result, [m["response"] for m in dispatcher.messages]


def extract(method, text, intent="inform", entities=None, requested=None, course_id=None):
    return extract_with_messages(method, text, intent, entities, requested, course_id)[0]


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
    assert events == [{"event": "followup", "name": "action_listen", "timestamp": None}]


def test_start_without_a_course_offers_buttons_that_go_on_with_the_eligibility(catalogue_env):
    tracker = make_tracker("je peux faire la formation cybersécurité ?", intent="ask_eligibility",
                           slots={"language": "fr"})
    messages, _ = run_action(ActionEligibilityStart(), tracker)
    payloads = [b["payload"] for m in messages for b in m.get("buttons") or []]
    assert '/ask_eligibility{"course_id": "dh-soc-analyst-27"}' in payloads
    assert all(p.startswith("/ask_eligibility{") for p in payloads)


def test_start_with_a_course_runs_the_form(catalogue_env):
    tracker = make_tracker("puis-je m'inscrire ?", intent="ask_eligibility",
                           slots={"language": "fr", "course_id": "dh-webdev-fullstack-27"})
    messages, events = run_action(ActionEligibilityStart(), tracker)
    assert messages[0]["response"] == "utter_eligibility_intro"
    assert events[-1] == {"event": "followup", "name": "eligibility_form", "timestamp": None}


@pytest.mark.parametrize("text, answer", [("oui je suis inscrite", True), ("nee, nog niet", False),
                                          ("je suis inscrit chez Actiris", True), ("pas encore", False),
                                          ("euh", None)])
def test_yes_or_no_in_words(text, answer):
    assert rules.parse_yes_no(text) is answer


def test_a_yes_no_question_answered_in_words():
    assert extract("extract_elig_registered_jobseeker", "je suis inscrite depuis mars",
                   requested="elig_registered_jobseeker") == {"elig_registered_jobseeker": True}
    result, hints = extract_with_messages("extract_elig_registered_jobseeker", "euh", requested="elig_registered_jobseeker")
    assert (result, hints) == ({"elig_registered_jobseeker": None}, ["utter_eligibility_yes_no_hint"])


def test_a_question_of_its_own_fills_nothing_so_the_rules_answer_it():
    # The form then steps aside (nothing extracted), a rule answers, and the form asks again.
    for method, slot, text, intent in [
        ("extract_elig_registered_jobseeker", "elig_registered_jobseeker", "c'est quoi Actiris ?", "faq_registration_process"),
        ("extract_elig_brussels_resident", "elig_brussels_resident", "combien ça coûte ?", "faq_cost"),
        ("extract_elig_age", "elig_age", "hoe lang duurt de opleiding?", "ask_course_detail"),
        ("extract_elig_level_fr", "elig_level_fr", "c'est quoi le niveau B1 ?", "faq_language_support"),
        ("extract_elig_diploma", "elig_diploma", "est-ce que mon diplôme marocain est reconnu ?", "faq_diploma_recognition"),
    ]:
        assert extract_with_messages(method, text, intent=intent, requested=slot) == ({}, []), text


def test_an_answer_the_nlu_took_for_something_else_is_still_read():
    assert extract("extract_elig_level_fr", "je parle bien français", intent="faq_language_support",
                   requested="elig_level_fr") == {"elig_level_fr": "B2"}
    assert extract("extract_elig_age", "45", intent="faq_accessibility", requested="elig_age") == {"elig_age": 45}


def test_a_level_goes_to_the_language_it_names(catalogue_env):
    # The SOC course asks French and English: "anglais moyen" answers for English, French is asked again.
    assert extract("extract_elig_level_fr", "anglais moyen", requested="elig_level_fr",
                   course_id="dh-soc-analyst-27") == {"elig_level_en": "B1"}
    result, hints = extract_with_messages("extract_elig_level_fr", "néerlandais courant", requested="elig_level_fr",
                                          course_id="dh-soc-analyst-27")
    assert (result, hints) == ({"elig_level_fr": None}, ["utter_eligibility_level_hint"])


def test_not_speaking_a_language_at_all_meets_no_level():
    [(_, _, met)] = rules.rule_results({"language_requirements": [{"language": "nl", "level": "A1"}]},
                                       {"elig_level_nl": "A0"})
    assert met is False


def test_the_form_reads_every_cefr_synonym_of_the_nlu_data_as_the_same_level():
    """The NLU maps "vlot" to C1: the form, reading the words when no entity came, must agree."""
    import yaml

    from support import REPO_ROOT

    disagreements = []
    for path in (REPO_ROOT / "bot" / "data" / "nlu").glob("synonyms*.yml"):
        for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
            if block.get("synonym") not in rules.CEFR_LEVELS:
                continue
            for line in block["examples"].splitlines():
                text = line.strip()[2:]
                if line.strip().startswith("- ") and rules.parse_cefr(text) != block["synonym"]:
                    disagreements.append((text, block["synonym"], rules.parse_cefr(text)))
    assert disagreements == []
