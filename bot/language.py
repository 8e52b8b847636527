"""Which language a message is written in (French or Dutch), and which language the bot answers in.

Used by the NLU component (which adds `language` to the parse output), by the action that keeps
the `language` slot, and by the NLU evaluation. It depends on lingua and spaCy's language data
(and the catalogue's text folding), never on the action server or the catalogue's data.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any, Dict, Optional, Tuple

from catalogue_sync.utils import fold as catalogue_fold

SUPPORTED_LANGUAGES: Tuple[str, ...] = ("fr", "nl")
# Told apart from French and Dutch so that an English message doesn't switch the conversation.
DETECTED_LANGUAGES: Tuple[str, ...] = ("fr", "nl", "en")
LINGUA_CODES = {"FRENCH": "fr", "DUTCH": "nl", "ENGLISH": "en"}
DEFAULT_LANGUAGE = "fr"
# Parse output of a message that asked to switch languages and asked something else
# (bot.nlu.language_switch): the language asked for, and the message as typed.
LANGUAGE_SWITCH = "language_switch"
ORIGINAL_TEXT = "original_text"
# The intent of the question that came with the switch (the message's intent is change_language).
QUESTION_INTENT = "question_intent"
# The question's words, and where they start in the message (entities of the message are offsets in it).
QUESTION_TEXT = "question_text"
QUESTION_START = "question_start"


def shift_entity(entity: Dict[str, Any], by: int) -> Dict[str, Any]:
    """An entity with its offsets moved by `by` characters."""
    moved = dict(entity)
    for key in ("start", "end"):
        if isinstance(moved.get(key), int):
            moved[key] += by
    return moved

# A conversation only switches language on evidence: two words or more whose language is clear,
# or one long word that can only be one language ("goedemorgen", "bonjour"). "ok", "oui", "ja",
# "merci", "1" or an email address say too little: Brussels speakers use them in both languages.
MIN_CONFIDENCE_SEVERAL_WORDS = 0.75
MIN_CONFIDENCE_ONE_WORD = 0.9
MIN_LETTERS_ONE_WORD = 6

# Courtesy words spaCy's stop lists lack but that tell the language at once, even alone.
SIGNATURE_WORDS = {
    "fr": {"bonjour", "bonsoir", "salut", "coucou", "svp", "stp", "oui", "ouais", "non",
           "accord", "revoir", "bjr", "slt", "cc", "mrc", "formation", "formations", "seance",
           # chat spellings (bot/spelling/fr.yml)
           "cmb", "jsuis", "chui", "chuis", "koi", "kwa", "jpeux", "jveux", "jsp", "bcp", "tjr", "tjrs", "qd"},
    "nl": {"hallo", "hoi", "dag", "goeiedag", "goedendag", "goedemorgen", "goeiemorgen", "goedemiddag",
           "goedenavond", "dankjewel", "dankuwel", "bedankt", "alstublieft", "alsjeblieft", "aub", "ja",
           "jawel", "nee", "neen", "doei", "opleiding", "opleidingen", "infosessie", "hoeveel", "hoelang",
           "kost", "kosten",
           # tussentaal and chat spellings (bot/spelling/nl.yml); "da" is no French word, whatever
           # spaCy's French stop list says
           "da", "goe", "nen", "hebde", "hedde", "zijde", "kunde", "kheb", "kzen", "kben", "wnr", "hvl",
           "seffens", "efkes", "awel", "giene", "tis"},
    "en": {"please", "thanks", "thank", "morning", "evening", "goodbye", "hello", "hi", "hey", "yes",
           "bye", "sure", "okay", "speak", "talk", "results", "course", "courses", "robot"},
}
# Words Brusselers use whatever language they speak: alone, they say nothing about it.
# ("merci" is as Flemish as it is French.)
NEUTRAL_WORDS = {"ok", "oke", "okay", "sorry", "thx", "super", "top", "info", "email", "mail", "gsm",
                 "www", "cool", "nice", "merci", "ciao", "salukes", "allez", "voila", "hé", "he"}

_EMAIL_OR_URL = re.compile(r"\S+@\S+|https?://\S+|www\.\S+", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


@dataclass(frozen=True)
class LanguageGuess:
    """The language a text seems to be written in.

    Attributes:
        code: "fr", "nl", "en" (English: never decisive), or None when the text has no words to go on.
        confidence: the guess's share of the French + Dutch evidence, from 0.5 to 1 (for "en",
            its share of all the evidence).
        decisive: whether the evidence is strong enough to switch a conversation's language.
        words: how many words the text has.
    """

    code: Optional[str]
    confidence: float
    decisive: bool
    words: int

    def as_dict(self) -> Dict[str, Any]:
        """The guess as the plain dict that goes into the NLU parse output."""
        return asdict(self)


@lru_cache(maxsize=1)
def _detector():
    # Imported lazily: building the detector is the slow part, done once per process.
    from lingua import Language, LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_languages(Language.FRENCH, Language.DUTCH, Language.ENGLISH).build()


@lru_cache(maxsize=1)
def _marker_words() -> Dict[str, frozenset]:
    """Stop words that belong to one of the two languages only (spaCy's language data).

    English stop words are left out of both: "in", "is" or "for" turn up in messages of either
    language ("une formation in cybersecurity").
    """
    from spacy.lang.en.stop_words import STOP_WORDS as ENGLISH
    from spacy.lang.fr.stop_words import STOP_WORDS as FRENCH
    from spacy.lang.nl.stop_words import STOP_WORDS as DUTCH

    french = {fold(w) for w in FRENCH}
    dutch = {fold(w) for w in DUTCH}
    english = {fold(w) for w in ENGLISH}
    ambiguous = (french & dutch) | (french & english) | (dutch & english) | NEUTRAL_WORDS
    return {
        "fr": frozenset((french - ambiguous - SIGNATURE_WORDS["nl"]) | SIGNATURE_WORDS["fr"]),
        "nl": frozenset((dutch - ambiguous - SIGNATURE_WORDS["fr"]) | SIGNATURE_WORDS["nl"]),
        "en": frozenset((english - ambiguous) | SIGNATURE_WORDS["en"]),
    }


def fold(text: Optional[str]) -> str:
    """Lower case without accents ("Séance" -> "seance"), as the catalogue's search folds its text."""
    return catalogue_fold(text) or ""


def words_of(text: str) -> list:
    """The words of a text, without email addresses, links and numbers."""
    return _WORD.findall(_EMAIL_OR_URL.sub(" ", text or ""))


def detect_language(text: str) -> LanguageGuess:
    """Guesses whether a message is French or Dutch.

    Args:
        text: the user's message as typed.

    Returns:
        The guess, with whether it is decisive enough to switch a conversation's language.
    """
    words = words_of(text)
    if not words:
        return LanguageGuess(code=None, confidence=0.0, decisive=False, words=0)

    folded = [fold(w) for w in words]
    if all(w in NEUTRAL_WORDS or len(w) < 2 for w in folded):
        return LanguageGuess(code=None, confidence=0.0, decisive=False, words=len(words))

    # Neutral words carry no evidence (lingua reads the "é" of "oké" as French), nor do acronyms
    # ("IT", "SOC", "UX": the "it" of "IT-ondersteuning" is no English word).
    telling = [w for w, f in zip(words, folded) if f not in NEUTRAL_WORDS and not (w.isupper() and len(w) > 1)]
    telling_folded = [fold(w) for w in telling]
    if not telling:
        return LanguageGuess(code=None, confidence=0.0, decisive=False, words=len(words))
    scores = {code: 0.0 for code in DETECTED_LANGUAGES}
    for value in _detector().compute_language_confidence_values(" ".join(telling)):
        scores[LINGUA_CODES[value.language.name]] = value.value

    # Function words are the most reliable clue in short, misspelled or mixed messages
    # ("jcherche une formation en informatik"): they count for half the verdict when present.
    markers = _marker_words()
    hits = {code: sum(1 for w in telling_folded if w in markers[code]) for code in DETECTED_LANGUAGES}
    if sum(hits.values()):
        scores = {code: 0.5 * scores[code] + 0.5 * hits[code] / sum(hits.values()) for code in scores}
    if scores["en"] > max(scores["fr"], scores["nl"]) and not (hits["fr"] or hits["nl"]):
        # English ("good morning", "thanks a lot") says nothing of French or Dutch: the
        # conversation keeps its language. A French or Dutch word makes it a mixed message
        # ("je cherche une formation in cybersecurity"), read as French or Dutch.
        return LanguageGuess(code="en", confidence=round(scores["en"], 3), decisive=False, words=len(words))
    code = "fr" if scores["fr"] >= scores["nl"] else "nl"
    # The share of French + Dutch evidence that points to this language.
    confidence = scores[code] / max(1e-9, scores["fr"] + scores["nl"])
    if len(telling) >= 2:
        decisive = confidence >= MIN_CONFIDENCE_SEVERAL_WORDS
    else:
        decisive = (
            len(telling[0]) >= MIN_LETTERS_ONE_WORD and confidence >= MIN_CONFIDENCE_ONE_WORD
        )
    return LanguageGuess(
        code=code, confidence=round(confidence, 3), decisive=decisive, words=len(words)
    )


def choose_language(
    current: Optional[str],
    source: Optional[str],
    guess: Optional[Dict[str, Any]],
    requested: Optional[str] = None,
    page_language: Optional[str] = None,
) -> Tuple[str, str]:
    """Decides the language of the conversation after a user message.

    Args:
        current: the conversation's language so far.
        source: how it was chosen: None (nothing yet), "page", "detected" or "explicit".
        guess: the NLU's `LanguageGuess.as_dict()` for the message, if any.
        requested: a language the user explicitly asked for ("in het Nederlands aub").
        page_language: the website page's language (`metadata.language`), a starting point.

    Returns:
        (language, source) to keep in the conversation.
    """
    if requested in SUPPORTED_LANGUAGES:
        return requested, "explicit"
    guess = guess or {}
    guessed = guess.get("code") if guess.get("code") in SUPPORTED_LANGUAGES else None
    if source == "explicit" and current in SUPPORTED_LANGUAGES:
        # An explicit choice holds for the rest of the conversation.
        return current, source
    if source is None or current not in SUPPORTED_LANGUAGES:
        if page_language in SUPPORTED_LANGUAGES:
            if guessed and guess.get("decisive") and guessed != page_language:
                return guessed, "detected"
            return page_language, "page"
        if guessed:
            return guessed, "detected"
        return DEFAULT_LANGUAGE, "default"
    if guessed and guess.get("decisive") and guessed != current:
        return guessed, "detected"
    return current, source


# Names of languages as people write them (folded), to the code a request to switch asks for.
LANGUAGE_NAMES = {
    "fr": ("francais", "frans", "french", "franstalig", "francophone"),
    "nl": ("neerlandais", "flamand", "nederlands", "vlaams", "dutch", "flemish", "nederlandstalig", "neerlandophone"),
    "en": ("anglais", "engels", "english"),
    "de": ("allemand", "duits", "deutsch", "german"),
    "es": ("espagnol", "spaans", "espanol", "spanish"),
    "ar": ("arabe", "arabisch", "arabic"),
    "tr": ("turc", "turks", "turkish"),
}
_CODE_OF_NAME = {name: code for code, names in LANGUAGE_NAMES.items() for name in names}


def language_named(text: Optional[str]) -> Optional[str]:
    """The code of the one language a message names ("hebde gij da ook in 't Nederlands?" -> "nl"),
    None when it names none or several ("pas en français mais en néerlandais": the NLU decides)."""
    codes = {_CODE_OF_NAME[word] for word in words_of(fold(text or "")) if word in _CODE_OF_NAME}
    return codes.pop() if len(codes) == 1 else None


def other_language(code: Optional[str]) -> str:
    """The other supported language: what "the other language, please" means."""
    return "nl" if code == "fr" else "fr"
