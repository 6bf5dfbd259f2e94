"""An OSM extract an admin uploads from the office editor (``POST
/office/editor/import-osm``): checked like ``import-osm`` checks a file, then imported
by a job the way ``import-osm --queue`` does, followed on the job's page."""

from __future__ import annotations

from flask import Blueprint, redirect, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from app.accounts.auth import signed_in_actor
from app.accounts.views import login_required
from app.db import get_session
from app.imports.job import KIND
from app.imports.pipeline import check_import
from app.jobs.uploads import queue_upload
from geo.errors import Forbidden

bp = Blueprint("imports", __name__)  # under /office


@bp.post("/editor/import-osm")
@login_required
def upload_osm() -> BaseResponse:
    """Queue the import of the uploaded extract (.osm, .osm.bz2, .osm.gz, .osm.pbf;
    ``division`` the fallback division); admins only. To the job's page."""
    actor = signed_in_actor()
    if not actor.is_admin:
        raise Forbidden("只有管理员可以导入 OSM 数据", "only an admin may import an OSM extract")
    db = get_session()
    division = request.form.get("division", "").strip() or None
    job = queue_upload(db, actor, request.files.get("file"), KIND,
                       lambda path: check_import(db, path, division),
                       {"division": division, "actor": actor.name})
    return redirect(url_for("office.jobs.job_page", job_id=job.id))
