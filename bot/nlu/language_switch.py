"""NLU component: a message that asks to switch languages and also asks something is read as its question.

"Sorry, liever in het Nederlands: waar is dat?", "en français svp, il reste de la place ?", "ah
pardon je parle mieux français. c'est gratuit ?": the switch goes to the output as
`language_switch` (the action keeping the `language` slot switches), and the rest of the message
becomes the text every later component reads (tokens, entities, intent), so that the question is
answered in the new language. A message that only asks to switch ("in het Nederlands aub") keeps
its text: the intent `change_language` confirms the switch.
"""

from __future__ import annotations

import re
from typing import List, Optional, Tuple

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.language import (LANGUAGE_SWITCH, ORIGINAL_TEXT, QUESTION_INTENT, QUESTION_START, QUESTION_TEXT,
                          SUPPORTED_LANGUAGES, fold, language_named, shift_entity)
from bot.nlu.stateless import StatelessComponent

_LANGUAGE = r"(?:francais|frans|neerlandais|flamand|nederlands|vlaams)"
# Words that make a clause naming French or Dutch a request to speak it (folded): a politeness
# ("svp", "aub", "graag"), a preference ("plutot", "liever", "mieux", "beter") or a verb of
# carrying on ("continuer", "verder"). "Faut-il parler néerlandais ?" and "kan ik de opleiding in
# het Nederlands volgen?" have none: they ask about the course.
_SWITCH_CUES = re.compile(
    r"\b(?:svp|stp|s il (?:vous|te) plait|please|plutot|prefere|preferes|prefererais|mieux|continuer|continue"
    r"|repondre|repondez|reponds|ecrire|passer|aub|a u b|alstublieft|alsjeblieft|graag|liever|beter|verder"
    r"|voortdoen|doorgaan|overschakelen|antwoorden|plus facile|makkelijker|gemakkelijker|zeggen|uitleggen|dire"
    r"|expliquer|redire|herhalen)\b")
# Clause boundaries: sentence punctuation, a colon, a comma.
_CLAUSE = re.compile(r"[^.,;:!?]+[.,;:!?]*")
# Words that say nothing besides the switch ("ah sorry", "euh pardon").
_FILLERS = {"ah", "oh", "euh", "eh", "heu", "pardon", "sorry", "sorri", "oeps", "oups", "excuse", "excusez", "moi",
            "en", "fait", "eigenlijk", "dus", "ok", "oke", "bon", "allez", "merci", "dank", "je", "u", "svp", "aub"}
MIN_QUESTION_WORDS = 2


def _words(clause: str) -> List[str]:
    return re.findall(r"\w+", fold(clause))


def is_switch_clause(clause: str) -> Optional[str]:
    """The language a clause asks the bot to speak ("liever in het Nederlands" -> "nl"), or None."""
    folded = " ".join(_words(clause))
    if not re.search(rf"\b{_LANGUAGE}\b", folded) or not _SWITCH_CUES.search(folded):
        return None
    code = language_named(clause)
    return code if code in SUPPORTED_LANGUAGES else None


def split_switch(text: str) -> Optional[Tuple[str, str]]:
    """(language asked for, the rest of the message) when a message both asks to switch and asks
    something else; None otherwise.

    The rest leaves out the clauses of the switch and those that only speak of the person's
    languages ("mon néerlandais est pas top,"); a clause that asks ("welk niveau Frans moet ik
    hebben?") stays.
    """
    if not text or text.lstrip().startswith("/"):
        return None
    clauses = [c for c in _CLAUSE.findall(text) if c.strip()]
    if len(clauses) < 2:
        return None
    switches = [(index, code) for index, c in enumerate(clauses) if (code := is_switch_clause(c))]
    if not switches or len({code for _, code in switches}) > 1:
        return None
    switch_at = {index for index, _ in switches}
    rest = []
    for index, clause in enumerate(clauses):
        if index in switch_at:
            continue
        words = _words(clause)
        if not words or set(words) <= _FILLERS:
            continue
        if language_named(clause) and not clause.rstrip().endswith("?") and index < max(switch_at):
            continue  # "mon néerlandais est pas top, on peut continuer en français ?"
        rest.append(clause.strip())
    question = " ".join(rest).strip()
    if len(_words(question)) < MIN_QUESTION_WORDS and not question.endswith("?"):
        return None
    return (switches[0][1], question) if question else None


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER], is_trainable=False)
class SwitchAndAsk(StatelessComponent):
    """Before the language detector: a switch with a question goes on as the question."""

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Training examples keep their text: each is labelled as written."""
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        """Marks the switch and keeps the question as the message's text."""
        for message in messages:
            text = message.get(TEXT)
            found = split_switch(text) if isinstance(text, str) else None
            if found:
                code, question = found
                message.set(LANGUAGE_SWITCH, code, add_to_output=True)
                message.set(ORIGINAL_TEXT, text, add_to_output=True)
                message.set(TEXT, question)
        return messages


CHANGE_LANGUAGE_INTENT = "change_language"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class SwitchIntent(StatelessComponent, IntentClassifier):
    """Last: a message marked by SwitchAndAsk is a request to switch languages (`change_language`),
    and the intent read in its question goes along as `question_intent`, which the switch action
    answers after confirming the switch."""

    def process(self, messages: List[Message]) -> List[Message]:
        """Moves the question's intent aside and puts change_language first."""
        for message in messages:
            if not message.get(LANGUAGE_SWITCH):
                continue
            question = message.get(INTENT) or {}
            message.set(QUESTION_INTENT, question, add_to_output=True)
            original, asked = message.get(ORIGINAL_TEXT) or "", message.get(TEXT) or ""
            start = original.find(asked)
            if asked and start >= 0:
                # The message as typed again, its entities where they are in it; the question's
                # words and their place go along for the switch action.
                message.set(QUESTION_TEXT, asked, add_to_output=True)
                message.set(QUESTION_START, start, add_to_output=True)
                message.set(ENTITIES, [shift_entity(e, start) for e in message.get(ENTITIES) or []], add_to_output=True)
                message.set(TEXT, original)
            switch = {"name": CHANGE_LANGUAGE_INTENT, "confidence": 1.0}
            ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != CHANGE_LANGUAGE_INTENT]
            message.set(INTENT, switch, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [switch] + ranking, add_to_output=True)
        return messages
