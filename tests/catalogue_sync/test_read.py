"""The read API the bot uses: search, course details, info sessions with seats left, FAQ, sync age."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from catalogue_sync.errors import CatalogueUnavailable, FeedInvalid
from catalogue_sync.read import Catalogue, fts_query
from catalogue_sync.sync import sync_catalogue

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)
SOC = "dh-soc-analyst-27"
HACKING = "dh-ethical-hacking-27"
WEBDEV = "dh-webdev-fullstack-27"


@pytest.fixture
def catalogue(sample, write_feed, db_path) -> Catalogue:
    """The sample feed synced, with one course renamed to test accents ("Café numérique")."""
    sample["courses"][10]["title"]["fr"] = "Café numérique : premiers pas"
    sync_catalogue(write_feed(sample), db_path)
    return Catalogue(db_path)


def ids(courses):
    return [c["id"] for c in courses]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("securite", {SOC, HACKING}),
        ("SÉCURITÉ", {SOC, HACKING}),
        ("cyberveiligheid", {SOC, HACKING}),
        ("cyber", {SOC, HACKING}),
        ("Cybersécurité", {SOC, HACKING}),
        ("cafe", {"dh-digital-basics-27"}),
        ("CAFÉ", {"dh-digital-basics-27"}),
        ("numeriq", {"dh-digital-basics-27"}),
        ("webontwikkel", {WEBDEV, "dh-webdev-women-27"}),
        ("zythologie", set()),
    ],
)
def test_search_ignores_accents_and_case_and_matches_word_starts(catalogue, text, expected):
    found = set(ids(catalogue.search_courses(text, limit=50)))
    assert expected <= found if expected else found == set()
    if expected == {SOC, HACKING}:
        assert found - expected <= {"dh-m365-admin-27", "dh-digital-basics-27"}


def test_every_word_must_match(catalogue):
    assert ids(catalogue.search_courses("python nederlands", limit=50)) == ["dh-python-nl-27"]


def test_a_title_match_ranks_before_a_summary_match(catalogue):
    results = ids(catalogue.search_courses("python", limit=50))
    assert results[0] == "dh-python-nl-27"


def test_search_without_text_lists_by_start_date(catalogue):
    courses = catalogue.search_courses(limit=100)
    dated = [c["start_date"] for c in courses if c["start_date"]]
    assert dated == sorted(dated) and len(courses) == 24
    assert courses[-1]["start_date"] is None


def test_punctuation_only_is_no_text(catalogue):
    assert catalogue.count_courses("?!") == 24
    assert fts_query("e-commerce") == '"e" "commerce"*'


FILTERS = [
    ({"level": "advanced"}, lambda c: c["level"] == "advanced"),
    ({"course_format": "online"}, lambda c: c["format"] == "online"),
    ({"teaching_language": "nl"}, lambda c: "nl" in c["teaching_languages"]),
    ({"topic": "Cybersécurité"}, lambda c: "cybersécurité" in c["topics"]),
    ({"topic": "developpement web"}, lambda c: "développement web" in c["topics"]),
    ({"starts_after": "2027-04-01"}, lambda c: c["start_date"] is None or c["start_date"] >= "2027-04-01"),
    ({"starts_before": date(2027, 2, 28)}, lambda c: c["start_date"] is None or c["start_date"] <= "2027-02-28"),
    ({"max_duration_weeks": 12}, lambda c: c["duration_weeks"] is not None and c["duration_weeks"] <= 12),
]


# No words: the general query ordered by date. Words: with a filter the general query ranked by
# FTS5, without one the ranked fast path; the filter must apply, and to the same courses.
@pytest.mark.parametrize("text", [None, "pour"])
@pytest.mark.parametrize("filters, keep", FILTERS, ids=[str(f) for f, _ in FILTERS])
def test_filters_keep_only_matching_courses(catalogue, filters, keep, text):
    found = catalogue.search_courses(text, limit=100)
    expected = [c["id"] for c in found if keep(c)]
    assert 0 < len(expected) < len(found)
    assert sorted(ids(catalogue.search_courses(text, **filters, limit=100))) == sorted(expected)
    assert catalogue.count_courses(text, **filters) == len(expected)


def test_text_and_filters_combine(catalogue):
    found = catalogue.search_courses("securite", limit=50)
    beginners = [c["id"] for c in found if c["level"] == "beginner"]
    assert 0 < len(beginners) < len(found)
    assert ids(catalogue.search_courses("securite", level="beginner", limit=50)) == beginners


def test_paging_with_limit_offset_and_count(catalogue):
    total = catalogue.count_courses("formation")
    first = ids(catalogue.search_courses("formation", limit=3))
    second = ids(catalogue.search_courses("formation", limit=3, offset=3))
    assert total > 6 and len(first) == len(second) == 3 and not set(first) & set(second)
    everything = ids(catalogue.search_courses("formation", limit=100))
    assert len(everything) == total and everything[:6] == first + second


@pytest.mark.parametrize("text", ["formation", "data", "cyber", "web dev", "opleiding"])
def test_a_filter_every_course_meets_changes_neither_order_nor_pages(catalogue, text):
    # A filter every course meets changes neither the order nor the pages of a search.
    every_course = {"starts_after": "1900-01-01"}
    total = catalogue.count_courses(text)
    assert total > 0
    for offset in range(0, total, 2):
        fast = [c["id"] for c in catalogue.search_courses(text, limit=2, offset=offset)]
        general = [c["id"] for c in catalogue.search_courses(text, limit=2, offset=offset, **every_course)]
        assert fast == general


def test_withdrawn_courses_are_never_found(catalogue, sample, write_feed, db_path):
    sample["courses"] = [c for c in sample["courses"] if c["id"] != SOC]
    sync_catalogue(write_feed(sample, "without-soc.json"), db_path)
    assert SOC not in ids(catalogue.search_courses("cyber", limit=50))
    assert catalogue.count_courses("cyber") == 1
    assert SOC not in ids(catalogue.search_courses(limit=100))
    assert catalogue.get_course(SOC)["withdrawn"] is True


def test_results_are_plain_dicts_with_json_decoded(catalogue):
    [course] = catalogue.search_courses("ethical", limit=1)
    assert isinstance(course["topics"], list) and isinstance(course["eligibility"], dict)
    assert course["withdrawn"] is False and course["title_nl"]


def test_get_course_returns_none_for_an_unknown_id(catalogue):
    assert catalogue.get_course("nope") is None


def test_next_info_sessions_skips_cancelled_and_past_ones(catalogue):
    sessions = catalogue.next_info_sessions("dh-data-analyst-en-27", now=NOW)
    assert [s["id"] for s in sessions] == ["dh-data-analyst-en-27-is2", "dh-data-analyst-en-27-is3"]
    later = datetime(2027, 1, 20, tzinfo=timezone.utc)
    assert [s["id"] for s in catalogue.next_info_sessions("dh-data-analyst-en-27", now=later)] == [
        "dh-data-analyst-en-27-is3"
    ]


def test_next_info_sessions_compares_instants_not_local_times(catalogue):
    # is1 starts 2026-12-03T10:00+01:00, that is 09:00 UTC.
    just_before = datetime(2026, 12, 3, 9, 59, tzinfo=timezone(timedelta(hours=1)))
    just_after = datetime(2026, 12, 3, 9, 1, tzinfo=timezone.utc)
    assert catalogue.next_info_sessions(WEBDEV, now=just_before, limit=1)[0]["id"] == f"{WEBDEV}-is1"
    assert catalogue.next_info_sessions(WEBDEV, now=just_after, limit=1)[0]["id"] == f"{WEBDEV}-is2"


def test_next_info_sessions_are_in_order_and_limited(catalogue):
    sessions = catalogue.next_info_sessions("dh-digital-basics-27", now=NOW, limit=3)
    assert [s["starts_at"] for s in sessions] == sorted(s["starts_at"] for s in sessions)
    assert len(sessions) == 3


def test_seats_left_count_active_registrations_only(catalogue, db_path):
    with sqlite3.connect(db_path) as conn:
        conn.executemany(
            "insert into registrations (id, session_id, course_id, status, created_at, language) values (?,?,?,?,?,?)",
            [(f"r{n}", f"{WEBDEV}-is1", WEBDEV, "active", "2026-11-22T08:00:00+00:00", "fr") for n in range(28)]
            + [("c1", f"{WEBDEV}-is1", WEBDEV, "cancelled", "2026-11-22T08:00:00+00:00", "fr")]
            + [(f"f{n}", f"{WEBDEV}-is2", WEBDEV, "active", "2026-11-22T08:00:00+00:00", "nl") for n in range(45)],
        )
    seats = {s["id"]: s["seats_left"] for s in catalogue.next_info_sessions(WEBDEV, now=NOW)}
    assert seats == {f"{WEBDEV}-is1": 2, f"{WEBDEV}-is2": 0, f"{WEBDEV}-is3": 30}


def test_seats_left_without_a_registrations_table_is_the_capacity(catalogue, db_path):
    with sqlite3.connect(db_path) as conn:
        conn.execute("drop table registrations")
    assert [s["seats_left"] for s in catalogue.next_info_sessions(WEBDEV, now=NOW)] == [30, 40, 30]


def test_active_courses_give_ids_titles_and_topics(catalogue, sample):
    courses = catalogue.active_courses()
    assert len(courses) == 24
    first = next(c for c in courses if c["id"] == WEBDEV)
    assert first == {
        "id": WEBDEV,
        "title_fr": sample["courses"][0]["title"]["fr"],
        "title_nl": sample["courses"][0]["title"]["nl"],
        "title_en": sample["courses"][0]["title"]["en"],
        "topics": sample["courses"][0]["topics"],
    }


def test_faq_and_organisation(catalogue, sample):
    assert catalogue.faq("cost")["answer_fr"] == sample["faq"][0]["answer"]["fr"]
    assert catalogue.faq("unknown_topic") is None
    organisation = catalogue.organisation()
    assert organisation["name"] == "Digital Hub Brussels"
    assert organisation["opening_hours_nl"] == sample["organisation"]["opening_hours"]["nl"]


def test_last_successful_sync_and_catalogue_age(catalogue, db_path, write_feed):
    last = catalogue.last_successful_sync()
    assert last["outcome"] == "ok" and last["added"] == 24
    with pytest.raises(FeedInvalid):
        sync_catalogue(write_feed(b"nope", "broken.json"), db_path)
    assert catalogue.last_successful_sync()["id"] == last["id"]
    finished = datetime.fromisoformat(last["finished_at"])
    assert catalogue.catalogue_age(now=finished + timedelta(hours=3)) == timedelta(hours=3)


def test_a_catalogue_never_synced_has_no_age(db_path):
    from catalogue_sync.db import ensure_db_shape, open_db

    db = open_db(db_path)
    ensure_db_shape(db)
    db.close()
    assert Catalogue(db_path).last_successful_sync() is None
    assert Catalogue(db_path).catalogue_age() is None


def test_a_missing_catalogue_raises_a_clear_error(tmp_path):
    with pytest.raises(CatalogueUnavailable, match="no catalogue at .*run `catalogue-sync sync` first"):
        Catalogue(tmp_path / "missing.db").search_courses("web")


def test_the_default_path_comes_from_catalogue_db(monkeypatch, db_path):
    monkeypatch.setenv("CATALOGUE_DB", str(db_path))
    assert Catalogue().path == db_path


def test_the_reader_cannot_write(catalogue):
    with catalogue._reading() as conn:
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            conn.execute("delete from faq")


def remove_catalogue(db_path):
    for path in db_path.parent.glob(db_path.name + "*"):
        path.unlink()


def test_a_catalogue_deleted_and_synced_again_is_read_anew(catalogue, sample, write_feed, db_path):
    # The reader keeps its connection between calls; a new file at the path is a new catalogue.
    assert catalogue.count_courses() == 24
    remove_catalogue(db_path)
    with pytest.raises(CatalogueUnavailable, match="no catalogue"):
        catalogue.count_courses()
    sample["courses"] = sample["courses"][:3]
    sync_catalogue(write_feed(sample, "three.json"), db_path)
    assert catalogue.count_courses() == 3
    assert Catalogue(db_path).count_courses() == 3


def test_a_file_that_is_no_catalogue_is_a_clear_error_then_recovers(catalogue, sample, write_feed, db_path):
    assert catalogue.count_courses() == 24
    remove_catalogue(db_path)
    db_path.write_bytes(b"not a database at all" * 100)
    with pytest.raises(CatalogueUnavailable, match="cannot read the catalogue"):
        catalogue.count_courses()
    remove_catalogue(db_path)
    sync_catalogue(write_feed(sample), db_path)
    assert catalogue.count_courses() == 24


def test_a_thread_keeps_only_a_few_catalogue_files_open(sample, write_feed, tmp_path):
    import os

    from catalogue_sync.read import OPEN_CONNECTIONS_PER_THREAD

    sample["courses"] = sample["courses"][:2]
    feed = write_feed(sample)
    paths = [tmp_path / f"catalogue-{n}.db" for n in range(OPEN_CONNECTIONS_PER_THREAD + 3)]
    for path in paths:
        sync_catalogue(feed, path)
        assert Catalogue(path).count_courses() == 2

    def open_files():
        targets = set()
        for fd in os.listdir("/proc/self/fd"):
            try:
                targets.add(os.readlink(f"/proc/self/fd/{fd}"))
            except OSError:
                pass
        return {Path(t) for t in targets} & set(paths)

    assert 0 < len(open_files()) <= OPEN_CONNECTIONS_PER_THREAD
    # The most recently read one stays open and is reused.
    assert paths[-1] in open_files()



@pytest.mark.parametrize("terms, query", [
    ("cyber securite", '"cyber"* "securite"*'),
    ([["gsm", "telephone portable"], "reparer"], '("gsm"* OR "telephone portable"*) AND "reparer"*'),
    ([["e-commerce", "webshop"]], '("e commerce"* OR "webshop"*)'),
    ([["C#", "csharp"]], '"csharp"*'),
    ([["", "!!"], "web"], '"web"*'),
    ([], None),
])
def test_search_terms_with_alternatives(terms, query):
    from catalogue_sync.read import fts_query

    assert fts_query(terms) == query


def test_a_term_matches_by_any_of_its_alternatives(catalogue):
    either = catalogue.count_courses([["webshop", "boutique en ligne"]])
    assert either == catalogue.count_courses("webshop") >= 1
    assert catalogue.count_courses([["zzzunknown", "webshop"], "shopify"]) == catalogue.count_courses("webshop shopify")
    assert catalogue.count_courses([["zzzunknown", "yyyunknown"], "webshop"]) == 0
