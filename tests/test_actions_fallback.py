"""The fallback: suggestions in the user's language, courses the message names, then a person."""

from __future__ import annotations

import json

import pytest
from rasa_sdk.events import SlotSet

from actions_helpers import DOMAIN, make_tracker, run_action
from bot.actions.fallback import ActionOutOfScope, ActionSuggestIntents
from bot.actions.texts import render


def fallback_tracker(text, ranking, language="fr", previous_intent=None):
    tracker = make_tracker(text, intent="nlu_fallback", slots={"language": language})
    tracker.latest_message["intent_ranking"] = [{"name": n, "confidence": c} for n, c in ranking]
    events = []
    if previous_intent:
        events.append({"event": "user", "text": "...", "parse_data": {"intent": {"name": previous_intent}}})
    events.append({"event": "user", "text": text, "parse_data": {"intent": {"name": "nlu_fallback"}}})
    tracker.events = events
    return tracker


def test_did_you_mean_with_buttons_in_the_users_language(catalogue_env):
    tracker = fallback_tracker("euh wanneer da", [("nlu_fallback", 0.6), ("ask_info_session", 0.3), ("faq_cost", 0.2)],
                               language="nl")
    messages, _ = run_action(ActionSuggestIntents(), tracker)
    assert messages[0]["response"] == "utter_did_you_mean"
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/ask_info_session", "/faq_cost", "/help"]
    assert [b["title"] for b in messages[0]["buttons"]] == [
        "De infosessies", "De kostprijs van de opleidingen", "Iets anders"]


def test_a_course_named_in_an_unclear_message_is_offered(catalogue_env):
    tracker = fallback_tracker("hmm le truc ethical hacking la", [("nlu_fallback", 0.6), ("greet", 0.2)])
    messages, _ = run_action(ActionSuggestIntents(), tracker)
    assert messages[0]["response"] == "utter_did_you_mean_courses"
    assert '/ask_course_detail{"course_id": "dh-ethical-hacking-27"}' in [b["payload"] for b in messages[0]["buttons"]]


def test_second_miss_in_a_row_offers_a_person(catalogue_env):
    tracker = fallback_tracker("qsdf", [("nlu_fallback", 0.7)], previous_intent="nlu_fallback")
    messages, _ = run_action(ActionSuggestIntents(), tracker)
    assert messages[0]["response"] == "utter_still_not_understood"
    assert messages[0]["phone"] == "+32 2 555 48 20"


def test_nothing_to_suggest_gives_the_helpful_default(catalogue_env):
    tracker = fallback_tracker("qsdf", [("nlu_fallback", 0.9), ("greet", 0.01)])
    messages, _ = run_action(ActionSuggestIntents(), tracker)
    assert [m["response"] for m in messages] == ["utter_default"]
    assert DOMAIN["responses"]["utter_default"][0]["buttons"]


def sent_text(message, language):
    """The text the user reads: the domain response in their language with the action's values."""
    values = {k: v for k, v in message.items() if k not in ("response", "buttons", "template")}
    return render(DOMAIN, message["response"], language, **values)


def test_most_likely_off_topic_says_so_and_gives_the_way_to_a_person(catalogue_env, sample_feed):
    tracker = fallback_tracker("ma carte de séjour expire, je vais où ?",
                               [("nlu_fallback", 0.45), ("out_of_scope", 0.35), ("faq_certificates", 0.32)])
    messages, _ = run_action(ActionSuggestIntents(), tracker)
    assert [m["response"] for m in messages] == ["utter_out_of_scope"]
    text = sent_text(messages[0], "fr")
    assert text.startswith("Je ne peux pas répondre à cette question ici")
    assert sample_feed["organisation"]["phone"] in text and sample_feed["organisation"]["email"] in text


def test_off_topic_message_naming_a_course_offers_it(catalogue_env):
    tracker = make_tracker("je voudrais devenir ethical hacker", intent="out_of_scope", slots={"language": "fr"})
    messages, _ = run_action(ActionOutOfScope(), tracker)
    assert messages[0]["response"] == "utter_did_you_mean_courses"
    assert '/ask_course_detail{"course_id": "dh-ethical-hacking-27"}' in [b["payload"] for b in messages[0]["buttons"]]


@pytest.mark.parametrize("language, text, opening", [
    ("fr", "je suis malade depuis lundi, je dois envoyer mon certificat médical à qui ?",
     "Je ne peux pas répondre à cette question ici"),
    ("fr", "comment renouveler mon titre de séjour", "Je ne peux pas répondre à cette question ici"),
    ("fr", "ma conseillère Actiris ne répond jamais, je porte plainte où ?",
     "Je ne peux pas répondre à cette question ici"),
    ("nl", "ik ben zwanger, heb ik recht op zwangerschapsverlof tijdens de opleiding?",
     "Op die vraag kan ik hier niet antwoorden"),
    ("nl", "mijn verblijfsvergunning vervalt, waar moet ik naartoe?", "Op die vraag kan ik hier niet antwoorden"),
    ("nl", "raconte-moi une blague", "Op die vraag kan ik hier niet antwoorden"),
])
def test_a_question_nobody_wrote_an_answer_for_gets_the_hubs_contact(catalogue_env, sample_feed, language, text,
                                                                    opening):
    messages, _ = run_action(ActionOutOfScope(), make_tracker(text, intent="out_of_scope",
                                                              slots={"language": language}))
    assert [m["response"] for m in messages] == ["utter_out_of_scope"]
    organisation = sample_feed["organisation"]
    assert (messages[0]["phone"], messages[0]["email"]) == (organisation["phone"], organisation["email"])
    assert messages[0]["opening_hours"] == organisation["opening_hours"][language]
    sent = sent_text(messages[0], language)
    assert sent.startswith(opening)
    assert "{" not in sent and organisation["phone"] in sent


def test_without_a_catalogue_the_contact_comes_from_the_configuration(tmp_path, monkeypatch):
    monkeypatch.setenv("CATALOGUE_DB", str(tmp_path / "never-synced.db"))
    monkeypatch.setenv("HUB_CONTACT_PHONE", "+32 2 000 00 01")
    monkeypatch.setenv("HUB_CONTACT_EMAIL", "accueil@hub.example")
    messages, _ = run_action(ActionOutOfScope(), make_tracker("mon proprio m'a mis dehors, je fais quoi",
                                                              intent="out_of_scope", slots={"language": "fr"}))
    assert [m["response"] for m in messages] == ["utter_out_of_scope"]
    assert (messages[0]["phone"], messages[0]["email"]) == ("+32 2 000 00 01", "accueil@hub.example")
    assert "{" not in sent_text(messages[0], "fr")


LISTED = ["dh-java-dev-27", "dh-webdev-fullstack-27", "dh-webdev-women-27"]


@pytest.mark.parametrize("action_class, intent", [(ActionOutOfScope, "out_of_scope"),
                                                  (ActionSuggestIntents, "nlu_fallback")])
@pytest.mark.parametrize("language, text, expected", [
    ("fr", "la première, c'est quand l'info ?", "Prochaines séances d'information pour « Développeur Java (h/f/x) »"),
    ("nl", "de tweede, waar is da?", "‘Full-stack webontwikkelaar (JavaScript)’ vindt hier plaats"),
])
def test_a_pick_from_the_list_is_answered_whatever_the_intent(catalogue_env, action_class, intent, language, text, expected):
    tracker = make_tracker(text, intent=intent, slots={"language": language, "last_search": json.dumps({"shown": LISTED})})
    messages, events = run_action(action_class(), tracker)
    assert any(expected in (m.get("text") or "") for m in messages)


def test_an_ordinal_later_in_the_message_picks_nothing(catalogue_env):
    tracker = make_tracker("c'est mon premier jour au chômage, la mutuelle c'est où ?", intent="out_of_scope",
                           slots={"language": "fr", "last_search": json.dumps({"shown": LISTED})})
    messages, _ = run_action(ActionOutOfScope(), tracker)
    assert [m.get("response") for m in messages] == ["utter_out_of_scope"]


@pytest.mark.parametrize("language, text", [("fr", "je cherche un logement social à Bruxelles"),
                                            ("nl", "ik zoek een sociale woning")])
def test_a_real_word_close_to_a_title_word_offers_no_course_when_off_topic(catalogue_env, language, text):
    """'social' is no typo of 'sociaux' / 'sociale media': most likely off topic, the honest answer."""
    tracker = fallback_tracker(text, [("nlu_fallback", 0.45), ("out_of_scope", 0.40), ("search_courses", 0.30)],
                               language=language)
    messages, _ = run_action(ActionSuggestIntents(), tracker)
    assert [m["response"] for m in messages] == ["utter_out_of_scope"]


@pytest.mark.parametrize("language, text", [("fr", "je peux amener mon chien ?"), ("nl", "mag mijn hond mee naar de les?")])
def test_unsure_of_a_faq_offers_the_topic_and_the_way_to_a_person(catalogue_env, sample_feed, language, text):
    tracker = fallback_tracker(text, [("nlu_fallback", 0.5), ("faq_accessibility", 0.42), ("out_of_scope", 0.30)],
                               language=language)
    messages, _ = run_action(ActionSuggestIntents(), tracker)
    assert [m["response"] for m in messages] == ["utter_unsure_faq"]
    assert [b["payload"] for b in messages[0]["buttons"]][0] == "/faq_accessibility"
    sent = sent_text(messages[0], language)
    assert sample_feed["organisation"]["phone"] in sent and sample_feed["organisation"]["email"] in sent


@pytest.mark.parametrize("language, text, expected", [
    ("fr", "faut parler bien francais pour la formation java ?", "il faut au moins le niveau B1 en français"),
    ("nl", "hoe goed moet mijn Engels zijn voor de opleiding ethical hacking?", "minstens niveau B2 in het Engels"),
])
def test_an_unclear_message_naming_a_course_and_a_detail_gets_the_detail(catalogue_env, language, text, expected):
    tracker = fallback_tracker(text, [("nlu_fallback", 0.5), ("faq_language_support", 0.45), ("ask_eligibility", 0.3)],
                               language=language)
    messages, _ = run_action(ActionSuggestIntents(), tracker)
    assert any(expected in (m.get("text") or "") for m in messages)


def test_a_single_course_offered_becomes_the_course_under_discussion(catalogue_env):
    tracker = fallback_tracker("hmm le truc ethical hacking la", [("nlu_fallback", 0.6), ("greet", 0.2)])
    messages, events = run_action(ActionSuggestIntents(), tracker)
    assert messages[0]["response"] == "utter_did_you_mean_courses" and len(messages[0]["buttons"]) == 1
    assert events == [SlotSet("course_id", "dh-ethical-hacking-27")]


@pytest.mark.parametrize("text", ["ethical hacking et tests d'intrusion", "ethical hacking, c'est quoi comme formation ?"])
def test_an_unclear_message_that_is_a_course_title_gets_the_course(catalogue_env, text):
    tracker = fallback_tracker(text, [("nlu_fallback", 0.6), ("greet", 0.2)])
    messages, events = run_action(ActionSuggestIntents(), tracker)
    assert "Ethical hacking et tests d'intrusion" in messages[0]["text"]
    assert SlotSet("course_id", "dh-ethical-hacking-27") in events
