"""What every command shares: domain errors become a message on stderr and exit 2."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterable
from typing import Any

import click

from geo.errors import YouluError


def domain_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Print a ``YouluError`` as a clear message (JSON with ``--json``) and exit 2."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except YouluError as error:
            if kwargs.get("as_json"):
                click.echo(json.dumps(error.to_dict(), ensure_ascii=False))
            else:
                click.echo(f"错误：{error.zh}\nerror: {error.en}", err=True)
            sys.exit(2)

    return wrapper


def echo_import_counts(report: Any, names: Iterable[str], *, heading: str) -> None:
    """The created/updated/unchanged table that every import command prints."""
    click.echo(f"导入 {report.file} / imported {report.file}")
    click.echo(f"{heading:<12}{'created':>9}{'updated':>9}{'unchanged':>11}")
    for name in names:
        click.echo(f"{name:<12}{report.created[name]:>9}{report.updated[name]:>9}"
                   f"{report.unchanged[name]:>11}")
