"""How the bot tells French from Dutch, and when it switches the conversation's language."""

from __future__ import annotations

import pytest

from bot.language import choose_language, detect_language


@pytest.mark.parametrize(
    "text, language",
    [
        ("Bonjour", "fr"),
        ("Goedemorgen", "nl"),
        ("je cherche une formation in cybersecurity", "fr"),
        ("ik zoek een opleiding webontwikkeling", "nl"),
        ("jcherche une formation en informatik", "fr"),
        ("wanneer is de volgende infosessie", "nl"),
        ("c koi les conditions pour s'inscrire", "fr"),
        ("kan ik een laptop lenen tijdens de opleiding", "nl"),
        ("Est-ce que je dois être inscrit chez Actiris ?", "fr"),
        ("Moet ik ingeschreven zijn bij Actiris?", "nl"),
    ],
)
def test_detects_french_and_dutch(text, language):
    guess = detect_language(text)
    assert guess.code == language
    assert guess.decisive


@pytest.mark.parametrize("text", ["ok", "oui", "ja", "1", "merci", "amina.b@gmail.com", "👍", "B1"])
def test_short_or_ambiguous_messages_are_not_decisive(text):
    assert not detect_language(text).decisive


@pytest.mark.parametrize("text, language", [("hallo", "nl"), ("dag", "nl"), ("salut", "fr"), ("ja", "nl"), ("oui", "fr")])
def test_one_courtesy_word_still_leans_to_its_language(text, language):
    assert detect_language(text).code == language


@pytest.mark.parametrize("text", ["1", "amina.b@gmail.com", "👍", "?!", "ok", "B1", "sorry", "merci"])
def test_messages_without_words_have_no_language(text):
    assert detect_language(text).code is None


def guess(code, decisive=True):
    return {"code": code, "confidence": 0.95 if decisive else 0.6, "decisive": decisive, "words": 3}


def test_page_language_starts_the_conversation():
    assert choose_language("fr", None, guess("nl", decisive=False), page_language="nl") == ("nl", "page")


def test_a_clear_message_beats_the_page_language():
    assert choose_language("fr", None, guess("nl"), page_language="fr") == ("nl", "detected")


def test_first_message_is_enough_even_if_short():
    assert choose_language("fr", None, guess("nl", decisive=False)) == ("nl", "detected")


def test_nothing_to_go_on_falls_back_to_french():
    assert choose_language(None, None, {"code": None, "decisive": False}) == ("fr", "default")


def test_short_message_keeps_the_current_language():
    assert choose_language("nl", "detected", guess("fr", decisive=False)) == ("nl", "detected")


def test_clear_message_switches_language():
    assert choose_language("nl", "page", guess("fr")) == ("fr", "detected")


def test_explicit_switch_holds():
    language, source = choose_language("fr", "detected", guess("fr"), requested="nl")
    assert (language, source) == ("nl", "explicit")
    assert choose_language(language, source, guess("fr")) == ("nl", "explicit")
    assert choose_language(language, source, guess("fr"), requested="fr") == ("fr", "explicit")


def test_unsupported_request_changes_nothing():
    assert choose_language("nl", "detected", guess("nl"), requested="en") == ("nl", "detected")


@pytest.mark.parametrize("text", ["good morning", "thanks a lot", "operator please", "how do I get there ?",
                                  "can you talk in French?", "is there a course in data?"])
def test_english_keeps_the_conversations_language(text):
    guess = detect_language(text)
    assert (guess.code, guess.decisive) == ("en", False)
    assert choose_language("fr", "detected", guess.as_dict()) == ("fr", "detected")
    assert choose_language("nl", "page", guess.as_dict()) == ("nl", "page")


@pytest.mark.parametrize("text, language", [("je cherche une formation in cybersecurity please", "fr"),
                                            ("ik zoek een training in cybersecurity", "nl"),
                                            ("oké, afgesproken", "nl")])
def test_mixed_messages_go_to_their_french_or_dutch_words(text, language):
    guess = detect_language(text)
    assert (guess.code, guess.decisive) == (language, True)


@pytest.mark.parametrize("text", ["merci merci", "merci hé", "oké dan", "tof, merci"])
def test_words_both_communities_use_do_not_switch(text):
    assert not detect_language(text).decisive


@pytest.mark.parametrize("text, code", [
    ("hebde gij da ook in 't Nederlands?", "nl"),
    ("en flamand stp", "nl"),
    ("in het Frans aub", "fr"),
    ("do you speak English?", "en"),
    ("parlez-vous arabe ?", "ar"),
    ("pas en français mais en néerlandais", None),
    ("kan het in de andere taal?", None),
])
def test_the_language_a_message_names(text, code):
    from bot.language import language_named

    assert language_named(text) == code
