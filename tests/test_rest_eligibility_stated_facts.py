"""Facts stated in an eligibility question, through the real REST channel and the trained model:
the rule first, then the other conditions, without asking again what the question said."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.rest


def all_text(replies):
    return "\n".join(r.get("text", "") for r in replies)


def last_text(replies):
    return replies[-1].get("text", "") if replies else ""


def buttons(replies):
    return [b for r in replies for b in r.get("buttons") or []]


def test_an_age_in_the_question_gets_the_age_rule_then_the_other_questions_only(servers, sender):
    replies = servers.send(sender, "j'ai 16 ans, je peux faire la formation Développeur Java ?",
                           metadata={"language": "fr"})
    text = all_text(replies)
    assert text.startswith("« Développeur Java (h/f/x) » demande d'avoir au moins 18 ans : à 16 ans, ce n'est pas "
                           "encore possible.")
    assert "Quel âge avez-vous" not in text and "quelques questions" not in text
    [offer] = buttons(replies)
    assert offer == {"title": "Vérifier les autres conditions",
                     "payload": '/ask_eligibility{"course_id": "dh-java-dev-27"}'}
    assert servers.slots(sender)["elig_age"] == 16

    # The button: the questions, without the age.
    replies = servers.send(sender, offer["payload"])
    assert "J'ai repris vos réponses précédentes : âge 16 ans." in all_text(replies)
    asked = [last_text(replies)]
    for answer in ("oui", "j'habite à Jette", "B2"):
        asked.append(last_text(servers.send(sender, answer)))
    assert asked[0].startswith("Êtes-vous inscrit·e comme demandeur·euse d'emploi")
    assert asked[1].startswith("Habitez-vous dans la Région de Bruxelles-Capitale")
    assert asked[2].startswith("Quel est votre niveau de français")
    assert asked[3].startswith("Quel est le diplôme le plus élevé")
    verdict = all_text(servers.send(sender, "j'ai le CESS"))
    assert "❌ avoir au moins 18 ans" in verdict and verdict.count("✅") == 4


def test_a_place_in_the_question_gets_its_province_then_a_yes_starts_the_questions(servers, sender):
    replies = servers.send(sender, "ik woon in Halle, mag ik de opleiding Java volgen?", metadata={"language": "nl"})
    assert all_text(replies).startswith("Voor ‘Java-ontwikkelaar (m/v/x)’ moet je in het Brussels Hoofdstedelijk "
                                        "Gewest wonen: Halle ligt in Vlaams-Brabant.")
    assert [b["title"] for b in buttons(replies)] == ["De andere voorwaarden nagaan"]
    replies = servers.send(sender, "ja")
    text = all_text(replies)
    assert "Ik heb je vorige antwoorden overgenomen: woonplaats buiten het Brussels Gewest." in text
    assert last_text(replies).startswith("Ben je ingeschreven als werkzoekende")
    assert "Woon je in het Brussels Hoofdstedelijk Gewest" not in text
