"""Chat spellings read as standard French or Dutch ("c ou ?" -> "c'est ou ?", "hebde gij da?" -> "heb je jij dat?").

People type on a phone: abbreviations ("cmb", "wnr"), words run together ("jsuis", "kheb") and
Flemish tussentaal ("da", "ni", "goe", "hebde"). The intent classifier and the readers of words
(bot.text) see the standard spelling, so that what the training data says in full also holds for
the short forms. The tables are `bot/spelling/<language>.yml`, one written form per line, which
staff can extend (the model learns on standardised text: a change needs `make train`).
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from pathlib import Path
from typing import Dict, Optional, Pattern, Tuple

import yaml

from bot.language import SUPPORTED_LANGUAGES, detect_language, fold

logger = logging.getLogger(__name__)

SPELLING_DIR = Path(__file__).with_name("spelling")
# "'t" and "'k" of Dutch chat ("'t is", "'k heb") are words of their own.
_DUTCH_CLITIC = re.compile(r"(?<![\w'])'(?=[tk]\b)")


def load_table(language: str) -> Dict[str, str]:
    """The written forms of a language's table and their folded standard forms.

    Raises:
        ValueError: an entry that is not "word: standard form", naming the file and the entry.
    """
    path = SPELLING_DIR / f"{language}.yml"
    table = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(table, dict):
        raise ValueError(f"{path}: expected lines 'written: standard', found {type(table).__name__}.")
    out: Dict[str, str] = {}
    for written, standard in table.items():
        written, standard = fold(str(written)).strip(), fold(str(standard)).strip()
        if not re.fullmatch(r"\w+", written) or not standard:
            raise ValueError(f"{path}: entry {written!r}: {standard!r}: write one word, then its standard form.")
        if written != standard:
            out[written] = standard
    return out


@lru_cache(maxsize=None)
def _compiled(language: str) -> Tuple[Pattern, Dict[str, str], Dict[str, str]]:
    """One pattern for every written form of the table; the form's standard; and, for a form
    that is the first word of its standard ("c" -> "c'est"), the rest, which must not follow already."""
    table = load_table(language)
    guards: Dict[str, str] = {}
    alternatives = []
    for written in sorted(table, key=len, reverse=True):
        words = re.findall(r"\w+", table[written])
        # A single letter is a word only before another word: "c ou ?", not "niveau c 1" or "en c".
        guard = r"(?=\s+[^\W\d_])" if len(written) == 1 else ""
        if words and words[0] == written and len(words) > 1:
            rest = r"\W+".join(map(re.escape, words[1:]))
            alternatives.append(rf"{re.escape(written)}(?!\W+{rest}\b){guard}")
            guards[written] = table[written]
        else:
            alternatives.append(re.escape(written) + guard)
    pattern = re.compile(r"(?<!\w)(" + "|".join(alternatives) + r")(?![\w'#+])") if alternatives else re.compile(r"(?!)")
    return pattern, table, guards


@lru_cache(maxsize=4096)
def standard(text: Optional[str], language: Optional[str] = None) -> str:
    """The folded text with the chat spellings of its language written out.

    Args:
        text: a message (folded or not).
        language: "fr" or "nl"; None to detect it from the text. Another language (English,
            undecided) leaves the words as they are.
    """
    folded = fold(text)
    if language is None:
        language = detect_language(folded).code
    if language not in SUPPORTED_LANGUAGES:
        return folded
    if language == "nl":
        folded = _DUTCH_CLITIC.sub("", folded)
    pattern, table, _ = _compiled(language)
    return pattern.sub(lambda match: table[match.group(1)], folded)
