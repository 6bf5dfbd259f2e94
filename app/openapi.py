"""What every API module adds to the OpenAPI document: ``document(path, operations)``
at import time, the parameters and answers they share, and ``complete`` that gives every
operation the error answers the app can send for it. The document itself is built and
served by ``app.apidocs``."""

from __future__ import annotations

from typing import Any

from app.ids import ID_MAX
from app.page_errors import JSON_PREFIXES

EXTRA_PATHS: dict[str, dict[str, Any]] = {}
RESOURCE_ZH = {"communities": "小区", "gates": "出入口", "buildings": "楼栋",
               "units": "单元门", "paths": "内部道路", "facilities": "服务设施"}
METHODS = ("get", "put", "post", "delete", "patch")


def document(path: str, operations: dict[str, Any]) -> None:
    """Add ``operations`` (an OpenAPI path item) for ``path`` to the document."""
    EXTRA_PATHS.setdefault(path, {}).update(operations)


def id_parameter(name: str, where: str = "path", *, description: str = "row id") -> dict[str, Any]:
    """A row id parameter: an integer from 0 to ``ID_MAX`` (past it no row is found)."""
    return {"name": name, "in": where, "required": where == "path", "description": description,
            "schema": {"type": "integer", "minimum": 0, "maximum": ID_MAX}}


def resource_parameter() -> dict[str, Any]:
    """The ``{resource}`` path parameter: one of the feature resources."""
    return {"name": "resource", "in": "path", "required": True,
            "schema": {"enum": list(RESOURCE_ZH)}}


def json_answer(description: str, schema: dict[str, Any] | None = None, *,
                media_type: str = "application/json") -> dict[str, Any]:
    """An OpenAPI response with a JSON body (any object unless ``schema`` says more)."""
    return {"description": description,
            "content": {media_type: {"schema": schema or {"type": "object"}}}}


def error_schema() -> dict[str, Any]:
    """The JSON schema of every error body."""
    return {"type": "object", "required": ["error", "message", "message_en"], "properties": {
        "error": {"type": "string"}, "message": {"type": "string", "description": "中文说明"},
        "message_en": {"type": "string"}, "details": {"type": "object"}}}


_ERROR_WHY = {400: "bad parameter or body", 401: "no or unknown token", 403: "not allowed",
              404: "no such row, or an id past the range", 409: "changed since read",
              413: "body too large", 503: "database busy (Retry-After) or a street graph missing"}


def error_responses(*codes: int) -> dict[str, Any]:
    """OpenAPI responses for the HTTP status ``codes``, each an error body."""
    answers: dict[str, Any] = {}
    for code in codes:
        answer = json_answer(f"错误 / error: {_ERROR_WHY.get(code, 'error')}",
                             {"$ref": "#/components/schemas/Error"})
        if code == 503:
            answer["headers"] = {"Retry-After": {"schema": {"type": "integer"},
                                                 "description": "seconds"}}
        answers[str(code)] = answer
    return answers


def complete(path: str, item: dict[str, Any]) -> None:
    """Give every operation of an API path ``item`` (``/api/``, ``/.well-known/``) what it
    leaves out: a JSON object body on a success answer documented without one, and the
    error answers the app can send for it: 400 when it takes parameters or a body, 404
    under a path parameter, 401 and 403 when it needs a token, 413 with a body, and 503
    always (a busy database)."""
    if not path.startswith(JSON_PREFIXES):
        return
    for method in METHODS:
        operation = item.get(method)
        if operation is None:
            continue
        for code, answer in operation.get("responses", {}).items():
            if code.startswith("2") and code != "204" and "content" not in answer:
                answer.update(json_answer(answer.get("description", "")))
        codes = [503]
        if item.get("parameters") or operation.get("parameters") or "requestBody" in operation:
            codes.append(400)
        if "{" in path:
            codes.append(404)
        if operation.get("security"):
            codes += [401, 403]
        if "requestBody" in operation:
            codes.append(413)
        responses = operation.setdefault("responses", {})
        for code, answer in error_responses(*sorted(codes)).items():
            responses.setdefault(code, answer)
