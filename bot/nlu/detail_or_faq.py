"""NLU component that reads "a course detail or the FAQ on it?" as one question, not an unsure one.

"Hoeveel kost de opleiding eigenlijk?" is a question about cost whether it means the course under
discussion (ask_course_detail) or the hub's trainings in general (faq_cost): the classifier
splits its confidence between the two, and the FallbackClassifier took the near tie for a message
it did not understand. Both intents reach the same answer while a course is under discussion
(action_answer_faq answers from that course's record first), so their confidences are one.
"""

from __future__ import annotations

from typing import List, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.stateless import StatelessComponent

from bot.text import COURSE_DETAIL_TOPICS, FAQ_INTENT_PREFIX

DETAIL_INTENT = "ask_course_detail"
# The FAQ intents whose topic is also a detail of each course (cost, certificates, directions).
FAQ_DETAIL_INTENTS = frozenset(FAQ_INTENT_PREFIX + topic for topic in COURSE_DETAIL_TOPICS)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class CourseDetailOrFaq(StatelessComponent, IntentClassifier):
    """Merges ask_course_detail and a course-detail FAQ intent when they are the first two.

    The merged intent has both confidences. It is ask_course_detail when the message names a
    course ("la formation Java est payante ?": that course's record answers) or another detail
    ("combien de temps et combien ça coûte ?"), else the FAQ intent (the course under discussion,
    if any, answers first; else the hub's general text).
    Goes after the intent classifiers and before the FallbackClassifier.
    """


    def process(self, messages: List[Message]) -> List[Message]:
        """Merges the first two intents of each message where they are one question."""
        for message in messages:
            ranking = message.get(INTENT_RANKING_KEY) or []
            if len(ranking) < 2:
                continue
            first, second = ranking[0], ranking[1]
            names = {first.get("name"), second.get("name")}
            if DETAIL_INTENT not in names or not (names - {DETAIL_INTENT}) <= FAQ_DETAIL_INTENTS:
                continue
            faq = first if first["name"] != DETAIL_INTENT else second
            merged = {
                "name": DETAIL_INTENT if self._asks_the_detail_of_a_course(message, faq["name"]) else faq["name"],
                "confidence": (first.get("confidence") or 0.0) + (second.get("confidence") or 0.0),
            }
            message.set(INTENT, merged, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [merged] + ranking[2:], add_to_output=True)
        return messages

    @staticmethod
    def _asks_the_detail_of_a_course(message: Message, faq_intent: Text) -> bool:
        """True when the message names a course, or a detail other than the FAQ's topic."""
        entities = message.get(ENTITIES) or []
        if any(e.get("entity") == "course" for e in entities):
            return True
        topic_detail = COURSE_DETAIL_TOPICS[faq_intent[len(FAQ_INTENT_PREFIX):]]
        return any(e.get("entity") == "course_detail" and e.get("value") != topic_detail for e in entities)
