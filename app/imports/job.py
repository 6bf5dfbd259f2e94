"""An OSM import on the job queue (``import-osm --queue``, or an extract an admin
uploads from the office editor): the worker runs the same phases as the command
(``app.imports.pipeline``), reports each as the job's progress and each kind written as
its per-kind progress (``app.jobs.kind_progress``), and commits the import at once; the
job's file is the import summary (JSON)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from app.imports.pipeline import PHASES, run_import
from app.imports.sources import source_view
from app.imports.upload_checks import check_compressed
from app.jobs.kind_progress import KindProgress
from geo.collector import collector_paused
from geo.osm.extract import KINDS, OsmExtract

KIND = "import_osm"
KIND_ZH = "OSM 数据导入"


@collector_paused()  # the import and its commit (see run_import)
def import_job(session: Session, params: dict[str, Any],
               progress: Callable[[int, int, str], None], out_dir: Path) -> tuple[Path, str]:
    """Import ``params["path"]`` (``params["division"]`` the fallback division; an
    upload, ``params["file"]`` its name, is unpacked once first) and commit it as
    ``params["actor"]``; returns the summary written into ``out_dir`` and its name."""
    if "file" in params:
        progress(0, len(PHASES), "检查上传的文件 checking the upload")
        check_compressed(Path(params["path"]), params["file"])
    kinds: list[KindProgress] = []

    def read(extract: OsmExtract) -> None:
        kinds.append(KindProgress(out_dir, extract.counts()))

    def phase(done: int, name: str) -> None:
        progress(done, len(PHASES), name)
        if PHASES[done] == PHASES[-1]:  # the features are written next, first kind first
            kinds[0].advance(KINDS[0], 0)

    def written(kind: str) -> None:
        following = KINDS[KINDS.index(kind) + 1:]
        kinds[0].finish(kind, next_kind=following[0] if following else None)

    report, source = run_import(session, params["path"], division=params.get("division"),
                                actor=params.get("actor", "import-osm"), phase=phase,
                                on_read=read, on_kind=written)
    summary = {**report.as_dict(), "source": source_view(source)}
    session.commit()
    kinds[0].counts(created=report.created, updated=report.updated,
                       unchanged=report.unchanged)
    progress(len(PHASES), len(PHASES), "导入完成 imported")
    target = out_dir / "import.json"
    target.write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")
    return target, f"import-{Path(params.get('file') or params['path']).name}.json"
