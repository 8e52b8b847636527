"""Cross-validation of the confidence a FAQ answer needs, on the training data only (issue 14, class 3).

A question no FAQ entry covers ("mag mijn hond mee?", "vous donnez des cours de conduite ?") gets
the nearest FAQ intent with a middling confidence; a FAQ question the classifier knows gets a high
one. Below the threshold chosen here a FAQ intent is not answered: the FallbackClassifier's
"did you mean...?" (with the FAQ topic as a button) or, when off topic is the best guess, "I can't
answer that here" and the hub's contact.

The intent classifier (bot.nlu.linear_intent_classifier, its default settings) is trained on
stratified folds of the training examples, French and Dutch together as in the assistant's model;
each example is predicted by the model that did not see it, with CourseDetailOrFaq's merge of a
course detail and its FAQ. For each threshold the table gives, per language:

- kept: FAQ questions answered with their FAQ (of those answered at the current fallback threshold)
- wrong: FAQ answers given to a message of another intent (out of scope, a course question...)
- oos: off-topic examples (out_of_scope) that get no FAQ answer

Never the held-out set (tests/nlu) nor the conversation evaluation (tests/eval): they measure.

    python -m bench.cv_faq_threshold --folds 5
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from bench.cv_entities import load_training_data  # noqa: E402

THRESHOLDS = (0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7)
FALLBACK_THRESHOLD = 0.35  # config.yml's FallbackClassifier
DETAIL_INTENT = "ask_course_detail"
OUT_OF_SCOPE = "out_of_scope"


def merged_top(labels: Sequence[str], row) -> Tuple[str, float]:
    """The top intent and its confidence, after CourseDetailOrFaq's merge of a course detail and
    its FAQ (the FAQ intent stands when no course is named: the worst case for a FAQ answer)."""
    from bot.nlu.detail_or_faq import FAQ_DETAIL_INTENTS

    ranked = sorted(zip(labels, row), key=lambda pair: pair[1], reverse=True)
    (first, p1), (second, p2) = ranked[0], ranked[1]
    if {first, second} - {DETAIL_INTENT} <= FAQ_DETAIL_INTENTS and DETAIL_INTENT in {first, second}:
        faq = first if first != DETAIL_INTENT else second
        return faq, p1 + p2
    return first, p1


def out_of_fold(texts: List[str], intents: List[str], folds: int) -> List[Tuple[str, float]]:
    """Each example's predicted (intent, confidence) by a classifier trained without it."""
    import numpy
    from sklearn.model_selection import StratifiedKFold

    from bot.nlu.linear_intent_classifier import LinearIntentClassifier, build_pipeline
    from bot.spelling import standard

    config = LinearIntentClassifier.get_default_config()
    labels = numpy.array(intents)
    folded = [standard(t) for t in texts]  # as the classifier reads them (its language detected)
    predicted: List[Tuple[str, float]] = [("", 0.0)] * len(texts)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=config["random_seed"])
    for number, (train, test) in enumerate(splitter.split(folded, labels), start=1):
        pipeline = build_pipeline(config)
        pipeline.fit([folded[i] for i in train], labels[train])
        rows = pipeline.predict_proba([folded[i] for i in test])
        for index, row in zip(test, rows):
            predicted[index] = merged_top(list(pipeline.classes_), row)
        print(f"fold {number}/{folds} done", file=sys.stderr, flush=True)
    return predicted


def table(intents: List[str], languages: List[str], predicted: List[Tuple[str, float]]) -> List[Dict]:
    """Per threshold and language: kept, wrong, oos (see the module's docstring)."""
    rows = []
    for threshold in THRESHOLDS:
        for language in sorted(set(languages)):
            mine = [(gold, pred, conf) for gold, pred, conf, lang in
                    zip(intents, (p for p, _ in predicted), (c for _, c in predicted), languages) if lang == language]
            right_before = [1 for gold, pred, conf in mine
                            if gold.startswith("faq_") and pred == gold and conf >= FALLBACK_THRESHOLD]
            right_now = [1 for gold, pred, conf in mine
                         if gold.startswith("faq_") and pred == gold and conf >= threshold]
            wrong = [1 for gold, pred, conf in mine if pred.startswith("faq_") and pred != gold and conf >= threshold]
            oos = [(pred, conf) for gold, pred, conf in mine if gold == OUT_OF_SCOPE]
            oos_safe = [1 for pred, conf in oos if not (pred.startswith("faq_") and conf >= threshold)]
            rows.append({"threshold": threshold, "language": language,
                         "kept": len(right_now) / max(1, len(right_before)), "wrong": len(wrong),
                         "oos": len(oos_safe) / max(1, len(oos)), "oos_n": len(oos)})
    return rows


def main(argv: Sequence[str] = ()) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args(list(argv) or None)
    examples, languages, _ = load_training_data()
    pairs = [(m.get("text"), m.get("intent"), lang) for m, lang in zip(examples, languages)
             if m.get("text") and m.get("intent")]
    texts, intents, langs = [p[0] for p in pairs], [p[1] for p in pairs], [p[2] for p in pairs]
    predicted = out_of_fold(texts, intents, args.folds)
    print(f"{'threshold':>9}  {'lang':4}  {'kept':>6}  {'wrong':>5}  {'oos safe':>8}")
    for row in table(intents, langs, predicted):
        print(f"{row['threshold']:>9.2f}  {row['language']:4}  {row['kept']:6.1%}  {row['wrong']:>5}  "
              f"{row['oos']:7.1%} of {row['oos_n']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
