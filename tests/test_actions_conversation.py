"""The conversation actions against a real catalogue filled by the real sync."""

from __future__ import annotations

import sqlite3

import pytest
from rasa_sdk.events import SlotSet

from actions_helpers import make_tracker, run_action
from bot.actions.faq import ActionAnswerFaq
from bot.actions.handoff import ActionHumanHandoff
from bot.actions.language import ActionChangeLanguage, ValidateSlotMappings
from support import SAMPLE_FEED

import json

SAMPLE = json.loads(SAMPLE_FEED.read_text(encoding="utf-8"))
FAQ = {entry["topic"]: entry for entry in SAMPLE["faq"]}


@pytest.mark.parametrize("language", ["fr", "nl"])
def test_faq_answer_is_the_catalogue_text(catalogue_env, language):
    tracker = make_tracker("c'est gratuit ?", intent="faq_cost", slots={"language": language})
    messages, events = run_action(ActionAnswerFaq(), tracker)
    assert events == []
    assert [m["response"] for m in messages] == ["utter_faq_answer"]
    assert messages[0]["answer"] == FAQ["cost"]["answer"][language]


@pytest.mark.parametrize("language, course_text", [
    ("nl", "De opleiding ‘Cybersecurity-analist (SOC)’ is gratis."),
    ("fr", "La formation « Analyste en cybersécurité (SOC) » est gratuite."),
])
def test_cost_of_the_course_under_discussion_is_its_own(catalogue_env, language, course_text):
    tracker = make_tracker("hoeveel kost het?", intent="faq_cost",
                           slots={"language": language, "course_id": "dh-soc-analyst-27"})
    messages, _ = run_action(ActionAnswerFaq(), tracker)
    assert [m["text"] for m in messages] == [course_text]


def test_certificate_of_the_course_under_discussion_comes_from_its_record(catalogue_env):
    tracker = make_tracker("krijg ik een certificaat?", intent="faq_certificates",
                           slots={"language": "nl", "course_id": "dh-soc-analyst-27"})
    messages, _ = run_action(ActionAnswerFaq(), tracker)
    soc = next(c for c in SAMPLE["courses"] if c["id"] == "dh-soc-analyst-27")
    assert soc["certificate"]["nl"] in messages[0]["text"]
    assert len(messages) == 1


def test_faq_answer_reflects_the_catalogue_at_the_time_of_asking(catalogue_env):
    with sqlite3.connect(catalogue_env) as db:
        db.execute("update faq set answer_fr = ? where topic = 'childcare'", ("Nouvelle réponse du personnel.",))
    tracker = make_tracker("garde d'enfants ?", intent="faq_childcare", slots={"language": "fr"})
    messages, _ = run_action(ActionAnswerFaq(), tracker)
    assert messages[0]["answer"] == "Nouvelle réponse du personnel."


def test_faq_answer_missing_in_dutch_is_given_in_french_with_a_note(catalogue_env):
    with sqlite3.connect(catalogue_env) as db:
        db.execute("update faq set answer_nl = null where topic = 'childcare'")
    tracker = make_tracker("kinderopvang?", intent="faq_childcare", slots={"language": "nl"})
    messages, _ = run_action(ActionAnswerFaq(), tracker)
    assert messages[0]["response"] == "utter_faq_answer_other_language"
    assert messages[0]["answer"] == FAQ["childcare"]["answer"]["fr"]


def test_faq_topic_missing_from_the_catalogue_gives_the_contact(catalogue_env):
    with sqlite3.connect(catalogue_env) as db:
        db.execute("delete from faq where topic = 'accessibility'")
    tracker = make_tracker("rolstoel?", intent="faq_accessibility", slots={"language": "nl"})
    messages, _ = run_action(ActionAnswerFaq(), tracker)
    assert messages[0]["response"] == "utter_faq_unknown"
    assert messages[0]["phone"] == SAMPLE["organisation"]["phone"]
    assert messages[0]["email"] == SAMPLE["organisation"]["email"]



@pytest.mark.parametrize("language", ["fr", "nl"])
def test_handoff_gives_the_hub_contact_in_the_users_language(catalogue_env, language):
    tracker = make_tracker("je veux parler à quelqu'un", intent="human_handoff", slots={"language": language})
    messages, _ = run_action(ActionHumanHandoff(), tracker)
    assert messages[0]["response"] == "utter_human_handoff"
    organisation = SAMPLE["organisation"]
    assert messages[0]["phone"] == organisation["phone"]
    assert messages[0]["organisation"] == organisation["name"]
    assert messages[0]["opening_hours"] == organisation["opening_hours"][language]


def language_events(**kwargs):
    _, events = run_action(ValidateSlotMappings(), make_tracker(**kwargs))
    return events


def test_page_metadata_sets_the_starting_language():
    events = language_events(text="ok", slots={"language": "fr", "language_source": None},
                             language_guess={"code": "nl", "decisive": False}, metadata={"language": "nl"})
    assert events == [SlotSet("language", "nl"), SlotSet("language_source", "page")]


def test_a_clear_dutch_message_switches_to_dutch():
    events = language_events(text="ik zoek een opleiding", slots={"language": "fr", "language_source": "page"},
                             language_guess={"code": "nl", "decisive": True})
    assert events == [SlotSet("language", "nl"), SlotSet("language_source", "detected")]


def test_explicit_request_pins_the_language():
    events = language_events(
        text="en français svp", intent="change_language",
        entities=[{"entity": "language_name", "value": "fr"}],
        slots={"language": "nl", "language_source": "detected"},
        language_guess={"code": "fr", "decisive": True},
    )
    assert events == [SlotSet("language", "fr"), SlotSet("language_source", "explicit")]


def test_change_language_without_naming_one_means_the_other():
    tracker = make_tracker(text="andere taal", intent="change_language",
                           slots={"language": "nl", "language_source": "detected"},
                           language_guess={"code": "nl", "decisive": True})
    _, events = run_action(ValidateSlotMappings(), tracker)
    assert events == [SlotSet("language", "fr"), SlotSet("language_source", "explicit")]


def test_change_to_english_is_answered_with_the_languages_the_bot_speaks():
    tracker = make_tracker(text="can we speak english", intent="change_language",
                           entities=[{"entity": "language_name", "value": "en"}],
                           slots={"language": "nl", "language_source": "detected"})
    messages, _ = run_action(ActionChangeLanguage(), tracker)
    assert [m["response"] for m in messages] == ["utter_language_unsupported"]


def test_where_is_it_about_the_course_under_discussion_gives_its_place_not_the_hubs(catalogue_env):
    tracker = make_tracker("et c'est où ?", intent="faq_directions",
                           slots={"language": "fr", "course_id": "dh-data-analyst-en-27"})
    messages, _ = run_action(ActionAnswerFaq(), tracker)
    data = next(c for c in SAMPLE["courses"] if c["id"] == "dh-data-analyst-en-27")
    assert len(messages) == 1 and data["location"]["address"] in messages[0]["text"]


def test_directions_without_a_course_are_the_hubs(catalogue_env):
    tracker = make_tracker("comment venir chez vous ?", intent="faq_directions", slots={"language": "fr"})
    messages, _ = run_action(ActionAnswerFaq(), tracker)
    assert messages[0]["answer"] == FAQ["directions"]["answer"]["fr"]


@pytest.mark.parametrize("text, switched, expected", [
    ("sorry, liever in het Nederlands: waar is dat?", "nl", "vindt hier plaats"),
    ("en français svp, c'est où ?", "fr", "a lieu ici"),
    ("kan het in het Nederlands? hoe lang duurt de opleiding?", "nl", "duurt"),
])
def test_a_language_switch_with_a_question_answers_it_too(catalogue_env, text, switched, expected):
    tracker = make_tracker(text, intent="change_language", slots={"language": switched, "course_id": "dh-java-dev-27"},
                           entities=[{"entity": "language_name", "value": switched}])
    messages, events = run_action(ActionChangeLanguage(), tracker)
    assert messages[0]["response"] == "utter_language_changed"
    assert expected in " ".join(m.get("text") or "" for m in messages[1:])


@pytest.mark.parametrize("text, switched", [
    ("sorry, liever in het Nederlands: waar is dat?", "nl"),
    ("en français svp, c'est où ?", "fr"),
])
def test_the_language_a_switch_names_is_no_course(catalogue_env, text, switched):
    """After a list, the language asked for does not pick the course taught in it ("Programmer en
    Python — formation en néerlandais"): the bot answers for each of the listed courses, then
    asks which one."""
    listed = ["dh-java-dev-27", "dh-webdev-fullstack-27", "dh-webdev-women-27"]
    tracker = make_tracker(text, intent="change_language",
                           slots={"language": switched, "course_id": None, "last_search": json.dumps({"shown": listed})},
                           entities=[{"entity": "language_name", "value": switched}])
    messages, events = run_action(ActionChangeLanguage(), tracker)
    assert messages[0]["response"] == "utter_language_changed"
    assert messages[1]["text"].count("\n") == len(listed) - 1  # a line per listed course
    assert messages[2]["response"] == "utter_which_course_interests"
    assert [json.loads("{" + b["payload"].split("{", 1)[1])["course_id"]
            for b in messages[2]["buttons"]] == listed
    assert not [e for e in events if e.get("name") == "course_id" and e.get("value")]


@pytest.mark.parametrize("text", ["in het Nederlands aub", "en français s'il vous plaît", "kan je Nederlands praten?"])
def test_a_plain_language_switch_only_confirms(catalogue_env, text):
    tracker = make_tracker(text, intent="change_language", slots={"language": "nl", "course_id": "dh-java-dev-27"})
    messages, _ = run_action(ActionChangeLanguage(), tracker)
    assert [m["response"] for m in messages] == ["utter_language_changed"]


@pytest.mark.parametrize("text, current, switched", [
    ("hebde gij da ook in 't Nederlands?", "nl", "nl"),
    ("c'est possible en néerlandais ?", "nl", "nl"),
    ("kan het in het Frans?", "fr", "fr"),
    ("kan je de andere taal spreken?", "nl", "fr"),
])
def test_a_switch_the_extractor_missed_goes_to_the_language_named(catalogue_env, text, current, switched):
    """No language_name entity: the language the words name, never "the other one" by default."""
    from bot.actions.language import requested_language

    tracker = make_tracker(text, intent="change_language", slots={"language": current})
    assert requested_language(tracker) == switched


def after_levels_answer(text, language, course_id="dh-java-dev-27"):
    """A tracker whose last bot message answered the language levels of a course, then `text`."""
    from rasa_sdk import Tracker

    base = make_tracker(text, intent="change_language", slots={"language": language, "course_id": course_id})
    events = [{"event": "user", "text": "quel niveau ?"},
              {"event": "bot", "text": "...", "metadata": {"detail": "language_level"}},
              # The offer to check the other conditions may follow the levels.
              {"event": "bot", "text": "...", "metadata": {"utter_action": "utter_eligibility_other_conditions"}},
              {"event": "action", "name": "action_listen"},
              {"event": "user", "text": text}]
    return Tracker(base.sender_id, base.slots, base.latest_message, events, False, None, {}, "action_listen")


@pytest.mark.parametrize("text, language, expected", [
    ("et en anglais ?", "fr", "ne demande pas de niveau particulier en anglais"),
    ("en Frans?", "nl", "minstens niveau B1 in het Frans"),
])
def test_a_language_named_after_the_levels_asks_its_level_not_a_switch(catalogue_env, text, language, expected):
    from bot.actions.language import requested_language

    tracker = after_levels_answer(text, language)
    assert requested_language(tracker) is None
    messages, _ = run_action(ActionChangeLanguage(), tracker)
    assert "utter_language_changed" not in [m.get("response") for m in messages]
    assert expected in messages[0]["text"]


@pytest.mark.parametrize("text, language, expected", [
    ("faut-il parler néerlandais ?", "fr", "ne demande pas de niveau particulier en néerlandais"),
    ("moet ik Frans spreken?", "nl", "minstens niveau B1 in het Frans"),
])
def test_a_language_requirement_question_about_the_course_is_no_switch(catalogue_env, text, language, expected):
    tracker = make_tracker(text, intent="change_language", slots={"language": language, "course_id": "dh-java-dev-27"})
    messages, _ = run_action(ActionChangeLanguage(), tracker)
    assert [m.get("response") for m in messages] == [None]
    assert expected in messages[0]["text"]


@pytest.mark.parametrize("text, language, expected", [
    ("quel niveau de français faut-il ?", "fr", "il faut au moins le niveau B1 en français"),
    ("welk niveau Nederlands moet ik hebben?", "nl", "minstens niveau B1 in het Nederlands"),
])
def test_the_language_support_faq_about_a_course_gives_its_levels(catalogue_env, text, language, expected):
    course = "dh-digital-admin-bilingual-27"  # French B1 and Dutch B1
    tracker = make_tracker(text, intent="faq_language_support", slots={"language": language, "course_id": course})
    messages, _ = run_action(ActionAnswerFaq(), tracker)
    assert [m["text"] for m in messages] == [m["text"] for m in messages if expected in m["text"]]
    assert len(messages) == 1
    # Only the language asked: not the other one.
    assert ("néerlandais" if language == "fr" else "Frans") not in messages[0]["text"]


@pytest.mark.parametrize("language", ["fr", "nl"])
def test_a_faq_word_about_a_full_course_says_it_is_full_first(catalogue_env, language):
    tracker = make_tracker("c'est où ?" if language == "fr" else "waar is dat?", intent="faq_directions",
                           slots={"language": language, "course_id": "dh-ux-ui-design-27"})
    messages, _ = run_action(ActionAnswerFaq(), tracker)
    assert messages[0]["response"] == "utter_course_full_first"
    assert "Rue du Dessin 8" in messages[1]["text"]


@pytest.mark.parametrize("text, code", [
    ("full-stack webontwikkelaar", "nl"),               # the Dutch title of a course with both
    ("développeur web full stack", "fr"),               # its French title
    ("servicedeskmedewerker ICT", None),                # a course with a Dutch title only: no clue
    ("servicedeskmedewerker ICT, c'est quoi ?", "fr"),  # a title is a name: the other words say
])
def test_a_course_title_says_nothing_of_the_person_s_language_but_its_own(catalogue_env, text, code):
    from bot.actions.language import guess_without_titles
    from bot.language import detect_language

    tracker = make_tracker(text, language_guess=detect_language(text).as_dict())
    assert guess_without_titles(tracker)["code"] == code


def test_a_faq_question_naming_a_full_course_says_it_is_full_first(catalogue_env):
    tracker = make_tracker("la formation designer UX UI, comment on s'inscrit ?", intent="faq_registration_process",
                           slots={"language": "fr"})
    messages, _ = run_action(ActionAnswerFaq(), tracker)
    responses = [m.get("response") for m in messages]
    assert responses[:2] == ["utter_course_full_first", "utter_faq_answer"]
