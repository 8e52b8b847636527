"""Starts the action server on one interface (loopback by default), which `rasa run actions` can't."""

from __future__ import annotations

import argparse
import logging
import sys

# The actions read spaCy's stop word lists, and importing spaCy imports thinc, which imports
# TensorFlow when it is installed (Rasa installs it): 450 MB the action server never uses.
# A None entry makes `import tensorflow` fail here, so thinc goes on without it.
sys.modules.setdefault("tensorflow", None)  # type: ignore[arg-type]

from rasa_sdk.endpoint import create_app  # noqa: E402


def warm_up() -> None:
    """Reads once, before serving, what the first message would otherwise wait for (spaCy's stop
    words, the synonyms files, the words of the NLU training examples): seconds, not per message."""
    from bot import text

    text.keywords("warm up")
    text.synonyms_table()
    text.everyday_words()


def main() -> None:
    """Runs the Rasa SDK action server for the `bot.actions` package."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on")
    parser.add_argument("--port", type=int, default=5055, help="port to listen on")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    app = create_app("bot.actions", cors_origins=None)
    warm_up()
    app.run(args.host, args.port, workers=1, access_log=False)


if __name__ == "__main__":
    main()
