"""Tech terms are searched as themselves: "C#" is not "c", ".NET" is not "net", "Node.js" is one word."""

from __future__ import annotations

import copy

import pytest

from catalogue_sync import db as catalogue_db
from catalogue_sync.db import open_db
from catalogue_sync.read import Catalogue, fts_query
from catalogue_sync.sync import sync_catalogue
from catalogue_sync.utils import search_text

COURSES = {
    "csharp": ("Développeur C#/.NET", ["c#", ".net"]),
    "cpp": ("C++ embarqué", ["c++", "systèmes embarqués"]),
    "node": ("Node.js backend", ["node.js", "api"]),
    "modelling": ("Modélisation 3D", ["3d", "design"]),
    "internet": ("Internet basics", ["internet", "navigateur"]),
    "c": ("C programming", ["c", "programmation"]),
}


def six_courses(sample) -> dict:
    """The sample feed with the six courses of COURSES instead of its own, all with one neutral summary."""
    model = sample["courses"][0]
    sample["courses"] = []
    for course_id, (title, topics) in COURSES.items():
        course = copy.deepcopy(model)
        course.update(id=course_id, title={"fr": title, "nl": title}, topics=topics)
        course["summary"] = {"fr": "Une formation pour demandeurs d'emploi.", "nl": "Een opleiding voor werkzoekenden."}
        for number, session in enumerate(course["info_sessions"]):
            session["id"] = f"{course_id}-is{number}"
        sample["courses"].append(course)
    return sample


@pytest.fixture
def catalogue(sample, write_feed, db_path) -> Catalogue:
    """A catalogue of the six courses of COURSES."""
    sync_catalogue(write_feed(six_courses(sample)), db_path)
    return Catalogue(db_path)


def found(catalogue, text, **filters):
    return {c["id"] for c in catalogue.search_courses(text, limit=50, **filters)}


@pytest.mark.parametrize(
    "text, expected",
    [
        ("C#", {"csharp"}),
        ("c#", {"csharp"}),
        ("développeur c#", {"csharp"}),
        (".NET", {"csharp"}),
        ("dotnet", {"csharp"}),
        ("C++", {"cpp"}),
        ("node.js", {"node"}),
        ("nodejs", {"node"}),
        ("Node JS", {"node"}),
        ("node", {"node"}),
        ("3D", {"modelling"}),
        ("3d", {"modelling"}),
        ("internet", {"internet"}),
        ("C programming", {"c"}),
    ],
)
def test_tech_terms_find_their_course_only(catalogue, text, expected):
    assert found(catalogue, text) == expected
    assert catalogue.count_courses(text) == len(expected)


def test_a_topic_filter_reads_tech_terms_the_same_way(catalogue):
    assert found(catalogue, None, topic="C#") == {"csharp"}
    assert found(catalogue, None, topic="c++") == {"cpp"}
    assert found(catalogue, "développeur", topic=".NET") == {"csharp"}


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Développeur C#/.NET", "Développeur csharp/dotnet"),
        ("C++ embarqué", "cplusplus embarqué"),
        ("F# et C# 12", "fsharp et csharp 12"),
        ("c++17, C#7", "cplusplus17, csharp7"),
        ("ASP.NET Core", "ASP dotnet Core"),
        ("Node.js, nodejs, node js, NODE-JS", "nodejs, nodejs, nodejs, nodejs"),
        ("Vue.js", "vuejs"),
        ("Modélisation 3D", "Modélisation 3D"),
        ("Internet, .network, netwerk", "Internet, .network, netwerk"),
        ("c'est le C, pas abc#", "c'est le C, pas abc#"),
        ("", ""),
        (None, None),
    ],
)
def test_search_text_rewrites_tech_terms_and_leaves_the_rest(text, expected):
    assert search_text(text) == expected
    assert search_text(expected) == expected


def test_fts_query_rewrites_the_terms_before_quoting_them():
    assert fts_query("C# .NET") == '"csharp"* "dotnet"*'
    assert fts_query("c++ 3D") == '"cplusplus"* "3D"'


def test_an_index_from_before_tech_terms_is_rebuilt_by_the_next_sync(sample, write_feed, db_path, monkeypatch):
    current = catalogue_db._fts_definitions()
    # The index as an older catalogue_sync built it: raw texts, "C#" indexed as "c".
    raw = {name: sql.replace("search_text(", "(") for name, sql in current.items()}
    path = write_feed(six_courses(sample))
    with monkeypatch.context() as patch:
        patch.setattr(catalogue_db, "_fts_definitions", lambda: raw)
        patch.setattr(catalogue_db, "search_text", lambda text: text)
        sync_catalogue(path, db_path)
    assert Catalogue(db_path).count_courses("C#") == 0  # the query says "csharp", the old index "c"
    assert sync_catalogue(path, db_path).outcome == "unchanged"
    assert found(Catalogue(db_path), "C#") == {"csharp"}


def test_a_course_changed_through_the_sync_connection_is_indexed_with_its_terms(catalogue, db_path):
    db = open_db(db_path)
    try:
        db.execute("update courses set title_fr = 'Développeur F#', topics = '[]' where id = 'internet'")
    finally:
        db.close()
    assert found(catalogue, "F#") == {"internet"}
    assert found(catalogue, "développeur") == {"csharp", "internet"}


@pytest.mark.parametrize(
    "text, expected",
    [
        ("C#", {"dh-dotnet-dev-en-27"}),
        (".NET", {"dh-dotnet-dev-en-27"}),
        ("asp.net", {"dh-dotnet-dev-en-27"}),
        ("Node.js", {"dh-webdev-fullstack-27"}),
    ],
)
def test_the_sample_catalogue_tech_terms(sample, write_feed, db_path, text, expected):
    sync_catalogue(write_feed(sample), db_path)
    assert found(Catalogue(db_path), text) == expected
