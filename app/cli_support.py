"""What every command shares: its unit of work (commit on success, roll back on error),
domain errors as a message on stderr with exit status 2, and the options and output of
the retention commands (``purge``, ``purge-jobs``)."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import click
from sqlalchemy.orm import Session

from app import db as database
from geo.errors import YouluError


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """A command's unit of work (the rule is in ``app.db``): the session, committed when
    the block ends well, rolled back when it raises or exits. Every command is decorated
    with it (``@unit_of_work()``); a command that goes on after its writes (``demo``
    serves) uses it as ``with unit_of_work() as session:`` around them."""
    session = database.get_session()
    try:
        yield session
    except BaseException:
        session.rollback()
        raise
    session.commit()


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


Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def retention_options(*, default_days: int, days_help: str) -> Decorator:
    """A retention command's options: ``--days`` (default ``default_days``), ``--dry-run``
    (count only) and ``--json``."""

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        fn = click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")(fn)
        fn = click.option("--dry-run", is_flag=True, help="Only count what would be deleted.")(fn)
        return click.option("--days", type=int, default=default_days, show_default=True,
                            help=days_help)(fn)

    return decorate


def echo_purge_counts(counts: dict[str, int], *, days: int, dry_run: bool, as_json: bool,
                      zh: str, en: str) -> None:
    """A retention command's answer: the counts as JSON, or one line in Chinese and English
    ("将删除/已删除" + ``zh``, "would delete/deleted" + ``en``)."""
    if as_json:
        click.echo(json.dumps({**counts, "days": days, "dry_run": dry_run}))
        return
    click.echo(f"{'将删除' if dry_run else '已删除'}{zh} / {'would delete' if dry_run else 'deleted'} {en}")
