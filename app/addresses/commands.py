"""``init_database`` (the schema and the national division codes, for ``init-db`` and
``demo``), ``import-divisions`` (street and committee boundaries, and the compounds they
hold) and ``resolve`` (a free-text address to ranked places), from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy.orm import Session

from app.addresses.division_areas import import_division_boundaries
from app.addresses.divisions import load_national_divisions
from app.addresses.resolve import resolve_address
from app.cli_support import domain_errors, unit_of_work
from app.db import get_engine, get_session, upgrade_schema
from geo import settings
from geo.address.division_areas import read_division_file

STATUS_ZH = {"matched": "找到", "ambiguous": "不确定", "not_found": "没有找到"}
MISSING = {"building": "没有此楼/no such building", "unit": "没有此单元/no such unit"}
UNMAPPED = {"unit": "单元门未标注/unit doors not mapped"}


def init_database(session: Session) -> int:
    """Migrate the schema to head and load the national divisions into ``session``;
    rows loaded."""
    upgrade_schema(get_engine())
    return load_national_divisions(session)


@click.command("import-divisions")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--code-field", help="Column of the 9- or 12-digit codes (default: code, 区划代码 or ref).")
@click.option("--name-field", help="Column of the names (default: name, 名称 or name:zh).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@with_appcontext
@domain_errors
@unit_of_work()
def import_divisions_command(path: str, code_field: str | None, name_field: str | None,
                             as_json: bool) -> None:
    """Import street (街道) or committee (社区) boundaries from a GeoJSON, GeoPackage or
    Shapefile and give every compound without a code the division holding most of it.

    Codes must be in the national list (a committee under a known street); compounds
    already coded keep their codes. Re-running with the same file changes nothing.
    """
    boundaries = read_division_file(path, code_field=code_field, name_field=name_field)
    report = import_division_boundaries(get_session(), boundaries, source=Path(path).name)
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False))
        return
    counts = report.boundaries
    click.echo(f"导入 {report.file} / imported {report.file}")
    click.echo(f"边界 boundaries: {counts['created']} created, {counts['updated']} updated, "
               f"{counts['unchanged']} unchanged")
    click.echo(f"小区：新分配区划 {report.assigned}，已有编码保留 {report.kept}，不在任何边界内 "
               f"{report.uncovered} / compounds: {report.assigned} assigned, {report.kept} kept "
               f"(already coded), {report.uncovered} outside every boundary")


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


COMMANDS = [import_divisions_command, resolve_command]
