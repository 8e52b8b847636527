"""NLU evaluation on the held-out test set (tests/nlu/<language>/), per language.

Prints intent accuracy and macro-F1, the most frequent confusion pairs, entity F1 and language
detection figures for French and Dutch, and writes the full report (every error) as JSON.

    python -m bench.eval_nlu --model models/assistant.tar.gz --out results/nlu-eval
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from collections import Counter
from pathlib import Path
from typing import Dict, List

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("LOG_LEVEL", "WARNING")

REPO_ROOT = Path(__file__).resolve().parents[1]
TEST_DIR = REPO_ROOT / "tests" / "nlu"
LANGUAGES = ("fr", "nl")


def load_examples(language: str) -> List[Dict]:
    """The held-out examples of one language: text, intent, entities."""
    from rasa.shared.nlu.training_data.loading import load_data

    examples = []
    for path in sorted((TEST_DIR / language).glob("*.yml")):
        for message in load_data(str(path)).intent_examples:
            examples.append({
                "text": message.get("text"),
                "intent": message.get("intent"),
                "entities": [(e["entity"], e["start"], e["end"]) for e in message.get("entities") or []],
            })
    return examples


def f1_scores(gold: List[str], predicted: List[str]) -> Dict[str, float]:
    """Accuracy and macro-F1 over the gold labels."""
    from sklearn.metrics import accuracy_score, f1_score

    labels = sorted(set(gold))
    return {
        "accuracy": accuracy_score(gold, predicted),
        "macro_f1": f1_score(gold, predicted, labels=labels, average="macro", zero_division=0),
    }


def entity_f1(gold: List[List[tuple]], predicted: List[List[tuple]]) -> Dict[str, float]:
    """Micro precision/recall/F1 of exact entity spans (type, start, end)."""
    true_positive = sum(len(set(g) & set(p)) for g, p in zip(gold, predicted))
    n_gold = sum(len(set(g)) for g in gold)
    n_predicted = sum(len(set(p)) for p in predicted)
    precision = true_positive / n_predicted if n_predicted else 1.0
    recall = true_positive / n_gold if n_gold else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "gold": n_gold}


async def parse_all(model: Path, texts: List[str]) -> List[Dict]:
    """Parses texts with the trained model (NLU only, no server)."""
    import logging

    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    # Without this, structlog prints every parse at debug level.
    configure_structlog(logging.WARNING)
    logging.getLogger("rasa").setLevel(logging.WARNING)
    agent = Agent.load(str(model))
    return [await agent.parse_message(text) for text in texts]


def evaluate(model: Path) -> Dict:
    """The report: per language, intents, entities and language detection."""
    from bot.language import choose_language, detect_language

    report = {}
    for language in LANGUAGES:
        examples = load_examples(language)
        parses = asyncio.run(parse_all(model, [e["text"] for e in examples]))
        gold = [e["intent"] for e in examples]
        predicted = [p["intent"]["name"] for p in parses]
        # What the classifier itself ranked first, before the fallback threshold applies.
        before_fallback = [
            next((r["name"] for r in p.get("intent_ranking") or [] if r["name"] != "nlu_fallback"), "nlu_fallback")
            for p in parses
        ]
        confusions = Counter((g, p) for g, p in zip(gold, predicted) if g != p)
        predicted_entities = [
            [(e["entity"], e["start"], e["end"]) for e in p.get("entities") or []
             if e.get("extractor") != "EntitySynonymMapper"]
            for p in parses
        ]
        guesses = [detect_language(e["text"]) for e in examples]
        french_or_dutch = [g for g in guesses if g.code in LANGUAGES]
        decisive = [g for g in guesses if g.decisive]
        other = next(code for code in LANGUAGES if code != language)
        # The reply's language after the message, in a conversation held so far in the message's
        # language (it must stay) and in the other one (a clear message switches it).
        kept = [choose_language(language, "detected", g.as_dict())[0] == language for g in guesses]
        switched = [choose_language(other, "detected", g.as_dict())[0] == language for g in guesses]
        report[language] = {
            "examples": len(examples),
            "intents": f1_scores(gold, predicted),
            "intents_before_fallback": f1_scores(gold, before_fallback),
            "fallbacks": sum(1 for p in predicted if p == "nlu_fallback"),
            "confusions": [{"gold": g, "predicted": p, "count": n} for (g, p), n in confusions.most_common()],
            "entities": entity_f1([e["entities"] for e in examples], predicted_entities),
            "language": {
                # Messages read as French or Dutch (not English, not words both use).
                "guess_accuracy": sum(g.code == language for g in french_or_dutch) / max(1, len(french_or_dutch)),
                "english": sum(g.code == "en" for g in guesses),
                "no_language": sum(g.code is None for g in guesses),
                "decisive_share": len(decisive) / max(1, len(guesses)),
                "decisive_accuracy": sum(g.code == language for g in decisive) / max(1, len(decisive)),
                "reply_kept": sum(kept) / max(1, len(kept)),
                "reply_switched": sum(switched) / max(1, len(switched)),
            },
            "errors": [
                {"text": e["text"], "gold": g, "predicted": p, "confidence": round(parse["intent"]["confidence"], 3)}
                for e, g, p, parse in zip(examples, gold, predicted, parses) if g != p
            ],
            "language_errors": [
                {"text": e["text"], "guess": guess.as_dict()}
                for e, guess in zip(examples, guesses) if guess.code in LANGUAGES and guess.code != language
            ],
            "read_as_english": [e["text"] for e, guess in zip(examples, guesses) if guess.code == "en"],
        }
    return report


def print_report(report: Dict) -> None:
    """The summary table and the main confusions."""
    print(f"{'':28}" + "".join(f"{language:>10}" for language in report))
    rows = [
        ("test examples", lambda r: f"{r['examples']}"),
        ("intent accuracy", lambda r: f"{r['intents']['accuracy']:.3f}"),
        ("intent macro-F1", lambda r: f"{r['intents']['macro_f1']:.3f}"),
        ("fell back (nlu_fallback)", lambda r: f"{r['fallbacks']}"),
        ("macro-F1 before fallback", lambda r: f"{r['intents_before_fallback']['macro_f1']:.3f}"),
        ("entity F1", lambda r: f"{r['entities']['f1']:.3f}"),
        ("entity precision", lambda r: f"{r['entities']['precision']:.3f}"),
        ("entity recall", lambda r: f"{r['entities']['recall']:.3f}"),
        ("language: guess accuracy", lambda r: f"{r['language']['guess_accuracy']:.3f}"),
        ("  read as English", lambda r: f"{r['language']['english']}"),
        ("  no language (ok, 1, @)", lambda r: f"{r['language']['no_language']}"),
        ("language: decisive share", lambda r: f"{r['language']['decisive_share']:.3f}"),
        ("language: decisive acc.", lambda r: f"{r['language']['decisive_accuracy']:.3f}"),
        ("reply stays in its lang.", lambda r: f"{r['language']['reply_kept']:.3f}"),
        ("reply switches to it", lambda r: f"{r['language']['reply_switched']:.3f}"),
    ]
    for label, value in rows:
        print(f"{label:28}" + "".join(f"{value(r):>10}" for r in report.values()))
    for language, r in report.items():
        print(f"\nConfusions ({language}), gold -> predicted:")
        for c in r["confusions"][:12]:
            print(f"  {c['count']:3}  {c['gold']} -> {c['predicted']}")


def main() -> None:
    """Evaluates, prints the summary and writes the full report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=REPO_ROOT / "models" / "assistant.tar.gz")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "results" / "nlu-eval")
    args = parser.parse_args()
    report = evaluate(args.model)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    print_report(report)
    print(f"\nFull report: {args.out / 'report.json'}")


if __name__ == "__main__":
    main()
