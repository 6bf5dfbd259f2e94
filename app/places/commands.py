"""``export`` and ``import-features``: an office's features to and from files."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from app.accounts.auth import Actor
from app.addresses.codes import lookup_by_code_or_id
from app.cli_support import domain_errors, echo_import_counts, unit_of_work
from app.db import get_session
from app.models import Community, User
from app.places.exchange import export_features, import_features
from geo.errors import InvalidInput
from geo.places.exchange import FORMATS


def command_line_actor(username: str | None) -> Actor:
    """Who a command writes as: the named user (with that user's scope), else the
    operator at the command line, who may write everything (audited as ``cli``)."""
    if username is None:
        return Actor(user=User(username="cli", role="admin", active=True), token=None,
                     via_session=False)
    user = get_session().scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        raise InvalidInput(f"没有名为“{username}”的有效账号", f"no active user {username!r}")
    return Actor(user=user, token=None, via_session=False)


@click.command("export")
@click.option("--format", "fmt", type=click.Choice(list(FORMATS)), required=True,
              help="geojson, gpkg (GeoPackage) or osm (OSM XML for JOSM).")
@click.option("--out", "out", type=click.Path(dir_okay=False), required=True, help="File to write.")
@click.option("--community", help="Only this compound (standard code or id); default all.")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@with_appcontext
@domain_errors
@unit_of_work()
def export_command(fmt: str, out: str, community: str | None, as_json: bool) -> None:
    """Export compounds, gates, buildings, units, paths and facilities to a file."""
    db = get_session()
    row = lookup_by_code_or_id(db, Community, community) if community else None
    counts = export_features(db, fmt, out, community=row)  # type: ignore[arg-type]
    if as_json:
        click.echo(json.dumps({"file": out, "format": fmt, "counts": counts}, ensure_ascii=False))
        return
    click.echo(f"已导出到 {out} / exported to {out}: "
               + ", ".join(f"{name} {n}" for name, n in counts.items()))


@click.command("import-features")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--user", "username", help="Write as this office user (and within its scope).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@with_appcontext
@domain_errors
@unit_of_work()
def import_features_command(path: str, username: str | None, as_json: bool) -> None:
    """Import a GeoJSON or GeoPackage file exported by `export` (all or nothing)."""
    summary = import_features(get_session(), command_line_actor(username), path)
    if as_json:
        click.echo(json.dumps(summary.as_dict(), ensure_ascii=False))
        return
    echo_import_counts(summary, ("communities", "buildings", "gates", "paths", "facilities",
                                 "units"), heading="layer")
    for change in summary.codes_changed:
        click.echo(f"编码已被占用，改为新编码 / code taken, new code: {change['file_code']} → "
                   f"{change['code']}")


COMMANDS = [export_command, import_features_command]
