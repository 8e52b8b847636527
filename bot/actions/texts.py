"""Renders domain responses inside actions, for messages assembled from several parts.

Simple answers are sent by name (`utter_message(response=...)`) and Rasa fills them in. A list
(courses, sessions, rules met) is built from several response fragments: the action reads them
from the domain it receives, so every text still lives in `bot/domain.yml`, in both languages.
"""

from __future__ import annotations

from typing import Any, Optional

from rasa_sdk.types import DomainDict


def response_text(domain: DomainDict, name: str, language: str) -> Optional[str]:
    """The raw text of a domain response in a language (the variation conditioned on it)."""
    for variant in (domain.get("responses") or {}).get(name) or []:
        for condition in variant.get("condition") or []:
            if condition.get("name") == "language" and condition.get("value") == language:
                return variant.get("text")
    return None


def render(domain: DomainDict, name: str, language: str, /, **values: Any) -> str:
    """A domain response in a language with its {placeholders} filled in.

    Raises:
        KeyError: the response or its variation for that language is missing from the domain.
    """
    template = response_text(domain, name, language)
    if template is None:
        raise KeyError(f"no {language} variation of {name} in the domain")
    return template.format(**values)
