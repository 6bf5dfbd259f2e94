"""A GeoJSON or GeoPackage file an office uploads in the editor, imported as a job:
applied as the user who uploaded it (scope, versions and audit as in the request),
all or nothing, with its progress per layer; the job's file is the import summary."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from app.accounts.auth import Actor
from app.jobs.kind_progress import KIND_OF_LAYER, KindProgress
from app.models import User
from app.places.exchange import import_features
from geo.errors import Forbidden

KIND = "import_features"
KIND_ZH = "文件导入"


def import_file_job(session: Session, params: dict[str, Any],
                    progress: Callable[[int, int, str], None], out_dir: Path) -> tuple[Path, str]:
    """Apply ``params["path"]`` as user ``params["user_id"]`` and commit it; returns the
    summary written into ``out_dir`` and its download name."""
    user = session.get(User, params["user_id"])
    actor = Actor(user=user, token=None, via_session=True)
    if not actor.can_write:  # the account was disabled while the job waited
        raise Forbidden("上传文件的账号已停用或只能查看，未导入", "the uploader may no longer write")
    progress(0, 1, "正在导入（全部写入后一次提交）")  # before the write: SQLite's lock
    kinds = KindProgress(out_dir, {})
    summary = import_features(
        session, actor, params["path"],
        on_layer=lambda layer, total: kinds.begin(KIND_OF_LAYER[layer], total),
        on_feature=lambda layer, done: kinds.advance(KIND_OF_LAYER[layer], done))
    session.commit()
    kinds.counts(created=summary.created, updated=summary.updated,
                    unchanged=summary.unchanged)
    progress(1, 1, "导入完成")
    target = out_dir / "import.json"
    target.write_text(json.dumps(summary.as_dict(), ensure_ascii=False, indent=1),
                      encoding="utf-8")
    return target, f"import-{params['file']}.json"
