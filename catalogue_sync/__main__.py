"""Runs the `catalogue-sync` command: `python -m catalogue_sync`."""

from catalogue_sync.cli import cli

if __name__ == "__main__":
    cli(prog_name="catalogue-sync")
