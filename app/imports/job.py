"""``import-osm --queue`` on the job queue: the worker runs the same phases as the
command (``app.imports.pipeline``), reports each as the job's progress and commits the
import at once; the job's file is the import summary (JSON)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from app.imports.pipeline import PHASES, run_import
from app.imports.sources import source_view

KIND = "import_osm"
KIND_ZH = "OSM 数据导入"


def import_job(session: Session, params: dict[str, Any],
               progress: Callable[[int, int, str], None], out_dir: Path) -> tuple[Path, str]:
    """Import ``params["path"]`` (``params["division"]`` the fallback division) and
    commit it; returns the summary written into ``out_dir`` and its download name."""
    report, source = run_import(session, params["path"], division=params.get("division"),
                                phase=lambda done, name: progress(done, len(PHASES), name))
    summary = {**report.as_dict(), "source": source_view(source)}
    session.commit()
    progress(len(PHASES), len(PHASES), "导入完成 imported")
    target = out_dir / "import.json"
    target.write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")
    return target, f"import-{Path(params['path']).name}.json"
