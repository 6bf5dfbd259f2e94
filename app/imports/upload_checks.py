"""Checks on an OSM extract uploaded from the browser, before pyosmium reads it: a
compressed file must end where its stream ends (a clipped download is refused) and may
not unpack to more than ``MAX_EXPANSION`` times its size (a bzip2 or gzip bomb)."""

from __future__ import annotations

from pathlib import Path

from geo.errors import InvalidImportFile
from geo.osm.reader import COMPRESSED, file_format, open_unpacked

MAX_EXPANSION = 50  # an OSM XML extract packs about 10–20 times (the bundled ones 14.5)
_CHUNK = 1 << 20  # bytes unpacked per read


def check_compressed(path: Path, shown_name: str) -> None:
    """Unpack ``path`` (``shown_name`` in the messages) as far as it goes, counting the
    bytes; ``InvalidImportFile`` if it is clipped or unpacks to too much. Plain XML and
    PBF pass (PBF blocks are bounded by the format)."""
    fmt = file_format(path)
    if fmt not in COMPRESSED:
        return
    limit = MAX_EXPANSION * path.stat().st_size
    unpacked = 0
    try:
        with open_unpacked(path, fmt) as stream:
            while chunk := stream.read(_CHUNK):
                unpacked += len(chunk)
                if unpacked > limit:
                    raise InvalidImportFile(
                        f"“{shown_name}”解压后超过原文件的 {MAX_EXPANSION} 倍，不像 OSM 数据，已拒绝",
                        f"{shown_name} unpacks to over {MAX_EXPANSION} times its size: refused")
    except (EOFError, OSError) as error:
        raise InvalidImportFile(f"“{shown_name}”不完整或已损坏（{type(error).__name__}）：请重新下载",
                                f"{shown_name} is clipped or corrupt: {error}") from error
