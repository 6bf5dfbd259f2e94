"""The posters of a compound as a job: one PDF per gate (A3 or A4), each hung at its
gate, packed in one ZIP (progress: posters made of all)."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Gate
from app.plates.posters import poster_for_gate, poster_name
from geo.errors import InvalidInput


def community_gates(session: Session, community_id: int) -> list[Gate]:
    """The gates of a compound, by id; ``InvalidInput`` if it has none (no poster)."""
    gates = list(session.scalars(select(Gate).where(Gate.community_id == community_id)
                                 .order_by(Gate.id)))
    if not gates:
        raise InvalidInput("这个小区还没有出入口，无法生成海报",
                           "the compound has no gate, so it has no poster")
    return gates


def posters_zip(session: Session, params: dict[str, Any],
                progress: Callable[[int, int, str], None], out_dir: Path) -> tuple[Path, str]:
    """Write the PDF poster of every gate of compound ``params["community_id"]`` at
    ``params["size"]`` into a ZIP in ``out_dir``; returns it and its download name."""
    size = params["size"]
    gates = community_gates(session, params["community_id"])
    target = out_dir / "posters.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for done, gate in enumerate(gates):
            progress(done, len(gates), f"正在生成海报：{done}/{len(gates)} 张")
            archive.writestr(poster_name(gate, size, "pdf"), poster_for_gate(
                session, gate, size=size, fmt="pdf",
                base_url=current_app.config["PUBLIC_BASE_URL"]))
    progress(len(gates), len(gates), f"已生成 {len(gates)} 张海报")
    return target, f"posters-{params['code']}-{size}.zip"
