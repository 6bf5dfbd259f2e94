"""``import-osm``: load a real OSM extract into the database, record it as a source and
build its street graph; ``sources``: list and remove the recorded sources."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.orm import Session

from app.cli_support import domain_errors, echo_import_counts, unit_of_work
from app.db import get_session
from app.imports.job import KIND
from app.imports.pipeline import check_import, run_import
from app.imports.sources import all_sources, find_source, remove_source, source_view
from app.jobs.service import create_job, describe, start
from app.models import Source
from app.routing.service import cache_dir
from geo.collector import collector_paused
from geo.hours.opening_hours import local_text
from geo.osm.extract import KINDS


def _queue_import(session: Session, path: str, division: str | None, as_json: bool) -> None:
    """Check the file and division, queue the import as a job (without Redis it runs now)
    and print its id and where its status is read; exit 2 if it ran here and failed."""
    check_import(session, path, division)
    job = create_job(session, KIND, {"path": str(Path(path).resolve()), "division": division},
                     actor="import-osm", user_id=None)
    session.commit()  # the worker reads the job: it must be there first
    start(job)
    session.refresh(job)
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    status_url, page_url = f"{base}/api/v1/jobs/{job.id}", f"{base}/office/jobs/{job.id}"
    if as_json:
        click.echo(json.dumps({"job": describe(job), "status_url": status_url,
                               "page_url": page_url}, ensure_ascii=False))
    else:
        click.echo(f"已排入后台任务 / queued as job {job.id}（{describe(job)['status_zh']}）\n"
                   f"状态 status (JSON, admin token): {status_url}\n页面 page (admin): {page_url}")
    if job.status == "failed":  # embedded, it ran here and failed: say so in the exit code
        if not as_json:
            click.echo(f"任务失败 / job failed: {job.error}", err=True)
        raise click.exceptions.Exit(2)


@click.command("import-osm")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--division", help="9-digit street or 12-digit committee code of the compounds.")
@click.option("--queue", is_flag=True,
              help="Run it as a job on the queue (a worker with REDIS_URL); print its id.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@with_appcontext
@domain_errors
@collector_paused()  # the import and its commit (see run_import)
@unit_of_work()
def import_osm_command(path: str, division: str | None, queue: bool, as_json: bool) -> None:
    """Import an OSM extract (.osm, .osm.bz2, .osm.gz, .osm.pbf) and build its street
    graph; re-import is idempotent."""
    session = get_session()
    if queue:
        _queue_import(session, path, division, as_json)
        return
    # Phases on stderr (hidden with --json): reading, graph and cache, one step per kind.
    with click.progressbar(length=len(KINDS) + 2, label="读取 reading", file=sys.stderr,
                           hidden=as_json, show_pos=True) as bar:

        def phase(done: int, name: str) -> None:
            bar.label = name
            if done:
                bar.update(1)  # the phase before it ended

        def written(kind: str) -> None:
            bar.label = f"要素 features: {kind}"
            bar.update(1)

        report, source = run_import(session, path, division=division, phase=phase,
                                    on_kind=written)
        bar.label = "完成 done"
        bar.render_progress()
    if as_json:
        click.echo(json.dumps({**report.as_dict(), "source": source_view(source)}, ensure_ascii=False))
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
    entrances = source.counts["entrances"]
    click.echo(f"出入口 entrances: found {entrances['found']}, inferred {entrances['inferred']}, "
               f"proposed {entrances['proposed']}")
    if source.status == "ready":
        click.echo(f"路网已建成并缓存 / street graph built and cached ({cache_dir()})")
    else:
        click.echo(f"路网无法建成，此来源不参与寻路 / street graph failed, not routed on: {source.error}")


def _source_line(source: Source) -> str:
    bounds = ", ".join(f"{v:.5f}" for v in source.bounds) if source.bounds else "—"
    created = sum(source.counts.get("created", {}).values())
    entrances = source.counts.get("entrances", {})
    line = (f"{source.id:>3}  {source.status:<6}  {local_text(source.imported_at)}  {source.path}\n"
            f"     bounds {bounds}; created {created}; entrances found {entrances.get('found', 0)}, "
            f"inferred {entrances.get('inferred', 0)}, proposed {entrances.get('proposed', 0)}")
    return line + (f"\n     error: {source.error}" if source.error else "")


@click.group("sources", invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="List the sources as one JSON array.")
@click.pass_context
def sources_group(context: click.Context, as_json: bool) -> None:
    """The OSM extracts the map was imported from (default: list them)."""
    if context.invoked_subcommand is None:
        context.invoke(list_command, as_json=as_json)


@sources_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the sources as one JSON array.")
@with_appcontext
def list_command(as_json: bool = False) -> None:
    """List the sources: id, status, imported at (Beijing time), path, bounds, counts."""
    sources = all_sources(get_session())
    if as_json:
        click.echo(json.dumps([source_view(s) for s in sources], ensure_ascii=False))
        return
    if not sources:
        click.echo("还没有来源，请先运行 import-osm / no sources yet: run import-osm")
    for source in sources:
        click.echo(_source_line(source))


@sources_group.command("remove")
@click.argument("path_or_id")
@with_appcontext
@domain_errors
@unit_of_work()
def remove_command(path_or_id: str) -> None:
    """Drop a source by id or path: its features stay, its street graph is no longer served."""
    session = get_session()
    source = find_source(session, path_or_id)
    path = source.path
    remove_source(session, source, cache_dir=cache_dir())
    click.echo(f"已移除来源 / removed source {path}")


COMMANDS = [import_osm_command, sources_group]
