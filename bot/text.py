"""The words of a message, as understanding (bot/nlu) and the actions both read them.

Which words can name a course, the catalogue's own vocabulary (read from the live catalogue, so a
course added by a sync is named without retraining), spelling correction against it, and the
words that name a detail of a course. Pure helpers: bot/nlu and bot/actions import this module,
never the reverse.
"""

from __future__ import annotations

import logging
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Tuple, Union

import yaml
from rapidfuzz import fuzz, process

from bot.language import SUPPORTED_LANGUAGES, fold
from bot.spelling import standard
from catalogue_sync.utils import search_text

logger = logging.getLogger(__name__)

# Similarity (0-100, rapidfuzz's ratio) a typed word needs to be read as a catalogue word.
SPELLING_CUTOFF = 80
# Shorter words are left alone: "temps" is one letter away from "teams".
SPELLING_MIN_LETTERS = 6
# A message names a course with a few words; a long text must not cost a spelling search per word.
MAX_KEYWORDS = 30

# Words that say "a course" or "I'm looking for" rather than what about.
GENERIC_WORDS = {
    "formation", "formations", "cours", "cursus", "training", "trainings", "opleiding", "opleidingen",
    "cursussen", "programme", "programma", "chercher", "cherche", "cherches", "recherche", "trouver",
    "zoek", "zoeken", "vinden", "veux", "voudrais", "wil", "graag", "aimerais", "interesse",
    "interesseert", "quelque", "chose", "iets", "met", "une", "un", "des", "een", "course",
    "courses", "looking", "find", "want", "bonjour", "hallo", "svp", "aub", "stp", "possible",
    "dispo", "disponible", "beschikbaar", "propose", "proposez", "aanbod", "gratuit", "gratis",
    "faire", "doen", "leren", "apprendre", "suivre", "volgen", "jcherche", "jveux", "domaine",
    "secteur", "metier", "beroep", "travailler", "werken", "job", "emploi", "werk", "dans", "le",
    "la", "les", "de", "du", "het", "voor", "pour", "en", "in", "je", "ik", "j", "m", "moi", "mij",
    "bruxelles", "brussel", "brussels", "belgique", "belgie", "region", "gewest", "demain", "morgen",
    "aujourd", "hui", "vandaag", "devenir", "worden", "moins", "minder", "semaines", "weken",
    "mois", "maanden", "courte", "courtes", "korte", "kort", "max", "maximum", "hooguit",
}

_KEYWORD = re.compile(r"[^\W_]+(?:[.\-][^\W_]+)*")
_WORD = re.compile(r"[^\W_]+")


@lru_cache(maxsize=1)
def _stop_words() -> frozenset:
    from spacy.lang.fr.stop_words import STOP_WORDS as FRENCH
    from spacy.lang.nl.stop_words import STOP_WORDS as DUTCH

    return frozenset(fold(w) for w in FRENCH | DUTCH)


def keywords(text: str) -> List[str]:
    """The words of a message that can say what course is meant (no stop or generic words).

    Each word once, in the order of the message, at most MAX_KEYWORDS of them. Tech terms are
    the catalogue search's words ("C#" -> "csharp", ".NET" -> "dotnet": catalogue_sync's
    `search_text`), not a letter or a part of a word.
    """
    found: Dict[str, None] = {}
    stop = _stop_words()
    for word in _KEYWORD.findall(fold(search_text(text))):
        if word in found or word in stop or word in GENERIC_WORDS or len(word) < 2 or word.isdigit():
            continue
        found[word] = None
        if len(found) >= MAX_KEYWORDS:
            break
    return list(found)


def words_in(texts: Iterable[str]) -> set:
    """The folded words of texts, split as the catalogue's search splits titles and topics."""
    words = set()
    for text in texts:
        words.update(_WORD.findall(fold(search_text(text or ""))))
    return words


def vocabulary(courses: Iterable[Dict[str, Any]]) -> set:
    """Every word of the courses' titles and topics, folded."""
    texts: List[str] = []
    for course in courses:
        texts += [course.get(f"title_{code}") or "" for code in ("fr", "nl", "en")]
        title = course.get("title")
        if isinstance(title, dict):
            texts += [str(t) for t in title.values()]
        texts += [str(t) for t in course.get("topics") or []]
    return words_in(texts)


class CatalogueWords(frozenset):
    """The catalogue's words, with the tuple rapidfuzz searches kept beside the set."""

    choices: Tuple[str, ...]

    def __new__(cls, words: Iterable[str]) -> "CatalogueWords":
        self = super().__new__(cls, words)
        self.choices = tuple(sorted(self))
        return self


_VOCABULARY_CACHE: Dict[str, Tuple[tuple, CatalogueWords]] = {}


def file_state(path) -> tuple:
    """What changes when a file is written: its inode, time and size, and those of its SQLite WAL if any."""
    state = []
    for name in (str(path), f"{path}-wal"):
        try:
            stat = os.stat(name)
        except OSError:
            state.append(None)
        else:
            state.append((stat.st_ino, stat.st_mtime_ns, stat.st_size))
    return tuple(state)


def catalogue_words(catalogue) -> CatalogueWords:
    """`vocabulary()` of the catalogue's active courses, read again only when the file changed.

    Every message needs it (spelling, naming a course); reading every course each time would
    cost most of an answer on a large catalogue.

    Raises:
        CatalogueUnavailable: the catalogue cannot be read.
    """
    key = str(catalogue.path)
    state = file_state(catalogue.path)
    cached = _VOCABULARY_CACHE.get(key)
    if cached is None or cached[0] != state:
        cached = (state, CatalogueWords(vocabulary(catalogue.active_courses())))
        _VOCABULARY_CACHE[key] = cached
    return cached[1]


def correct_spelling(words: List[str], known: Iterable[str], leave: Iterable[str] = ()) -> List[str]:
    """Each word, or the closest catalogue word when it is not one ("cybersecuriter" -> ...).

    A word of the synonyms (bot/synonyms) is left as it is: the search knows what it means; so is
    a word in `leave` (real words: "commence" is no typo of "commerce").
    """
    choices = getattr(known, "choices", None) or tuple(known)
    known_set = known if isinstance(known, (set, frozenset)) else set(choices)
    synonyms = synonyms_table()
    corrected = []
    for word in words:
        if word in known_set or len(word) < SPELLING_MIN_LETTERS or word in synonyms.groups_of or word in leave:
            corrected.append(word)
            continue
        match = process.extractOne(word, choices, scorer=fuzz.ratio, score_cutoff=SPELLING_CUTOFF)
        corrected.append(match[0] if match else word)
    return corrected


def course_words(text: str, known: Iterable[str], leave: Iterable[str] = ()) -> List[str]:
    """The words of a message that name courses of the catalogue (spelling corrected), or whose
    synonyms do ("gsm" where the catalogue says "smartphone").

    Args:
        text: the message.
        known: `catalogue_words()` of the catalogue.
        leave: words not to correct (see `correct_spelling`).
    """
    if not text or text.startswith("/"):
        return []
    groups_of = synonyms_table().groups_of
    return [w for w in correct_spelling(keywords(text), known, leave)
            if w in known or any(set(entry.split()) <= known for group in groups_of.get(w, ()) for entry in group)]


class Synonyms:
    """The synonym groups of bot/synonyms/<language>.yml, as search terms.

    Attributes:
        groups_of: each word of an entry -> the groups it belongs to (entries as keyword strings).
        phrases: (the words of a several-word entry, its group), longest first.
    """

    def __init__(self, groups: Iterable[Iterable[str]]):
        self.groups_of: Dict[str, List[Tuple[str, ...]]] = {}
        self.phrases: List[Tuple[Tuple[str, ...], Tuple[str, ...]]] = []
        single: Dict[str, Tuple[str, ...]] = {}
        for raw in groups:
            group = tuple(dict.fromkeys(" ".join(keywords(str(entry))) for entry in raw if entry is not None))
            group = tuple(entry for entry in group if entry)
            if len(group) < 2:
                continue
            for entry in group:
                for word in entry.split():
                    self.groups_of.setdefault(word, []).append(group)
                if " " in entry:
                    self.phrases.append((tuple(entry.split()), group))
                else:
                    single.setdefault(entry, group)
        self.single = single
        self.phrases.sort(key=lambda pair: -len(pair[0]))

    def terms(self, words: List[str]) -> List[Union[str, Tuple[str, ...]]]:
        """Search terms for the words of a message: each word, or its group of synonyms.

        A several-word entry ("réparer un pc") found in a row in the words stands for them all.
        """
        terms: List[Union[str, Tuple[str, ...]]] = []
        index = 0
        while index < len(words):
            for phrase, group in self.phrases:
                if tuple(words[index:index + len(phrase)]) == phrase:
                    terms.append(group)
                    index += len(phrase)
                    break
            else:
                word = words[index]
                terms.append(self.single.get(word, word))
                index += 1
        return terms


SYNONYMS_DIR = Path(__file__).with_name("synonyms")
_SYNONYMS_CACHE: Dict[str, Tuple[tuple, Synonyms]] = {}


def synonyms_table() -> Synonyms:
    """The synonyms of every language (bot/synonyms/*.yml), read again when a file changes.

    Staff edit those files; a Brussels message mixes the languages, so all of them apply.
    """
    paths = [SYNONYMS_DIR / f"{code}.yml" for code in SUPPORTED_LANGUAGES]
    state = tuple(file_state(path) for path in paths)
    cached = _SYNONYMS_CACHE.get("all")
    if cached is None or cached[0] != state:
        groups: List[Any] = []
        for path in paths:
            try:
                loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or []
            except (OSError, yaml.YAMLError) as error:
                logger.warning("Synonyms of %s left out: %s", path.name, error)
                continue
            groups += [g for g in loaded if isinstance(g, list)]
        cached = (state, Synonyms(groups))
        _SYNONYMS_CACHE["all"] = cached
    return cached[1]


def search_terms(words: List[str]) -> List[Union[str, Tuple[str, ...]]]:
    """The terms of a catalogue search for these words, synonyms included (see `Synonyms.terms`)."""
    return synonyms_table().terms(words)


# FAQ intents are "faq_<topic>". The topics that are also a detail of each course: asked while a
# course is under discussion, the course's own record answers; the general text where it has none.
FAQ_INTENT_PREFIX = "faq_"
COURSE_DETAIL_TOPICS = {"cost": "cost", "certificates": "certificate", "directions": "location"}

# Folded words and phrases that name a detail of a course, when the NLU found no course_detail
# entity. Phrases are matched before single words: "en ligne ou sur place" is about the format.
DETAIL_WORDS = {
    "format": ("en ligne", "sur place", "sur site", "a distance", "presentiel", "hybride", "online",
               "op locatie", "ter plaatse", "op afstand", "afstandsonderwijs", "hybrid", "thuis volgen",
               "van thuis", "vanuit huis", "de chez moi", "a la maison", "depuis chez moi"),
    "duration": ("duree", "dure", "longtemps", "combien de temps", "hoe lang", "duur", "duurt", "weken",
                 "semaines", "mois", "maanden"),
    "hours_per_week": ("heures par semaine", "uur per week", "uren per week", "lesuren", "combien d'heures"),
    "schedule": ("horaire", "horaires", "uurrooster", "lesrooster", "temps plein", "temps complet", "voltijds", "deeltijds",
                 "mi-temps"),
    "start_date": ("commence", "debut", "demarre", "begint", "start", "aanvang", "quand"),
    "cost": ("c'est combien", "c est combien", "wat kost", "hoeveel kost", "cout", "coute", "prix", "payer", "payant",
             "gratuit", "kost", "kosten", "prijs", "betalen", "gratis", "minerval", "euro", "euros", "eur", "tarif",
             "inschrijvingsgeld", "kostprijs"),
    "certificate": ("certificat", "attestation", "diplome", "certificaat", "attest", "getuigschrift"),
    "location": ("ou", "lieu", "adresse", "endroit", "waar", "plaats", "locatie", "adres"),
    "internship": ("stage", "stagiair", "stageplaats"),
    "language_level": ("quel niveau", "niveau de francais", "niveau de neerlandais", "niveau d'anglais",
                       "niveau en langues", "niveau de langue", "welk niveau", "niveau frans", "niveau nederlands",
                       "niveau engels", "taalniveau", "niveau van", "language level"),
    "teaching_languages": ("quelle langue", "en quelle langue", "welke taal", "in welke taal", "en francais",
                           "en neerlandais", "en anglais", "in het frans", "in het nederlands", "in het engels"),
    "prerequisites": ("prerequis", "niveau requis", "conditions", "voorkennis", "vereisten", "voorwaarden",
                      "pour qui", "voor wie", "s adresse a", "bedoeld voor"),
    "provider": ("qui organise", "organisateur", "operateur", "organisator", "wie organiseert", "aanbieder"),
    "url": ("lien", "site", "link", "website", "url"),
}
# Details a request to switch languages names without asking them ("in het Nederlands", "en français").
LANGUAGE_DETAILS = ("teaching_languages", "language_level")
# "Où" written without its accent is "ou" ("or"): it asks where only where "or" can't be meant.
_OU_WHERE = re.compile(
    r"(?:^|\s)(?:c est|c|d|par|se passe|a lieu)\s+ou\b"
    r"|(?:^|\s)ou\s+(?:est|se|c|ca|a lieu|aller|exactement|donc)\b"
    r"|(?:^|\s)ou\s*(?:\?|$)"
)


# A question about the level of a language a course asks: a language (or "langue"/"taal") with a
# word that asks what is required, or a CEFR level ("faut parler anglais pour X ?", "B1 en
# français c'est obligatoire ?", "hoe goed moet mijn Engels zijn?", "is Nederlands verplicht?").
LANGUAGE_WORDS = frozenset({
    "francais", "neerlandais", "flamand", "anglais", "langue", "langues", "frans", "nederlands", "vlaams",
    "engels", "english", "taal", "talen", "taalniveau", "taalniveaus",
})
_REQUIREMENT_WORDS = frozenset({
    "niveau", "faut", "obligatoire", "necessaire", "requis", "exige", "exigee", "doit", "dois", "connaitre",
    "parler", "maitriser", "maitrise", "moet", "moeten", "nodig", "verplicht", "vereist", "kennen", "spreken",
    "beheersen", "taalniveau", "taalniveaus", "level", "niveaus",
    # a weak language said with the question ("mijn Frans is zwak, lukt dat toch?")
    "zwak", "faible", "slecht", "mauvais", "gebrekkig",
})
_WEAK_LANGUAGE_PHRASES = ("hoe goed", "bijna geen", "un peu", "pas bien", "pas tres bien", "niet goed", "niet zo goed",
                          "pas top", "pas terrible")
_CEFR = re.compile(r"\b[abc][12]\b")


def asks_language_level(text: str) -> bool:
    """Whether a message asks which level of a language a course requires (not which language
    it is taught in: "c'est en anglais ?" names no requirement)."""
    folded = " ".join(re.findall(r"\w+", standard(text or "")))
    words = set(folded.split())
    if not words & LANGUAGE_WORDS:
        return False
    padded = f" {folded} "
    return (bool(words & _REQUIREMENT_WORDS) or any(f" {p} " in padded for p in _WEAK_LANGUAGE_PHRASES)
            or bool(_CEFR.search(folded)))


# A question about one admission rule of a course ("il faut un diplôme ?", "moet ik bij Actiris
# ingeschreven zijn?", "y a une limite d'âge ?", "faut habiter à Bruxelles ?"): a word of the rule,
# and for most rules a word that asks whether it is required ("on reçoit un diplôme ?" asks the
# certificate, "comment s'inscrire chez Actiris ?" the way to register). Phrases are folded words.
RULE_WORDS = {
    "registration": ("actiris", "vdab", "forem", "demandeur d emploi", "demandeuse d emploi",
                     "demandeur emploi", "demandeurs d emploi", "werkzoekende", "werkzoekend", "werklozen"),
    "residence": ("habiter", "habite", "vivre a", "domicilie", "domiciliee", "domicile", "domiciliation",
                  "resider", "resident", "residente", "bruxellois", "bruxelloise", "bruxellois", "wonen", "woonplaats",
                  "gedomicilieerd", "inwoner", "inwoners", "brusselaar", "brusselaars"),
    "age": ("age", "ages", "limite d age", "leeftijd", "leeftijdsgrens", "leeftijdslimiet", "trop vieux",
            "trop vieille", "trop jeune", "trop age", "trop agee", "te oud", "te jong", "reserve aux jeunes",
            "voor jongeren", "pour les jeunes", "enkel voor jongeren"),
    "diploma": ("diplome", "diplomes", "diploma", "diplomas", "cess", "cesi", "ceb", "bachelier", "bachelor",
                "etudes", "studies", "middelbaar", "secondaire", "humaniora", "hoger onderwijs"),
}
# Rules whose words alone ask about them (a question about age is a question about the age rule).
_RULE_WORDS_ALONE = frozenset({"age"})
_ASKING_RULE = frozenset({
    "faut", "faudrait", "fallait", "obligatoire", "obligatoirement", "necessaire", "requis", "requise", "exige",
    "exigee", "doit", "dois", "devoir", "besoin", "sans", "condition", "accepte", "acceptee", "acceptes", "seulement",
    "uniquement", "reserve", "reservee", "moet", "moeten", "nodig", "verplicht", "vereist", "vereiste", "zonder",
    "voorwaarde", "enkel", "alleen", "toegelaten", "aanvaard", "limite", "grens", "maximum", "minimum",
})
# "Is it for beginners?" about a course: its level (beginner, intermediate, advanced).
COURSE_LEVEL_WORDS = frozenset({
    "debutant", "debutante", "debutants", "debutantes", "beginner", "beginners", "beginnend", "beginnende",
    "starter", "starters", "gevorderd", "gevorderde", "gevorderden", "avance", "avancee", "avances", "intermediaire",
    "nul", "nuls", "leek", "leken", "novice", "novices", "expert", "experts",
})
_COURSE_LEVEL_PHRASES = ("sans experience", "zonder ervaring", "sans connaissance", "zonder voorkennis",
                         "aucune connaissance", "geen voorkennis", "geen ervaring", "jamais programme", "nooit geprogrammeerd",
                         "quel niveau", "welk niveau", "niveau requis", "niveau demande")
# A search for courses, not a question about one: "y a des formations pour débutants ?".
_SEARCHING = frozenset({"cherche", "recherche", "chercher", "zoek", "zoeken", "formations", "opleidingen",
                        "cursussen", "trainingen", "proposez", "avez", "aanbod", "iets", "quelque"})


def _folded_words(text: str) -> Tuple[str, set]:
    folded = " ".join(re.findall(r"\w+", standard(text or "").replace("'", " ")))
    return folded, set(folded.split())


def _has_phrase(padded: str, words: set, phrase: str) -> bool:
    return f" {phrase} " in padded if " " in phrase else phrase in words


def rule_asked(text: str) -> Optional[str]:
    """Which admission rule a message asks about ("registration", "residence", "age", "diploma"),
    or None. The facts a message states are read elsewhere (eligibility_rules.stated_facts): this
    is for questions that state none ("il faut un diplôme ?", "is er een leeftijdsgrens?")."""
    folded, words = _folded_words(text)
    padded = f" {folded} "
    # "J'ai pas le CESS, je peux faire X ?" tells what one lacks: the rule is the question.
    asking = bool(words & _ASKING_RULE) or any(f" {p} " in padded for p in (
        "pas de", "pas besoin", "geen", "pas le", "pas mon", "pas encore", "pas d", "niet"))
    for kind, phrases in RULE_WORDS.items():
        if any(_has_phrase(padded, words, phrase) for phrase in phrases) and (asking or kind in _RULE_WORDS_ALONE):
            return kind
    return None


def is_search(text: str) -> bool:
    """Whether a message looks for courses ("y a des formations pour débutants ?", "ik zoek een
    opleiding zonder diploma") rather than asking about one."""
    return bool(_folded_words(text)[1] & _SEARCHING)


def asks_course_level(text: str) -> bool:
    """Whether a message asks a course's level ("c'est pour les débutants ?", "is dat voor
    gevorderden?", "faut-il de l'expérience ?") rather than searching for courses of a level or
    asking the level of a language."""
    if asks_language_level(text):
        return False
    folded, words = _folded_words(text)
    padded = f" {folded} "
    if is_search(text):
        return False
    return bool(words & COURSE_LEVEL_WORDS) or any(f" {phrase} " in padded for phrase in _COURSE_LEVEL_PHRASES)


def detail_named(text: str, ignore: Iterable[str] = ()) -> Optional[str]:
    """Which course detail a message asks about, from its words; None when it names none.

    Phrases first ("en ligne ou sur place" asks the format, "combien de temps" the duration),
    then single words; "ou" without its accent counts as "where" only where it can't be "or",
    and "site" of "sur site" is the place, not the website. Details in `ignore` are not looked for
    ("in het Nederlands" asks the teaching language, unless the message asks to switch to it).
    """
    if "language_level" not in ignore and asks_language_level(text):
        return "language_level"
    folded = " ".join(re.findall(r"\w+|\?", standard(text or "")))
    where_asked = "où" in (text or "").lower() or bool(_OU_WHERE.search(folded))
    padded = f" {folded} "
    for detail, word in _detail_words():
        if detail in ignore:
            continue
        if word == "ou":
            if where_asked:
                return detail
        elif f" {word} " in padded:
            return detail
    return None


MAX_DETAILS_ASKED = 3


def details_named(text: str) -> List[str]:
    """Every course detail a message asks, in the order found, when it joins several questions
    ("waar is de cursus en hoelang duurt die?", "c'est combien et ça commence quand ?"); one or
    none otherwise (see `detail_named`)."""
    first = detail_named(text)
    if first is None:
        return []
    folded = " " + " ".join(re.findall(r"[^\W_]+|[,?]", standard(text))) + " "
    if not (folded.count("?") > 1 or " , " in folded or any(f" {w} " in folded for w in ("et", "en", "and", "ou"))):
        return [first]
    found = [first]
    while len(found) < MAX_DETAILS_ASKED:
        more = detail_named(text, ignore=found)
        if more is None:
            break
        found.append(more)
    return found


@lru_cache(maxsize=1)
def _detail_words() -> Tuple[Tuple[str, str], ...]:
    """(detail, word) of DETAIL_WORDS split as messages are, phrases first."""
    pairs = [(detail, " ".join(re.findall(r"\w+", fold(word)))) for detail, words in DETAIL_WORDS.items() for word in words]
    return tuple(sorted(pairs, key=lambda pair: " " not in pair[1]))


# Words that ask about a course or the hub rather than name a course, even where a title holds
# them ("Technicien PC", "Taal en digitaal", "Stage en entreprise"): alone, they name none.
NOT_NAMING = frozenset({
    "pc", "ordinateur", "ordi", "laptop", "computer", "portable", "stage", "stages", "certificat", "certificats",
    "certificaat", "attest", "attestation", "diplome", "taal", "talen", "langue", "langues", "niveau", "level",
    "francais", "frans", "neerlandais", "nederlands", "flamand", "anglais", "engels", "english", "bilingue",
    "tweetalig", "ligne", "online", "place", "distance", "hybride", "prix", "cout", "gratuit", "gratis", "kost",
    "duree", "semaines", "weken", "heures", "uren", "debut", "date", "lieu", "adresse", "seance", "seances",
    "infosessie", "infosessies", "info", "inscription", "inscrire", "inschrijven", "conditions", "voorwaarden",
    "jeunes", "jongeren", "femmes", "vrouwen", "base", "basis", "bruxelles", "brussel", "fin", "einde",
    "ans", "an", "jaar", "jaren", "age", "leeftijd", "debutant", "debutante", "debutants", "debutantes",
    "beginner", "beginners", "beginnende", "gevorderd", "gevorderden", "avance", "avances", "intermediaire",
})
MAX_NAMING_WORDS = 6


def _without_detail_phrases(text: str) -> str:
    """The message without the phrases that name a detail ("en ligne", "combien de temps")."""
    folded = " " + " ".join(re.findall(r"\w+", fold(search_text(text or "")))) + " "
    for _, phrase in _detail_words():
        if " " in phrase:
            folded = folded.replace(f" {phrase} ", " ")
    return folded


NLU_DATA = Path(__file__).resolve().parent / "data" / "nlu"
# An annotated span of a training example: [text](entity) or [text]{"entity": ..., ...}.
_ANNOTATION = re.compile(r"\[([^\]]*)\](\{[^}]*\}|\([^)]*\))")
_ENTITY_OF = re.compile(r'^\((\w+)\)$|"entity"\s*:\s*"(\w+)"')
# Entities whose spans name a course: their words are course words, not everyday ones.
NAMING_ENTITIES = frozenset({"course", "topic"})


@lru_cache(maxsize=1)
def everyday_words() -> frozenset:
    """The folded words people write in the NLU training examples (bot/data/nlu/<language>/),
    outside the spans that name a course or a topic: "commence", "dure", "herstellen"... Real
    words, that `named_course` does not read as typos of a catalogue word."""
    def unnamed(match: "re.Match") -> str:
        entity = _ENTITY_OF.search(match.group(2))
        return " " if entity and (entity.group(1) or entity.group(2)) in NAMING_ENTITIES else match.group(1)

    texts = []
    for path in sorted(NLU_DATA.glob("*/*.yml")):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            for line in str(block.get("examples") or "").splitlines():
                texts.append(_ANNOTATION.sub(unnamed, line.strip().lstrip("-").strip()))
    return frozenset(words_in(texts))


def title_words(course: Dict[str, Any]) -> set:
    """The folded words of a course's titles."""
    title = course.get("title")
    texts = list(title.values()) if isinstance(title, dict) else []
    return words_in(texts + [course.get(f"title_{code}") or "" for code in ("fr", "nl", "en")])


def without_title(text: str, course: Optional[Dict[str, Any]]) -> str:
    """The message without the words of the course's titles: what it asks about the course it
    names ("le certificat google it support ça dure combien ?" asks the duration, "excel avancé
    prix ?" the cost, not the certificate or the level the titles speak of)."""
    if not course or not text:
        return text or ""
    title = course.get("title")
    texts = list(title.values()) if isinstance(title, dict) else []
    texts += [course.get(f"title_{code}") or "" for code in ("fr", "nl", "en")]
    in_title = set(re.findall(r"[^\W_]+", fold(" ".join(texts))))
    stop = _stop_words()
    tokens = re.findall(r"\w+|[?]", standard(text).replace("'", " "))
    # The title as the message writes it: a run of its words (small words between), two of them
    # at least; a title word alone ("Engels" of "in het Engels") may be the question.
    kept, run = [], []

    def close_run():
        named = [t for t in run if t not in stop and len(t) > 2]
        if len(named) < 2:
            kept.extend(run)
        run.clear()

    for token in tokens:
        if token in in_title:
            run.append(token)
        else:
            close_run()
            kept.append(token)
    close_run()
    return " ".join(kept)


# Words of a request for a course that are no part of its name ("la formation X", "je cherche X").
_REQUEST_WORDS = frozenset({
    "formation", "opleiding", "cours", "cursus", "training", "module", "programme", "cherche", "recherche", "zoek",
    "veux", "voudrais", "wil", "graag", "info", "infos", "informations", "informatie", "meer", "plus", "over",
    "sur", "voor", "pour", "svp", "aub", "bonjour", "hallo", "dag", "interesse", "interesseert",
    # "X, c'est quoi (comme formation) ?", "wat is X?", "vertel me iets over X"
    "c", "est", "quoi", "comme", "qu", "ce", "que", "wat", "is", "dat", "vertel", "me", "iets", "about", "tell",
})


def is_title_of(text: str, course: Optional[Dict[str, Any]], catalogue) -> bool:
    """Whether a message is the name of this course: every word it names the course with is a word
    of its titles, two words or more ("PC-technicus en helpdesk", "google it support", "la
    formation premiers clics"): one word ("web", "dotnet") is a search."""
    if not course or is_search_for_many(text):
        return False
    title = course.get("title")
    texts = list(title.values()) if isinstance(title, dict) else []
    texts += [course.get(f"title_{code}") or "" for code in ("fr", "nl", "en")]
    titles = set(re.findall(r"[^\W_]+", fold(" ".join(texts))))  # every word, "eerste" of "Eerste klikken" too
    known = catalogue_words(catalogue) | titles
    words = [w for w in re.findall(r"[^\W_]+", " ".join(correct_spelling(re.findall(r"[^\W_]+", standard(text)), known,
                                                                           leave=everyday_words())))
             if w not in _REQUEST_WORDS and w not in _ARTICLES]
    if not words or not all(any(t.startswith(w) for t in titles) for w in words):
        return False
    return len(words) >= 2


_ARTICLES = frozenset({"la", "le", "les", "l", "de", "du", "des", "het", "een", "die", "deze", "the", "a"})


def is_search_for_many(text: str) -> bool:
    """Whether a message asks for any course of a kind: in the plural ("des formations",
    "opleidingen") or with an indefinite article ("une formation en data", "een opleiding")."""
    folded, words = _folded_words(text)
    padded = f" {folded} "
    return bool(words & {"formations", "opleidingen", "cursussen", "trainingen"}) or any(
        f" {phrase} " in padded for phrase in ("une formation", "un cours", "een opleiding", "een cursus", "een training"))


def names_a_course(words: Iterable[str]) -> bool:
    """Whether some of the words can name a course: not only words about a course ("stage",
    "certificat", "en ligne") that titles also hold."""
    return any(fold(w) not in NOT_NAMING for w in words)


def named_course(text: str, catalogue) -> Optional[Dict[str, Any]]:
    """The one catalogue course a message names by its title words or distinctive topic words, or None.

    "combien de temps dure la formation flutter ?", "vertel me meer over de opleiding PC-technicus",
    "krijg ik een attest na taal en digitaal?": a course, whatever FAQ word the message also has.
    The course is the one whose titles hold the most of the message's words, counting first the
    words that can name a course (not NOT_NAMING, not a detail phrase: "en ligne"); a word found
    in one course only (a topic: "firebase") names it too. None when no word names a course or
    two courses fit as well: the caller then asks which, or uses the course under discussion.
    """
    if not text or text.startswith("/"):
        return None
    known = catalogue_words(catalogue)
    # Naming a course for sure: a real word is not read as a typo of a title's ("et ça commence
    # quand ?" names no "e-commerce" course).
    words = [w for w in course_words(_without_detail_phrases(text), known, leave=everyday_words())
             if w in known][:MAX_NAMING_WORDS]
    naming = [w for w in words if w not in NOT_NAMING]
    if not naming:
        return None

    def in_title(word: str, titles: set) -> bool:
        return any(t.startswith(word) for t in titles)  # as the search matches: "smartphone" in "smartphones"

    scored = []
    for course in catalogue.search_courses([tuple(words)], limit=10):
        titles = title_words(course)
        # Whole words first: "java" names "Développeur Java" before "... (JavaScript)".
        score = (sum(in_title(w, titles) for w in naming), sum(w in titles for w in naming),
                 sum(in_title(w, titles) for w in words))
        scored.append((score, course))
    best = max((score for score, _ in scored), default=(0, 0, 0))
    if best[0] > 0:
        fitting = [course for score, course in scored if score == best]
        return fitting[0] if len(fitting) == 1 else None
    only = [w for w in naming if catalogue.count_courses([w]) == 1]
    if len(only) == len(naming):
        found = {c["id"]: c for w in only for c in catalogue.search_courses([w], limit=1)}
        return next(iter(found.values())) if len(found) == 1 else None
    return None


# "la deuxième", "de tweede", "nummer 3", "la 2e": which course of a list the message picks.
ORDINALS = {
    "premier": 1, "premiere": 1, "1er": 1, "1ere": 1, "1re": 1, "eerste": 1, "1ste": 1,
    "deuxieme": 2, "second": 2, "seconde": 2, "2e": 2, "2eme": 2, "2de": 2, "tweede": 2,
    "troisieme": 3, "3e": 3, "3eme": 3, "3de": 3, "derde": 3,
    "quatrieme": 4, "4e": 4, "4eme": 4, "4de": 4, "vierde": 4,
    "cinquieme": 5, "5e": 5, "5eme": 5, "5de": 5, "vijfde": 5,
    "dernier": -1, "derniere": -1, "laatste": -1,
}
_NUMBER_PICK = re.compile(r"^(?:(?:la|le|de|het|nummer|numero|nr|n|no)\s+)?(\d)\s*[?!.]*$")


def ordinal_picked(text: str) -> Optional[int]:
    """The place in a list a message picks ("la première" -> 1, "de laatste" -> -1, "2" -> 2), or None."""
    folded = fold(text or "").strip()
    number = _NUMBER_PICK.match(folded)
    if number:
        return int(number.group(1))
    words = re.findall(r"\w+", folded)
    picked = [ORDINALS[w] for w in words if w in ORDINALS]
    return picked[0] if len(picked) == 1 else None


# Words around an ordinal that still only pick ("et la première ?", "ok, de tweede graag").
_PICK_FILLERS = frozenset({
    "et", "en", "la", "le", "de", "het", "die", "celle", "celui", "ok", "oke", "okay", "alors", "dan", "euh", "eh",
    "plutot", "liever", "graag", "svp", "stp", "please", "aub", "alsjeblieft", "nummer", "numero", "nr", "no",
    "formation", "opleiding", "cursus", "je", "prends", "ik", "neem", "choisis", "kies", "ci", "ca", "dat", "is",
    "c", "est", "moi", "mij", "voor", "pour", "oui", "ja", "bon", "goed", "merci", "dank", "u",
})


MAX_FRAGMENT_WORDS = 5
FRAGMENT_CUTOFF = 85


def fragment_picked(text: str, courses: List[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    """The one course of a list a short message names by a fragment of its title ("die
    nederlandstalige", "celle du soir", "die van 's avonds"), spelling forgiven; None otherwise."""
    if not text or text.startswith("/") or len(text.split()) > MAX_FRAGMENT_WORDS or len(courses) < 2:
        return None
    words = [w for w in keywords(text) if w not in NOT_NAMING]
    if not words:
        return None

    def matches(word: str, titles: set) -> bool:
        return any(t.startswith(word) or word.startswith(t) and len(t) >= 5 for t in titles) or bool(
            process.extractOne(word, titles, scorer=fuzz.ratio, score_cutoff=FRAGMENT_CUTOFF))

    fitting = [c for c in courses if all(matches(w, title_words(c)) for w in words)]
    return fitting[0] if len(fitting) == 1 else None


def only_picks(text: str) -> bool:
    """Whether a message does nothing but pick a place in a list: one ordinal ("la première", "de
    tweede?", "la 1ère", "nummer 2", "de laatste") and filler words, at most five words. A bare
    number is not one (it may answer a question: an age, a choice in a form)."""
    folded = fold(text or "")
    words = re.findall(r"\w+", folded.replace("'", " "))
    if not words or len(words) > 5 or ordinal_picked(text) is None:
        return False
    if len(words) == 1 and words[0].isdigit():
        return False
    rest = [w for w in words if w not in ORDINALS and w not in _PICK_FILLERS and not w.isdigit()]
    return not rest
