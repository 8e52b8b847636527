"""The bilingual tokenizer: French and Dutch spaCy rules, lemmas without accents, entity-ready tokens."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.language import detect_language
from bot.nlu.bilingual_tokenizer import BilingualSpacyTokenizer
from bot.nlu.language_detector import LANGUAGE


def tokens_of(text: str):
    message = Message(data={"text": text})
    message.set(LANGUAGE, detect_language(text).as_dict())
    tokenizer = BilingualSpacyTokenizer(BilingualSpacyTokenizer.get_default_config())
    return tokenizer.tokenize(message, "text")


def test_french_elisions_are_split():
    assert [t.text for t in tokens_of("je veux l'inscription à la séance d'info")][2:4] == ["l'", "inscription"]


def test_lemmas_are_lower_case_without_accents():
    [token] = [t for t in tokens_of("les Séances d'information") if t.text == "Séances"]
    assert token.lemma == "seance"


@pytest.mark.parametrize("text, word", [
    ("ik wil me omscholen naar IT. Kom ik in aanmerking?", "IT"),
    ("bv. Python, enz. en ook SQL. Kan dat?", "enz"),
    ("je veux faire du SQL. Et après ?", "SQL"),
])
def test_a_full_stop_stuck_to_a_word_is_not_part_of_it(text, word):
    [token] = [t for t in tokens_of(text) if t.text.rstrip(".") == word]
    assert token.text == word
    assert text[token.start:token.end] == word


def test_dotted_abbreviations_keep_their_dots():
    assert "A.B." in [t.text for t in tokens_of("ik heb een diploma A.B. gehaald")]
