"""随手拍 reports (design items 17, 19, 20): categories, the five states and their
transitions, input checks and photo cleaning, without Flask.

A photo is decoded with Pillow, turned upright by its EXIF orientation, shrunk to at
most ``MAX_PHOTO_SIDE`` pixels and re-encoded as a fresh JPEG that carries no metadata
at all (no EXIF, no GPS, no ICC profile, no comments): design section 8.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from geo import settings
from geo.errors import InvalidInput


@dataclass(frozen=True)
class Category:
    """A report category (问题类别): its key, Chinese name, whether it is urgent, and the
    points a rider earns when a report is accepted and when it is resolved."""

    key: str
    zh: str
    urgent: bool
    accepted_points: int
    resolved_points: int


def _load_categories() -> dict[str, Category]:
    rows = json.loads(settings.REPORT_CATEGORIES_FILE.read_text(encoding="utf-8"))["categories"]
    return {row["key"]: Category(**row) for row in rows}


CATEGORIES = _load_categories()
KIND_ZH = {key: category.zh for key, category in CATEGORIES.items()}
# The five states (状态) in order, with the states each may move to.
STATUS_ZH = {"submitted": "已提交", "accepted": "已受理", "in_progress": "处理中",
             "resolved": "已解决", "rejected": "不予处理"}
NEXT_STATUSES = {"submitted": ("accepted", "rejected"),
                 "accepted": ("in_progress", "resolved", "rejected"),
                 "in_progress": ("resolved", "rejected"),
                 "resolved": (), "rejected": ()}
OPEN_STATUSES = ("submitted", "accepted", "in_progress")
MAX_TEXT_CHARS = 500
MAX_NOTE_CHARS = 500
MAX_CODE_CHARS = 40
MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_PHOTO_SIDE = 2048  # pixels
MAX_PHOTO_PIXELS = 40_000_000  # width × height, checked from the header before decoding
JPEG_QUALITY = 85


def check_kind(kind: str) -> str:
    """``kind`` when it is one of ``KIND_ZH``; else ``InvalidInput``."""
    if kind not in KIND_ZH:
        raise InvalidInput("请选择问题类型" if not kind else f"问题类型“{kind}”无效，请从列表中选择",
                           f"unknown report kind {kind!r}", details={"field": "kind"})
    return kind


def check_status(status: str) -> str:
    """``status`` when it is one of ``STATUS_ZH``; else ``InvalidInput``."""
    if status not in STATUS_ZH:
        raise InvalidInput(f"状态“{status}”无效", f"unknown report status {status!r}",
                           details={"field": "status"})
    return status


def check_transition(current: str, status: str) -> str:
    """``status`` when a report in ``current`` may move to it; else ``InvalidInput``."""
    status = check_status(status)
    if status not in NEXT_STATUSES[current]:
        allowed = "、".join(STATUS_ZH[s] for s in NEXT_STATUSES[current]) or "无"
        raise InvalidInput(f"报告已是“{STATUS_ZH[current]}”，不能改为“{STATUS_ZH[status]}”"
                           f"（可改为：{allowed}）",
                           f"a report {current!r} cannot become {status!r}",
                           details={"field": "status"})
    return status


def time_in_states(changes: Sequence[tuple[str, datetime]], *, now: datetime
                   ) -> list[tuple[str, datetime, float]]:
    """Each ``(status, since)`` change, oldest first, with the seconds spent in it (until
    the next change, or ``now`` for the current state)."""
    ends = [at for _status, at in changes[1:]] + [now]
    return [(status, since, max(0.0, (end - since).total_seconds()))
            for (status, since), end in zip(changes, ends, strict=True)]


def duration_zh(seconds: float) -> str:
    """``seconds`` as a short Chinese duration: 3天2小时, 5小时10分, 12分钟."""
    minutes = int(seconds // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days}天{hours}小时"
    if hours:
        return f"{hours}小时{minutes}分"
    return f"{minutes}分钟"


def check_text(text: str, *, field: str = "text", limit: int = MAX_TEXT_CHARS) -> str | None:
    """The stripped text (None when empty); ``InvalidInput`` when over ``limit`` characters."""
    text = text.strip()
    if len(text) > limit:
        raise InvalidInput(f"文字太长：最多 {limit} 个字，现在 {len(text)} 个字",
                           f"{field} too long: at most {limit} characters, got {len(text)}",
                           details={"field": field})
    return text or None


def _too_many_pixels(width: int | str, height: int | str) -> InvalidInput:
    return InvalidInput(
        f"照片像素太多：最多 {MAX_PHOTO_PIXELS // 10_000} 万像素，这张是 {width}×{height}",
        f"photo has too many pixels: at most {MAX_PHOTO_PIXELS}, got {width}x{height}",
        details={"field": "photo"})


def _check_pixels(width: int, height: int) -> None:
    """``InvalidInput`` when a ``width`` × ``height`` image has more than
    ``MAX_PHOTO_PIXELS`` pixels (checked from the header, before decoding)."""
    if width * height > MAX_PHOTO_PIXELS:
        raise _too_many_pixels(width, height)


def clean_photo(data: bytes) -> bytes:
    """A metadata-free JPEG of the image in ``data``.

    ``InvalidInput`` when ``data`` is over ``MAX_PHOTO_BYTES``, declares more than
    ``MAX_PHOTO_PIXELS`` pixels (read from the header, before any pixel is decoded: a
    small file can declare a huge image), or is not an image Pillow can decode.
    """
    if len(data) > MAX_PHOTO_BYTES:
        raise InvalidInput(
            f"照片太大：最多 {MAX_PHOTO_BYTES // (1024 * 1024)} MB，请压缩或换一张",
            f"photo too large: at most {MAX_PHOTO_BYTES} bytes, got {len(data)}",
            details={"field": "photo"})
    from PIL import Image, ImageOps, UnidentifiedImageError  # only a photo needs Pillow (0.1 s)

    try:
        # Opening reads the header only; Pillow itself refuses beyond twice its
        # MAX_IMAGE_PIXELS, and ``_check_pixels`` holds the lower limit before decoding.
        with Image.open(io.BytesIO(data)) as image:
            _check_pixels(image.width, image.height)
            image.draft("RGB", (MAX_PHOTO_SIDE, MAX_PHOTO_SIDE))  # JPEG: decode at reduced scale
            image.load()
            upright = ImageOps.exif_transpose(image).convert("RGB")
    except Image.DecompressionBombError:
        raise _too_many_pixels("?", "?") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise InvalidInput("上传的文件不是可识别的图片，请选择 JPG 或 PNG 照片",
                           "the uploaded file is not an image", details={"field": "photo"}) from None
    upright.thumbnail((MAX_PHOTO_SIDE, MAX_PHOTO_SIDE))
    # a new image from the pixels alone: nothing of the original's info dict survives
    bare = Image.frombytes("RGB", upright.size, upright.tobytes())
    out = io.BytesIO()
    bare.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()
