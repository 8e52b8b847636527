"""Catalogue questions through the real REST channel, with the action server reading the catalogue."""

from __future__ import annotations

import json

import pytest

from bot.actions.formatting import format_session_time
from support import NEW_COURSE_ID, feed_with_a_new_course, sync_catalogue

pytestmark = pytest.mark.rest


def all_text(replies):
    return "\n".join(r.get("text", "") for r in replies)


def titles(replies):
    return [b["title"] for r in replies for b in r.get("buttons", [])]


def test_search_then_follow_up_questions_in_french(servers, sender):
    replies = servers.send(sender, "je cherche une formation en cybersécurité")
    assert "Analyste en cybersécurité (SOC)" in titles(replies)
    replies = servers.send(sender, '/ask_course_detail{"course_id": "dh-soc-analyst-27"}')
    assert "Analyste en cybersécurité (SOC)" in all_text(replies)
    assert "ça dure" not in all_text(replies)
    replies = servers.send(sender, "ça dure combien de temps ?")
    assert all_text(replies).startswith("La formation « Analyste en cybersécurité (SOC) » dure ")
    replies = servers.send(sender, "et c'est où exactement ?")
    assert "a lieu ici" in all_text(replies)


def test_search_then_follow_up_questions_in_dutch(servers, sender):
    replies = servers.send(sender, "ik zoek een opleiding webontwikkeling")
    assert "Full-stack webontwikkelaar (JavaScript)" in titles(replies)
    servers.send(sender, '/ask_course_detail{"course_id": "dh-webdev-fullstack-27"}')
    replies = servers.send(sender, "hoe lang duurt die opleiding?")
    assert all_text(replies).startswith("De opleiding ‘Full-stack webontwikkelaar (JavaScript)’ duurt ")
    replies = servers.send(sender, "wanneer is de volgende infosessie?")
    assert all_text(replies).startswith("Volgende infosessies voor ‘Full-stack webontwikkelaar (JavaScript)’:")
    assert " uur" in all_text(replies)


def test_eligibility_form_asks_only_what_the_course_needs(servers, sender):
    replies = servers.send(sender, '/ask_eligibility{"course_id": "dh-webdev-fullstack-27"}')
    assert "Actiris" in all_text(replies)
    servers.send(sender, "oui")
    servers.send(sender, "j'habite à Schaerbeek")
    servers.send(sender, "j'ai 24 ans")
    replies = servers.send(sender, "B2")
    verdict = all_text(replies)
    assert verdict.count("✅") == 4 and "❌" not in verdict
    assert "séance d'information" in verdict


def test_a_course_added_by_a_sync_is_found_without_retraining(servers, sender, sample_feed, tmp_path):
    feed = feed_with_a_new_course(sample_feed)
    new_course = feed["courses"][-1]
    path = tmp_path / "feed.json"
    path.write_text(json.dumps(feed, ensure_ascii=False), encoding="utf-8")
    sync_catalogue(path, servers.catalogue_db)
    try:
        replies = servers.send(sender, "je voudrais devenir télépilote de drones")
        assert "Télépilote de drones professionnel" in titles(replies)
        replies = servers.send(sender, '/ask_info_session{"course_id": "%s"}' % NEW_COURSE_ID)
        first = new_course["info_sessions"][0]["starts_at"]
        assert format_session_time(first, "fr") in all_text(replies)
        replies = servers.send(sender + "-nl", "ik zoek een opleiding als dronepiloot")
        assert "Professionele dronepiloot" in titles(replies)
    finally:
        original = tmp_path / "original.json"
        original.write_text(json.dumps(sample_feed, ensure_ascii=False), encoding="utf-8")
        sync_catalogue(original, servers.catalogue_db)


def last_text(replies):
    return replies[-1].get("text", "") if replies else ""


def test_eligibility_in_dutch_with_a_side_question_then_the_verdict(servers, sender, sample_feed):
    faq = {entry["topic"]: entry for entry in sample_feed["faq"]}
    replies = servers.send(sender, '/ask_eligibility{"course_id": "dh-soc-analyst-27"}', metadata={"language": "nl"})
    assert last_text(replies).startswith("Ben je ingeschreven als werkzoekende")
    replies = servers.send(sender, "ja")
    asked_residence = last_text(replies)
    assert asked_residence.startswith("Woon je in het Brussels Hoofdstedelijk Gewest?")
    # A question of its own: answered from the catalogue, then the same question again.
    replies = servers.send(sender, "hoeveel kost de opleiding eigenlijk?")
    assert "De opleiding ‘Cybersecurity-analist (SOC)’ is gratis." in all_text(replies)
    # The course's own answer is the answer: the hub's general text on costs does not follow.
    assert faq["cost"]["answer"]["nl"] not in all_text(replies)
    assert last_text(replies) == asked_residence
    assert last_text(servers.send(sender, "ik woon in Gent")) == "Hoe oud ben je?"
    assert last_text(servers.send(sender, "ik ben 23")).startswith("Wat is je niveau Frans?")
    assert last_text(servers.send(sender, "een beetje")).startswith("Wat is je niveau Engels?")
    assert last_text(servers.send(sender, "B1")).startswith("Wat is het hoogste diploma")
    verdict = all_text(servers.send(sender, "hoger secundair"))
    assert verdict.startswith("Volgens je antwoorden voldoe je niet aan alle voorwaarden voor ‘Cybersecurity-analist (SOC)’:")
    assert "❌ in het Brussels Hoofdstedelijk Gewest wonen" in verdict
    assert "❌ minstens niveau B2 hebben in het Frans" in verdict
    assert verdict.count("✅") == 4
    assert "een consulent bevestigt het samen met jou tijdens de infosessie" in verdict


def test_a_new_search_ends_the_eligibility_questions(servers, sender):
    servers.send(sender, "est-ce que je peux participer à la formation full stack ?")
    replies = servers.send(sender, "non en fait je cherche une formation en cybersécurité")
    assert "Analyste en cybersécurité (SOC)" in titles(replies)
    tracker = servers.tracker(sender)
    assert not tracker["active_loop"]


@pytest.mark.parametrize("language, messages", [
    ("fr", ["vous avez une formation ux ui designer ?", "y a un stage ?", "c'est où une fois ?"]),
    ("nl", ["hebben jullie een opleiding ux/ui designer?", "is er een stage bij?", "waar is dat?"]),
])
def test_a_full_course_says_so_first_and_offers_the_alternatives_once(servers, sender, language, messages):
    full = {"fr": "est complète", "nl": "is volzet"}[language]
    servers.send(sender, messages[0])
    first = servers.send(sender, messages[1])
    assert full in first[0]["text"]
    assert len(first) == 3  # full, the internship, the alternatives
    second = servers.send(sender, messages[2])
    assert full in second[0]["text"]
    assert "Rue du Dessin 8" in all_text(second)
    assert len(second) == 2  # the alternatives are not offered again


@pytest.mark.parametrize("message, expected", [
    ("faut parler bien francais pour la formation java ?", "il faut au moins le niveau B1 en français"),
    ("faut connaitre l'anglais pour ethical hacking ?", "il faut au moins le niveau B2 en anglais"),
    ("hoe goed moet mijn Engels zijn voor de opleiding ethical hacking?", "minstens niveau B2 in het Engels"),
    ("is Nederlands verplicht voor servicedeskmedewerker?", "minstens niveau B1 in het Nederlands"),
])
def test_the_language_level_a_course_asks_however_it_is_asked(servers, sender, message, expected):
    replies = servers.send(sender, message)
    assert expected in all_text(replies)
