"""The whole-conversation evaluation's own parts: its catalogue, its conversation files and its checks (no server)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import pytest

from bench.eval_conversations import (CATALOGUE, CLASSES, CONVERSATIONS_DIR, LANGUAGES, ConversationFileError,
                                      ConversationResult, appears, check_turn, eval_feed, fold, load_conversations,
                                      load_macros, summarise)
from catalogue_sync.utils import parse_datetime

REPO_ROOT = Path(__file__).resolve().parents[2]
DEMO_FEED = REPO_ROOT / "catalogue_sync" / "demo" / "catalogue.json"
SAMPLE_FEED = REPO_ROOT.parent / "shared" / "catalogue-feed" / "sample.json"


@pytest.fixture(scope="module")
def catalogue() -> dict:
    return json.loads(CATALOGUE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def macros() -> dict:
    return load_macros()


@pytest.fixture(scope="module", params=LANGUAGES)
def conversations(request, macros):
    return request.param, load_conversations(CONVERSATIONS_DIR / f"{request.param}.yml", macros)


def test_the_real_sync_accepts_every_record_of_the_moved_catalogue(tmp_path):
    feed = tmp_path / "eval.json"
    feed.write_text(json.dumps(eval_feed(), ensure_ascii=False), encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "catalogue_sync", "sync", str(feed), "--db", str(tmp_path / "x.db"),
                             "--dry-run"], check=False, capture_output=True, text=True, cwd=REPO_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "16 added, 0 updated, 0 withdrawn, 0 rejected" in result.stdout


def test_moved_sessions_are_all_to_come():
    now = datetime.now(timezone.utc)
    starts = [parse_datetime(s["starts_at"]) for c in eval_feed(now)["courses"] for s in c["info_sessions"]]
    assert min(starts) > now


@pytest.mark.parametrize("other", [DEMO_FEED, SAMPLE_FEED], ids=["demo", "sample"])
def test_another_provider_with_other_courses(catalogue, other):
    other = json.loads(other.read_text(encoding="utf-8"))
    titles = {fold(t) for c in other["courses"] for t in c["title"].values()}
    assert not {c["id"] for c in catalogue["courses"]} & {c["id"] for c in other["courses"]}
    assert not {fold(t) for c in catalogue["courses"] for t in c["title"].values()} & titles
    assert catalogue["organisation"]["phone"] != other["organisation"]["phone"]
    assert catalogue["organisation"]["email"] != other["organisation"]["email"]


def test_full_and_closed_courses_exist(catalogue):
    statuses = Counter(c.get("status", "open") for c in catalogue["courses"])
    assert statuses["full"] >= 2 and statuses["closed"] >= 1


def test_the_hub_macro_is_the_catalogue_phone(catalogue, macros):
    assert all(appears(s, fold(catalogue["organisation"]["phone"])) for s in macros["hub"])


def test_each_faq_phrase_is_in_exactly_one_faq_entry(catalogue, macros):
    answers = [fold(" ".join(entry["answer"].values())) for entry in catalogue["faq"]]
    for phrase in macros["faq"]:
        assert sum(appears(phrase, answer) for answer in answers) == 1, phrase
    # Every FAQ topic has a phrase that an uncovered question must not get.
    for entry in catalogue["faq"]:
        if entry["topic"] != "opening_hours":
            assert any(appears(p, fold(entry["answer"]["fr"])) for p in macros["faq"]), entry["topic"]
            assert any(appears(p, fold(entry["answer"]["nl"])) for p in macros["faq"]), entry["topic"]


def test_enough_conversations_of_every_class(conversations):
    language, items = conversations
    assert len(items) >= 100
    classes = Counter(name for c in items for name in c["classes"])
    assert set(classes) == set(CLASSES)
    assert min(classes.values()) >= 10, classes
    assert sum(len(c["turns"]) > 1 for c in items) >= len(items) * 0.3
    assert all(c["id"].startswith(f"{language}-") for c in items)


def test_a_malformed_file_is_refused_with_the_conversation_named(tmp_path, macros):
    path = tmp_path / "bad.yml"
    path.write_text("conversations:\n- id: x-1\n  classes: [course_named]\n  turns:\n"
                    "  - user: hi\n    all: ['@nope']\n")
    with pytest.raises(ConversationFileError, match=r"x-1.*unknown macro @nope"):
        load_conversations(path, macros)
    path.write_text("conversations:\n- id: x-2\n  classes: [made_up]\n  turns:\n  - user: hi\n    all: [a]\n")
    with pytest.raises(ConversationFileError, match=r"x-2.*classes"):
        load_conversations(path, macros)


@pytest.mark.parametrize("needle, text, found", [
    ("vol", "Je kunt deze opleiding volgen.", False),
    ("vol", "Deze opleiding is vol.", True),
    ("Securite des reseaux", "Sécurité des réseaux (pare-feu et VPN)", True),
    ("attestation d'entree", "l’attestation d’entrée que nous", True),
    ("4 semaines", "dont 14 semaines de stage", False),
    ("614 73 90", "Appelez le +32 2 614\u00a073 90.", True),
    ("CompTIA A+", "le test CompTIA A+ Core 1", True),
])
def test_strings_match_whole_words_without_case_or_accents(needle, text, found):
    assert appears(needle, fold(text)) is found


def test_check_turn_reports_what_is_missing_or_unwanted():
    messages = [{"text": "Cette formation est complète."},
                {"text": "Autres formations :", "buttons": [{"title": "Infographie et PAO", "payload": "/x"}]}]
    turn = {"all": ["Infographie et PAO", "16 semaines"], "any": ["gratuit", "0 €"], "none": ["complet", "complete"],
            "first": ["complete"], "one_of": ["PAO", "Flutter"], "language": "fr"}
    problems = check_turn(turn, messages, detect=lambda text: "fr")
    assert problems == {"missing_all": ["16 semaines"], "missing_any": ["gratuit", "0 €"], "unwanted": ["complete"]}
    assert check_turn({"first": ["complete"]}, list(reversed(messages))) == {"not_first": ["complete"]}
    assert check_turn({"language": "nl"}, messages, detect=lambda text: "fr") == {
        "language": {"expected": "nl", "found": "fr"}}
    assert check_turn({"none": ["x"]}, []) == {"no_reply": True}


def test_summary_counts_conversations_per_class_and_uncovered_questions():
    right = ConversationResult("fr-1", "fr", ["course_named", "follow_up"], transcript=[{}, {}])
    wrong = ConversationResult("fr-2", "fr", ["uncovered", "follow_up"], failures=[{"turn": 2}], transcript=[{}, {}],
                               uncovered_turns=[{"faq_given": False, "contact_given": False}])
    figures = summarise([right, wrong])["fr"]
    assert (figures["conversations"], figures["fully_right"], figures["share_fully_right"]) == (2, 1, 0.5)
    assert (figures["turns"], figures["turns_right"]) == (4, 3)
    assert figures["classes"]["follow_up"] == {"conversations": 2, "fully_right": 1, "share_fully_right": 0.5}
    assert figures["classes"]["uncovered"]["share_fully_right"] == 0
    assert figures["uncovered_questions"] == {"questions": 1, "no_faq_answer": 1, "hub_contact_given": 0}


def test_uncovered_questions_are_the_turns_that_refuse_every_faq(macros):
    items = load_conversations(CONVERSATIONS_DIR / "fr.yml", macros)
    flagged = [t for c in items for t in c["turns"] if t["_uncovered"]]
    assert len(flagged) >= 20
    assert all(set(macros["faq"]) <= set(t["none"]) for t in flagged)
