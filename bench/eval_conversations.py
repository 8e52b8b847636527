"""Whole-conversation evaluation on a catalogue the bot has never seen (issue 14): share of conversations fully right.

Syncs the evaluation catalogue (`tests/eval/catalogue.json`, another invented training provider,
its dates moved forward by whole weeks so that its info sessions are to come) into a temporary
SQLite file, starts the assistant with it on free loopback ports, plays every conversation of
`tests/eval/conversations/<language>.yml` through the REST channel with a fresh sender id, and
checks each turn's replies (texts and button titles together) against facts of that catalogue.

Prints, per language, the conversations fully right (share and count) and the share fully right
per class, and writes every failure to `results/eval-conversations/report.json`. It measures:
wrong answers never make it exit with an error (a setup that cannot run does).

    python -m bench.eval_conversations --model models/assistant.tar.gz
    python -m bench.eval_conversations --language nl
    python -m bench.eval_conversations --only fr-012 --only nl-040
    python -m bench.eval_conversations --set tests/dev --out results/dev-conversations   # the development set

The conversation files (see tests/eval/README.md): each turn has `user` (the message) and any of
`all` (every string must appear), `any` (at least one must), `none` (none may), `one_of` (exactly
one must), `first` (at least one must appear in the first reply message) and `language` (fr or
nl, the language of the replies). Strings match whole words, ignoring case, accents and spacing;
`@name` stands for the list `name` of `tests/eval/conversations/macros.yml`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import unicodedata
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Sequence

import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
EVAL_DIR = REPO_ROOT / "tests" / "eval"
CATALOGUE = EVAL_DIR / "catalogue.json"
CONVERSATIONS_DIR = EVAL_DIR / "conversations"
MACROS = CONVERSATIONS_DIR / "macros.yml"
LANGUAGES = ("fr", "nl")
CLASSES = ("course_named", "full_course", "stated_facts", "level_required", "uncovered", "covered_faq",
           "follow_up", "language_switch", "brussels_usage")
CONVERSATION_KEYS = {"id", "classes", "page", "turns", "note"}
TURN_KEYS = {"user", "all", "any", "none", "one_of", "first", "language"}
LIST_CHECKS = ("all", "any", "none", "one_of", "first")


class ConversationFileError(Exception):
    """A conversation file breaks the format described in tests/eval/README.md."""


# ---------------------------------------------------------------------------------------------
# Matching
# ---------------------------------------------------------------------------------------------

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'"})


def fold(text: str) -> str:
    """Text for comparison: no accents, lower case, one kind of apostrophe, single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


def appears(needle: str, folded_text: str) -> bool:
    """Whether `needle` appears in already folded text as whole words ("vol" is not in "volgen")."""
    pattern = r"(?<!\w)" + re.escape(fold(needle)) + r"(?!\w)"
    return re.search(pattern, folded_text) is not None


def reply_strings(messages: Sequence[Dict]) -> List[str]:
    """The texts and button titles of the bot's messages, in order, one string per message."""
    strings = []
    for message in messages:
        parts = [message.get("text") or ""]
        parts += [button.get("title") or "" for button in message.get("buttons") or []]
        strings.append("\n".join(p for p in parts if p))
    return strings


def check_turn(turn: Dict, messages: Sequence[Dict],
               detect: Optional[Callable[[str], str]] = None) -> Dict[str, object]:
    """What the replies to one turn lack or hold against the turn's expectations.

    Args:
        turn: the turn, its macros expanded.
        messages: the bot's messages (REST channel JSON).
        detect: text -> language code; needed only when the turn says `language`.

    Returns:
        The problems, by kind (empty when the turn is right): "no_reply", "missing_all",
        "missing_any", "unwanted", "one_of" (the strings that appeared), "not_first",
        "language" (the language the replies are in).
    """
    per_message = reply_strings(messages)
    joined = "\n".join(per_message)
    text = fold(joined)
    problems: Dict[str, object] = {}
    if not joined.strip():
        problems["no_reply"] = True
    missing = [s for s in turn.get("all", []) if not appears(s, text)]
    if missing:
        problems["missing_all"] = missing
    if turn.get("any") and not any(appears(s, text) for s in turn["any"]):
        problems["missing_any"] = list(turn["any"])
    unwanted = [s for s in turn.get("none", []) if appears(s, text)]
    if unwanted:
        problems["unwanted"] = unwanted
    if turn.get("one_of"):
        present = [s for s in turn["one_of"] if appears(s, text)]
        if len(present) != 1:
            problems["one_of"] = {"expected exactly one of": list(turn["one_of"]), "found": present}
    if turn.get("first"):
        first = fold(per_message[0]) if per_message else ""
        if not any(appears(s, first) for s in turn["first"]):
            problems["not_first"] = list(turn["first"])
    if turn.get("language") and joined.strip():
        found = detect(joined) if detect else None
        if found != turn["language"]:
            problems["language"] = {"expected": turn["language"], "found": found}
    return problems


# ---------------------------------------------------------------------------------------------
# Conversation files
# ---------------------------------------------------------------------------------------------

def load_set_macros(conversations_dir: Path) -> Dict[str, List[str]]:
    """The macros of a set: macros.yml, then any macros-*.yml of the same folder (one per author)."""
    macros: Dict[str, List[str]] = {}
    for path in sorted(conversations_dir.glob("macros*.yml")):
        for name, value in load_macros(path).items():
            if name in macros and macros[name] != value:
                raise ConversationFileError(f"{path}: macro {name} is already defined differently; rename one.")
            macros[name] = value
    return macros


def load_macros(path: Path = MACROS) -> Dict[str, List[str]]:
    """The named string lists that expectations refer to as "@name"."""
    macros = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    bad = [name for name, value in macros.items()
           if not isinstance(value, list) or not all(isinstance(v, str) for v in value)]
    if bad:
        raise ConversationFileError(f"{path}: {', '.join(bad)}: a macro is a list of strings; fix these entries.")
    return macros


def expand(strings: Iterable, macros: Dict[str, List[str]], where: str) -> List[str]:
    """The strings with every "@name" replaced by the macro's strings."""
    out: List[str] = []
    for item in strings:
        if not isinstance(item, (str, int, float)):
            raise ConversationFileError(f"{where}: {item!r} is not a string; write expectations as strings.")
        item = str(item)
        if item.startswith("@"):
            if item[1:] not in macros:
                raise ConversationFileError(f"{where}: unknown macro {item}; define it in {MACROS.name} "
                                            f"(known: {', '.join(sorted(macros))}).")
            out += macros[item[1:]]
        else:
            out.append(item)
    return out


def load_conversations(path: Path, macros: Dict[str, List[str]]) -> List[Dict]:
    """The conversations of one file, checked and with their macros expanded.

    Raises:
        ConversationFileError: naming the file, the conversation and what to fix.
    """
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    conversations = document.get("conversations")
    if not isinstance(conversations, list):
        raise ConversationFileError(f"{path}: no 'conversations:' list at the top level.")
    seen = set()
    for number, conversation in enumerate(conversations, start=1):
        where = f"{path.name}, conversation #{number} ({conversation.get('id', 'no id')})"
        unknown = set(conversation) - CONVERSATION_KEYS
        if unknown:
            raise ConversationFileError(
                f"{where}: unknown keys {sorted(unknown)}; allowed: {sorted(CONVERSATION_KEYS)}.")
        if not conversation.get("id") or conversation["id"] in seen:
            raise ConversationFileError(f"{where}: every conversation needs an id of its own.")
        seen.add(conversation["id"])
        classes = conversation.get("classes") or []
        if not classes or set(classes) - set(CLASSES):
            raise ConversationFileError(f"{where}: classes {classes} must be a non-empty subset of {list(CLASSES)}.")
        if conversation.get("page") not in (None, *LANGUAGES):
            raise ConversationFileError(f"{where}: page must be one of {LANGUAGES} or absent.")
        turns = conversation.get("turns") or []
        if not 1 <= len(turns) <= 4:
            raise ConversationFileError(f"{where}: {len(turns)} turns; a conversation has 1 to 4.")
        for index, turn in enumerate(turns, start=1):
            turn_where = f"{where}, turn {index}"
            if set(turn) - TURN_KEYS or not isinstance(turn.get("user"), str) or not turn["user"].strip():
                raise ConversationFileError(f"{turn_where}: a turn has a 'user' message and only {sorted(TURN_KEYS)}.")
            if not any(turn.get(key) for key in (*LIST_CHECKS, "language")):
                raise ConversationFileError(f"{turn_where}: no expectation; add all/any/none/one_of/first/language.")
            if turn.get("language") not in (None, *LANGUAGES):
                raise ConversationFileError(f"{turn_where}: language must be one of {LANGUAGES}.")
            # An uncovered question is one that must get none of the FAQ answers: counted on its own below.
            turn["_uncovered"] = "@faq" in (turn.get("none") or [])
            for key in LIST_CHECKS:
                if key in turn:
                    if not isinstance(turn[key], list):
                        raise ConversationFileError(f"{turn_where}: '{key}' must be a list of strings.")
                    turn[key] = expand(turn[key], macros, turn_where)
    return conversations


# ---------------------------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------------------------

@dataclass
class ConversationResult:
    """One conversation as played: its failing turns and every reply."""

    id: str
    language: str
    classes: List[str]
    failures: List[Dict] = field(default_factory=list)
    transcript: List[Dict] = field(default_factory=list)
    uncovered_turns: List[Dict] = field(default_factory=list)

    @property
    def right(self) -> bool:
        """Whether every turn met its expectations."""
        return not self.failures


def play(conversation: Dict, language: str, send: Callable[[str, str, Optional[Dict]], List[Dict]],
         detect: Callable[[str], str]) -> ConversationResult:
    """Plays one conversation with a fresh sender id and checks every turn (later turns run even after a failure)."""
    sender = f"eval-{conversation['id']}-{uuid.uuid4().hex[:8]}"
    result = ConversationResult(conversation["id"], language, list(conversation["classes"]))
    for index, turn in enumerate(conversation["turns"], start=1):
        metadata = {"language": conversation["page"]} if index == 1 and conversation.get("page") else None
        try:
            messages = send(sender, turn["user"], metadata)
        except Exception as error:  # a broken turn is a failure of that conversation, not of the run
            messages, problems = [], {"error": f"{type(error).__name__}: {error}"}
        else:
            problems = check_turn(turn, messages, detect)
        replies = reply_strings(messages)
        result.transcript.append({"user": turn["user"], "replies": replies})
        if turn.get("_uncovered"):
            result.uncovered_turns.append({"faq_given": "unwanted" in problems or "error" in problems,
                                           "contact_given": not ({"missing_all", "no_reply", "error"} & set(problems))})
        if problems:
            result.failures.append({"turn": index, "user": turn["user"], "problems": problems, "replies": replies})
    return result


def eval_feed(now: Optional[datetime] = None, catalogue: Path = CATALOGUE) -> Dict:
    """The evaluation catalogue with its dates moved forward by whole weeks, as the demo's are."""
    from catalogue_sync.demo_feed import shift_feed_dates, weeks_to_come

    feed = json.loads(catalogue.read_text(encoding="utf-8"))
    return shift_feed_dates(feed, weeks_to_come(feed, now or datetime.now(timezone.utc)))


def sync_eval_catalogue(workdir: Path, catalogue: Path = CATALOGUE) -> Path:
    """Writes the moved evaluation feed in `workdir` and syncs it, with the real CLI, into a new catalogue there.

    Raises:
        RuntimeError: the sync rejected the feed or some of its records (the catalogue must be fixed).
    """
    feed_path, db = workdir / "eval-catalogue.json", workdir / "catalogue.db"
    feed_path.write_text(json.dumps(eval_feed(catalogue=catalogue), ensure_ascii=False, indent=1), encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "catalogue_sync", "sync", str(feed_path), "--db", str(db)],
                            check=False, capture_output=True, text=True, cwd=REPO_ROOT, timeout=120)
    if result.returncode != 0:
        raise RuntimeError(f"catalogue-sync of {catalogue} exited with {result.returncode}: "
                           f"{(result.stdout + result.stderr).strip()}\nFix the evaluation catalogue.")
    return db


def summarise(results: Sequence[ConversationResult]) -> Dict:
    """Per language: conversations fully right (count, share) and per class; also the turns."""
    summary: Dict[str, Dict] = {}
    for language in sorted({r.language for r in results}):
        mine = [r for r in results if r.language == language]
        by_class: Dict[str, List[bool]] = defaultdict(list)
        for r in mine:
            for name in r.classes:
                by_class[name].append(r.right)
        turns = sum(len(r.transcript) for r in mine)
        uncovered = [u for r in mine for u in r.uncovered_turns]
        summary[language] = {
            "conversations": len(mine),
            "fully_right": sum(r.right for r in mine),
            "share_fully_right": round(sum(r.right for r in mine) / len(mine), 3),
            "turns": turns,
            "turns_right": turns - sum(len(r.failures) for r in mine),
            # Issue 14's precision figure: of the questions no FAQ covers, how many got no FAQ answer.
            "uncovered_questions": {"questions": len(uncovered),
                                    "no_faq_answer": sum(not u["faq_given"] for u in uncovered),
                                    "hub_contact_given": sum(u["contact_given"] for u in uncovered)},
            "classes": {name: {"conversations": len(by_class[name]), "fully_right": sum(by_class[name]),
                               "share_fully_right": round(sum(by_class[name]) / len(by_class[name]), 3)}
                        for name in CLASSES if by_class.get(name)},
        }
    return summary


def print_summary(summary: Dict) -> None:
    """Prints the per-language and per-class figures as a table."""
    for language, figures in summary.items():
        print(f"\n{language}: {figures['share_fully_right']:.0%} of conversations fully right "
              f"({figures['fully_right']}/{figures['conversations']}); turns right "
              f"{figures['turns_right']}/{figures['turns']}")
        uncovered = figures["uncovered_questions"]
        if uncovered["questions"]:
            print(f"  questions no FAQ covers: {uncovered['no_faq_answer'] / uncovered['questions']:.0%} got no FAQ "
                  f"answer ({uncovered['no_faq_answer']}/{uncovered['questions']}), "
                  f"{uncovered['hub_contact_given']} the hub's phone")
        width = max(len(name) for name in figures["classes"])
        for name, row in figures["classes"].items():
            print(f"  {name:{width}}  {row['share_fully_right']:6.0%}  ({row['fully_right']}/{row['conversations']})")


def detect_reply_language(text: str) -> str:
    """The language of the bot's replies, as the bot itself tells French from Dutch."""
    from bot.language import detect_language

    return detect_language(text).code


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Runs the evaluation, prints the figures, writes the report; 0 whatever the answers were."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=REPO_ROOT / "models" / "assistant.tar.gz")
    parser.add_argument("--set", type=Path, default=EVAL_DIR, dest="conversation_set",
                        help="folder with catalogue.json and conversations/ (default: the held-out tests/eval; "
                             "tests/dev is the development set, whose failures may be read)")
    parser.add_argument("--language", choices=LANGUAGES, action="append",
                        help="only this language (repeatable; default both)")
    parser.add_argument("--only", action="append", metavar="ID", help="only this conversation id (repeatable)")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "results" / "eval-conversations")
    parser.add_argument("--parallel", type=int, default=3,
                        help="conversations played at a time (each one's turns stay in order)")
    args = parser.parse_args(argv)

    set_dir = args.conversation_set.resolve()
    catalogue, conversations_dir = set_dir / "catalogue.json", set_dir / "conversations"
    macros = load_set_macros(conversations_dir)
    work: List[tuple] = []
    for language in args.language or LANGUAGES:
        for conversation in load_conversations(conversations_dir / f"{language}.yml", macros):
            if not args.only or conversation["id"] in args.only:
                work.append((conversation, language))
    if not work:
        print(f"No conversation to play (--only {args.only}, --language {args.language}).", file=sys.stderr)
        return 2
    if not args.model.exists():
        print(f"No model at {args.model}: run `make train` first, or pass --model.", file=sys.stderr)
        return 1

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.path.insert(0, str(REPO_ROOT / "tests"))
    from servers import running_servers  # tests/ is not a package: imported from its folder

    detect_reply_language("bonjour")  # loads the language models once, before the threads start
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="eval-conversations-") as tmp:
        workdir = Path(tmp)
        db = sync_eval_catalogue(workdir, catalogue)
        with running_servers(db, workdir, model=args.model, api=False) as servers:
            ready = time.monotonic()
            with ThreadPoolExecutor(max_workers=max(1, args.parallel)) as pool:
                results = list(pool.map(lambda item: play(item[0], item[1], servers.send, detect_reply_language),
                                        work))
            played = time.monotonic() - ready
    summary = summarise(results)
    print_summary(summary)
    messages = sum(len(r.transcript) for r in results)
    print(f"\n{messages} messages in {played:.0f} s (assistant started in {ready - started:.0f} s)")

    args.out.mkdir(parents=True, exist_ok=True)
    report = {
        "model": str(args.model),
        "catalogue": str(catalogue.relative_to(REPO_ROOT)) if catalogue.is_relative_to(REPO_ROOT) else str(catalogue),
        "run_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "summary": summary,
        "failures": [{"id": r.id, "language": r.language, "classes": r.classes, "failed_turns": r.failures,
                      "transcript": r.transcript} for r in results if not r.right],
    }
    path = args.out / "report.json"
    path.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"Every failure: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
