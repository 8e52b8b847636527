"""No failure is silent: with the catalogue missing, corrupt, locked or half rebuilt, every action
still answers, with an apology in the user's language and the way to a person."""

from __future__ import annotations

import shutil
import sqlite3

import pytest

from actions_helpers import make_tracker, run_action
from bot.actions.course_details import ActionCourseDetail
from bot.actions.eligibility import ActionEligibilityCorrection, ActionEligibilityStart, ActionEligibilityVerdict
from bot.actions.fallback import ActionOutOfScope, ActionSuggestIntents
from bot.actions.faq import ActionAnswerFaq
from bot.actions.handoff import ActionHumanHandoff
from bot.actions.info_sessions import ActionInfoSessions
from bot.actions.search import ActionSearchCourses, ActionShowMoreCourses

PHONE, EMAIL = "+32 2 000 00 01", "accueil@hub.example"


def missing(path, sample):
    """No catalogue was ever synced."""


def not_a_database(path, sample):
    path.write_bytes(b"this is not an SQLite file\n" * 200)


def truncated(path, sample):
    path.write_bytes(sample.read_bytes()[:8192])


def empty_file(path, sample):
    path.write_bytes(b"")


def index_being_rebuilt(path, sample):
    """A catalogue whose search index is gone, as a rebuild outside a transaction would leave it."""
    shutil.copy(sample, path)
    with sqlite3.connect(path) as db:
        db.execute("drop table courses_fts")


def courses_table_gone(path, sample):
    shutil.copy(sample, path)
    with sqlite3.connect(path) as db:
        db.execute("drop table courses")


def locked(path, sample):
    """Another process holds the catalogue exclusively (SQLite's exclusive locking mode)."""
    shutil.copy(sample, path)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("pragma locking_mode = exclusive")
    holder.execute("begin immediate")
    holder.execute("update organisation set name = name")
    holder.execute("commit")  # the lock stays: exclusive mode keeps it until the connection closes
    return holder


# The hub's details are still readable from these: they come from the catalogue, not the configuration.
index_being_rebuilt.organisation_readable = courses_table_gone.organisation_readable = True
BROKEN = [missing, not_a_database, truncated, empty_file, locked, index_being_rebuilt, courses_table_gone]
LAST_SEARCH = '{"words": ["python"], "filters": {}, "offset": 0, "shown": ["dh-python-nl-27"]}'
ACTIONS = [
    (ActionSearchCourses, "je cherche une formation python", "search_courses", {}),
    (ActionShowMoreCourses, "encore", "show_more", {"last_search": LAST_SEARCH}),
    (ActionCourseDetail, "combien de temps dure la formation java ?", "ask_course_detail", {}),
    (ActionCourseDetail, "et ça dure combien ?", "ask_course_detail", {"course_id": "dh-java-dev-27"}),
    (ActionInfoSessions, "c'est quand la séance d'info python ?", "ask_info_session", {}),
    (ActionAnswerFaq, "c'est payant ?", "faq_cost", {"course_id": "dh-java-dev-27"}),
    (ActionAnswerFaq, "je peux venir avec mes enfants ?", "faq_childcare", {}),
    (ActionEligibilityStart, "je peux suivre la formation java ?", "ask_eligibility", {}),
    (ActionEligibilityVerdict, "oui", "affirm", {"course_id": "dh-java-dev-27", "elig_age": 30}),
    (ActionEligibilityCorrection, "en fait j'ai 17 ans", "inform",
     {"course_id": "dh-java-dev-27", "elig_age": 30, "elig_checked_courses": ["dh-java-dev-27"]}),
]


@pytest.fixture
def broken_catalogue(request, tmp_path, monkeypatch, sample_catalogue_db):
    path = tmp_path / "catalogue.db"
    holder = request.param(path, sample_catalogue_db)
    monkeypatch.setenv("CATALOGUE_DB", str(path))
    monkeypatch.setenv("CATALOGUE_BUSY_TIMEOUT", "0.2")
    monkeypatch.setenv("HUB_CONTACT_PHONE", PHONE)
    monkeypatch.setenv("HUB_CONTACT_EMAIL", EMAIL)
    yield path
    if holder is not None:
        holder.close()


def readable(request) -> bool:
    """Whether the test's broken catalogue still has readable tables."""
    return getattr(request.node.callspec.params["broken_catalogue"], "organisation_readable", False)


@pytest.fixture
def expected_contact(request, sample_feed):
    """The phone and email the answer must give: the catalogue's if readable, else the configured ones."""
    if readable(request):
        return sample_feed["organisation"]["phone"], sample_feed["organisation"]["email"]
    return PHONE, EMAIL


@pytest.mark.parametrize("broken_catalogue", BROKEN, indirect=True, ids=lambda f: f.__name__)
@pytest.mark.parametrize("action, text, intent, slots", ACTIONS, ids=lambda v: getattr(v, "__name__", None))
@pytest.mark.parametrize("language", ["fr", "nl"])
def test_every_catalogue_action_apologises_and_gives_the_way_to_a_person(
    broken_catalogue, expected_contact, action, text, intent, slots, language, request
):
    tracker = make_tracker(text, intent=intent, slots={"language": language, **slots})
    messages, events = run_action(action(), tracker)
    assert messages
    if readable(request) and messages[0].get("response") != "utter_catalogue_unavailable":
        return  # what this answer needs is still there (a course by its id, the FAQ): a real answer
    assert [m["response"] for m in messages] == ["utter_catalogue_unavailable"]
    assert (messages[0]["phone"], messages[0]["email"]) == expected_contact
    # Nothing changes, and the eligibility questions do not start without the course's rules.
    expected = ["followup action_listen"] if action is ActionEligibilityStart else []
    assert [f"{e['event']} {e.get('name')}" for e in events] == expected


@pytest.mark.parametrize("broken_catalogue", BROKEN, indirect=True, ids=lambda f: f.__name__)
@pytest.mark.parametrize("language", ["fr", "nl"])
def test_the_way_to_a_person_is_always_given(broken_catalogue, expected_contact, language):
    messages, _ = run_action(ActionHumanHandoff(), make_tracker("un conseiller svp", intent="human_handoff",
                                                                slots={"language": language}))
    assert messages[0]["response"] == "utter_human_handoff"
    assert (messages[0]["phone"], messages[0]["email"]) == expected_contact


@pytest.mark.parametrize("broken_catalogue", BROKEN, indirect=True, ids=lambda f: f.__name__)
def test_not_understood_and_off_topic_still_answer(broken_catalogue):
    messages, _ = run_action(ActionOutOfScope(), make_tracker("quel temps fait-il ?", intent="out_of_scope",
                                                              slots={"language": "fr"}))
    assert [m["response"] for m in messages] == ["utter_out_of_scope"]
    tracker = make_tracker("blabla python", intent="nlu_fallback", slots={"language": "nl"})
    tracker.latest_message["intent_ranking"] = [{"name": "search_courses", "confidence": 0.3}]
    messages, _ = run_action(ActionSuggestIntents(), tracker)
    assert messages and messages[0]["response"] == "utter_did_you_mean"


def test_the_catalogues_own_contact_when_it_can_be_read(catalogue_env, monkeypatch, sample_feed):
    monkeypatch.setenv("HUB_CONTACT_PHONE", PHONE)
    messages, _ = run_action(ActionHumanHandoff(), make_tracker("un conseiller svp", intent="human_handoff",
                                                                slots={"language": "fr"}))
    assert messages[0]["phone"] == sample_feed["organisation"]["phone"]


def test_the_demo_hubs_contact_without_configuration(tmp_path, monkeypatch):
    monkeypatch.setenv("CATALOGUE_DB", str(tmp_path / "missing.db"))
    monkeypatch.delenv("HUB_CONTACT_PHONE", raising=False)
    monkeypatch.delenv("HUB_CONTACT_EMAIL", raising=False)
    messages, _ = run_action(ActionSearchCourses(), make_tracker("python", intent="search_courses",
                                                                 slots={"language": "fr"}))
    assert (messages[0]["phone"], messages[0]["email"]) == ("+32 2 555 48 20", "info@example.org")
