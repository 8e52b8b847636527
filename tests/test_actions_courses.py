"""Course search, details and info sessions against a real catalogue synced from the sample feed."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest
from rasa_sdk.events import SlotSet

from actions_helpers import DOMAIN, make_tracker, run_action
from bot.actions.course_details import ActionCourseDetail
from bot.actions.info_sessions import ActionInfoSessions
from bot.actions.search import ActionSearchCourses, ActionShowMoreCourses
from bot.actions.formatting import format_session_time
from bot.actions.texts import render
from support import sync_catalogue


def texts(messages):
    return "\n".join(m.get("text") or "" for m in messages)


def button_payloads(messages):
    return [b["payload"] for m in messages for b in m.get("buttons") or []]


def search(text, language="fr", entities=None, slots=None):
    tracker = make_tracker(text, intent="search_courses", entities=entities, slots={"language": language, **(slots or {})})
    return run_action(ActionSearchCourses(), tracker)


def ids_offered(messages):
    return [json.loads("{" + p.split("{", 1)[1])["course_id"]
            for p in button_payloads(messages) if p.startswith("/ask_course_detail")]


@pytest.mark.parametrize("text", ["je cherche une formation en cybersecurite", "CYBERSÉCURITÉ", "cyberveiligheid opleiding"])
def test_search_ignores_accents_and_case(catalogue_env, text):
    messages, events = search(text)
    assert "dh-soc-analyst-27" in ids_offered(messages)
    assert any(e["event"] == "slot" and e["name"] == "last_search" and e["value"] for e in events)


def test_search_corrects_typos_against_the_catalogue(catalogue_env):
    messages, _ = search("une formation de programation en pyton")
    assert "dh-python-nl-27" in ids_offered(messages)


def test_search_uses_the_entity_the_nlu_found(catalogue_env):
    text = "je veux une formation en développement web"
    messages, _ = search(text, entities=[span(text, "développement web", "topic")])
    assert "dh-webdev-fullstack-27" in ids_offered(messages)


def span(text, part, entity, value=None):
    start = text.index(part)
    return {"entity": entity, "value": value or part, "start": start, "end": start + len(part)}


def test_search_filters_by_teaching_language(catalogue_env):
    text = "een opleiding in data in het Engels"
    entities = [span(text, "Engels", "teaching_language", "en"), span(text, "data", "topic")]
    messages, _ = search(text, language="nl", entities=entities)
    offered = ids_offered(messages)
    assert offered and "dh-data-analyst-en-27" in offered


def test_search_shows_at_most_five_and_a_more_button(catalogue_env):
    messages, events = search("programmation")
    assert len(ids_offered(messages)) <= 5
    slot = next(e["value"] for e in events if e["name"] == "last_search")
    if "/show_more" in button_payloads(messages):
        more, _ = run_action(ActionShowMoreCourses(), make_tracker("encore", intent="show_more",
                                                                     slots={"language": "fr", "last_search": slot}))
        assert set(ids_offered(more)).isdisjoint(ids_offered(messages))


def test_vague_search_asks_which_field(catalogue_env):
    messages, _ = search("je cherche une formation")
    assert [m["response"] for m in messages] == ["utter_ask_search_topic"]


def test_no_result_says_so(catalogue_env):
    messages, _ = search("boulangerie patisserie")
    assert messages[0]["response"] == "utter_no_course_found"


def test_full_course_is_marked_full(catalogue_env):
    messages, _ = search("UX")
    assert "dh-ux-ui-design-27" in ids_offered(messages)
    assert render(DOMAIN, "utter_fact_full", "fr") in texts(messages)


def test_a_search_that_is_a_course_title_shows_that_course_full_first(catalogue_env):
    messages, events = search("designer UX UI")
    assert messages[0]["response"] == "utter_course_full_first"
    assert "Designer UX/UI (h/f/x)" in messages[1]["text"]
    assert SlotSet("course_id", "dh-ux-ui-design-27") in events


@pytest.mark.parametrize("text, course_id", [
    ("Full-stack webontwikkelaar", "dh-webdev-fullstack-27"),
    ("la formation testeur logiciel", "dh-software-testing-27"),
])
def test_a_course_title_typed_gives_that_course_not_a_list(catalogue_env, text, course_id):
    messages, events = search(text)
    assert SlotSet("course_id", course_id) in events
    assert not [m for m in messages if (m.get("text") or "").count("\n1. ")]


def test_withdrawn_course_is_never_offered(catalogue_env, sample_feed, tmp_path):
    feed = json.loads(json.dumps(sample_feed))
    feed["courses"] = [c for c in feed["courses"] if c["id"] != "dh-ethical-hacking-27"]
    path = tmp_path / "feed.json"
    path.write_text(json.dumps(feed), encoding="utf-8")
    sync_catalogue(path, catalogue_env)
    messages, _ = search("ethical hacking")
    assert "dh-ethical-hacking-27" not in ids_offered(messages)
    tracker = make_tracker("c'est combien de temps ?", intent="ask_course_detail",
                           slots={"language": "fr", "course_id": "dh-ethical-hacking-27"})
    detail, events = run_action(ActionCourseDetail(), tracker)
    assert detail[0]["response"] == "utter_course_withdrawn"
    assert SlotSet("course_id", None) in events


def detail(text, course_id, language="fr", entities=None):
    tracker = make_tracker(text, intent="ask_course_detail", entities=entities,
                           slots={"language": language, "course_id": course_id})
    return run_action(ActionCourseDetail(), tracker)


def test_duration_with_internship(catalogue_env):
    messages, events = detail("ça dure combien de temps ?", "dh-webdev-fullstack-27")
    assert texts(messages) == render(DOMAIN, "utter_detail_duration_with_internship", "fr",
                                     title="Développeur·euse web full stack (JavaScript)", weeks="30 semaines",
                                     internship="13 semaines")
    assert SlotSet("course_id", "dh-webdev-fullstack-27") in events


def test_follow_up_in_dutch_refers_to_the_course_under_discussion(catalogue_env):
    messages, _ = detail("en waar is het?", "dh-webdev-fullstack-27", language="nl")
    assert "Rue des Ateliers 14, 1080 Molenbeek-Saint-Jean" in texts(messages)
    assert texts(messages).startswith("De opleiding ‘Full-stack webontwikkelaar (JavaScript)’")


def test_detail_entity_from_nlu_wins(catalogue_env):
    entities = [{"entity": "course_detail", "value": "cost", "start": 0, "end": 4}]
    messages, _ = detail("prix ?", "dh-webdev-fullstack-27", entities=entities)
    assert texts(messages) == render(DOMAIN, "utter_detail_cost_free", "fr",
                                     title="Développeur·euse web full stack (JavaScript)")


def test_course_text_missing_in_french_is_shown_in_dutch_with_a_note(catalogue_env):
    messages, _ = detail("parle-moi de cette formation", "dh-servicedesk-nl-27")
    assert "Servicedeskmedewerker ICT" in texts(messages)
    assert render(DOMAIN, "utter_in_other_language_note", "fr") in texts(messages)


def test_field_the_catalogue_lacks_is_not_known_with_the_contact(catalogue_env):
    with sqlite3.connect(catalogue_env) as db:
        db.execute("update courses set certificate_fr = null, certificate_nl = null, certificate_en = null "
                   "where id = 'dh-java-dev-27'")
    entities = [{"entity": "course_detail", "value": "certificate", "start": 0, "end": 10}]
    messages, _ = detail("certificat ?", "dh-java-dev-27", entities=entities)
    assert messages[0]["response"] == "utter_detail_unknown"
    assert messages[0]["phone"] == "+32 2 555 48 20"


def sessions(course_id, language="fr"):
    tracker = make_tracker("prochaine séance ?", intent="ask_info_session", slots={"language": language, "course_id": course_id})
    return run_action(ActionInfoSessions(), tracker)


def test_info_sessions_in_brussels_time_the_local_way(catalogue_env, sample_feed):
    course = next(c for c in sample_feed["courses"] if c["id"] == "dh-webdev-fullstack-27")
    first = course["info_sessions"][0]
    messages, _ = sessions("dh-webdev-fullstack-27")
    assert format_session_time(first["starts_at"], "fr") in texts(messages)
    messages, _ = sessions("dh-webdev-fullstack-27", language="nl")
    assert format_session_time(first["starts_at"], "nl") in texts(messages)
    assert " om " in texts(messages) and " uur" in texts(messages)


def test_cancelled_sessions_are_not_listed(catalogue_env, sample_feed):
    course = next(c for c in sample_feed["courses"] if c["id"] == "dh-data-analyst-en-27")
    cancelled = next(s for s in course["info_sessions"] if s.get("status") == "cancelled")
    messages, _ = sessions("dh-data-analyst-en-27")
    assert format_session_time(cancelled["starts_at"], "fr") not in texts(messages)


def test_past_sessions_are_not_listed(catalogue_env):
    past = (datetime.now(timezone.utc) - timedelta(days=1)).isoformat()
    with sqlite3.connect(catalogue_env) as db:
        db.execute("update info_sessions set starts_at = ? where id = 'dh-webdev-fullstack-27-is1'", (past,))
    messages, _ = sessions("dh-webdev-fullstack-27")
    assert format_session_time(past, "fr") not in texts(messages)
    assert len([line for line in texts(messages).splitlines() if line.startswith("- ")]) == 2


def test_seats_left_count_the_bookings_of_the_registrations_store(catalogue_env, tmp_path, monkeypatch):
    """The store is the system of record: a session it has filled shows as full."""
    from bot.actions.catalogue import open_catalogue
    from registrations.catalogue import session_from_catalogue
    from registrations.store import Person, open_store

    monkeypatch.setenv("REGISTRATIONS_DB", str(tmp_path / "registrations.db"))
    catalogue = open_catalogue()
    course = catalogue.get_course("dh-webdev-fullstack-27")
    session = catalogue.next_info_sessions(course["id"], limit=1)[0]
    with open_store() as store:
        for i in range(session["capacity"]):
            store.book(session_from_catalogue(session, course),
                       Person(f"P{i}", "Test", f"p{i}@example.org", None, "fr"))
    messages, _ = sessions("dh-webdev-fullstack-27")
    first_line = texts(messages).splitlines()[1]
    assert first_line.endswith(render(DOMAIN, "utter_session_full", "fr"))
    assert button_payloads(messages)[0] == '/register_info_session{"course_id": "dh-webdev-fullstack-27"}'


def test_no_sessions_offers_alternatives_and_contact(catalogue_env):
    with sqlite3.connect(catalogue_env) as db:
        db.execute("update info_sessions set status = 'cancelled' where course_id = 'dh-soc-analyst-27'")
    messages, _ = sessions("dh-soc-analyst-27")
    responses = [m.get("response") for m in messages]
    assert responses[0] == "utter_no_sessions"
    assert "utter_no_sessions_contact" in responses
    assert "utter_no_sessions_alternatives" in responses
    alternatives = [p for p in button_payloads(messages) if p.startswith("/ask_course_detail")]
    assert alternatives and all("dh-soc-analyst-27" not in p for p in alternatives)


def test_which_course_when_none_under_discussion(catalogue_env):
    tracker = make_tracker("c'est quand la séance d'info ?", intent="ask_info_session", slots={"language": "fr"})
    messages, _ = run_action(ActionInfoSessions(), tracker)
    assert messages[0]["response"] == "utter_which_course"


def test_cost_question_without_a_course_gets_the_general_answer(catalogue_env, sample_feed):
    tracker = make_tracker("c'est payant ?", intent="ask_course_detail", slots={"language": "fr"},
                           entities=[{"entity": "course_detail", "value": "cost", "start": 6, "end": 13}])
    messages, _ = run_action(ActionCourseDetail(), tracker)
    cost = next(f for f in sample_feed["faq"] if f["topic"] == "cost")
    assert messages == [{**messages[0], "response": "utter_faq_answer", "answer": cost["answer"]["fr"]}]


def test_a_course_naming_the_exact_word_wins_over_prefix_matches(catalogue_env):
    text = "wanneer is de volgende infosessie voor Java?"
    tracker = make_tracker(text, intent="ask_info_session", entities=[span(text, "Java", "course")],
                           slots={"language": "nl"})
    messages, events = run_action(ActionInfoSessions(), tracker)
    assert SlotSet("course_id", "dh-java-dev-27") in events


def test_follow_up_after_a_search_offers_its_results(catalogue_env):
    _, events = search("cybersécurité")
    last = next(e["value"] for e in events if e["name"] == "last_search")
    tracker = make_tracker("c'est combien de temps ?", intent="ask_course_detail",
                           slots={"language": "fr", "last_search": last})
    messages, _ = run_action(ActionCourseDetail(), tracker)
    # A short list: each course's duration, then the choice among them.
    assert "Analyste en cybersécurité (SOC) » dure 18 semaines" in messages[0]["text"]
    assert "Ethical hacking et tests d'intrusion » dure 8 semaines" in messages[0]["text"]
    assert messages[1]["response"] == "utter_which_course_interests"
    assert "dh-soc-analyst-27" in ids_offered(messages)


def test_follow_up_after_a_full_page_of_results_answers_each_of_them(catalogue_env):
    _, events = search("web")
    last = next(e["value"] for e in events if e["name"] == "last_search")
    shown = json.loads(last)["shown"]
    assert len(shown) == 5
    tracker = make_tracker("c'est combien de temps ?", intent="ask_course_detail",
                           slots={"language": "fr", "last_search": last})
    messages, _ = run_action(ActionCourseDetail(), tracker)
    assert messages[0]["text"].count(" dure ") == 5
    assert ids_offered(messages) == shown


def test_answers_note_the_catalogue_date_when_it_is_stale(catalogue_env, monkeypatch):
    old = (datetime.now(timezone.utc) - timedelta(days=5)).isoformat()
    with sqlite3.connect(catalogue_env) as db:
        db.execute("update sync_runs set finished_at = ?", (old,))
    monkeypatch.setenv("CATALOGUE_MAX_AGE_HOURS", "48")
    messages, _ = sessions("dh-webdev-fullstack-27")
    assert messages[-1]["response"] == "utter_catalogue_stale"
    assert messages[-1]["date"] == format_session_time(old, "fr")
    monkeypatch.setenv("CATALOGUE_MAX_AGE_HOURS", "240")
    messages, _ = sessions("dh-webdev-fullstack-27")
    assert all(m.get("response") != "utter_catalogue_stale" for m in messages)


def test_a_partial_detail_entity_falls_back_to_the_words(catalogue_env):
    messages, _ = detail("hoe lang duurt die opleiding?", "dh-webdev-fullstack-27", language="nl",
                         entities=[{"entity": "course_detail", "value": "hoe", "start": 0, "end": 3}])
    assert texts(messages).startswith("De opleiding ‘Full-stack webontwikkelaar (JavaScript)’ duurt 30 weken")


def test_a_course_named_without_an_entity_is_found_from_the_catalogue_words(catalogue_env):
    tracker = make_tracker("c'est quand la séance pour ethical hacking ?", intent="ask_info_session",
                           slots={"language": "fr"})
    _, events = run_action(ActionInfoSessions(), tracker)
    assert SlotSet("course_id", "dh-ethical-hacking-27") in events


@pytest.mark.parametrize("text, weeks", [("une formation de moins de 3 mois", 13.0), ("max 10 weken", 10),
                                          ("een korte opleiding", 12), ("une formation en cybersécurité", None)])
def test_longest_duration_a_message_accepts(text, weeks):
    from bot.actions.course_search import max_duration_weeks

    assert max_duration_weeks(text) == weeks


def test_search_by_duration_keeps_only_short_courses(catalogue_env, sample_feed):
    messages, _ = search("une formation en programmation de moins de 10 semaines")
    durations = {c["id"]: c.get("duration_weeks") for c in sample_feed["courses"]}
    offered = ids_offered(messages)
    assert offered and all(durations[i] is not None and durations[i] <= 10 for i in offered)


@pytest.mark.parametrize("text, intent, action, payload", [
    ("c'est quand la séance d'info ?", "ask_info_session", ActionInfoSessions,
     '/ask_info_session{"course_id": "dh-webdev-women-27"}'),
    ("ça dure combien de temps ?", "ask_course_detail", ActionCourseDetail,
     '/ask_course_detail{"course_id": "dh-webdev-women-27"}'),
])
def test_after_a_list_the_buttons_go_on_with_the_question_asked(catalogue_env, text, intent, action, payload):
    _, events = search("web", slots={"language": "fr"})
    last = next(e["value"] for e in events if e["name"] == "last_search")
    tracker = make_tracker(text, intent=intent, slots={"language": "fr", "last_search": last})
    messages, _ = run_action(action(), tracker)
    assert messages[-1]["response"] == "utter_which_course_interests"
    assert payload in button_payloads(messages)


def test_a_which_course_button_answers_the_detail_for_the_course_chosen(catalogue_env, sample_feed):
    # What the button above sends: the course and the detail, as entities of the payload.
    tracker = make_tracker('/ask_course_detail{"course_id": "dh-soc-analyst-27", "course_detail": "duration"}',
                           intent="ask_course_detail", slots={"language": "nl"},
                           entities=[{"entity": "course_id", "value": "dh-soc-analyst-27"},
                                     {"entity": "course_detail", "value": "duration"}])
    messages, _ = run_action(ActionCourseDetail(), tracker)
    soc = next(c for c in sample_feed["courses"] if c["id"] == "dh-soc-analyst-27")
    assert texts(messages).startswith(render(DOMAIN, "utter_detail_duration_with_internship", "nl",
                                             title=soc["title"]["nl"], weeks=f'{int(soc["duration_weeks"])} weken',
                                             internship=f'{int(soc["internship_weeks"])} weken'))


@pytest.mark.parametrize("language, expected", [
    ("fr", "Conditions d'accès de la formation « Analyste en cybersécurité (SOC) » : être inscrit·e comme "
           "demandeur·euse d'emploi; habiter dans la Région de Bruxelles-Capitale; avoir au moins 18 ans; "
           "parler français au niveau B2 au moins; parler anglais au niveau B1 au moins; avoir au moins "
           "le diplôme du secondaire supérieur (CESS). Des connaissances de base en réseaux"),
    ("nl", "Toelatingsvoorwaarden voor de opleiding ‘Cybersecurity-analist (SOC)’: ingeschreven zijn als "
           "werkzoekende; in het Brussels Hoofdstedelijk Gewest wonen; minstens 18 jaar oud zijn; minstens niveau "
           "B2 hebben in het Frans; minstens niveau B1 hebben in het Engels; minstens een diploma hoger secundair "
           "onderwijs hebben. "),
])
def test_prerequisites_list_every_rule_in_plain_words(catalogue_env, language, expected):
    tracker = make_tracker("prérequis", intent="ask_course_detail", slots={"language": language, "course_id": "dh-soc-analyst-27"},
                           entities=[{"entity": "course_detail", "value": "prerequisites"}])
    messages, _ = run_action(ActionCourseDetail(), tracker)
    assert texts(messages).startswith(expected)


def test_prerequisites_of_a_course_with_notes_only_in_dutch(catalogue_env):
    tracker = make_tracker("prérequis ?", intent="ask_course_detail",
                           slots={"language": "fr", "course_id": "dh-servicedesk-nl-27"},
                           entities=[{"entity": "course_detail", "value": "prerequisites"}])
    text = texts(run_action(ActionCourseDetail(), tracker)[0])
    assert "parler néerlandais au niveau B1 au moins." in text
    assert text.endswith("Een diploma is niet vereist. " + render(DOMAIN, "utter_in_other_language_note", "fr"))


@pytest.mark.parametrize("language, question", [("fr", "c'est quand ?"), ("nl", "wanneer is dat?")])
def test_a_list_clears_the_course_under_discussion_and_when_asks_which_of_its_courses(catalogue_env, language, question):
    messages, events = search("programmation", language=language, slots={"course_id": "dh-soc-analyst-27"})
    listed = ids_offered(messages)
    assert len(listed) > 1 and "dh-soc-analyst-27" not in listed
    assert SlotSet("course_id", None) in events
    slots = {"language": language, "course_id": None,
             "last_search": next(e["value"] for e in events if e["name"] == "last_search")}
    tracker = make_tracker(question, intent="ask_info_session", slots=slots)
    messages, events = run_action(ActionInfoSessions(), tracker)
    assert messages[0]["text"].count("\n") == len(listed) - 1  # the next session of each
    assert messages[1]["response"] == "utter_which_course_interests"
    payloads = button_payloads(messages)
    assert [json.loads("{" + p.split("{", 1)[1])["course_id"] for p in payloads] == listed
    assert all(p.startswith("/ask_info_session{") for p in payloads)
    assert events == []


def test_a_search_finding_one_course_makes_it_the_course_under_discussion(catalogue_env):
    _, events = search("ethical hacking", slots={"course_id": "dh-java-dev-27"})
    assert SlotSet("course_id", "dh-ethical-hacking-27") in events


@pytest.mark.parametrize("language, question, expected", [
    ("fr", "c'est en ligne ou sur place ?", "sur place, pas en ligne"),
    ("fr", "la formation est sur site ?", "sur place, pas en ligne"),
    ("nl", "is het online of ter plaatse?", "ter plaatse, niet online"),
])
def test_online_or_on_site_is_a_question_about_the_format(catalogue_env, language, question, expected):
    tracker = make_tracker(question, intent="ask_course_detail", slots={"language": language, "course_id": "dh-java-dev-27"},
                           entities=[{"entity": "course_detail", "value": "location", "start": 0, "end": 3}])
    messages, _ = run_action(ActionCourseDetail(), tracker)
    assert expected in texts(messages)
    assert "http" not in texts(messages)


def test_an_online_course_says_it_needs_no_travel(catalogue_env):
    tracker = make_tracker("c'est à distance ?", intent="ask_course_detail", slots={"language": "fr", "course_id": "dh-ai-basics-27"})
    messages, _ = run_action(ActionCourseDetail(), tracker)
    assert "entièrement en ligne" in texts(messages)


@pytest.mark.parametrize("text, typed", [
    ("je cherche une formation C#", "C"),
    ("une formation en C# svp", "C#"),
    ("iets met .NET?", ".NET"),
    ("opleiding dotnet", None),
])
def test_tech_terms_are_searched_as_themselves(catalogue_env, text, typed):
    entities = [span(text, typed, "topic")] if typed else []
    messages, _ = search(text, entities=entities)
    assert ids_offered(messages) == ["dh-dotnet-dev-en-27"]


@pytest.mark.parametrize("language, message, course", [
    ("fr", "une formation pour réparer les pc", "dh-helpdesk-prequal-27"),
    ("nl", "ik wil leren pc herstellen", "dh-helpdesk-prequal-27"),
    ("fr", "je veux apprendre à utiliser mon gsm", "dh-digital-basics-27"),
    ("nl", "iets met een webwinkel of online winkel", "dh-ecommerce-27"),
])
def test_everyday_words_find_the_catalogue_course_through_the_synonyms(catalogue_env, language, message, course):
    messages, _ = search(message, language=language)
    assert course in ids_offered(messages)


@pytest.mark.parametrize("message, course", [
    ("combien de temps dure la formation ethical hacking ?", "dh-ethical-hacking-27"),
    ("hoe lang duurt de opleiding java?", "dh-java-dev-27"),
    ("vertel me meer over de opleiding UX/UI designer", "dh-ux-ui-design-27"),
    ("je peux emprunter un pc ?", None),
    ("c'est en ligne ?", None),
    ("et ça coûte combien ?", None),
    ("la formation développement web", None),  # two courses: which one is asked, not guessed
    ("et ça commence quand ?", None),  # a real word, no typo of "e-commerce"
    ("la formation cybersecuriter c'est où", "dh-soc-analyst-27"),  # a typo still names it
    ("ethical haking, c'est quand ?", "dh-ethical-hacking-27"),
])
def test_the_course_a_message_names(catalogue_env, message, course):
    from bot.actions.catalogue import open_catalogue
    from bot.text import named_course

    found = named_course(message, open_catalogue())
    assert (found or {}).get("id") == course


def test_a_course_the_message_names_wins_over_the_one_under_discussion(catalogue_env):
    tracker = make_tracker("et la formation ethical hacking, ça dure combien ?", intent="ask_course_detail",
                           slots={"language": "fr", "course_id": "dh-java-dev-27"})
    messages, events = run_action(ActionCourseDetail(), tracker)
    assert "Ethical hacking" in texts(messages)
    assert SlotSet("course_id", "dh-ethical-hacking-27") in events


@pytest.mark.parametrize("language, question, intent", [
    ("nl", "krijg ik een attest na de opleiding ethical hacking?", "faq_certificates"),
    ("fr", "la formation ethical hacking donne quel certificat ?", "faq_certificates"),
])
def test_a_faq_word_about_a_named_course_gets_that_courses_answer(catalogue_env, sample_feed, language, question, intent):
    from bot.actions.faq import ActionAnswerFaq

    course = next(c for c in sample_feed["courses"] if c["id"] == "dh-ethical-hacking-27")
    messages, _ = run_action(ActionAnswerFaq(), make_tracker(question, intent=intent, slots={"language": language}))
    certificate = course["certificate"].get(language) or next(iter(course["certificate"].values()))
    assert certificate in texts(messages)
    # The course's own answer is the answer: the hub's general text on certificates does not follow.
    assert [m.get("response") for m in messages] == [None]


@pytest.mark.parametrize("language", ["fr", "nl"])
def test_the_general_faq_answers_when_the_course_has_nothing_on_it(catalogue_env, sample_feed, language):
    from bot.actions.faq import ActionAnswerFaq

    with sqlite3.connect(catalogue_env) as db:
        db.execute("update courses set certificate_fr = NULL, certificate_nl = NULL, certificate_en = NULL where id = 'dh-java-dev-27'")
    tracker = make_tracker("et on reçoit un certificat ?" if language == "fr" else "krijg ik een attest?",
                           intent="faq_certificates", slots={"language": language, "course_id": "dh-java-dev-27"})
    messages, _ = run_action(ActionAnswerFaq(), tracker)
    general = next(f for f in sample_feed["faq"] if f["topic"] == "certificates")
    assert [m.get("answer") for m in messages] == [general["answer"][language]]


@pytest.mark.parametrize("language, question, expected", [
    ("fr", "quel niveau de français faut-il pour la formation SOC ?", "au moins le niveau B2 en français"),
    ("nl", "welk niveau Frans moet ik hebben voor de SOC-opleiding?", "minstens niveau B2 in het Frans"),
])
def test_the_language_levels_a_course_asks(catalogue_env, language, question, expected):
    tracker = make_tracker(question, intent="ask_course_detail", slots={"language": language, "course_id": "dh-soc-analyst-27"})
    messages, _ = run_action(ActionCourseDetail(), tracker)
    assert expected in texts(messages)


@pytest.mark.parametrize("action, intent", [(ActionCourseDetail, "ask_course_detail"), (ActionInfoSessions, "ask_info_session")])
@pytest.mark.parametrize("language", ["fr", "nl"])
def test_a_full_course_says_so_first_then_what_is_still_possible(catalogue_env, sample_feed, action, intent, language):
    tracker = make_tracker("et cette formation ?", intent=intent, slots={"language": language, "course_id": "dh-ux-ui-design-27"})
    messages, _ = run_action(action(), tracker)
    assert messages[0]["response"] == "utter_course_full_first"
    status = {c["id"]: c.get("status", "open") for c in sample_feed["courses"]}
    offered = ids_offered(messages)
    assert offered and all(status[c] == "open" for c in offered)


@pytest.mark.parametrize("language, pick, index", [("fr", "et la deuxième, elle dure combien ?", 1), ("nl", "de eerste, hoe lang duurt die?", 0),
                                                   ("fr", "la dernière c'est où ?", -1)])
def test_a_course_of_the_list_is_picked_by_its_place(catalogue_env, language, pick, index):
    messages, events = search("programmation", language=language)
    listed = ids_offered(messages)
    slots = {"language": language, "course_id": None,
             "last_search": next(e["value"] for e in events if e["name"] == "last_search")}
    _, events = run_action(ActionCourseDetail(), make_tracker(pick, intent="ask_course_detail", slots=slots))
    assert SlotSet("course_id", listed[index]) in events


def test_an_age_does_not_name_a_course_for_young_people(catalogue_env):
    from bot.actions.catalogue import open_catalogue
    from bot.text import named_course

    assert named_course("j'ai 16 ans, je peux faire la formation Java ?", open_catalogue())["id"] == "dh-java-dev-27"


@pytest.mark.parametrize("language", ["fr", "nl"])
def test_a_full_course_is_said_full_each_time_and_its_alternatives_offered_once(catalogue_env, language):
    from rasa_sdk import Tracker

    told = {"event": "bot", "text": "...", "metadata": {"utter_action": "utter_course_full_first",
                                                        "course_id": "dh-ux-ui-design-27"}}
    asked = make_tracker("y a un stage ?", intent="ask_course_detail",
                         slots={"language": language, "course_id": "dh-ux-ui-design-27"})

    def after(events):
        return Tracker(asked.sender_id, asked.slots, asked.latest_message, events, False, None, {}, "action_listen")

    messages, _ = run_action(ActionCourseDetail(), after([told]))
    assert messages[0]["response"] == "utter_course_full_first"
    assert "6" in texts(messages)
    assert not ids_offered(messages)
    # A new session offers them again.
    messages, _ = run_action(ActionCourseDetail(), after([told, {"event": "session_started"}]))
    assert messages[0]["response"] == "utter_course_full_first"
    assert ids_offered(messages)


def test_info_sessions_asked_after_a_short_list_give_the_next_one_of_each(catalogue_env):
    _, events = search("cybersécurité")
    last = next(e["value"] for e in events if e["name"] == "last_search")
    shown = json.loads(last)["shown"]
    assert 1 < len(shown) <= 3
    tracker = make_tracker("et c'est quand la séance d'info ?", intent="ask_info_session",
                           slots={"language": "fr", "last_search": last})
    messages, events = run_action(ActionInfoSessions(), tracker)
    assert messages[0]["text"].count("Prochaine séance pour") + messages[0]["text"].count("pas de séance") == len(shown)
    assert "Analyste en cybersécurité (SOC)" in messages[0]["text"]
    assert messages[1]["response"] == "utter_which_course_interests"
    assert [b["payload"] for b in messages[1]["buttons"]] == [
        f'/ask_info_session{{"course_id": "{course_id}"}}' for course_id in shown]
    assert not [e for e in events if e.get("name") == "course_id"]  # none chosen yet


@pytest.mark.parametrize("text, detail_words", [
    # "anglais" is a word of the title "Data analyst (formation en anglais)": the question is the duration.
    ("data analyst formation en anglais, ça dure combien de temps ?", "dure 16 semaines"),
    # "sites" of "Création de sites WordPress": the start date, not the website.
    ("création de sites wordpress, ça commence quand ?", "commence le"),
])
def test_the_words_of_the_title_named_ask_nothing(catalogue_env, text, detail_words):
    entities = []
    if "anglais" in text:  # what the entity extractor sees in the title
        start = text.index("anglais")
        entities = [{"entity": "course_detail", "value": "teaching_languages", "start": start, "end": start + 7}]
    tracker = make_tracker(text, intent="ask_course_detail", entities=entities, slots={"language": "fr"})
    messages, _ = run_action(ActionCourseDetail(), tracker)
    assert detail_words in messages[0]["text"], messages


def test_a_word_about_courses_in_a_title_names_no_course_after_a_list(catalogue_env):
    # "anglais" is in the title "Data analyst (formation en anglais)": after a list of other courses,
    # "c'est en anglais ?" asks each of them, it does not pick the data course.
    _, events = search("cybersécurité")
    last = next(e["value"] for e in events if e["name"] == "last_search")
    tracker = make_tracker("c'est en anglais ?", intent="ask_course_detail", slots={"language": "fr", "last_search": last})
    messages, events = run_action(ActionCourseDetail(), tracker)
    assert "Data analyst" not in json.dumps(messages, ensure_ascii=False)
    assert "Analyste en cybersécurité (SOC)" in messages[0]["text"]


@pytest.mark.parametrize("language, weeks, text", [("fr", 1, "1 semaine"), ("fr", 6, "6 semaines"),
                                                   ("nl", 1, "1 week"), ("nl", 6, "6 weken")])
def test_one_week_is_singular(language, weeks, text):
    from bot.actions.courses import weeks_text

    assert weeks_text(DOMAIN, weeks, language) == text


@pytest.mark.parametrize("text, detail", [
    ("ça dure combien ?", "duration"), ("hoelang duurt da?", "duration"),
    ("c'est en ligne ou sur place ?", "format"), ("is het online?", "format"),
    ("et c'est où ? je ne sais pas aller loin avec les enfants", "location"), ("waar is dat?", "location"),
    ("quel niveau de français faut-il ?", "language_level"),
    ("comment s'inscrire en ligne à la séance ?", None),   # registering online: no detail of the course
    ("combien ça coûte ?", None), ("waar kan ik mijn attest halen als de opleiding gedaan is?", None),
])
def test_words_that_can_only_ask_one_detail(text, detail):
    from bot.actions.course_details import strong_detail

    assert strong_detail(text) == detail


def test_a_faq_read_as_the_cost_but_asking_how_long_answers_the_duration(catalogue_env):
    from bot.actions.faq import ActionAnswerFaq

    tracker = make_tracker("et ça dure combien ?", intent="faq_cost", slots={"language": "fr", "course_id": "dh-soc-analyst-27"})
    messages, _ = run_action(ActionAnswerFaq(), tracker)
    assert [m.get("detail") for m in messages] == ["duration"]
    assert "dure 18 semaines" in messages[0]["text"]


@pytest.mark.parametrize("text, language", [("vous avez des formations à Anderlecht ?", "fr"),
                                            ("welke opleidingen hebben jullie in Anderlecht?", "nl")])
def test_a_search_by_municipality_lists_the_courses_given_there(catalogue_env, sample_feed, text, language):
    messages, _ = search(text, language=language)
    offered = ids_offered(messages)
    there = {c["id"] for c in sample_feed["courses"] if "Anderlecht" in json.dumps(c.get("location"), ensure_ascii=False)}
    assert offered and set(offered) <= there


def test_a_search_for_courses_online_keeps_the_online_ones(catalogue_env, sample_feed):
    messages, _ = search("vous avez des formations en ligne ?")
    formats = {c["id"]: c["format"] for c in sample_feed["courses"]}
    offered = ids_offered(messages)
    assert offered and {formats[i] for i in offered} == {"online"}
