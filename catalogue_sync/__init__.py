"""Keeps the bot's SQLite training catalogue in step with the hub's backend feed."""

__version__ = "0.1.0"
