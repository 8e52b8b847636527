"""Eligibility: the questions a course's rules need, answers in both languages, and the verdict."""

from __future__ import annotations

import asyncio
import inspect

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions_helpers import DOMAIN, make_tracker, run_action
from bot.actions import eligibility_rules as rules
from bot.actions.eligibility import (
    ActionEligibilityCorrection,
    ActionEligibilityStart,
    ActionEligibilityVerdict,
    ValidateEligibilityForm,
    describe_answers,
)
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
    assert rules.read_age(text, context=True) == age


@pytest.mark.parametrize("text, level", [("B1", "B1"), ("niveau b 2", "B2"), ("je suis débutant", "A1"),
                                         ("het is mijn moedertaal", "C2"), ("vloeiend", "C1"), ("aucune idée", None),
                                         ("je parle bien français", "B2"), ("un peu", "A2"), ("pas très bien", "A2"),
                                         ("niet zo goed", "A2"), ("pas du tout", "A0"), ("ik spreek geen Nederlands", "A0"),
                                         ("couramment", "C1"), ("mijn Engels is redelijk", "B1")])
def test_cefr_levels(text, level):
    assert rules.parse_cefr(text) == level


@pytest.mark.parametrize("text, brussels", [("j'habite à Schaerbeek", True), ("ik woon in Schaarbeek", True),
                                            ("Sint-Jans-Molenbeek", True), ("à Liège", False), ("ik woon in Gent", False),
                                            ("j'habite en Belgique", None), ("ik woon in België", None)])
def test_municipalities(text, brussels):
    assert rules.read_residence(text, context=True) is brussels


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
    # "développeur" names three courses (Java, .NET, full stack): which one?
    tracker = make_tracker("je peux faire la formation développeur ?", intent="ask_eligibility",
                           slots={"language": "fr"})
    messages, _ = run_action(ActionEligibilityStart(), tracker)
    payloads = [b["payload"] for m in messages for b in m.get("buttons") or []]
    assert '/ask_eligibility{"course_id": "dh-java-dev-27"}' in payloads
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
    assert rules.read_registered(text, context=True) is answer


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
        # A new request that starts with "non" or names a place: the rules end the questions.
        ("extract_elig_registered_jobseeker", "elig_registered_jobseeker",
         "non en fait je cherche une formation en cybersécurité", "search_courses"),
        ("extract_elig_brussels_resident", "elig_brussels_resident", "nee laat maar, een opleiding in Brussel",
         "search_courses"),
        ("extract_elig_level_en", "elig_level_en", "je cherche plutôt une formation en anglais niveau B1", "search_courses"),
        ("extract_elig_diploma", "elig_diploma", "non, je voudrais parler à quelqu'un", "human_handoff"),
    ]:
        assert extract_with_messages(method, text, intent=intent, requested=slot) == ({}, []), text


def test_an_answer_the_nlu_took_for_something_else_is_still_read(catalogue_env):
    assert extract("extract_elig_level_fr", "je parle bien français", intent="faq_language_support",
                   requested="elig_level_fr") == {"elig_level_fr": "B2"}
    assert extract("extract_elig_age", "45", intent="faq_accessibility", requested="elig_age") == {"elig_age": 45}
    assert extract("extract_elig_brussels_resident", "Schaerbeek", intent="search_courses",
                   requested="elig_brussels_resident") == {"elig_brussels_resident": True}
    assert extract("extract_elig_registered_jobseeker", "je suis inscrite chez Actiris", intent="faq_registration_process",
                   requested="elig_registered_jobseeker", course_id=WEB) == {"elig_registered_jobseeker": True}


def test_a_level_goes_to_the_language_it_names(catalogue_env):
    # The SOC course asks French and English: "anglais moyen" answers for English, French is asked again.
    messages, events = run_form("anglais moyen", requested_slot="elig_level_fr", course_id="dh-soc-analyst-27",
                                elig_registered_jobseeker=True, elig_brussels_resident=True, elig_age=30)
    assert slot_events(events) == {"elig_level_en": "B1", "requested_slot": "elig_level_fr"}
    assert messages == []
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


# --- Corrections, reused answers, the intro -------------------------------------------------

WEB = "dh-webdev-fullstack-27"  # registered, Brussels, 18+, French B1
SOC = "dh-soc-analyst-27"  # the same, French B2, English B1, upper secondary
WEB_ANSWERS = {"elig_registered_jobseeker": True, "elig_brussels_resident": True, "elig_age": 24,
               "elig_level_fr": "B2"}


def run_form(text, intent="inform", **slots):
    """The form's validation as Rasa calls it after a message: extraction, then the next question."""
    tracker = make_tracker(text, intent=intent, slots={"language": "fr", **slots})
    return run_action(ValidateEligibilityForm(), tracker)


def slot_events(events):
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


def test_the_intro_says_why_the_questions_are_asked_and_what_the_answers_serve(catalogue_env):
    for language, why, only in (("fr", "conditions d'accès", "uniquement à cette vérification"),
                                ("nl", "toelatingsvoorwaarden", "alleen voor deze controle")):
        text = render(DOMAIN, "utter_eligibility_intro", language, title="X")
        assert why in text and only in text


def test_a_correction_during_the_questions_changes_the_answer_and_the_question_comes_again(catalogue_env):
    messages, events = run_form("en fait j'ai 17 ans", requested_slot="elig_level_fr", course_id=WEB,
                                elig_registered_jobseeker=True, elig_brussels_resident=True, elig_age=24)
    assert slot_events(events) == {"elig_age": 17, "requested_slot": "elig_level_fr"}
    assert [m["response"] for m in messages] == ["utter_eligibility_corrected"]
    assert messages[0]["answers"] == render(DOMAIN, "utter_answer_age", "fr", age=17)


def test_a_correction_with_a_no_in_it_does_not_answer_the_question_asked(catalogue_env):
    # Asked about Actiris, "ah non, j'habite à Vilvorde" corrects the residence; the "non" is not an answer.
    messages, events = run_form("ah non, j'habite à Vilvorde", intent="deny", requested_slot="elig_registered_jobseeker",
                                course_id=WEB, elig_brussels_resident=True)
    assert slot_events(events) == {"elig_brussels_resident": False, "requested_slot": "elig_registered_jobseeker"}
    assert messages[0]["answers"] == render(DOMAIN, "utter_answer_resident_no", "fr")


def test_an_answer_given_ahead_is_not_asked_again(catalogue_env):
    _, events = run_form("j'ai 24 ans et j'habite à Jette", requested_slot="elig_age", course_id=WEB,
                         elig_registered_jobseeker=True)
    assert slot_events(events) == {"elig_age": 24, "elig_brussels_resident": True, "requested_slot": "elig_level_fr"}


def test_the_form_ends_when_a_correction_answers_the_last_question(catalogue_env):
    _, events = run_form("B2", requested_slot="elig_level_fr", course_id=WEB, elig_registered_jobseeker=True,
                         elig_brussels_resident=True, elig_age=24)
    assert slot_events(events) == {"elig_level_fr": "B2", "requested_slot": None}


def correction_after_verdict(text, intent="inform", checked=(WEB,), course_id=WEB, language="fr", **answers):
    tracker = make_tracker(text, intent=intent, slots={
        "language": language, "course_id": course_id, "elig_checked_courses": list(checked), **WEB_ANSWERS, **answers})
    return run_action(ActionEligibilityCorrection(), tracker)


@pytest.mark.parametrize("text, intent, language, changed", [
    ("en fait j'ai 17 ans", "inform", "fr", {"elig_age": 17}),
    ("sorry, ik ben 17", "inform", "nl", {"elig_age": 17}),
    ("ah non, j'habite à Vilvorde", "deny", "fr", {"elig_brussels_resident": False}),
    ("ik ben toch niet ingeschreven bij Actiris", "deny", "nl", {"elig_registered_jobseeker": False}),
])
def test_a_correction_after_the_verdict_gives_the_verdict_again(catalogue_env, text, intent, language, changed):
    messages, events = correction_after_verdict(text, intent, language=language)
    assert events == [{"event": "slot", "timestamp": None, "name": slot, "value": value} for slot, value in changed.items()]
    assert messages[0]["response"] == "utter_eligibility_corrected"
    verdict_text = messages[1]["text"]
    title = "Développeur·euse web full stack (JavaScript)" if language == "fr" else "Full-stack webontwikkelaar (JavaScript)"
    assert verdict_text.startswith(render(DOMAIN, "utter_eligibility_not_met", language, title=title))
    assert verdict_text.count("❌") == 1 and verdict_text.count("✅") == 3


def test_a_correction_that_makes_the_person_eligible(catalogue_env):
    messages, _ = correction_after_verdict("en fait j'habite à Ixelles", elig_brussels_resident=False)
    assert messages[1]["text"].count("✅") == 4


@pytest.mark.parametrize("text, intent, slots", [
    ("oui", "affirm", {}),  # says nothing new
    ("j'ai 24 ans", "inform", {}),  # the same answer
])
def test_a_statement_without_a_correction_to_make_asks_how_to_help(catalogue_env, text, intent, slots):
    tracker = make_tracker(text, intent=intent, slots={"language": "fr", "course_id": WEB,
                                                       "elig_checked_courses": [WEB], **WEB_ANSWERS, **slots})
    messages, events = run_action(ActionEligibilityCorrection(), tracker)
    assert [m["response"] for m in messages] == ["utter_how_can_i_help"] and events == []


@pytest.mark.parametrize("text, slots, course", [
    ("en fait j'ai 17 ans", {"elig_checked_courses": []}, WEB),  # no verdict in this session
    ("en fait j'ai 17 ans", {"course_id": SOC}, SOC),  # another course than the one checked
    ("j'ai le CESS", {}, WEB),  # a fact the course's rules do not ask: it says so
])
def test_a_fact_told_about_the_course_under_discussion_gets_the_rule_it_concerns(catalogue_env, text, slots, course):
    tracker = make_tracker(text, intent="inform", slots={"language": "fr", "course_id": WEB,
                                                         "elig_checked_courses": [WEB], **WEB_ANSWERS, **slots})
    messages, events = run_action(ActionEligibilityCorrection(), tracker)
    assert "utter_how_can_i_help" not in [m["response"] for m in messages]
    assert {"event": "slot", "name": "course_id", "timestamp": None, "value": course} in events


def test_the_verdict_remembers_the_course_it_was_given_for(catalogue_env):
    tracker = make_tracker("", slots={"language": "fr", "course_id": WEB, "elig_checked_courses": [SOC], **WEB_ANSWERS})
    _, events = run_action(ActionEligibilityVerdict(), tracker)
    assert events == [{"event": "slot", "timestamp": None, "name": "elig_checked_courses", "value": [SOC, WEB]}]


def start(course_id, text="", language="fr", **answers):
    tracker = make_tracker(text, intent="ask_eligibility", slots={"language": language, "course_id": course_id, **answers})
    return run_action(ActionEligibilityStart(), tracker)


def test_answers_given_for_another_course_are_reused_only_for_the_same_questions_and_named(catalogue_env):
    soc_answers = {**WEB_ANSWERS, "elig_level_en": "B1", "elig_diploma": "upper_secondary"}
    messages, events = start(WEB, **soc_answers)
    reused = describe_answers(DOMAIN, WEB_ANSWERS, "fr")
    assert reused == "inscrit·e comme demandeur·euse d'emploi, domicile dans la Région bruxelloise, âge 24 ans, français B2"
    assert [(m["response"], m.get("answers")) for m in messages] == [("utter_eligibility_reused", reused)]
    assert events[-1] == {"event": "followup", "name": "action_eligibility_verdict", "timestamp": None}


def test_reused_answers_then_the_questions_still_missing(catalogue_env):
    messages, events = start(SOC, language="nl", **WEB_ANSWERS)
    assert [m["response"] for m in messages] == ["utter_eligibility_intro", "utter_eligibility_reused"]
    assert messages[1]["answers"] == ("ingeschreven als werkzoekende, woonplaats in het Brussels Gewest, "
                                      "leeftijd 24 jaar, Frans B2")
    assert events[-1] == {"event": "followup", "name": "eligibility_form", "timestamp": None}


def test_facts_stated_in_the_eligibility_question_are_answers(catalogue_env):
    # Their rules first, then an offer to check the others (tests/test_eligibility_stated_facts.py).
    messages, events = start(WEB, text="j'ai 16 ans et j'habite à Jette, je peux faire la formation ?")
    assert {"event": "slot", "timestamp": None, "name": "elig_age", "value": 16} in events
    assert {"event": "slot", "timestamp": None, "name": "elig_brussels_resident", "value": True} in events
    assert [m["response"] for m in messages] == [None, "utter_eligibility_other_conditions"]
    assert "à 16 ans, ce n'est pas encore possible" in messages[0]["text"]


def test_describe_answers_in_both_languages():
    values = {"elig_level_nl": "A0", "elig_diploma": "bachelor", "elig_registered_jobseeker": False,
              "elig_brussels_resident": False}
    assert describe_answers(DOMAIN, values, "fr") == (
        "pas inscrit·e comme demandeur·euse d'emploi, domicile hors de la Région bruxelloise, "
        "néerlandais : aucune notion, diplôme : un bachelier")
    assert describe_answers(DOMAIN, values, "nl") == (
        "niet ingeschreven als werkzoekende, woonplaats buiten het Brussels Gewest, "
        "Nederlands: geen kennis, diploma: een bachelordiploma")


@pytest.mark.parametrize("action, text, slots", [
    (ActionEligibilityStart, "je peux faire la formation full stack ?", {"course_id": WEB}),
    (ActionEligibilityVerdict, "B2", {"course_id": WEB, **WEB_ANSWERS}),
    (ActionEligibilityCorrection, "en fait j'ai 17 ans", {"course_id": WEB, "elig_checked_courses": [WEB], **WEB_ANSWERS}),
])
@pytest.mark.parametrize("broken", ["missing", "not a database"])
def test_without_a_readable_catalogue_each_step_apologises_and_gives_a_contact(tmp_path, monkeypatch, action, text,
                                                                              slots, broken):
    path = tmp_path / "catalogue.db"
    if broken == "not a database":
        path.write_bytes(b"not SQLite\n" * 500)
    monkeypatch.setenv("CATALOGUE_DB", str(path))
    messages, events = run_action(action(), make_tracker(text, intent="inform", slots={"language": "nl", **slots}))
    assert [m["response"] for m in messages] == ["utter_catalogue_unavailable"]
    assert messages[0]["phone"] and messages[0]["email"]
    if action is ActionEligibilityStart:
        assert events == [{"event": "followup", "name": "action_listen", "timestamp": None}]
    # The form has nothing to ask without the course's rules: it ends, and the verdict apologises.
    assert asyncio.run(ValidateEligibilityForm().required_slots([], None, make_tracker(slots=slots), DOMAIN)) == []
