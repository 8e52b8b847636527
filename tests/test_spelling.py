"""Chat spellings read as standard French or Dutch (bot.spelling): the tables and what they do to messages."""

from __future__ import annotations

import pytest

from bot import spelling
from bot.language import SUPPORTED_LANGUAGES


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_each_table_loads_with_one_word_per_written_form(language):
    table = spelling.load_table(language)
    assert len(table) > 30
    assert all(written.isalnum() for written in table)


@pytest.mark.parametrize("text, language, expected", [
    ("c ou une fois?", "fr", "c'est ou une fois?"),
    ("cmb de temps ca dure", "fr", "combien de temps ca dure"),
    ("jsuis au chomage", "fr", "je suis au chomage"),
    ("ya un stage?", "fr", "y a un stage?"),
    ("C'est où ?", "fr", "c'est ou ?"),                  # already standard: unchanged
    ("c est gratuit", "fr", "c est gratuit"),            # "c" before "est" is not "c'est est"
    ("niveau c 1 en francais", "fr", "niveau c 1 en francais"),  # a CEFR level, not "c'est"
    ("une formation en c", "fr", "une formation en c"),
    ("du c++ ou du c#", "fr", "du c++ ou du c#"),
    ("hebde gij da ook?", "nl", "heb je jij dat ook?"),
    ("'t is ni goe", "nl", "het is niet goed"),
    ("'k heb gene diploma", "nl", "ik heb geen diploma"),
    ("wnr is de infosessie", "nl", "wanneer is de infosessie"),
    ("is er ne stage bij", "nl", "is er een stage bij"),
    ("is er een stage bij", "nl", "is er een stage bij"),
])
def test_chat_spellings_are_written_out_in_the_language_of_the_message(text, language, expected):
    assert spelling.standard(text, language) == expected


def test_a_table_applies_only_to_its_own_language():
    # "ni" and "ne" are French words; "kan" is Dutch: each table leaves the other language alone.
    assert spelling.standard("je ne sais ni lire ni ecrire", "fr") == "je ne sais ni lire ni ecrire"
    assert spelling.standard("kan ik me inschrijven", "nl") == "kan ik me inschrijven"
    assert spelling.standard("hebde da", "en") == "hebde da"


def test_without_a_language_the_message_s_own_is_detected():
    assert spelling.standard("hoeveel kost da") == "hoeveel kost dat"
    assert spelling.standard("c koi le prix") == "c'est quoi le prix"


def test_a_bad_entry_names_its_file_and_what_to_write(tmp_path, monkeypatch):
    (tmp_path / "fr.yml").write_text("deux mots: deux\n", encoding="utf-8")
    monkeypatch.setattr(spelling, "SPELLING_DIR", tmp_path)
    with pytest.raises(ValueError, match=r"fr\.yml.*one word"):
        spelling.load_table("fr")
