"""Starts the action server on one interface (loopback by default), which `rasa run actions` can't."""

from __future__ import annotations

import argparse
import logging

from rasa_sdk.endpoint import create_app


def main() -> None:
    """Runs the Rasa SDK action server for the `bot.actions` package."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on")
    parser.add_argument("--port", type=int, default=5055, help="port to listen on")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    app = create_app("bot.actions", cors_origins=None)
    app.run(args.host, args.port, workers=1, access_log=False)


if __name__ == "__main__":
    main()
