"""bot/text.py: the words of a message that name a course or a detail, as NLU and actions read them."""

from __future__ import annotations

import pytest

from bot import text


def test_keywords_keep_each_word_once_and_at_most_a_few_dozen():
    long_text = " ".join(f"mot{n} python" for n in range(500))
    words = text.keywords(long_text)
    assert len(words) == text.MAX_KEYWORDS
    assert len(set(words)) == len(words)
    assert words[:2] == ["mot0", "python"]


def test_keywords_leave_out_stop_generic_words_and_numbers():
    assert text.keywords("Je cherche une formation en cybersécurité à Bruxelles en 2027") == ["cybersecurite"]


@pytest.mark.parametrize("typed, meant", [
    ("cybersecuriter", "cybersecurite"),
    ("programation", "programmation"),
    ("devellopement", "developpement"),
])
def test_spelling_is_corrected_against_the_catalogue_words(typed, meant):
    known = text.CatalogueWords({"cybersecurite", "programmation", "developpement", "teams"})
    assert text.correct_spelling([typed], known) == [meant]


def test_short_and_unknown_words_are_left_alone():
    known = text.CatalogueWords({"teams", "python"})
    assert text.correct_spelling(["temps", "boulangerie"], known) == ["temps", "boulangerie"]


@pytest.mark.parametrize("message, detail", [
    ("c'est en ligne ou sur place ?", "format"),
    ("la formation est sur site ?", "format"),
    ("c'est à distance ?", "format"),
    ("is het online of ter plaatse?", "format"),
    ("il y a un site web pour s'inscrire ?", "url"),
    ("c ou la formation", "location"),
    ("c'est où une fois ?", "location"),
    ("waar is dat?", "location"),
    ("ou ?", "location"),
    ("Java ou Python, lequel dure le plus longtemps ?", "duration"),
    ("combien d'heures par semaine ?", "hours_per_week"),
    ("hoe lang duurt het", "duration"),
    ("y a un stage ?", "internship"),
    ("c'est en quelle langue ?", "teaching_languages"),
    ("bonjour", None),
    ("Java ou Python ?", None),
])
def test_the_detail_a_message_asks_about(message, detail):
    assert text.detail_named(message) == detail


@pytest.mark.parametrize("message, words", [
    ("je cherche une formation C#", ["csharp"]),
    ("une formation .NET ?", ["dotnet"]),
    ("cours de C++ svp", ["cplusplus"]),
    ("opleiding Node.js", ["nodejs"]),
    ("modélisation 3D", ["modelisation", "3d"]),
])
def test_tech_terms_are_keywords_as_themselves(message, words):
    assert text.keywords(message) == words


def test_tech_terms_in_titles_are_catalogue_words():
    words = text.vocabulary([{"title_fr": "Développeur·euse .NET junior (C#)", "topics": ["node.js", "3D"]}])
    assert {"dotnet", "csharp", "nodejs", "3d"} <= words


def test_synonyms_make_a_group_of_alternatives_and_phrases_stand_for_their_words():
    table = text.Synonyms([["gsm", "smartphone", "téléphone portable"], ["réparer un PC", "helpdesk", "support informatique"]])
    assert table.terms(["reparer", "pc", "gsm", "python"]) == [
        ("reparer pc", "helpdesk", "support informatique"), ("gsm", "smartphone", "telephone portable"), "python"]


def test_the_synonym_files_staff_edit_are_read_and_used(tmp_path, monkeypatch):
    (tmp_path / "fr.yml").write_text("- [gsm, smartphone]\n", encoding="utf-8")
    (tmp_path / "nl.yml").write_text("- [pc herstellen, helpdesk]\n- not a group\n", encoding="utf-8")
    monkeypatch.setattr(text, "SYNONYMS_DIR", tmp_path)
    assert text.search_terms(["gsm", "pc", "herstellen"]) == [("gsm", "smartphone"), ("pc herstellen", "helpdesk")]
    (tmp_path / "fr.yml").write_text("- [gsm, smartphone, mobieltje]\n", encoding="utf-8")
    assert text.search_terms(["gsm"]) == [("gsm", "smartphone", "mobieltje")]


@pytest.mark.parametrize("language", ["fr", "nl"])
def test_the_shipped_synonym_files_are_groups_of_several_entries(language):
    import yaml

    groups = yaml.safe_load((text.SYNONYMS_DIR / f"{language}.yml").read_text(encoding="utf-8"))
    assert len(groups) >= 10 and all(isinstance(g, list) and len(g) >= 2 for g in groups)
    assert all(len(text.Synonyms([g]).single) + len(text.Synonyms([g]).phrases) >= 2 for g in groups)


@pytest.mark.parametrize("message, place", [
    ("la première", 1), ("la deuxieme svp", 2), ("de tweede", 2), ("nummer 3", 3), ("2", 2), ("la 2e", 2),
    ("et la dernière, elle dure combien ?", -1), ("de laatste", -1), ("1er", 1),
    ("j'ai 24 ans", None), ("bonjour", None), ("la première et la deuxième", None),
])
def test_the_place_in_a_list_a_message_picks(message, place):
    assert text.ordinal_picked(message) == place


@pytest.mark.parametrize("message, asked", [
    ("faut parler bien francais pour le cloud devops ?", True),
    ("niveau langue demandé pour analyste cybersécurité ?", True),
    ("B1 en français c'est obligatoire pour java ?", True),
    ("hoe goed moet mijn Engels zijn?", True),
    ("is Nederlands verplicht voor servicedesk?", True),
    ("welk taalniveau?", True),
    ("c'est en anglais ?", False),
    ("c'est en quelle langue ?", False),
    ("mijn Engels is goed", False),
    ("combien de temps ça dure ?", False),
])
def test_a_question_about_the_language_level_required(message, asked):
    assert text.asks_language_level(message) is asked
    assert (text.detail_named(message) == "language_level") is asked


def test_a_fragment_of_a_title_picks_one_course_of_a_list():
    from bot.text import fragment_picked

    courses = [{"id": "a", "title": {"nl": "PC-technicus en helpdesk"}},
               {"id": "b", "title": {"nl": "Eerstelijns IT-support (Nederlandstalig)"}},
               {"id": "c", "title": {"nl": "Excel voor gevorderden ('s avonds)"}}]
    assert fragment_picked("die nederlandstalige", courses)["id"] == "b"
    assert fragment_picked("die van 's avonds", courses)["id"] == "c"
    assert fragment_picked("is er een stage bij?", courses) is None
    assert fragment_picked("en hoeveel kost dat?", courses) is None
    assert fragment_picked("die nederlandstalige", courses[:1]) is None  # no list to pick from
