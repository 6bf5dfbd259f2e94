"""The plates ZIP of a compound as a job: the plates, their NDEF files and the A4
sheets written, then packed file by file (progress: files packed of all)."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from app.plates.keys import keys_dir
from app.plates.service import make_community_plates, zip_files


def plates_zip(session: Session, params: dict[str, Any],
               progress: Callable[[int, int, str], None], out_dir: Path) -> tuple[Path, str]:
    """Write ``params["value"]``'s plates in ``params["format"]`` into ``out_dir`` and pack
    them; returns the ZIP and its download name."""
    fmt = params["format"]
    progress(0, 1, "正在生成门牌文件")
    files = make_community_plates(session, params["value"], out_dir, fmt, keys_dir=keys_dir(),
                                  base_url=current_app.config["PUBLIC_BASE_URL"])
    target = out_dir / "plates.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        zip_files(archive, files, on_file=lambda done: progress(
            done, len(files), f"正在打包：{done}/{len(files)} 个文件"))
    return target, f"plates-{params['code']}-{fmt}.zip"
