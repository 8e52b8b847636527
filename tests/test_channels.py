"""The chat channels keep only the metadata a page may send (bot/channels.py)."""

from __future__ import annotations

import pytest

from bot.channels import clean_metadata


@pytest.mark.parametrize("raw, cleaned", [
    ({"language": "nl"}, {"language": "nl"}),
    ('{"language": "fr"}', {"language": "fr"}),
    ({"language": "fr", "password": "secret", "email": "x@y.be"}, {"language": "fr"}),
    ({"language": "x" * 100_000}, None),
    ({"language": ["fr"]}, None),
    ({"language": None}, None),
    ("not json at all", None),
    ('{"language": ', None),
    ("x" * 100_000, None),
    (["language", "fr"], None),
    (42, None),
    (None, None),
    ({}, None),
])
def test_only_allowed_keys_with_short_string_values_are_kept(raw, cleaned):
    assert clean_metadata(raw) == cleaned
