"""NLU tokenizer that splits and lemmatises each message with the French or Dutch rules of spaCy."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.training_data.message import Message

from bot.language import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES, fold
from bot.nlu.language_detector import LANGUAGE

# Programming languages the tokenizer's punctuation rules would cut apart.
TECH_TERMS = ("C#", "C++", "F#", ".NET", ".Net")


@lru_cache(maxsize=None)
def _spacy_pipeline(code: str):
    # Blank pipelines: tokenizer exceptions (elisions such as "l'inscription", "d'info") and lookup
    # lemmas from spacy-lookups-data, all offline. No trained spaCy model exists for spaCy 3.4 here.
    import spacy
    from spacy.symbols import ORTH

    nlp = spacy.blank(code)
    for term in TECH_TERMS:
        # "C#" is one word, not "C" and a stray "#": entities and course searches span it whole.
        for written in {term, term.lower(), term.upper()}:
            nlp.tokenizer.add_special_case(written, [{ORTH: written}])
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    return nlp


@lru_cache(maxsize=None)
def _lemma_table(code: str):
    return _spacy_pipeline(code).get_pipe("lemmatizer").lookups.get_table("lemma_lookup")


def lookup_lemma(code: str, word: str):
    """The lookup lemma of a word, or None (the French table holds lists: the first is spaCy's choice)."""
    lemma = _lemma_table(code).get(word)
    if isinstance(lemma, list):
        lemma = lemma[0] if lemma else None
    return lemma


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER], is_trainable=False
)
class BilingualSpacyTokenizer(Tokenizer):
    """Tokenizes with spaCy's French or Dutch rules, chosen by the message's detected language.

    Each token's lemma is spaCy's lookup lemma, lower-cased and without accents, so that the
    featurizers see "formations", "Formation" and "formátion" alike.
    """

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """Defaults of Rasa's tokenizers."""
        return {
            "intent_tokenization_flag": False,
            "intent_split_symbol": "_",
            "token_pattern": None,
            "prefix_separator_symbol": None,
        }

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "BilingualSpacyTokenizer":
        """Creates the tokenizer, with the spaCy pipeline of each language loaded now (about 1 s
        each), not on the first message in that language."""
        for code in SUPPORTED_LANGUAGES:
            _spacy_pipeline(code)
        return cls(config)

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        """Splits the attribute's text into tokens with lemmas."""
        text = message.get(attribute)
        guess = message.get(LANGUAGE) or {}
        code = guess.get("code") if guess.get("code") in SUPPORTED_LANGUAGES else DEFAULT_LANGUAGE
        doc = _spacy_pipeline(code)(text)
        tokens = []
        for t in doc:
            if t.is_space or (t.is_punct and len(t.text) == 1 and t.text not in "?!"):
                continue
            word, lemma = t.text, t.lemma_ or t.text
            if lemma == word and not word.islower():
                # The lookup tables are lower case: "Séances" at the start of a message is "séance".
                lemma = lookup_lemma(code, word.lower()) or word
            if ends_with_stray_full_stop(word):
                # spaCy's abbreviation rules keep "IT." of "naar IT. Kom ik..." whole: the word
                # alone is what the user named, and what an entity annotation spans.
                word, lemma = word[:-1], lemma.rstrip(".") or word[:-1]
            tokens.append(Token(word, t.idx, lemma=fold(lemma)))
        return self._apply_token_pattern(tokens)


def ends_with_stray_full_stop(word: str) -> bool:
    """Whether a token is a word with the sentence's full stop stuck to it ("IT.", "enz.").

    Dotted abbreviations ("A.B.", "...") keep their dots: they have one inside too.
    """
    return len(word) >= 2 and word.endswith(".") and "." not in word[:-1]
