"""``import-osm``: load a real OSM extract into the database."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from app.cli_support import domain_errors, echo_import_counts, unit_of_work
from app.db import get_session
from app.imports.importer import import_osm
from geo.osm.extract import KINDS


@click.command("import-osm")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--division", help="9-digit street or 12-digit committee code of the compounds.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@with_appcontext
@domain_errors
@unit_of_work()
def import_osm_command(path: str, division: str | None, as_json: bool) -> None:
    """Import an OSM extract (.osm, .osm.bz2, .osm.gz, .osm.pbf); re-import is idempotent."""
    report = import_osm(get_session(), path, division=division)
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False))
        return
    echo_import_counts(report, KINDS, heading="kind")
    found = report.entrances
    click.echo(f"出入口 entrances: 已标注 mapped {found['mapped']}，推断 inferred {found['inferred']}，"
               f"待核实 proposed {found['proposed']}")
    for conflict in report.conflicts:
        click.echo(f"冲突 conflict: {conflict['kind']} {conflict['id']} ({conflict['osm']}): "
                   f"办公室已修改，保留办公室的版本 / {conflict['reason']}")
    if report.skipped:
        click.echo("skipped: " + ", ".join(f"{k} {v}" for k, v in report.skipped.items()))


COMMANDS = [import_osm_command]
