"""Registers every command module's ``COMMANDS`` on the app's CLI."""

from __future__ import annotations

from flask import Flask

from app.commands import (database, demo, exchange, importing, maps, plates, resolve, riders,
                          routing)


def register_commands(app: Flask) -> None:
    """Attach all CLI commands to ``app``."""
    for module in (database, importing, demo, plates, exchange, riders, resolve, maps, routing):
        for command in module.COMMANDS:
            app.cli.add_command(command)
