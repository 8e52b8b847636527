"""Questions about the course under discussion that the NLU read as a FAQ, a search or off topic:
its own rule ("il faut un diplôme ?"), its level ("c'est pour les débutants ?"), a detail."""

from __future__ import annotations

import pytest

from actions_helpers import make_tracker, read_by_user, run_action
from bot import text as words_of
from bot.actions.eligibility import ActionEligibilityCorrection, ActionEligibilityStart
from bot.actions.fallback import ActionOutOfScope, ActionSuggestIntents
from bot.actions.faq import ActionAnswerFaq
from bot.actions.search import ActionSearchCourses

SOC = "dh-soc-analyst-27"  # intermediate; registered, resident, 18+, French B2, English B1, CESS at least
BASICS = "dh-digital-basics-27"  # beginner; no diploma above lower secondary


def ask(action, text, intent, language, course_id=SOC, **slots):
    tracker = make_tracker(text, intent=intent, slots={"language": language, "course_id": course_id, **slots})
    tracker.latest_message["intent_ranking"] = [{"name": intent, "confidence": 0.5}]
    tracker.events = [{"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}}]
    return run_action(action, tracker)


@pytest.mark.parametrize("text, rule", [
    ("il faut un diplôme ?", "diploma"), ("moet ik een diploma hebben?", "diploma"),
    ("sans diplôme c'est possible ?", "diploma"), ("kan ik meedoen zonder diploma?", "diploma"),
    ("faut-il être inscrit chez Actiris ?", "registration"), ("moet ik bij actiris ingeschreven zijn?", "registration"),
    ("y a une limite d'âge ?", "age"), ("is er een leeftijdsgrens?", "age"),
    ("faut habiter à Bruxelles ?", "residence"), ("moet ik in Brussel wonen?", "residence"),
    ("c'est réservé aux Bruxellois ?", "residence"),
    ("on reçoit un diplôme ?", None), ("krijg ik een diploma?", None),
    ("comment s'inscrire chez Actiris ?", None), ("je perds mon chômage ?", None),
])
def test_which_rule_a_question_asks(text, rule):
    assert words_of.rule_asked(text) == rule


@pytest.mark.parametrize("text, level", [
    ("c'est pour les débutants ?", True), ("is dat voor beginners?", True), ("voor gevorderden?", True),
    ("faut-il déjà de l'expérience ? sans expérience ça va ?", True),
    ("y a des formations pour débutants ?", False), ("ik zoek een opleiding voor beginners", False),
    ("quel niveau de français faut-il ?", False),
])
def test_whether_a_message_asks_the_level_of_a_course(text, level):
    assert words_of.asks_course_level(text) is level


@pytest.mark.parametrize("action, intent", [
    (ActionAnswerFaq(), "faq_diploma_recognition"), (ActionOutOfScope(), "out_of_scope"),
    (ActionEligibilityStart(), "ask_eligibility"), (ActionSuggestIntents(), "nlu_fallback"),
    (ActionEligibilityCorrection(), "inform"),
])
@pytest.mark.parametrize("language, text, expected", [
    ("fr", "il faut un diplôme ?", "« Analyste en cybersécurité (SOC) » demande au moins le diplôme du secondaire"),
    ("nl", "moet ik een diploma hebben?", "‘Cybersecurity-analist (SOC)’ vraagt minstens een diploma hoger secundair"),
])
def test_a_rule_question_about_the_course_under_discussion_gets_its_rule(catalogue_env, action, intent, language,
                                                                         text, expected):
    """Whatever the NLU made of it, then the offer to check the other conditions (not this one again)."""
    messages, _ = ask(action, text, intent, language)
    said = read_by_user(messages, language)
    assert said[0].startswith(expected)
    assert messages[-1]["response"] == "utter_eligibility_other_conditions"
    assert "diplôme" not in said[-1] and "diploma" not in said[-1]
    assert messages[-1]["buttons"][0]["payload"] == '/ask_eligibility{"course_id": "%s"}' % SOC


@pytest.mark.parametrize("language, text, expected", [
    ("fr", "faut-il être inscrit chez Actiris ?", "« Analyste en cybersécurité (SOC) » demande d'être inscrit·e"),
    ("nl", "is er een leeftijdsgrens?", "Voor ‘Cybersecurity-analist (SOC)’ moet je minstens 18 jaar zijn."),
    ("fr", "faut habiter à Bruxelles ?", "Pour « Analyste en cybersécurité (SOC) », il faut habiter dans la Région"),
])
def test_each_kind_of_rule(catalogue_env, language, text, expected):
    messages, _ = ask(ActionAnswerFaq(), text, "faq_registration_process", language)
    assert read_by_user(messages, language)[0].startswith(expected)


def test_a_rule_the_course_does_not_have_says_so_with_its_notes(catalogue_env):
    """"Digital basics" asks no minimum diploma: it is for people without the upper secondary one."""
    messages, _ = ask(ActionAnswerFaq(), "sans diplôme c'est possible ?", "faq_diploma_recognition", "fr",
                      course_id=BASICS)
    said = read_by_user(messages, "fr")[0]
    assert "s'adresse aux personnes qui n'ont pas de diplôme plus élevé que" in said
    assert "Pour les personnes qui n'ont pas de diplôme de l'enseignement secondaire supérieur" in said


def test_when_the_asked_rule_is_the_only_one_left_the_offer_is_to_check_them(catalogue_env):
    """After "y a une limite d'âge ?" for someone whose other answers are known: no "other conditions"."""
    known = {"elig_registered_jobseeker": True, "elig_brussels_resident": True, "elig_level_fr": "C1",
             "elig_level_en": "B2", "elig_diploma": "bachelor"}
    messages, _ = ask(ActionAnswerFaq(), "y a une limite d'âge ?", "faq_registration_process", "fr", **known)
    assert messages[-1]["response"] == "utter_eligibility_check_offer"
    assert messages[-1]["buttons"][0]["title"] == "Vérifier les conditions"


def test_without_a_course_in_context_the_faq_answers(catalogue_env, sample_feed):
    messages, _ = ask(ActionAnswerFaq(), "il faut un diplôme ?", "faq_diploma_recognition", "fr", course_id=None)
    expected = next(e["answer"]["fr"] for e in sample_feed["faq"] if e["topic"] == "diploma_recognition")
    assert messages[0]["answer"] == expected


@pytest.mark.parametrize("language, text, expected", [
    ("fr", "c'est pour les débutants ?", "La formation « Analyste en cybersécurité (SOC) » est de niveau intermédiaire"),
    ("nl", "is dat voor beginners?", "De opleiding ‘Cybersecurity-analist (SOC)’ is van gemiddeld niveau"),
])
@pytest.mark.parametrize("action, intent", [(ActionSearchCourses(), "search_courses"),
                                            (ActionEligibilityStart(), "ask_eligibility")])
def test_the_level_of_the_course_under_discussion(catalogue_env, action, intent, language, text, expected):
    """With the course's notes on what one must know already."""
    messages, _ = ask(action, text, intent, language)
    said = read_by_user(messages, language)
    assert said[0].startswith(expected)
    assert "TCP/IP" in said[0]


def test_a_search_stays_a_search_with_a_course_under_discussion(catalogue_env):
    messages, events = ask(ActionSearchCourses(), "y a des formations pour débutants ?", "search_courses", "fr")
    assert messages[0]["text"].startswith("Voici les formations")


def test_a_level_question_without_a_course_is_a_search(catalogue_env):
    messages, _ = ask(ActionSearchCourses(), "c'est pour les débutants ?", "search_courses", "fr", course_id=None)
    assert messages[0]["text"].startswith("Voici les formations")


@pytest.mark.parametrize("language, text, expected", [
    ("fr", "c'est en ligne ?", "La formation « Analyste en cybersécurité (SOC) » se donne sur place, pas en ligne."),
    ("nl", "is het online?", "De opleiding ‘Cybersecurity-analist (SOC)’ volg je ter plaatse, niet online."),
])
def test_an_unclear_short_question_naming_a_detail_is_about_the_course_under_discussion(catalogue_env, language,
                                                                                      text, expected):
    messages, _ = ask(ActionSuggestIntents(), text, "nlu_fallback", language)
    assert read_by_user(messages, language)[0].startswith(expected)
