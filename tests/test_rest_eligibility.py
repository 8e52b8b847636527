"""Eligibility through the real REST channel: one person's answers stay with that person, and a
correction changes the verdict, during the questions and after it."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.rest

WEB = "dh-webdev-fullstack-27"  # registered, Brussels, 18+, French B1


def all_text(replies):
    return "\n".join(r.get("text", "") for r in replies)


def last_text(replies):
    return replies[-1].get("text", "") if replies else ""


def test_a_new_session_asks_again_and_keeps_only_the_language(servers, sender):
    # The first person, on the page in Dutch, answers every question and gets a verdict.
    replies = servers.send(sender, '/ask_eligibility{"course_id": "%s"}' % WEB, metadata={"language": "nl"})
    assert "Ik gebruik je antwoorden alleen voor deze controle." in all_text(replies)
    assert last_text(replies).startswith("Ben je ingeschreven als werkzoekende")
    servers.send(sender, "ja")
    servers.send(sender, "ik woon in Jette")
    servers.send(sender, "ik ben 24")
    verdict = all_text(servers.send(sender, "B2"))
    assert verdict.startswith("Volgens je antwoorden lijk je te voldoen") and verdict.count("✅") == 4

    # Someone else sits down at the same computer: a new session starts.
    assert servers.send(sender, "/session_start") == []
    replies = servers.send(sender, '/ask_eligibility{"course_id": "%s"}' % WEB)
    text = all_text(replies)
    assert "Volgens je antwoorden" not in text and "overgenomen" not in text  # nothing from the first person
    assert last_text(replies).startswith("Ben je ingeschreven als werkzoekende")  # asked again, still in Dutch


def test_corrections_change_the_answer_and_the_verdict(servers, sender):
    replies = servers.send(sender, '/ask_eligibility{"course_id": "%s"}' % WEB, metadata={"language": "fr"})
    assert "Vos réponses servent uniquement à cette vérification." in all_text(replies)
    servers.send(sender, "oui, pas de souci")
    servers.send(sender, "j'habite à Schaerbeek")
    asked_level = last_text(servers.send(sender, "j'ai 24 ans"))
    assert asked_level.startswith("Quel est votre niveau de français ?")
    # During the questions: the correction is taken, then the same question again.
    replies = servers.send(sender, "ah non, en fait j'habite à Vilvorde")
    assert "C'est noté, j'ai corrigé votre réponse : domicile hors de la Région bruxelloise." in all_text(replies)
    assert last_text(replies) == asked_level
    verdict = all_text(servers.send(sender, "B2"))
    assert "❌ habiter dans la Région de Bruxelles-Capitale" in verdict and verdict.count("✅") == 3

    # After the verdict: the verdict again, from the corrected answers.
    replies = servers.send(sender, "pardon, je me suis trompé, j'habite à Ixelles")
    text = all_text(replies)
    assert "C'est noté, j'ai corrigé votre réponse : domicile dans la Région bruxelloise." in text
    assert "vous semblez remplir les conditions" in text and text.count("✅") == 4
    replies = servers.send(sender, "en fait j'ai 17 ans")
    text = all_text(replies)
    assert "âge 17 ans" in text and "❌ avoir au moins 18 ans" in text

    # Another course reuses the answers its rules ask too, and says which.
    replies = servers.send(sender, '/ask_eligibility{"course_id": "dh-soc-analyst-27"}')
    assert ("J'ai repris vos réponses précédentes : inscrit·e comme demandeur·euse d'emploi, domicile dans la "
            "Région bruxelloise, âge 17 ans, français B2.") in all_text(replies)
    assert last_text(replies).startswith("Quel est votre niveau d'anglais ?")
