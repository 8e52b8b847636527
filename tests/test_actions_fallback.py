"""The fallback: suggestions in the user's language, courses the message names, then a person."""

from __future__ import annotations

from actions_helpers import DOMAIN, make_tracker, run_action
from bot.actions.fallback import ActionOutOfScope, ActionSuggestIntents


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
    tracker = fallback_tracker("euh les sous", [("nlu_fallback", 0.6), ("faq_cost", 0.3), ("faq_training_allowance", 0.2)],
                               language="nl")
    messages, _ = run_action(ActionSuggestIntents(), tracker)
    assert messages[0]["response"] == "utter_did_you_mean"
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/faq_cost", "/faq_training_allowance", "/help"]
    assert [b["title"] for b in messages[0]["buttons"]] == [
        "De kostprijs van de opleidingen", "De opleidingsvergoeding", "Iets anders"]


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


def test_most_likely_off_topic_says_what_the_bot_does(catalogue_env):
    tracker = fallback_tracker("quel temps fera-t-il demain à Bruxelles ?",
                               [("nlu_fallback", 0.45), ("out_of_scope", 0.35), ("search_courses", 0.32)])
    messages, _ = run_action(ActionSuggestIntents(), tracker)
    assert [m["response"] for m in messages] == ["utter_out_of_scope"]


def test_off_topic_message_naming_a_course_offers_it(catalogue_env):
    tracker = make_tracker("je voudrais devenir ethical hacker", intent="out_of_scope", slots={"language": "fr"})
    messages, _ = run_action(ActionOutOfScope(), tracker)
    assert messages[0]["response"] == "utter_did_you_mean_courses"
    assert '/ask_course_detail{"course_id": "dh-ethical-hacking-27"}' in [b["payload"] for b in messages[0]["buttons"]]


def test_off_topic_message_gets_what_the_bot_does(catalogue_env):
    tracker = make_tracker("raconte-moi une blague", intent="out_of_scope", slots={"language": "nl"})
    messages, _ = run_action(ActionOutOfScope(), tracker)
    assert [m["response"] for m in messages] == ["utter_out_of_scope"]
