"""``poster``: print the map poster that hangs at one gate."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from app.addresses.codes import lookup_by_code_or_id
from app.cli_support import domain_errors, unit_of_work
from app.db import get_session
from app.models import Gate
from app.plates.posters import poster_for_gate
from maps.poster_spec import PAGE_SIZES_MM


@click.command("poster")
@click.option("--gate", "gate_ref", required=True, help="The gate's standard code or id.")
@click.option("--size", type=click.Choice(list(PAGE_SIZES_MM), case_sensitive=False),
              default="A4", show_default=True, help="Paper size.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False),
              help="Output file; .pdf or .png says the format.")
@with_appcontext
@domain_errors
@unit_of_work()
def poster_command(gate_ref: str, size: str, out: str) -> None:
    """Write the poster for a gate: the compound with "你在这里" at that gate, building and
    unit numbers, facilities, rider routes, north arrow, scale bar, legend and a QR code."""
    path = Path(out)
    fmt = path.suffix.lower().lstrip(".")
    db = get_session()
    gate = lookup_by_code_or_id(db, Gate, gate_ref)
    data = poster_for_gate(db, gate, size=size.upper(), fmt=fmt,
                           base_url=current_app.config["PUBLIC_BASE_URL"])
    path.write_bytes(data)
    click.echo(f"海报已写入 {path}（{size.upper()}，{len(data) // 1024} KB）/ poster written to {path}")


COMMANDS = [poster_command]
