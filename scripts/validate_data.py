"""Runs `rasa data validate` and fails on any warning it prints.

`rasa data validate --fail-on-warnings` still exits 0 on several warnings (unused intents,
unused responses), so this script reads what it printed. One warning is expected and allowed:
"The utterance 'utter_x' is not used in any story or rule" when a custom action sends utter_x
(the validator cannot see inside actions); such names are found as literals in bot/actions/.
Likewise an intent that an NLU component sets and no example teaches ("message_too_long", set by
bot/nlu/message_guard.py) is expected to have no training data.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
UNUSED_UTTERANCE = re.compile(r"The utterance '(utter_\w+)' is not used in any story or rule")
UNTRAINED_INTENT_WARNING = re.compile(r"The intent '(\w+)' is listed in the domain file, but is not found in the NLU training data")
WARNING = re.compile(r"UserWarning|WARNING|FutureWarning")
# Noise from Rasa's own dependencies at import time, not about the bot's data.
LIBRARY_NOISE = re.compile(r"DeprecationWarning|declare_namespace|pkg_resources|jax|tensorflow|SQLALCHEMY")


def responses_sent_by_actions() -> tuple:
    """Response names the custom actions and forms send, which the validator cannot see.

    Returns:
        (names written as string literals in bot/actions and the utter_ask_<slot> of form
        slots, prefixes of the names the actions build: "utter_format_", f"utter_rule_{kind}")
    """
    import yaml

    names, prefixes = set(), set()
    for path in (REPO_ROOT / "bot" / "actions").rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        literals = re.findall(r"[\"'](utter_\w+)[\"']", source)
        # "utter_format_" names a family of responses; so does f"utter_rule_{kind}".
        names.update(n for n in literals if not n.endswith("_"))
        prefixes.update(n for n in literals if n.endswith("_"))
        prefixes.update(re.findall(r"f[\"'](utter_\w+_)\{", source))
    domain = yaml.safe_load((REPO_ROOT / "bot" / "domain.yml").read_text(encoding="utf-8"))
    for form in (domain.get("forms") or {}).values():
        names.update(f"utter_ask_{slot}" for slot in form.get("required_slots") or [])
    return names, tuple(prefixes)


def intents_set_by_components() -> set:
    """Intents the custom NLU components set themselves (an `UNTRAINED_INTENT = "name"` in bot/nlu/)."""
    names = set()
    for path in (REPO_ROOT / "bot" / "nlu").rglob("*.py"):
        names.update(re.findall(r"^UNTRAINED_INTENT = [\"'](\w+)[\"']", path.read_text(encoding="utf-8"), re.M))
    return names


def main() -> int:
    """Validates and prints the warnings that count; exit status 1 if there is any."""
    rasa = Path(sys.executable).parent / "rasa"
    result = subprocess.run(
        [str(rasa), "data", "validate", "--config", "config.yml", "--domain", "bot/domain.yml",
         "--data", sys.argv[1] if len(sys.argv) > 1 else "bot/data", "--fail-on-warnings"],
        cwd=REPO_ROOT, capture_output=True, text=True,
    )
    output = result.stdout + result.stderr
    sent, sent_prefixes = responses_sent_by_actions()
    problems = []
    for line in output.splitlines():
        if not WARNING.search(line) or LIBRARY_NOISE.search(line):
            continue
        untrained = UNTRAINED_INTENT_WARNING.search(line)
        if untrained and untrained.group(1) in intents_set_by_components():
            continue
        unused = UNUSED_UTTERANCE.search(line)
        if unused and (unused.group(1) in sent or unused.group(1).startswith(sent_prefixes)):
            continue
        problems.append(line.strip())
    if result.returncode != 0 or problems:
        print(output[-6000:] if result.returncode != 0 else "")
        print("rasa data validate: %d warning(s)" % len(problems))
        for line in problems:
            print("  " + line)
        return 1
    print("rasa data validate: no warnings")
    return 0


if __name__ == "__main__":
    sys.exit(main())
