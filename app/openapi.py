"""What every API module adds to the OpenAPI document: ``document(path, operations)``
at import time, and the shared error responses. The document itself is built and served
by ``app.apidocs``."""

from __future__ import annotations

from typing import Any

EXTRA_PATHS: dict[str, dict[str, Any]] = {}
RESOURCE_ZH = {"communities": "小区", "gates": "出入口", "buildings": "楼栋",
               "units": "单元门", "paths": "内部道路", "facilities": "服务设施"}


def document(path: str, operations: dict[str, Any]) -> None:
    """Add ``operations`` (an OpenAPI path item) for ``path`` to the document."""
    EXTRA_PATHS.setdefault(path, {}).update(operations)


def error_schema() -> dict[str, Any]:
    """The JSON schema of every error body."""
    return {"type": "object", "required": ["error", "message", "message_en"], "properties": {
        "error": {"type": "string"}, "message": {"type": "string", "description": "中文说明"},
        "message_en": {"type": "string"}, "details": {"type": "object"}}}


def error_responses(*codes: int) -> dict[str, Any]:
    """OpenAPI responses for the HTTP status ``codes``, each an error body."""
    return {str(c): {"description": "错误 / error", "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/Error"}}}} for c in codes}
