"""Cross-validation of the CRF entity extractor's settings on the training data, per language.

Only the training data (bot/data/nlu) is used, never the held-out set in tests/nlu/: the setting
chosen here is then measured once on the held-out set by bench.eval_nlu. French and Dutch are
trained together, as in the assistant's one model, on the same folds for every setting (stratified
by language and intent, fixed seed), and scored per language with the exact-span micro-F1 of
bench.eval_nlu. Each setting is also trained on the same folds with the training examples in
other orders: how far F1 moves then is what an unconverged CRF does with a harmless data change.

The messages are tokenized and featurized once, by the pipeline's own components
(LanguageDetector, BilingualSpacyTokenizer, RegexFeaturizer with the lookup tables); only the
CRF is trained per fold. Runs one training at a time (the machine is shared).

    python -m bench.cv_entities --folds 5 --orders 2 \\
        --setting 50,0.1,0.1 --setting 200,0.1,0.1 --out results/cv-entities.json

A setting is max_iterations,L1_c,L2_c (Rasa's defaults: 50,0.1,0.1).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from bench.eval_nlu import LANGUAGES, entity_f1

NLU_DIR = REPO_ROOT / "bot" / "data" / "nlu"
SHARED_FILES = ("lookups.yml", "synonyms.yml", "synonyms_catalogue.yml")
Setting = tuple[int, float, float]


def load_training_data():
    """The training examples with their language (from their folder), and the shared lookups/synonyms."""
    from rasa.shared.nlu.training_data.loading import load_data

    language_of = {}
    for language in LANGUAGES:
        for message in load_data(str(NLU_DIR / language)).nlu_examples:
            # Rasa trains on the merged data without duplicates ("ok" is French and Dutch):
            # such an example counts once, in the first language.
            language_of.setdefault(message, language)
    examples = list(language_of)
    languages = [language_of[m] for m in examples]
    shared = load_data(str(NLU_DIR / SHARED_FILES[0]))
    for name in SHARED_FILES[1:]:
        shared = shared.merge(load_data(str(NLU_DIR / name)))
    return examples, languages, shared


def featurize(examples, shared, storage):
    """Runs the pipeline's components before the CRF on every example, once for all folds."""
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.resource import Resource
    from rasa.nlu.featurizers.sparse_featurizer.regex_featurizer import RegexFeaturizer
    from rasa.shared.nlu.training_data.training_data import TrainingData

    from bot.nlu.bilingual_tokenizer import BilingualSpacyTokenizer
    from bot.nlu.language_detector import LanguageDetector

    data = TrainingData(
        training_examples=examples,
        lookup_tables=shared.lookup_tables,
        regex_features=shared.regex_features,
        entity_synonyms=shared.entity_synonyms,
    )
    LanguageDetector().process_training_data(data)
    tokenizer = BilingualSpacyTokenizer.create(
        BilingualSpacyTokenizer.get_default_config(), storage, Resource("tokenizer"), None
    )
    tokenizer.process_training_data(data)
    context = ExecutionContext(GraphSchema({}), node_name="regex")
    regex = RegexFeaturizer.create(
        RegexFeaturizer.get_default_config(), storage, Resource("regex"), context
    )
    # The patterns come from the lookup tables and regexes only, not from the examples.
    regex.train(data)
    regex.process_training_data(data)


def crf_config(setting: Setting) -> dict:
    """The CRFEntityExtractor's configuration for a setting, with config.yml's features."""
    import yaml
    from rasa.nlu.extractors.crf_entity_extractor import CRFEntityExtractor

    pipeline = yaml.safe_load((REPO_ROOT / "config.yml").read_text())["pipeline"]
    ours = next(c for c in pipeline if c["name"] == "CRFEntityExtractor")
    config = {**CRFEntityExtractor.get_default_config(), **ours}
    config.pop("name")
    config["max_iterations"], config["L1_c"], config["L2_c"] = setting
    return config


def train_and_predict(setting: Setting, train, test, shared, storage, name: str):
    """Trains the CRF on `train`; its entities (type, start, end) for `test`, time and iterations."""
    from rasa.engine.storage.resource import Resource
    from rasa.nlu.extractors.crf_entity_extractor import CRFEntityExtractor
    from rasa.shared.nlu.training_data.training_data import TrainingData

    data = TrainingData(
        training_examples=train,
        lookup_tables=shared.lookup_tables,
        entity_synonyms=shared.entity_synonyms,
    )
    crf = CRFEntityExtractor.create(crf_config(setting), storage, Resource(name), None)
    started = time.perf_counter()
    crf.train(data)
    seconds = time.perf_counter() - started
    log = crf.entity_taggers["entity"].training_log_
    iterations = log.last_iteration["num"] if log and log.last_iteration else None
    predicted = [
        [(e["entity"], e["start"], e["end"]) for e in crf.extract_entities(m)] for m in test
    ]
    return predicted, seconds, iterations


def folds(languages: list[str], labels: list[str], k: int, seed: int):
    """Stratified k-fold indices (by language and intent), the same for every setting."""
    from sklearn.model_selection import StratifiedKFold

    strata = [f"{lang}/{label}" for lang, label in zip(languages, labels)]
    # A stratum smaller than k only warns; its examples still land in some fold.
    splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    return list(splitter.split(strata, strata))


def run(settings: list[Setting], k: int, orders: int, seed: int) -> dict:
    """Every setting on the same folds, in the file order and in `orders` shuffled orders."""
    import warnings

    from rasa.engine.storage.local_model_storage import LocalModelStorage

    examples, languages, shared = load_training_data()
    gold = [[(e["entity"], e["start"], e["end"]) for e in m.get("entities") or []] for m in examples]
    labels = [m.get("intent") or "" for m in examples]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        split = folds(languages, labels, k, seed)
    report = {"folds": k, "seed": seed, "examples": {
        lang: languages.count(lang) for lang in LANGUAGES}, "settings": []}
    with tempfile.TemporaryDirectory() as tmp:
        storage = LocalModelStorage(Path(tmp))
        featurize(examples, shared, storage)
        for setting in settings:
            runs = []
            for order in range(orders + 1):
                predicted: list = [None] * len(examples)
                seconds, iterations = [], []
                for fold, (train_idx, test_idx) in enumerate(split):
                    train_idx = list(train_idx)
                    if order:
                        # The same examples in another order: nothing a converged CRF notices.
                        random.Random(1000 * order + fold).shuffle(train_idx)
                    test = [examples[i] for i in test_idx]
                    out, secs, its = train_and_predict(
                        setting, [examples[i] for i in train_idx], test, shared, storage,
                        f"crf-{'-'.join(map(str, setting))}-{order}-{fold}",
                    )
                    for i, p in zip(test_idx, out):
                        predicted[i] = p
                    seconds.append(secs)
                    iterations.append(its)
                scores = {}
                for lang in LANGUAGES:
                    idx = [i for i, l in enumerate(languages) if l == lang]
                    pooled = entity_f1([gold[i] for i in idx], [predicted[i] for i in idx])
                    per_fold = []
                    for _, test_idx in split:
                        fidx = [i for i in test_idx if languages[i] == lang]
                        per_fold.append(entity_f1([gold[i] for i in fidx], [predicted[i] for i in fidx])["f1"])
                    scores[lang] = {**pooled, "per_fold": per_fold}
                runs.append({
                    "order": "file" if order == 0 else f"shuffled-{order}",
                    "scores": scores,
                    "train_seconds": seconds,
                    "iterations": iterations,
                    "predicted": predicted,
                })
                print(
                    f"  {setting} {runs[-1]['order']}: "
                    + " ".join(f"{lang} F1 {scores[lang]['f1']:.4f}" for lang in LANGUAGES)
                    + f", {statistics.mean(seconds):.1f} s a fold, iterations {iterations}",
                    flush=True,
                )
            report["settings"].append(summarise(setting, runs, languages))
    return report


def summarise(setting: Setting, runs: list[dict], languages: list[str]) -> dict:
    """Mean F1 over orders, its spread, and how many test predictions change with the order."""
    summary = {"max_iterations": setting[0], "L1_c": setting[1], "L2_c": setting[2], "languages": {}}
    for lang in LANGUAGES:
        f1s = [r["scores"][lang]["f1"] for r in runs]
        idx = [i for i, l in enumerate(languages) if l == lang]
        base = runs[0]["predicted"]
        # Share of test messages whose entities differ from the file-order run.
        changed = [
            sum(set(r["predicted"][i]) != set(base[i]) for i in idx) / len(idx) for r in runs[1:]
        ]
        fold_moves = [
            abs(a - b)
            for r in runs[1:]
            for a, b in zip(r["scores"][lang]["per_fold"], runs[0]["scores"][lang]["per_fold"])
        ]
        summary["languages"][lang] = {
            "f1_by_order": f1s,
            "f1_mean": statistics.mean(f1s),
            "f1_range": max(f1s) - min(f1s),
            "precision": statistics.mean(r["scores"][lang]["precision"] for r in runs),
            "recall": statistics.mean(r["scores"][lang]["recall"] for r in runs),
            # For paired comparisons of settings (the folds are the same for all).
            "per_fold_by_order": [r["scores"][lang]["per_fold"] for r in runs],
            "fold_f1_std": statistics.pstdev(runs[0]["scores"][lang]["per_fold"]),
            "max_fold_move": max(fold_moves) if fold_moves else 0.0,
            "changed_share": statistics.mean(changed) if changed else 0.0,
            "gold": runs[0]["scores"][lang]["gold"],
        }
    all_seconds = [s for r in runs for s in r["train_seconds"]]
    all_iterations = [i for r in runs for i in r["iterations"] if i is not None]
    summary["train_seconds_mean"] = statistics.mean(all_seconds)
    summary["iterations_max"] = max(all_iterations) if all_iterations else None
    summary["iterations_min"] = min(all_iterations) if all_iterations else None
    return summary


def print_table(rows: list[list[str]]) -> None:
    """Prints rows as columns, the first row being the header."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())


def parse_setting(text: str) -> Setting:
    """'200,0.1,0.1' -> (200, 0.1, 0.1)."""
    try:
        iterations, l1, l2 = text.split(",")
        return int(iterations), float(l1), float(l2)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"setting {text!r} is not max_iterations,L1_c,L2_c (for example 200,0.1,0.1)"
        ) from None


def main() -> None:
    """Runs the cross-validation and prints one row per setting."""
    import logging

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--setting", type=parse_setting, action="append",
                        help="max_iterations,L1_c,L2_c; repeat for several (default: 50,0.1,0.1)")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--orders", type=int, default=2,
                        help="shuffled orders of the training examples besides the file order")
    parser.add_argument("--seed", type=int, default=42, help="seed of the folds")
    parser.add_argument("--out", type=Path, help="JSON report (without the predictions)")
    args = parser.parse_args()
    logging.getLogger("rasa").setLevel(logging.ERROR)

    report = run(args.setting or [(50, 0.1, 0.1)], args.folds, args.orders, args.seed)
    rows = [["setting", *(f"{lang} F1 (range)" for lang in LANGUAGES),
             *(f"{lang} P / R" for lang in LANGUAGES),
             *(f"{lang} changed" for lang in LANGUAGES), "s a fold", "iterations"]]
    for s in report["settings"]:
        langs = s["languages"]
        rows.append([
            f"{s['max_iterations']},{s['L1_c']},{s['L2_c']}",
            *(f"{langs[l]['f1_mean']:.4f} ({langs[l]['f1_range']:.4f})" for l in LANGUAGES),
            *(f"{langs[l]['precision']:.3f} / {langs[l]['recall']:.3f}" for l in LANGUAGES),
            *(f"{langs[l]['changed_share']:.2%}" for l in LANGUAGES),
            f"{s['train_seconds_mean']:.1f}",
            f"{s['iterations_min']}-{s['iterations_max']}",
        ])
    print(f"\n{report['folds']}-fold CV on bot/data/nlu ({report['examples']}), "
          f"F1 = exact-span micro-F1 pooled over folds, mean over orders:")
    print_table(rows)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
