"""The trained model answering through the real REST channel, with the real action server."""

from __future__ import annotations

import json
import sqlite3

import pytest
import yaml

from support import REPO_ROOT, SAMPLE_FEED

pytestmark = pytest.mark.rest

DOMAIN = yaml.safe_load((REPO_ROOT / "bot" / "domain.yml").read_text(encoding="utf-8"))
SAMPLE = json.loads(SAMPLE_FEED.read_text(encoding="utf-8"))


def response_text(name: str, language: str) -> str:
    for variant in DOMAIN["responses"][name]:
        if {"type": "slot", "name": "language", "value": language} in variant["condition"]:
            return variant["text"]
    raise KeyError((name, language))


def with_contact(text: str, language: str) -> str:
    """A response that gives the hub's contact, filled in as the bot does from the synced feed."""
    organisation = SAMPLE["organisation"]
    return text.format(
        organisation=organisation["name"], phone=organisation["phone"], email=organisation["email"],
        opening_hours=organisation["opening_hours"][language],
    )


def test_bonjour_is_answered_in_french(servers, sender):
    assert servers.texts(sender, "Bonjour") == [response_text("utter_greet", "fr")]
    assert servers.slots(sender)["language"] == "fr"


def test_goedemorgen_is_answered_in_dutch(servers, sender):
    assert servers.texts(sender, "Goedemorgen") == [response_text("utter_greet", "nl")]
    assert servers.slots(sender)["language"] == "nl"


def test_greeting_buttons_come_in_the_users_language(servers, sender):
    [reply] = servers.send(sender, "Goedemiddag, ik ben werkzoekende")
    assert [b["title"] for b in reply["buttons"]] == [
        b["title"] for b in DOMAIN["responses"]["utter_greet"][1]["buttons"]
    ]


def test_page_language_sets_the_start_of_the_conversation(servers, sender):
    servers.texts(sender, "ok", metadata={"language": "nl"})
    assert servers.slots(sender)["language"] == "nl"


def test_thanks_and_goodbye_in_both_languages(servers, sender):
    assert servers.texts(sender, "merci beaucoup pour votre aide") == [response_text("utter_thanks", "fr")]
    assert servers.texts(sender, "au revoir, bonne journée") == [response_text("utter_goodbye", "fr")]
    other = sender + "-nl"
    assert servers.texts(other, "bedankt voor de hulp") == [response_text("utter_thanks", "nl")]
    assert servers.texts(other, "tot ziens, nog een fijne dag") == [response_text("utter_goodbye", "nl")]


def test_what_can_you_do(servers, sender):
    assert servers.texts(sender, "qu'est-ce que tu peux faire pour moi ?") == [response_text("utter_help", "fr")]
    assert servers.texts(sender + "-nl", "wat kan je allemaal voor mij doen?") == [response_text("utter_help", "nl")]


def test_switching_language_mid_conversation_holds(servers, sender):
    assert servers.texts(sender, "Bonjour") == [response_text("utter_greet", "fr")]
    assert servers.texts(sender, "kan het in het Nederlands aub?") == [response_text("utter_language_changed", "nl")]
    assert servers.texts(sender, "merci") == [response_text("utter_thanks", "nl")]
    slots = servers.slots(sender)
    assert (slots["language"], slots["language_source"]) == ("nl", "explicit")


def test_writing_in_the_other_language_switches(servers, sender):
    servers.texts(sender, "Bonjour", metadata={"language": "fr"})
    assert servers.texts(sender, "bedankt voor de hulp") == [response_text("utter_thanks", "nl")]


def test_asking_for_a_human_gives_the_hub_contact(servers, sender):
    [text] = servers.texts(sender, "je voudrais parler à un conseiller")
    organisation = SAMPLE["organisation"]
    assert organisation["phone"] in text and organisation["email"] in text
    assert organisation["opening_hours"]["fr"] in text
    [text] = servers.texts(sender + "-nl", "ik wil met een medewerker spreken")
    assert organisation["opening_hours"]["nl"] in text


def test_faq_answers_come_from_the_catalogue_as_it_is_now(servers, sender):
    faq = {entry["topic"]: entry for entry in SAMPLE["faq"]}
    assert servers.texts(sender, "est-ce que les formations sont gratuites ?") == [faq["cost"]["answer"]["fr"]]
    with sqlite3.connect(servers.catalogue_db) as db:
        db.execute("update faq set answer_nl = ? where topic = 'cost'", ("Gratis, zegt het personeel vandaag.",))
    try:
        assert servers.texts(sender + "-nl", "hoeveel kost een opleiding?") == ["Gratis, zegt het personeel vandaag."]
    finally:
        with sqlite3.connect(servers.catalogue_db) as db:
            db.execute("update faq set answer_nl = ? where topic = 'cost'", (faq["cost"]["answer"]["nl"],))


def test_gibberish_gets_a_helpful_answer_in_the_conversations_language(servers, sender):
    servers.texts(sender, "Goedemorgen")
    [reply] = servers.send(sender, "qsdfg hjklm wxcvb")
    helpful = [with_contact(response_text(name, "nl"), "nl")
               for name in ("utter_default", "utter_out_of_scope", "utter_did_you_mean", "utter_unsure_faq")]
    assert reply["text"] in helpful
    assert reply["buttons"]


def test_a_second_miss_in_a_row_offers_a_person(servers, sender):
    servers.texts(sender, "Goedemorgen")
    assert servers.texts(sender, "/nlu_fallback") == [response_text("utter_default", "nl")]
    [text] = servers.texts(sender, "/nlu_fallback")
    assert text.startswith("Sorry, ik begrijp het nog altijd niet.")
    assert SAMPLE["organisation"]["phone"] in text


def test_out_of_scope_says_what_the_bot_does(servers, sender):
    texts = servers.texts(sender, "quel temps fera-t-il demain à Bruxelles ?")
    assert texts == [with_contact(response_text("utter_out_of_scope", "fr"), "fr")]
