"""Personal situations a person of the hub answers, not the bot: the topics of `bot/for_a_person/<language>.yml`.

"Je suis enceinte, je peux commencer ?", "ik heb een strafblad, is dat een probleem?", "mijn
verblijfskaart vervalt": no FAQ entry answers them, and the nearest one (registration steps,
accessibility) would mislead. Staff extend the lists; the files are read again when they change
(no retraining). The NLU component bot.nlu.for_a_person gives such a message the intent
`out_of_scope`; the off-topic action then gives the way to a person.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import yaml

from bot.language import SUPPORTED_LANGUAGES, fold
from bot.spelling import standard
from bot.text import file_state

logger = logging.getLogger(__name__)

TOPICS_DIR = Path(__file__).resolve().parent / "for_a_person"
# The topic found goes with the parse output, for the actions and the tests (never the message).
TOPIC_FOUND = "for_a_person"
_CACHE: Dict[str, Tuple[tuple, List[str]]] = {}


def topics() -> List[str]:
    """The topics of every language, folded, as " word word " phrases; read again when a file changes."""
    paths = [TOPICS_DIR / f"{code}.yml" for code in SUPPORTED_LANGUAGES]
    state = tuple(file_state(p) for p in paths)
    cached = _CACHE.get("all")
    if cached is None or cached[0] != state:
        phrases: List[str] = []
        for path in paths:
            try:
                entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
            except (OSError, yaml.YAMLError) as error:
                logger.warning("Topics for a person of %s left out: %s", path.name, error)
                continue
            phrases += [" ".join(re.findall(r"\w+", fold(str(e)))) for e in entries if isinstance(e, (str, int))]
        cached = (state, [p for p in phrases if p])
        _CACHE["all"] = cached
    return cached[1]


def topic_for_a_person(text: Optional[str]) -> Optional[str]:
    """The first topic of the lists the message speaks of, or None."""
    if not text or text.lstrip().startswith("/"):
        return None
    padded = " " + " ".join(re.findall(r"\w+", standard(text).replace("'", " "))) + " "
    return next((topic for topic in topics() if f" {topic} " in padded), None)
