"""The office map editor (``/office/editor``): which compounds this office may edit,
the map page that draws and reshapes them, file export and import.

The page itself writes nothing: its script sends every change to the JSON API
(``/api/v1/<resource>``) with the session cookie and the CSRF token, so the editor's
writes are validated, scoped, version-checked and audited in ``app.places.editing`` like any
other client's.
"""

from __future__ import annotations

import tempfile
from io import BytesIO
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from shapely.geometry import box
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as BaseResponse

from app.accounts.auth import Actor, in_scope, scope_clause, signed_in_actor
from app.accounts.views import login_required
from app.addresses.divisions import division_full_name
from app.config import configured_tiles
from app.db import get_session
from app.jobs.uploads import queue_upload
from app.mapping.compound_data import streets_near
from app.models import Community
from app.places import import_job
from app.places.editing import get_feature
from app.places.exchange import export_features
from app.spatial import communities_box
from geo import settings
from geo.errors import Forbidden, NotFound
from geo.places.exchange import FORMATS, read_layers
from maps.symbols import symbols

LISTED = 500  # compounds listed on the index page
_MIMETYPES = {"geojson": "application/geo+json", "gpkg": "application/geopackage+sqlite3",
              "osm": "application/xml"}

bp = Blueprint("editor", __name__)  # under /office


def editable_communities(session: Session, actor: Actor) -> list[Community]:
    """The compounds ``actor`` may edit: its office's own and those in its divisions."""
    return list(session.scalars(select(Community).where(scope_clause(actor))
                                .order_by(Community.name, Community.id).limit(LISTED)))


def _divisions(session: Session, actor: Actor) -> list[dict[str, str]]:
    office = actor.user.office if actor.user else None
    codes = office.division_codes if office else []
    return [{"code": code, "name": division_full_name(session, code)} for code in codes]


def _bounds(session: Session, rows: list[Community]) -> tuple[float, float, float, float]:
    """Where a new compound is drawn: around the office's compounds, else around all."""
    if rows:
        return (min(r.min_lon for r in rows), min(r.min_lat for r in rows),
                max(r.max_lon for r in rows), max(r.max_lat for r in rows))
    return communities_box(session)


def _tile_layers() -> list[dict[str, Any]]:
    """Base tile layers the editor can show: WGS-84 ones only (the editor draws in the
    coordinates it stores; a GCJ-02 base map would put every vertex off by metres)."""
    source = configured_tiles(current_app.config)
    return list(source.layers) if source.crs == "wgs84" else []


@bp.get("/editor")
@login_required
def editor_index() -> str:
    """What this office may edit: its divisions, its compounds, files in and out."""
    db = get_session()
    actor = signed_in_actor()
    return render_template("editor/index.html", actor=actor,
                           divisions=_divisions(db, actor),
                           communities=editable_communities(db, actor), formats=FORMATS,
                           listed=LISTED)


def _editor_page(community: Community | None) -> str:
    db = get_session()
    actor = signed_in_actor()
    area = community.geom if community is not None else box(
        *_bounds(db, editable_communities(db, actor)))
    tiles = _tile_layers()
    config = {
        "api": url_for("api.places.list_features", resource="communities").rsplit("/", 1)[0],
        "community": community.id if community is not None else None,
        "bounds": list(area.bounds),
        "divisions": _divisions(db, actor),
        "tiles": tiles,
        "streets": [] if tiles else streets_near(db, area, settings.MAP_STREET_MARGIN_M),
        "editorUrl": url_for("office.editor.editor_page", community_id=0).rstrip("0"),
        "newUrl": url_for("office.editor.editor_new"),
        "symbols": symbols(),  # data/maps/symbols.json, as on every other map
    }
    return render_template("editor/map.html", actor=actor, community=community, config=config,
                           formats=FORMATS,
                           can_edit=in_scope(actor, community) if community is not None else True)


@bp.get("/editor/new")
@login_required
def editor_new() -> str:
    """The map, ready to draw a new compound."""
    return _editor_page(None)


@bp.get("/editor/<int:community_id>")
@login_required
def editor_page(community_id: int) -> str:
    """The map editor of one compound."""
    community = get_feature(get_session(), "communities", community_id)
    assert isinstance(community, Community)
    return _editor_page(community)


@bp.get("/editor/<int:community_id>/export.<fmt>")
@login_required
def editor_export(community_id: int, fmt: str) -> Response:
    """One compound and its features as a GeoJSON, GeoPackage or OSM XML download."""
    if fmt not in FORMATS:
        raise NotFound(f"没有“{fmt}”这种导出格式", f"no export format {fmt!r}")
    db = get_session()
    community = get_feature(db, "communities", community_id)
    assert isinstance(community, Community)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"compound-{community.id}{FORMATS[fmt]}"
        export_features(db, fmt, path, community=community)
        data = path.read_bytes()
    name = f"{community.code or community.id}{FORMATS[fmt]}"
    return send_file(BytesIO(data), mimetype=_MIMETYPES[fmt], as_attachment=True,
                     download_name=name)


@bp.post("/editor/import")
@login_required
def editor_import() -> BaseResponse:
    """A GeoJSON or GeoPackage upload, read and checked here, then applied as this user
    (all or nothing) by a job; to the job's page."""
    actor = signed_in_actor()
    if not actor.can_write:
        raise Forbidden("本账号只能查看，不能导入", "this account may not write")
    job = queue_upload(get_session(), actor, request.files.get("file"), import_job.KIND,
                       read_layers, {"user_id": actor.user.id if actor.user else None})
    return redirect(url_for("office.jobs.job_page", job_id=job.id))
