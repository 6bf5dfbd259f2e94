"""``resolve``: a free-text address to ranked places, from the command line."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from app.addresses.resolve import resolve_address
from app.cli_support import domain_errors, unit_of_work
from app.db import get_session
from geo import settings

STATUS_ZH = {"matched": "找到", "ambiguous": "不确定", "not_found": "没有找到"}
MISSING = {"building": "没有此楼/no such building", "unit": "没有此单元/no such unit"}
UNMAPPED = {"unit": "单元门未标注/unit doors not mapped"}


@click.command("resolve")
@click.argument("text")
@click.option("--limit", default=settings.RESOLVE_DEFAULT_LIMIT, show_default=True,
              type=click.IntRange(1, settings.RESOLVE_MAX_LIMIT), help="Candidates shown.")
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON.")
@with_appcontext
@domain_errors
@unit_of_work()
def resolve_command(text: str, limit: int, as_json: bool) -> None:
    """Resolve an address as riders write it (双泉嘉苑3号楼二单元, "双泉嘉苑 3-2") or a code.

    Prints the status (matched, ambiguous, not_found) and the ranked candidates with
    confidence, code, label and the point to head for (lon, lat, WGS-84).
    """
    result = resolve_address(get_session(), text)
    if as_json:
        click.echo(json.dumps(result.as_dict(limit), ensure_ascii=False))
        return
    click.echo(f"{STATUS_ZH[result.status]} / {result.status}: {result.message}")
    if not result.candidates:
        return
    click.echo(f"{'#':>2} {'conf':>5}  {'kind':<9} {'code':<24} {'lon,lat':<22} {'point':<15} label")
    for rank, candidate in enumerate(result.candidates[:limit], 1):
        row = candidate.as_dict()
        point = row["point"]["coordinates"] if row["point"] else None
        where = f"{point[0]:.6f},{point[1]:.6f}" if point else "-"
        notes = "".join(f" [{MISSING[part]}]" for part in row["missing"]) + "".join(
            f" [{UNMAPPED[part]}]" for part in row["unmapped"])
        click.echo(f"{rank:>2} {row['confidence']:>5.2f}  {row['kind']:<9} "
                   f"{row['code'] or '-':<24} {where:<22} {row['point_source'] or '-':<15} "
                   f"{row['label']}{notes}")
    if len(result.candidates) > limit:
        click.echo(f"… 另有 {len(result.candidates) - limit} 个 / {len(result.candidates) - limit} more")


COMMANDS = [resolve_command]
