"""A new conversation session keeps the conversation's language and nothing of the person before."""

from __future__ import annotations

import yaml
from rasa_sdk import Tracker

from actions_helpers import DOMAIN, run_action
from bot.actions.session import ActionSessionStart
from support import REPO_ROOT

PREVIOUS_SESSION = {
    "language": "nl", "language_source": "request", "course_id": "dh-soc-analyst-27", "elig_age": 24,
    "elig_brussels_resident": True, "elig_registered_jobseeker": True, "elig_level_fr": "B2",
    "elig_diploma": "bachelor", "elig_checked_courses": ["dh-soc-analyst-27"],
    "session_started_metadata": {"language": "fr", "from": "the previous session"},
}


def tracker(events, latest=None, slots=PREVIOUS_SESSION):
    all_slots = {name: None for name in DOMAIN["slots"]}
    all_slots.update(slots)
    return Tracker("someone", all_slots, latest or {}, events, False, None, {}, "action_listen")


def test_the_domain_carries_no_slot_over_by_itself_and_runs_this_action():
    domain = yaml.safe_load((REPO_ROOT / "bot" / "domain.yml").read_text(encoding="utf-8"))
    assert domain["session_config"]["carry_over_slots_to_new_session"] is False
    assert "action_session_start" in domain["actions"]


def test_a_session_that_starts_by_itself_keeps_the_language_and_the_metadata_rasa_stored():
    metadata = {"language": "nl"}
    events = [{"event": "user", "text": "hallo"}, {"event": "slot", "name": "session_started_metadata", "value": metadata}]
    _, result = run_action(ActionSessionStart(), tracker(events))
    assert result == [
        {"event": "session_started", "timestamp": None},
        {"event": "slot", "timestamp": None, "name": "language", "value": "nl"},
        {"event": "slot", "timestamp": None, "name": "language_source", "value": "request"},
        {"event": "slot", "timestamp": None, "name": "session_started_metadata", "value": metadata},
        {"event": "action", "timestamp": None, "name": "action_listen", "policy": None, "confidence": None},
    ]


def test_a_session_restart_takes_its_own_metadata_not_the_previous_sessions():
    latest = {"text": "/session_start", "intent": {"name": "session_start"}, "metadata": {"language": "fr"}}
    _, result = run_action(ActionSessionStart(), tracker([{"event": "user", "text": "/session_start"}], latest))
    assert [e for e in result if e["event"] == "slot"] == [
        {"event": "slot", "timestamp": None, "name": "language", "value": "nl"},
        {"event": "slot", "timestamp": None, "name": "language_source", "value": "request"},
        {"event": "slot", "timestamp": None, "name": "session_started_metadata", "value": {"language": "fr"}},
    ]
    latest_without = {"text": "/session_start", "intent": {"name": "session_start"}, "metadata": {}}
    _, result = run_action(ActionSessionStart(), tracker([{"event": "user", "text": "/session_start"}], latest_without))
    assert "session_started_metadata" not in [e.get("name") for e in result]


def test_a_first_session_sets_only_what_it_has():
    _, result = run_action(ActionSessionStart(), tracker([], slots={}))
    assert [e["event"] for e in result] == ["session_started", "action"]
