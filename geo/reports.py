"""随手拍 reports (design items 17, 19, 20): kinds, statuses, input checks and photo
cleaning, without Flask.

A photo is decoded with Pillow, turned upright by its EXIF orientation, shrunk to at
most ``MAX_PHOTO_SIDE`` pixels and re-encoded as a fresh JPEG that carries no metadata
at all (no EXIF, no GPS, no ICC profile, no comments): design section 8.
"""

from __future__ import annotations

import io

from PIL import Image, ImageOps, UnidentifiedImageError

from geo.errors import InvalidInput

KIND_ZH = {
    "gate_closed": "大门不通", "no_number": "楼号单元号缺失", "wrong_location": "导航位置不对",
    "no_parking": "无处停车", "no_charging": "无处充电", "toilet_water": "如厕饮水难",
    "forged_plate": "门牌可疑", "other": "其他",
}
STATUS_ZH = {"new": "新报告", "in_progress": "处理中", "resolved": "已解决"}
MAX_TEXT_CHARS = 500
MAX_NOTE_CHARS = 500
MAX_CODE_CHARS = 40
MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_PHOTO_SIDE = 2048  # pixels
MAX_PHOTO_PIXELS = 50_000_000  # width × height, checked from the header before decoding
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


def check_text(text: str, *, field: str = "text", limit: int = MAX_TEXT_CHARS) -> str | None:
    """The stripped text (None when empty); ``InvalidInput`` when over ``limit`` characters."""
    text = text.strip()
    if len(text) > limit:
        raise InvalidInput(f"文字太长：最多 {limit} 个字，现在 {len(text)} 个字",
                           f"{field} too long: at most {limit} characters, got {len(text)}",
                           details={"field": field})
    return text or None


def _check_pixels(size: tuple[int, int]) -> None:
    """``InvalidInput`` when an image of ``size`` (width, height in pixels) is too large."""
    width, height = size
    if width * height > MAX_PHOTO_PIXELS:
        raise InvalidInput(
            f"照片像素太多：最多 {MAX_PHOTO_PIXELS // 10_000} 万像素，这张是 {width}×{height}",
            f"photo has too many pixels: at most {MAX_PHOTO_PIXELS}, got {width}x{height}",
            details={"field": "photo"})


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
    try:
        with Image.open(io.BytesIO(data)) as image:
            _check_pixels(image.size)
            image.draft("RGB", (MAX_PHOTO_SIDE, MAX_PHOTO_SIDE))  # JPEG: decode at reduced scale
            image.load()
            upright = ImageOps.exif_transpose(image).convert("RGB")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombError):
        raise InvalidInput("上传的文件不是可识别的图片，请选择 JPG 或 PNG 照片",
                           "the uploaded file is not an image", details={"field": "photo"}) from None
    upright.thumbnail((MAX_PHOTO_SIDE, MAX_PHOTO_SIDE))
    # a new image from the pixels alone: nothing of the original's info dict survives
    bare = Image.frombytes("RGB", upright.size, upright.tobytes())
    out = io.BytesIO()
    bare.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()
