"""``route``: the access route from a point to a unit or building door."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from app.cli_support import domain_errors, unit_of_work
from app.db import get_session
from app.routing import service as routing
from geo.geometry.coords import parse_lon_lat


@click.command("route")
@click.option("--from", "start", required=True, help="Start as LON,LAT (WGS-84).")
@click.option("--to", "to", required=True,
              help="unit:ID, building:ID, a unit id, a unit or building code, or an address.")
@click.option("--at", "at", help="ISO 8601 time (Asia/Shanghai if no offset); default now.")
@click.option("--pass", "has_pass", is_flag=True, help="The rider holds a pass.")
@click.option("--json", "as_json", is_flag=True, help="Print the route as one JSON object.")
@with_appcontext
@domain_errors
@unit_of_work()
def route_command(start: str, to: str, at: str | None, has_pass: bool, as_json: bool) -> None:
    """Access route: street → gate open to riders → door, with Chinese instructions."""
    start_point = parse_lon_lat(start, ("--from", "--from"))
    result = routing.route(get_session(), start_point, to, at=at, has_pass=has_pass)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
        return
    gate = result["gate"]["label"] if result["gate"] else "—"
    click.echo(f"到 {result['to']['label']}：{result['distance_m']:.0f} 米，约 "
               f"{result['duration_s'] / 60:.1f} 分钟，经 {gate}")
    for leg in result["legs"]:
        click.echo(f"[{leg['mode']}] {leg['distance_m']:.0f} m, {leg['duration_s']:.0f} s")
        for line in leg["instructions"]:
            click.echo(f"  {line}")
    for skipped in result["gates_skipped"]:
        why = "、".join(r["message"] for r in skipped["reasons"])
        opens = f"（{skipped['next_open']} 开）" if skipped["next_open"] else ""
        click.echo(f"未走 {skipped['label']}：{why}{opens}")
    if result["saved"]:
        click.echo(f"比导航到小区中心省 {result['saved']['seconds']:.0f} 秒")


COMMANDS = [route_command]
