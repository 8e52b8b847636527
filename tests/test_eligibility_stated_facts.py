"""Facts stated in an eligibility question ("j'ai 16 ans, je peux faire X ?"): the answer starts with
the rule each fact concerns, read from the catalogue, then offers to check the other rules, whose
questions then leave out what the message already said (issue 14, class 2)."""

from __future__ import annotations

import asyncio
import json
import sqlite3

import pytest
from actions_helpers import DOMAIN, make_tracker, run_action

from bot.actions import eligibility_rules as rules
from bot.actions.eligibility import (
    ActionEligibilityCorrection,
    ActionEligibilityStart,
    ValidateEligibilityForm,
)

JAVA = "dh-java-dev-27"  # registered, Brussels, 18+, French B1, at least upper secondary
AI = "dh-ai-basics-27"  # Brussels and 18+ only; notes: Actiris registration gives priority
CLOUD = "dh-cloud-devops-27"  # ... at least a bachelor, English B2
HELPDESK = "dh-helpdesk-prequal-27"  # ... at most upper secondary, French A2
BASICS = "dh-digital-basics-27"  # ... at most lower secondary
WORDPRESS = "dh-wordpress-youth-27"  # ... 18 to 29, French B1
PYTHON = "dh-python-nl-27"  # ... Dutch B2
UX = "dh-ux-ui-design-27"  # full

TITLES = {
    JAVA: {"fr": "« Développeur Java (h/f/x) »", "nl": "‘Java-ontwikkelaar (m/v/x)’"},
    AI: {"fr": "« Initiation à l'intelligence artificielle »", "nl": "‘Kennismaking met artificiële intelligentie’"},
    CLOUD: {"fr": "« Ingénieur·e cloud et DevOps (AWS, Azure) »", "nl": "‘Cloud- en DevOps-engineer (AWS, Azure)’"},
}
OFFER = "utter_eligibility_other_conditions"


def ask(text, language="fr", course_id=None, intent="ask_eligibility", **slots):
    """The start action on a question, as after `ask_eligibility`; the course named or under discussion."""
    tracker = make_tracker(text, intent=intent, slots={"language": language, "course_id": course_id, **slots})
    return run_action(ActionEligibilityStart(), tracker)


def slots_set(events):
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


def followup(events):
    return [e["name"] for e in events if e["event"] == "followup"]


def rule_lines(messages):
    """The lines of the message that answers the stated facts."""
    return next(m["text"] for m in messages if m.get("text")).split("\n")


# --- The examples, in both languages --------------------------------------------------

@pytest.mark.parametrize("language, text, line", [
    ("fr", "j'ai 16 ans, je peux faire la formation Développeur Java ?",
     "« Développeur Java (h/f/x) » demande d'avoir au moins 18 ans : à 16 ans, ce n'est pas encore possible."),
    ("nl", "ik ben 16, mag ik de opleiding Java volgen?",
     "Voor ‘Java-ontwikkelaar (m/v/x)’ moet je minstens 18 jaar zijn: met 16 jaar kan het nog niet."),
    ("fr", "j'habite à Halle, je peux suivre la formation Java ?",
     "Pour « Développeur Java (h/f/x) », il faut habiter dans la Région de Bruxelles-Capitale : "
     "Halle se trouve dans le Brabant flamand."),
    ("nl", "ik woon in Halle, mag ik de opleiding Java volgen?",
     "Voor ‘Java-ontwikkelaar (m/v/x)’ moet je in het Brussels Hoofdstedelijk Gewest wonen: Halle ligt in Vlaams-Brabant."),
    ("fr", "je ne suis pas inscrit chez Actiris, c'est un problème pour la formation Java ?",
     "« Développeur Java (h/f/x) » demande d'être inscrit·e comme demandeur·euse d'emploi (chez Actiris, au VDAB ou "
     "au Forem) : sans cette inscription, ce n'est pas encore possible."),
    ("nl", "ik ben niet ingeschreven bij Actiris, is dat een probleem voor de opleiding Java?",
     "Voor ‘Java-ontwikkelaar (m/v/x)’ moet je ingeschreven zijn als werkzoekende (bij Actiris, de VDAB of de Forem): "
     "zonder die inschrijving kan het nog niet."),
    ("fr", "mon français est faible, je peux faire la formation Java ?",
     "« Développeur Java (h/f/x) » demande un niveau B1 en français : d'après ce que vous dites (environ A2), ce n'est "
     "sans doute pas encore suffisant."),
    ("nl", "mijn Frans is zwak, lukt de opleiding Java toch?",
     "‘Java-ontwikkelaar (m/v/x)’ vraagt Frans op niveau B1: volgens wat je zegt (ongeveer A2) is dat wellicht nog niet "
     "genoeg."),
    ("fr", "j'ai juste le CESS, ça suffit pour la formation cloud et DevOps ?",
     "« Ingénieur·e cloud et DevOps (AWS, Azure) » demande au moins un bachelier : le diplôme du secondaire supérieur "
     "(CESS) ne suffit pas."),
    ("nl", "ik heb alleen mijn diploma middelbaar, volstaat dat voor cloud en devops?",
     "‘Cloud- en DevOps-engineer (AWS, Azure)’ vraagt minstens een bachelordiploma: een diploma hoger secundair "
     "onderwijs volstaat niet."),
])
def test_the_answer_starts_with_the_rule_the_fact_concerns(catalogue_env, language, text, line):
    messages, events = ask(text, language)
    assert rule_lines(messages)[0] == line
    assert messages[0].get("text"), "the rule comes first, before any question"
    assert "utter_eligibility_intro" not in [m.get("response") for m in messages]
    assert followup(events) == ["action_listen"]  # no question asked: the person chooses


@pytest.mark.parametrize("language, lines", [
    ("fr", ["L'inscription chez Actiris n'est pas obligatoire pour « Initiation à l'intelligence artificielle ».",
            "Ouverte à tous les habitants de la Région bruxelloise ; les demandeurs d'emploi inscrits chez Actiris "
            "sont prioritaires."]),
    ("nl", ["Voor ‘Kennismaking met artificiële intelligentie’ hoef je niet ingeschreven te zijn bij Actiris.",
            "Open voor alle inwoners van het Brussels Gewest; werkzoekenden die bij Actiris ingeschreven zijn, krijgen "
            "voorrang."]),
])
def test_a_registration_the_course_does_not_require_and_the_priority_its_notes_give(catalogue_env, language, lines):
    text = {"fr": "je ne suis pas inscrit chez Actiris, c'est un problème pour l'initiation à l'intelligence artificielle ?",
            "nl": "ik ben niet ingeschreven bij Actiris, is dat een probleem voor de kennismaking met artificiële "
                  "intelligentie?"}[language]
    messages, events = ask(text, language)
    assert rule_lines(messages) == lines
    assert slots_set(events) == {"course_id": AI, "elig_registered_jobseeker": False}


# --- Each kind of rule: met, not met, absent ---------------------------------------------------

@pytest.mark.parametrize("course_id, text, language, line", [
    (JAVA, "j'ai 24 ans, c'est bon ?", "fr",
     "« Développeur Java (h/f/x) » demande d'avoir au moins 18 ans : à 24 ans, cette condition est remplie."),
    (WORDPRESS, "j'ai 35 ans, je peux faire la formation ?", "fr",
     "« Création de sites WordPress (jeunes de 18 à 29 ans) » demande d'avoir entre 18 et 29 ans : à 35 ans, ce n'est "
     "plus possible."),
    (WORDPRESS, "ik ben 35, mag dat?", "nl",
     "Voor ‘Websites bouwen met WordPress (jongeren van 18 tot 29 jaar)’ moet je tussen 18 en 29 jaar zijn: met 35 jaar "
     "kan het niet meer."),
    (JAVA, "ik woon in Jette, is dat ok?", "nl",
     "Voor ‘Java-ontwikkelaar (m/v/x)’ moet je in het Brussels Hoofdstedelijk Gewest wonen: Jette ligt in het Gewest, "
     "dus aan deze voorwaarde voldoe je."),
    (JAVA, "j'habite à st-gilles, ça va ?", "fr",
     "Pour « Développeur Java (h/f/x) », il faut habiter dans la Région de Bruxelles-Capitale : Saint-Gilles fait "
     "partie de la Région, cette condition est remplie."),
    (JAVA, "ik woon in Gent, kan ik toch meedoen?", "nl",
     "Voor ‘Java-ontwikkelaar (m/v/x)’ moet je in het Brussels Hoofdstedelijk Gewest wonen: Gent ligt in Oost-Vlaanderen."),
    (JAVA, "j'habite à Charleroi, c'est possible ?", "fr",
     "Pour « Développeur Java (h/f/x) », il faut habiter dans la Région de Bruxelles-Capitale : Charleroi se trouve "
     "dans le Hainaut."),
    # A place the table does not know: the rule, without a province.
    (JAVA, "ik woon in Moerbeke, mag ik meedoen?", "nl",
     "Voor ‘Java-ontwikkelaar (m/v/x)’ moet je in het Brussels Hoofdstedelijk Gewest wonen: volgens wat je zegt, woon je "
     "buiten het Gewest, dus dan kan het niet."),
    (JAVA, "je n'habite pas à Bruxelles, je peux quand même ?", "fr",
     "Pour « Développeur Java (h/f/x) », il faut habiter dans la Région de Bruxelles-Capitale : d'après ce que vous "
     "dites, vous habitez en dehors de la Région, ce n'est donc pas possible."),
    (JAVA, "je suis inscrite chez Actiris, ça va ?", "fr",
     "« Développeur Java (h/f/x) » demande d'être inscrit·e comme demandeur·euse d'emploi (chez Actiris, au VDAB ou au "
     "Forem) : c'est votre cas, cette condition est remplie."),
    (JAVA, "mon français est B2, ça suffit ?", "fr",
     "« Développeur Java (h/f/x) » demande un niveau B1 en français : avec un niveau B2, cette condition est remplie."),
    (JAVA, "mijn Frans is A2, is dat genoeg?", "nl",
     "‘Java-ontwikkelaar (m/v/x)’ vraagt Frans op niveau B1: met niveau A2 is dat nog niet genoeg."),
    (PYTHON, "mijn Nederlands is goed, lukt dat?", "nl",  # "goed" is about B2, the level asked: maybe
     "‘Programmeren in Python voor beginners’ vraagt Nederlands op niveau B2: volgens wat je zegt (ongeveer B2) kan dat "
     "volstaan; een consulent bekijkt je niveau samen met jou."),
    (PYTHON, "je ne parle pas néerlandais, c'est grave ?", "fr",
     "« Programmer en Python — formation en néerlandais » demande un niveau B2 en néerlandais : si vous ne parlez pas "
     "néerlandais, ce n'est pas encore possible."),
    (PYTHON, "mon français est faible, c'est un problème ?", "fr",
     "« Programmer en Python — formation en néerlandais » ne pose pas de condition de niveau en français."),
    (HELPDESK, "j'ai un master, je peux ?", "fr",
     "« Préqualification technicien·ne helpdesk » s'adresse aux personnes qui n'ont pas de diplôme plus élevé que le "
     "diplôme du secondaire supérieur (CESS) : avec un master, ce n'est pas possible."),
    (BASICS, "ik heb geen diploma, mag ik meedoen?", "nl",
     "‘Digitale basisvaardigheden’ is bedoeld voor wie geen hoger diploma heeft dan een diploma lager secundair "
     "onderwijs: zonder diploma voldoe je aan deze voorwaarde."),
    (CLOUD, "j'ai un bachelier, ça suffit ?", "fr",
     "« Ingénieur·e cloud et DevOps (AWS, Azure) » demande au moins un bachelier : avec un bachelier, cette condition "
     "est remplie."),
    (JAVA, "ik heb een master, is dat ok?", "nl",
     "‘Java-ontwikkelaar (m/v/x)’ vraagt minstens een diploma hoger secundair onderwijs: met een masterdiploma voldoe je "
     "aan deze voorwaarde."),
    (AI, "j'ai le CESS, c'est bon pour cette formation ?", "fr",
     "« Initiation à l'intelligence artificielle » ne demande pas de diplôme particulier."),
])
def test_each_kind_of_rule(catalogue_env, course_id, text, language, line):
    messages, _ = ask(text, language, course_id=course_id)
    assert rule_lines(messages)[0] == line


@pytest.mark.parametrize("language, line", [
    ("fr", "« Développeur Java (h/f/x) » ne pose pas de condition d'âge."),
    ("nl", "Voor ‘Java-ontwikkelaar (m/v/x)’ is er geen leeftijdsvoorwaarde."),
])
def test_a_course_without_an_age_rule_says_so(catalogue_env, language, line):
    eligibility = {"registered_jobseeker": True, "brussels_resident": True}
    with sqlite3.connect(catalogue_env) as conn:
        conn.execute("update courses set eligibility = ? where id = ?", [json.dumps(eligibility), JAVA])
    text = {"fr": "j'ai 16 ans, c'est possible ?", "nl": "ik ben 16, kan dat?"}[language]
    messages, events = ask(text, language, course_id=JAVA)
    assert rule_lines(messages) == [line]
    # The age is still kept: another course may ask it.
    assert slots_set(events)["elig_age"] == 16
    offer = messages[-1]
    assert offer["response"] == OFFER and "18" not in offer["rules"]


def test_a_course_without_rules_says_so_and_keeps_the_facts(catalogue_env):
    with sqlite3.connect(catalogue_env) as conn:
        conn.execute("update courses set eligibility = '{}' where id = ?", [JAVA])
    messages, events = ask("j'ai 16 ans, c'est possible ?", course_id=JAVA)
    assert [m["response"] for m in messages] == ["utter_eligibility_no_rules", "utter_eligibility_not_final"]
    assert slots_set(events) == {"course_id": JAVA, "elig_age": 16}


# --- Several facts, the offer, the verdict ------------------------------------------------------

@pytest.mark.parametrize("language, text, lines", [
    ("fr", "j'ai 24 ans et j'habite à Halle, je peux faire la formation Développeur Java ?", [
        "Pour « Développeur Java (h/f/x) », il faut habiter dans la Région de Bruxelles-Capitale : Halle se trouve dans le "
        "Brabant flamand.",
        "Cette formation demande d'avoir au moins 18 ans : à 24 ans, cette condition est remplie."]),
    ("nl", "ik ben 24 en woon in Luik, mag ik de opleiding Java volgen?", [
        "Voor ‘Java-ontwikkelaar (m/v/x)’ moet je in het Brussels Hoofdstedelijk Gewest wonen: Luik ligt in de provincie "
        "Luik.",
        "Voor deze opleiding moet je minstens 18 jaar zijn: met 24 jaar voldoe je aan deze voorwaarde."]),
])
def test_several_facts_get_each_rule_in_one_message(catalogue_env, language, text, lines):
    messages, events = ask(text, language)
    assert rule_lines(messages) == lines
    assert len([m for m in messages if m.get("text")]) == 1
    assert slots_set(events) == {"course_id": JAVA, "elig_brussels_resident": False, "elig_age": 24}


@pytest.mark.parametrize("language, button, rules_left", [
    ("fr", "Vérifier les autres conditions",
     "être inscrit·e comme demandeur·euse d'emploi, habiter dans la Région de Bruxelles-Capitale, parler français au "
     "niveau B1 au moins, avoir au moins le diplôme du secondaire supérieur (CESS)"),
    ("nl", "De andere voorwaarden nagaan",
     "ingeschreven zijn als werkzoekende, in het Brussels Hoofdstedelijk Gewest wonen, minstens niveau B1 hebben in het "
     "Frans, minstens een diploma hoger secundair onderwijs hebben"),
])
def test_then_an_offer_to_check_the_other_rules_with_a_button_that_starts_the_questions(
        catalogue_env, language, button, rules_left):
    messages, events = ask({"fr": "j'ai 16 ans, c'est possible ?", "nl": "ik ben 16, kan dat?"}[language], language,
                           course_id=JAVA)
    offer = messages[-1]
    assert offer["response"] == OFFER and offer["rules"] == rules_left
    assert offer["buttons"] == [{"title": button, "payload": '/ask_eligibility{"course_id": "dh-java-dev-27"}'}]
    assert offer["course_id"] == JAVA  # kept in the bot event's metadata, for a plain "oui"
    assert slots_set(events) == {"course_id": JAVA, "elig_age": 16}


def test_answers_given_earlier_count_as_answered(catalogue_env):
    # Residence answered earlier (for another course): not among the other conditions.
    messages, _ = ask("j'ai 16 ans, c'est possible ?", course_id=JAVA, elig_brussels_resident=True)
    assert "Bruxelles" not in messages[-1]["rules"]


def test_when_no_rule_is_left_the_verdict_follows(catalogue_env):
    text = "j'ai 24 ans et j'habite à Ixelles, je peux faire l'initiation à l'intelligence artificielle ?"
    messages, events = ask(text)
    assert rule_lines(messages)[:2] == [
        "Pour « Initiation à l'intelligence artificielle », il faut habiter dans la Région de Bruxelles-Capitale : "
        "Ixelles fait partie de la Région, cette condition est remplie.",
        "Cette formation demande d'avoir au moins 18 ans : à 24 ans, cette condition est remplie."]
    assert OFFER not in [m.get("response") for m in messages]
    assert followup(events) == ["action_eligibility_verdict"]
    assert slots_set(events) == {"course_id": AI, "elig_brussels_resident": True, "elig_age": 24}


def test_with_answers_given_earlier_the_verdict_says_which_were_reused(catalogue_env):
    messages, events = ask("j'ai 24 ans, c'est possible ?", course_id=AI, elig_brussels_resident=True)
    assert messages[-1]["response"] == "utter_eligibility_reused"
    assert messages[-1]["answers"] == "domicile dans la Région bruxelloise"
    assert followup(events) == ["action_eligibility_verdict"]


# --- Full or closed courses --------------------------------------------------------------------

@pytest.mark.parametrize("language", ["fr", "nl"])
def test_a_full_course_says_so_before_the_rules(catalogue_env, language):
    messages, _ = ask({"fr": "j'ai 16 ans, c'est possible ?", "nl": "ik ben 16, kan dat?"}[language], language,
                      course_id=UX)
    assert messages[0]["response"] == "utter_eligibility_course_full"
    assert messages[0]["title"] == {"fr": "Designer UX/UI (h/f/x)", "nl": "UX/UI-designer (m/v/x)"}[language]
    assert "18" in messages[1]["text"]


def test_a_closed_course_says_so_before_the_rules(catalogue_env):
    with sqlite3.connect(catalogue_env) as conn:
        conn.execute("update courses set status = 'closed' where id = ?", [JAVA])
    messages, _ = ask("ik ben 16, kan dat?", "nl", course_id=JAVA)
    assert messages[0]["response"] == "utter_eligibility_course_closed"
    assert messages[1]["text"].startswith("Voor ‘Java-ontwikkelaar (m/v/x)’ moet je minstens 18 jaar zijn")


def test_a_full_course_says_so_before_the_questions_too(catalogue_env):
    messages, events = ask("je peux faire cette formation ?", course_id=UX)
    assert [m["response"] for m in messages] == ["utter_eligibility_course_full", "utter_eligibility_intro"]
    assert followup(events) == ["eligibility_form"]


# --- The plain question, the button, a yes ------------------------------------------------------

def test_a_question_without_facts_still_starts_the_questions(catalogue_env):
    messages, events = ask("je peux faire la formation Java ?")
    assert [m["response"] for m in messages] == ["utter_eligibility_intro"]
    assert slots_set(events) == {"course_id": JAVA}
    assert followup(events) == ["eligibility_form"]


def next_question(**slots):
    """The question the form asks next with these answers."""
    tracker = make_tracker("", intent="ask_eligibility", slots={"language": "fr", "requested_slot": None, **slots})
    _, events = run_action(ValidateEligibilityForm(), tracker)
    return slots_set(events).get("requested_slot")


def test_the_button_starts_the_questions_without_asking_what_was_said(catalogue_env):
    # After "j'ai 16 ans, ..." the age is a slot; the button's payload states nothing new.
    messages, events = ask('/ask_eligibility{"course_id": "dh-java-dev-27"}', course_id=JAVA, elig_age=16,
                           intent="ask_eligibility")
    assert [m["response"] for m in messages] == ["utter_eligibility_intro", "utter_eligibility_reused"]
    assert messages[1]["answers"] == "âge 16 ans"
    assert followup(events) == ["eligibility_form"]
    assert next_question(course_id=JAVA, elig_age=16) == "elig_registered_jobseeker"
    assert next_question(course_id=JAVA, elig_age=16, elig_registered_jobseeker=True,
                         elig_brussels_resident=True) == "elig_level_fr"


def after_the_offer(text, intent, language="fr", course_id=JAVA, **slots):
    """A message right after the offer to check the other conditions (the bot event Rasa stores)."""
    tracker = make_tracker(text, intent=intent, slots={"language": language, "course_id": course_id, **slots})
    tracker.events = [
        {"event": "user", "text": "j'ai 16 ans, c'est possible ?"},
        {"event": "bot", "text": "Il reste d'autres conditions...",
         "metadata": {"utter_action": OFFER, "course_id": course_id}},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": text},
    ]
    return run_action(ActionEligibilityCorrection(), tracker)


@pytest.mark.parametrize("text, language", [("oui", "fr"), ("oui, vas-y", "fr"), ("ja graag", "nl"), ("ok", "fr")])
def test_a_yes_to_the_offer_starts_the_questions(catalogue_env, text, language):
    messages, events = after_the_offer(text, "affirm", language, elig_age=16)
    assert [m["response"] for m in messages] == ["utter_eligibility_intro", "utter_eligibility_reused"]
    assert followup(events) == ["eligibility_form"]


def test_a_yes_with_a_fact_takes_it_as_an_answer(catalogue_env):
    _, events = after_the_offer("oui, et j'habite à Jette", "affirm", elig_age=16)
    assert slots_set(events) == {"course_id": JAVA, "elig_brussels_resident": True}
    assert followup(events) == ["eligibility_form"]


def test_facts_after_the_offer_get_their_rules(catalogue_env):
    messages, events = after_the_offer("j'habite à Vilvorde", "inform", elig_age=16)
    assert rule_lines(messages) == [
        "Pour « Développeur Java (h/f/x) », il faut habiter dans la Région de Bruxelles-Capitale : Vilvorde se trouve "
        "dans le Brabant flamand."]
    assert slots_set(events) == {"course_id": JAVA, "elig_brussels_resident": False}
    assert messages[-1]["response"] == OFFER


def test_a_no_to_the_offer_asks_how_to_help(catalogue_env):
    messages, events = after_the_offer("non merci", "deny", elig_age=16)
    assert [m["response"] for m in messages] == ["utter_how_can_i_help"] and events == []


def test_a_yes_long_after_the_offer_is_not_taken_for_it(catalogue_env):
    tracker = make_tracker("oui", intent="affirm", slots={"language": "fr", "course_id": JAVA})
    tracker.events = [
        {"event": "bot", "metadata": {"utter_action": OFFER, "course_id": JAVA}},
        {"event": "user", "text": "merci"},
        {"event": "bot", "metadata": {"utter_action": "utter_thanks"}},
        {"event": "user", "text": "oui"},
    ]
    messages, _ = run_action(ActionEligibilityCorrection(), tracker)
    assert [m["response"] for m in messages] == ["utter_how_can_i_help"]


@pytest.mark.parametrize("text, language, start", [
    ("ik ben 16, mag ik de opleiding Java volgen?", "nl", "Voor ‘Java-ontwikkelaar (m/v/x)’ moet je minstens 18 jaar zijn"),
    ("j'ai 17 ans, c'est bon ?", "fr", "« Développeur Java (h/f/x) » demande d'avoir au moins 18 ans"),
])
def test_a_question_with_facts_the_nlu_took_for_a_statement_gets_the_rules_too(catalogue_env, text, language, start):
    tracker = make_tracker(text, intent="inform", slots={"language": language, "course_id": JAVA})
    messages, events = run_action(ActionEligibilityCorrection(), tracker)
    assert rule_lines(messages)[0].startswith(start)
    assert messages[-1]["response"] == OFFER
    assert slots_set(events)["elig_age"] in (16, 17)


def test_a_statement_out_of_the_blue_offers_the_courses_it_fits_made_for_it_first(catalogue_env, sample_feed):
    tracker = make_tracker("j'ai 24 ans", intent="inform", slots={"language": "fr", "course_id": None})
    messages, events = run_action(ActionEligibilityCorrection(), tracker)
    assert "utter_how_can_i_help" not in [m["response"] for m in messages]
    assert messages[-1]["response"] == "utter_which_course"
    first = messages[-1]["buttons"][0]["payload"]
    youth = [c["id"] for c in sample_feed["courses"] if c["eligibility"].get("max_age")]
    assert any(course_id in first for course_id in youth)  # the 18-29 courses come first
    assert slots_set(events) == {"elig_age": 24}


def test_a_statement_about_the_course_under_discussion_gets_its_rule(catalogue_env):
    tracker = make_tracker("jsuis pas inscrit chez actiris moi", intent="deny", slots={"language": "fr", "course_id": JAVA})
    messages, events = run_action(ActionEligibilityCorrection(), tracker)
    assert "Actiris" in rule_lines(messages)[0]
    assert slots_set(events)["elig_registered_jobseeker"] is False


def test_facts_in_a_question_without_a_course_are_kept(catalogue_env):
    messages, events = ask("j'ai 16 ans, quelles formations je peux faire ?")
    assert {"utter_eligibility_which_course", "utter_which_course"} & {m["response"] for m in messages}
    assert slots_set(events) == {"elig_age": 16}


# --- The places table ----------------------------------------------------------------------------

@pytest.mark.parametrize("text, area, fr, nl", [
    ("ik woon in Halle", "vlaams_brabant", "Hal", "Halle"),
    ("j'habite à Vilvorde", "vlaams_brabant", "Vilvorde", "Vilvoorde"),
    ("ik woon in Sint-Genesius-Rode", "vlaams_brabant", "Rhode-Saint-Genèse", "Sint-Genesius-Rode"),
    ("j'habite à Wavre", "brabant_wallon", "Wavre", "Waver"),
    ("j'habite à Louvain-la-Neuve", "brabant_wallon", "Louvain-la-Neuve", "Louvain-la-Neuve"),
    ("ik woon in Antwerpen", "antwerpen", "Anvers", "Antwerpen"),
    ("j'habite à Berchem (Anvers)", "antwerpen", "Berchem", "Berchem"),
    ("j'habite à Gand", "oost_vlaanderen", "Gand", "Gent"),
    ("ik woon in Aalst", "oost_vlaanderen", "Alost", "Aalst"),
    ("ik woon in Brugge", "west_vlaanderen", "Bruges", "Brugge"),
    ("ik woon in Hasselt", "limburg", "Hasselt", "Hasselt"),
    ("ik woon in Luik", "liege", "Liège", "Luik"),
    ("j'habite à Namur", "namur", "Namur", "Namen"),
    ("j'habite à Charleroi", "hainaut", "Charleroi", "Charleroi"),
    ("ik woon in Bergen (Henegouwen)", "hainaut", "Mons", "Bergen"),
    ("j'habite à Mons", "hainaut", "Mons", "Bergen"),
    ("j'habite à Arlon", "luxembourg", "Arlon", "Aarlen"),
    ("j'habite à Schaerbeek", "brussels", "Schaerbeek", "Schaarbeek"),
    ("ik woon in Sint-Jans-Molenbeek", "brussels", "Molenbeek-Saint-Jean", "Sint-Jans-Molenbeek"),
    ("ik woon in Vorst", "brussels", "Forest", "Vorst"),
])
def test_the_places_table_names_the_province(text, area, fr, nl):
    resident, place = rules.stated_residence(text)
    assert resident is (area == "brussels")
    assert (place.area, place.fr, place.nl) == (area, fr, nl)


@pytest.mark.parametrize("text, language, name", [
    ("j'habite à Halle", "fr", "Halle"),  # as written, one of its names
    ("j'habite à Hal", "fr", "Hal"),
    ("ik woon in Gand", "nl", "Gand"),
    ("ik woon in gent", "fr", "Gent"),
    ("j'habite a st-gilles", "nl", "Saint-Gilles"),  # "st" is "saint"
    ("j'habite à WSL", "nl", "Sint-Lambrechts-Woluwe"),  # not a name as such: the user's language
    ("j'habite à WSL", "fr", "Woluwe-Saint-Lambert"),
])
def test_a_place_is_named_as_the_person_wrote_it(text, language, name):
    assert rules.stated_residence(text)[1].name(language) == name


@pytest.mark.parametrize("text", ["j'habite à 1030", "je n'habite pas à Bruxelles", "j'habite près de Bruxelles",
                                  "ik woon in Moerbeke", "j'habite en France", "j'habite à Woluwe"])
def test_no_place_named_when_the_message_gives_none_to_name(text):
    assert rules.stated_residence(text)[1] is None


@pytest.mark.parametrize("text", ["j'habite à Jette, j'ai mal aux jambes", "ik woon in Jette en volg lessen"])
def test_common_words_are_not_places(text):
    assert rules.read_residence(text) is True


def test_every_province_has_its_words_in_both_languages():
    from bot.actions.texts import render
    for area in rules.PLACES_BY_PROVINCE:
        assert render(DOMAIN, f"utter_province_{area}", "fr") and render(DOMAIN, f"utter_province_{area}", "nl")


@pytest.mark.parametrize("notes, slots, concerned", [
    ("les demandeurs d'emploi inscrits chez Actiris sont prioritaires", ["elig_registered_jobseeker"], True),
    ("werkzoekenden krijgen voorrang", ["elig_registered_jobseeker"], True),
    ("Un portfolio est demandé lors de la sélection.", ["elig_registered_jobseeker", "elig_age"], False),
    ("Une bonne orthographe dans la langue du groupe est indispensable.", ["elig_level_fr"], True),
    ("Bachelor informatica, of gelijkwaardige ervaring", ["elig_diploma"], True),
    ("Programma van de Jongerengarantie: je bent jonger dan 30", ["elig_age"], True),
])
def test_notes_are_added_when_they_speak_of_the_facts(notes, slots, concerned):
    assert rules.notes_concern(notes, slots) is concerned


def test_the_form_still_reads_stated_facts_during_the_questions(catalogue_env):
    # Unchanged: a fact stated while the form asks another question fills its slot ahead.
    tracker = make_tracker("j'ai 24 ans et j'habite à Jette", intent="inform", slots={
        "language": "fr", "course_id": JAVA, "requested_slot": "elig_age", "elig_registered_jobseeker": True})
    _, events = run_action(ValidateEligibilityForm(), tracker)
    assert slots_set(events)["elig_brussels_resident"] is True
    assert asyncio.run(ValidateEligibilityForm().required_slots([], None, tracker, DOMAIN))[0] == "elig_registered_jobseeker"


# --- The level of a language asked, without a fact about oneself ---------------------------------

@pytest.mark.parametrize("language, text, level", [
    ("fr", "faut parler bien français pour cette formation ?", "il faut au moins le niveau B2 en anglais"),
    ("fr", "B2 en anglais c'est obligatoire ?", "il faut au moins le niveau B2 en anglais"),
    ("nl", "moet ik goed Engels kennen om dat te volgen?", "minstens niveau B2 in het Engels"),
])
def test_a_question_about_the_language_level_gets_it_then_the_offer(catalogue_env, language, text, level):
    messages, events = ask(text, language, course_id=CLOUD)
    assert level in messages[0]["text"]
    assert messages[-1]["response"] == OFFER
    # The offer names the other rules; the level was just said.
    assert "B2" not in messages[-1]["rules"] and messages[-1]["rules"]
    assert followup(events) == ["action_listen"]
    assert slots_set(events) == {"course_id": CLOUD}


@pytest.mark.parametrize("language, text, note", [
    ("fr", "je suis un homme, je peux faire la formation ?", "Formation réservée aux femmes."),
    ("nl", "ik ben een man, mag ik die opleiding volgen?", "Opleiding uitsluitend voor vrouwen."),
])
def test_a_man_asking_about_a_course_for_women_gets_its_notes(catalogue_env, language, text, note):
    messages, events = ask(text, language=language, course_id="dh-webdev-women-27")
    assert messages[0]["response"] == "utter_course_notes" and note in messages[0]["notes"]
    assert followup(events) == ["action_listen"]  # no questions started


def test_a_woman_asking_about_a_course_for_women_gets_the_rules_her_facts_concern(catalogue_env):
    messages, events = ask("je suis une femme de 52 ans, je peux faire la formation ?", course_id="dh-webdev-women-27")
    assert "utter_course_notes" not in [m.get("response") for m in messages]
    assert slots_set(events)["elig_age"] == 52


def test_facts_with_no_course_in_mind_offer_the_courses_they_fit(catalogue_env, sample_feed):
    messages, events = ask("j'ai 50 ans et j'habite à Schaerbeek, vous avez quelque chose pour moi ?")
    offered = [json.loads("{" + b["payload"].split("{", 1)[1])["course_id"] for m in messages for b in m.get("buttons") or []]
    by_id = {c["id"]: c for c in sample_feed["courses"]}
    assert offered
    for course_id in offered:  # none for the 18-29 only, none full
        rules = by_id[course_id]["eligibility"]
        assert by_id[course_id].get("status") not in ("full", "closed")
        assert rules.get("min_age", 0) <= 50 <= rules.get("max_age", 99)
    assert slots_set(events) == {"elig_age": 50, "elig_brussels_resident": True}
