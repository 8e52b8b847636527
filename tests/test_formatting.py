"""Dates and times read the Belgian way in each language, in Brussels time."""

import pytest

from bot.actions.formatting import format_day, format_session_time, format_time


@pytest.mark.parametrize(
    "moment, language, expected",
    [
        ("2027-01-12T10:00:00+01:00", "fr", "mardi 12 janvier 2027 à 10h00"),
        ("2027-01-12T10:00:00+01:00", "nl", "dinsdag 12 januari 2027 om 10.00 uur"),
        # Given in UTC, shown in Brussels summer time (UTC+2).
        ("2027-06-01T07:30:00Z", "fr", "mardi 1 juin 2027 à 09h30"),
        ("2027-06-01T07:30:00+00:00", "nl", "dinsdag 1 juni 2027 om 09.30 uur"),
    ],
)
def test_session_time(moment, language, expected):
    assert format_session_time(moment, language) == expected


def test_time_and_day():
    assert format_time("2027-01-12T12:00:00+01:00", "fr") == "12h00"
    assert format_time("2027-01-12T12:00:00+01:00", "nl") == "12.00 uur"
    assert format_day("2027-03-01", "fr") == "lundi 1 mars 2027"
    assert format_day("2027-03-01", "nl") == "maandag 1 maart 2027"
