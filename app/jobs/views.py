"""Job pages and status: an office starts a compound's plates ZIP or posters ZIP as a
job (``POST /office/communities/<ref>/plates-job`` or ``…/posters-job``) and follows
it on its page (``/office/jobs/<id>``, Chinese, refreshing itself); machines read
``GET /api/v1/jobs/<id>`` (JSON)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, Response, jsonify, redirect, render_template, request, send_file, url_for
from werkzeug.wrappers import Response as BaseResponse

from app.accounts.auth import Actor, check_scope, current_actor, signed_in_actor
from app.accounts.views import login_required
from app.addresses.codes import lookup_by_code_or_id
from app.db import get_session
from app.jobs.posters import community_gates
from app.jobs.service import KIND_ZH, create_job, describe, start
from app.models import Community, Job
from app.openapi import document, error_responses
from app.plates.printing import record_print
from geo.errors import Forbidden, InvalidInput, NotFound, Unauthorized
from maps.plates import FORMATS
from maps.poster_spec import PAGE_SIZES_MM

REFRESH_S = 2
# The page a job of these kinds links back to (the editor that uploaded its file).
BACK = {"import_features": "office.editor.editor_index", "import_osm": "office.editor.editor_index"}
office_bp = Blueprint("jobs", __name__)  # under /office
api_bp = Blueprint("jobs_api", __name__)  # under /api/v1


def _job(job_id: str, actor: Actor | None) -> Job:
    """The job ``job_id`` if ``actor`` started it (or is an admin); ``NotFound`` else."""
    if actor is None:
        raise Unauthorized("请先登录或提供 API 令牌", "log in or send an API token")
    job = get_session().get(Job, job_id)
    mine = job is not None and (actor.is_admin or (actor.user is not None
                                                   and job.user_id == actor.user.id))
    if job is None or not mine:
        raise NotFound("找不到这个后台任务", f"job {job_id!r} not found")
    return job


def _compound(value: str, refused_zh: str) -> tuple[Actor, Community]:
    """The office actor and compound ``value`` if the actor may write and the compound
    is in its scope (``Forbidden`` else)."""
    actor = signed_in_actor()
    assert actor.user is not None  # an office page: a signed-in user
    if not actor.can_write:
        raise Forbidden(refused_zh, "only office accounts may start this job")
    community = lookup_by_code_or_id(get_session(), Community, value)
    assert isinstance(community, Community)
    check_scope(actor, community)
    return actor, community


def _queue(actor: Actor, community: Community, kind: str, params: dict[str, Any],
           printed: str, note: str) -> BaseResponse:
    """Queue a ``kind`` job for ``community`` (the print audited); to the job's page."""
    assert actor.user is not None
    db = get_session()
    job = create_job(db, kind, {**params, "community_id": community.id, "code": community.code},
                     actor=actor.name, user_id=actor.user.id)
    record_print(db, actor, community.id, printed, note)
    db.commit()  # the worker reads the job: it must be there first
    start(job)
    return redirect(url_for(".job_page", job_id=job.id))


@office_bp.post("/communities/<value>/plates-job")
@login_required
def start_plates(value: str) -> BaseResponse:
    """Queue the plates ZIP (``format`` pdf|svg|png) of a compound in the office's scope."""
    fmt = request.form.get("format", "pdf")
    if fmt not in FORMATS:
        raise InvalidInput(f"不支持的格式“{fmt}”：可用 pdf、svg、png",
                           f"unsupported format {fmt!r}: use pdf, svg or png")
    actor, community = _compound(value, "只有社区办公室账号可以生成门牌")
    return _queue(actor, community, "plates_zip", {"value": value, "format": fmt}, "plates", fmt)


@office_bp.post("/communities/<value>/posters-job")
@login_required
def start_posters(value: str) -> BaseResponse:
    """Queue the posters ZIP (every gate's PDF poster, ``size`` A3|A4) of a compound in
    the office's scope; a compound without gates is refused before any job."""
    size = request.form.get("size", "A4").upper()
    if size not in PAGE_SIZES_MM:
        raise InvalidInput(f"不支持的纸张“{size}”：可用 A3、A4",
                           f"unsupported paper size {size!r}: use A3 or A4")
    actor, community = _compound(value, "只有社区办公室账号可以生成海报")
    community_gates(get_session(), community.id)
    return _queue(actor, community, "posters_zip", {"size": size}, "posters", f"all {size} pdf")


@office_bp.get("/jobs/<job_id>")
@login_required
def job_page(job_id: str) -> str:
    """Where a job stands, in Chinese; it refreshes itself until the job ends."""
    job = _job(job_id, signed_in_actor())
    return render_template("office/job.html", job=job, status=describe(job),
                           kind_zh=KIND_ZH[job.kind], refresh_s=REFRESH_S,
                           back=BACK.get(job.kind))


@office_bp.get("/jobs/<job_id>/file")
@login_required
def job_file(job_id: str) -> Response:
    """The file a finished job made."""
    job = _job(job_id, signed_in_actor())
    if job.status != "done" or not job.result_path or not Path(job.result_path).is_file():
        raise NotFound("这个任务还没有生成文件", "the job has no file (yet)")
    return send_file(job.result_path, as_attachment=True, download_name=job.result_name)


@api_bp.get("/jobs/<job_id>")
def job_status(job_id: str) -> Response:
    """A job's status as JSON, for machines."""
    return jsonify(describe(_job(job_id, current_actor())))


document("/api/v1/jobs/{job_id}", {"get": {
    "tags": ["后台任务 jobs"], "summary": "Where a job stands (JSON)",
    "description": ("`kind` plates_zip | posters_zip | import_osm | import_features; "
                    "`status` queued | running | done | failed, `done` of `total` steps, "
                    "`percent`, `stage` (Chinese), `error`, and `file` once done. An import "
                    "has `kinds`: `current` (the kind being written, or null) and `kinds`, "
                    "each `kind`, `kind_zh`, `done` of `total` features and, once done, "
                    "`created`, `updated`, `unchanged` (null for other jobs). Only the "
                    "user who started the job (or an admin) sees it."),
    "security": [{"bearer": []}],
    "parameters": [{"name": "job_id", "in": "path", "required": True,
                    "schema": {"type": "string"}}],
    "responses": {"200": {"description": "the job's status"}, **error_responses(401, 404)}}})
