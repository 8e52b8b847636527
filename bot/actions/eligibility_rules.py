"""A course's eligibility rules, the answers they need, and which rules a person meets.

Pure functions, no Rasa: the rules come from the catalogue record (`eligibility`), the answers
from the eligibility form's slots.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Tuple

from bot.language import fold

# "A0": does not speak the language at all (below every requirement).
NO_LEVEL = "A0"
CEFR_LEVELS = (NO_LEVEL, "A1", "A2", "B1", "B2", "C1", "C2")
DIPLOMAS = ("none", "primary", "lower_secondary", "upper_secondary", "bachelor", "master")
LANGUAGE_SLOTS = {"fr": "elig_level_fr", "nl": "elig_level_nl", "en": "elig_level_en"}

# The 19 municipalities of the Brussels-Capital Region, in French and Dutch (folded).
BRUSSELS_MUNICIPALITIES = {
    "anderlecht", "auderghem", "oudergem", "berchem-sainte-agathe", "sint-agatha-berchem", "berchem",
    "bruxelles", "brussel", "brussels", "bruxelles-ville", "brussel-stad", "laeken", "laken",
    "neder-over-heembeek", "haren", "etterbeek", "evere", "forest", "vorst", "ganshoren", "ixelles",
    "elsene", "jette", "koekelberg", "molenbeek", "molenbeek-saint-jean", "sint-jans-molenbeek",
    "saint-gilles", "sint-gillis", "saint-josse", "saint-josse-ten-noode", "sint-joost-ten-node",
    "sint-joost", "schaerbeek", "schaarbeek", "uccle", "ukkel", "watermael-boitsfort",
    "watermaal-bosvoorde", "boitsfort", "bosvoorde", "woluwe-saint-lambert", "sint-lambrechts-woluwe",
    "woluwe-saint-pierre", "sint-pieters-woluwe", "woluwe",
}

# Words that mean a CEFR level to a jobseeker who doesn't know the scale (folded).
LEVEL_WORDS = {
    "debutant": "A1", "debutante": "A1", "beginner": "A1", "beginnend": "A1", "basis": "A2",
    "moyen": "B1", "moyenne": "B1", "moyennement": "B1", "gemiddeld": "B1", "intermediaire": "B1",
    "redelijk": "B1", "correct": "B1", "correctement": "B1", "bon": "B2", "bonne": "B2", "bien": "B2",
    "goed": "B2", "vlot": "C1", "courant": "C1", "courante": "C1", "couramment": "C1", "fluent": "C1", "vloeiend": "C1", "bilingue": "C1",
    "tweetalig": "C1", "parfait": "C2", "parfaitement": "C2", "perfect": "C2", "maternelle": "C2",
    "moedertaal": "C2", "natif": "C2", "native": "C2",
}
# Phrases that say more than their words alone ("pas bien" is not "bien"), checked first.
LEVEL_PHRASES = (
    (r"\b(pas du tout|pas un mot|rien du tout|helemaal niet|geen woord|geen enkel woord)\b", NO_LEVEL),
    (r"\b(pas (tres |trop |si )?bien|pas beaucoup|niet (zo |zo'n |erg |heel )?goed|niet veel)\b", "A2"),
    (r"\b(un peu|un petit peu|quelques mots|een beetje|een paar woorden)\b", "A2"),
    (r"\b(je ne (le )?parle pas|parle pas|ik spreek (het )?geen|ik spreek (het )?niet|spreek geen)\b", NO_LEVEL),
)
# Language names as users write them (folded), for "anglais moyen", "mijn Engels is goed".
LANGUAGE_NAMES = {
    "fr": ("francais", "frans", "french"),
    "nl": ("neerlandais", "nederlands", "flamand", "vlaams", "dutch"),
    "en": ("anglais", "engels", "english"),
}
YES_WORDS = {"oui", "ouais", "ouai", "yes", "ja", "jawel", "jep", "yep", "evidemment", "effectivement",
             "certainement", "absolument", "natuurlijk", "tuurlijk", "zeker", "inscrit", "inscrite",
             "ingeschreven"}
NO_WORDS = {"non", "nan", "no", "nee", "neen", "pas", "niet", "geen", "jamais", "nooit"}


def needed_slots(rules: Optional[Dict[str, Any]]) -> List[str]:
    """The form slots a course's rules need answered, in the order they are asked."""
    rules = rules or {}
    slots = []
    if rules.get("registered_jobseeker"):
        slots.append("elig_registered_jobseeker")
    if rules.get("brussels_resident"):
        slots.append("elig_brussels_resident")
    if rules.get("min_age") is not None or rules.get("max_age") is not None:
        slots.append("elig_age")
    for requirement in rules.get("language_requirements") or []:
        slot = LANGUAGE_SLOTS.get(requirement.get("language"))
        if slot and slot not in slots:
            slots.append(slot)
    if rules.get("min_diploma") or rules.get("max_diploma"):
        slots.append("elig_diploma")
    return slots


def parse_age(text: str) -> Optional[int]:
    """An age from "j'ai 24 ans", "ik ben 31", "24"; None if there is no plausible one."""
    for number in re.findall(r"\b(\d{1,3})\b", text or ""):
        if 10 <= int(number) <= 110:
            return int(number)
    return None


def parse_cefr(text: str) -> Optional[str]:
    """A CEFR level from "B1", "niveau b2", "je suis débutant", "un peu", "moedertaal".

    Returns "A0" for "not at all", None when the text says no level.
    """
    folded = fold(text)
    match = re.search(r"\b([abc])[\s-]?([12])\b", folded)
    if match:
        return f"{match.group(1).upper()}{match.group(2)}"
    for pattern, level in LEVEL_PHRASES:
        if re.search(pattern, folded):
            return level
    for word in re.findall(r"[a-z]+", folded):
        if word in LEVEL_WORDS:
            return LEVEL_WORDS[word]
    return None


def languages_named(text: str) -> List[str]:
    """The languages a text names ("anglais moyen" -> ["en"]), in the order of LANGUAGE_NAMES."""
    words = set(re.findall(r"[a-z]+", fold(text)))
    return [code for code, names in LANGUAGE_NAMES.items() if words & set(names)]


def parse_yes_no(text: str) -> Optional[bool]:
    """Yes or no from the words of an answer ("oui je suis inscrite", "nee, nog niet"); None if neither."""
    words = re.findall(r"[a-z]+", fold(text))
    if any(w in NO_WORDS for w in words):
        return False
    if any(w in YES_WORDS for w in words):
        return True
    return None


def lives_in_brussels(text: str) -> Optional[bool]:
    """True for a Brussels municipality named in the text, None when none is recognised."""
    folded = fold(text)
    for name in sorted(BRUSSELS_MUNICIPALITIES, key=len, reverse=True):
        if re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", folded):
            return True
    return None


# "j'habite à Liège", "je vis en Flandre", "ik woon in Gent", "wij wonen te Halle": the place named.
_RESIDENCE = re.compile(
    r"\b(?:habite|habitons|habitent|vis|vit|vivons|reside|residons|woon|woont|wonen|verblijf)"
    r"\s+(?:a|au|aux|en|dans|in|te|op)\s+(?:la |le |l')?([a-z][a-z' -]*)"
)
# A country that contains the Region says nothing about living in it.
_NOT_DECISIVE_PLACES = {"belgique", "belgie", "belgium", "ce pays", "dit land"}


def place_of_residence(text: str) -> Optional[str]:
    """The place a sentence says the person lives in ("ik woon in Gent" -> "gent"), or None."""
    match = _RESIDENCE.search(fold(text))
    if not match:
        return None
    place = match.group(1).strip(" -'")
    if not place or any(place == p or place.startswith(p + " ") for p in _NOT_DECISIVE_PLACES):
        return None
    return place


def rule_results(rules: Optional[Dict[str, Any]], answers: Dict[str, Any]) -> List[Tuple[str, Dict[str, Any], Optional[bool]]]:
    """Each rule of a course with whether the answers meet it (None: not answered).

    Returns:
        (rule kind, values for its text, met) for every rule the course has.
    """
    rules = rules or {}
    results = []
    if rules.get("registered_jobseeker"):
        answer = answers.get("elig_registered_jobseeker")
        results.append(("registered_jobseeker", {}, None if answer is None else bool(answer)))
    if rules.get("brussels_resident"):
        answer = answers.get("elig_brussels_resident")
        results.append(("brussels_resident", {}, None if answer is None else bool(answer)))
    age = answers.get("elig_age")
    if rules.get("min_age") is not None:
        results.append(("min_age", {"age": rules["min_age"]}, None if age is None else age >= rules["min_age"]))
    if rules.get("max_age") is not None:
        results.append(("max_age", {"age": rules["max_age"]}, None if age is None else age <= rules["max_age"]))
    for requirement in rules.get("language_requirements") or []:
        level = answers.get(LANGUAGE_SLOTS.get(requirement.get("language"), ""))
        met = None if level not in CEFR_LEVELS else CEFR_LEVELS.index(level) >= CEFR_LEVELS.index(requirement["level"])
        results.append(("language_level", {"language": requirement["language"], "level": requirement["level"]}, met))
    diploma = answers.get("elig_diploma")
    known = diploma in DIPLOMAS
    if rules.get("min_diploma"):
        met = None if not known else DIPLOMAS.index(diploma) >= DIPLOMAS.index(rules["min_diploma"])
        results.append(("min_diploma", {"diploma": rules["min_diploma"]}, met))
    if rules.get("max_diploma"):
        met = None if not known else DIPLOMAS.index(diploma) <= DIPLOMAS.index(rules["max_diploma"])
        results.append(("max_diploma", {"diploma": rules["max_diploma"]}, met))
    return results


def meets_all(rules: Optional[Dict[str, Any]], answers: Dict[str, Any]) -> bool:
    """Whether the answers meet every rule of a course (an unanswered rule is not met)."""
    return all(met is True for _, _, met in rule_results(rules, answers))
