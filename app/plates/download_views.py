"""Office download of a compound's plates: ``/office/communities/<code or id>/plates.zip``."""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

from flask import Blueprint, Response, current_app, request, send_file

from app.accounts.auth import check_scope, current_actor
from app.addresses.codes import lookup_by_code_or_id
from app.db import get_session
from app.models import Community
from app.plates.keys import keys_dir
from app.plates.printing import record_print
from app.plates.service import make_community_plates, zip_files
from geo.errors import Forbidden, InvalidInput, Unauthorized
from maps.plates import FORMATS

# Its own /office blueprint, outside the office pages: a plate download also serves
# token-holding machines, whose errors are JSON; a person gets a Chinese page (app/errors.py).
bp = Blueprint("office_plates", __name__, url_prefix="/office")


@bp.get("/communities/<value>/plates.zip")
def download_plates(value: str) -> Response:
    """A ZIP of every plate (``?format=pdf|svg|png``), its NDEF file and the A4 sheets,
    for an office user (or write token) whose scope holds the compound."""
    actor = current_actor()
    if actor is None:
        raise Unauthorized("请先登录社区办公室账号", "log in with an office account")
    if not actor.can_write:
        raise Forbidden("只有社区办公室账号可以下载门牌", "only office accounts may download plates")
    fmt = request.args.get("format", "pdf")
    if fmt not in FORMATS:
        raise InvalidInput(f"不支持的格式“{fmt}”：可用 pdf、svg、png",
                           f"unsupported format {fmt!r}: use pdf, svg or png")
    db = get_session()
    community = lookup_by_code_or_id(db, Community, value)
    check_scope(actor, community)
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory() as tmp:
        files = make_community_plates(db, value, Path(tmp), fmt, keys_dir=keys_dir(),
                                      base_url=current_app.config["PUBLIC_BASE_URL"])
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            zip_files(archive, files)
    buffer.seek(0)
    record_print(db, actor, community.id, "plates", fmt)
    return send_file(buffer, mimetype="application/zip", as_attachment=True,
                     download_name=f"plates-{community.code}-{fmt}.zip")
