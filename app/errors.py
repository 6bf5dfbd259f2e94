"""One place that turns errors into JSON (API) or a short page (browser)."""

from __future__ import annotations

from flask import Flask, Response, jsonify, make_response, render_template, request
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from app.db import roll_back
from app.page_errors import ERROR_TEMPLATE
from geo import settings
from geo.errors import ServiceUnavailable, StaleWrite, YouluError

_HTTP_ZH = {
    400: "请求有误", 401: "需要登录", 403: "没有权限", 404: "找不到", 405: "不支持此方法",
    409: "数据已被他人修改", 413: "上传内容过大", 415: "不支持的内容类型",
    422: "无法处理", 429: "请求太频繁，请稍后再试", 500: "服务器内部错误",
}


def _json_error(status: int, body: dict) -> Response:
    response = jsonify(body)
    response.status_code = status
    return response


def init_app(app: Flask) -> None:
    """Register the handlers on ``app``."""

    @app.errorhandler(YouluError)
    def handle_domain_error(error: YouluError) -> Response:
        roll_back()
        return _json_error(error.status, error.to_dict())

    @app.errorhandler(StaleDataError)
    def handle_stale(_error: StaleDataError) -> Response:
        return handle_domain_error(StaleWrite(
            "该要素已被他人修改，请刷新后重试",
            "the feature was changed by someone else; reload and try again"))

    @app.errorhandler(IntegrityError)
    def handle_integrity(_error: IntegrityError) -> Response:
        return handle_domain_error(StaleWrite(
            "同时有人在修改相同的数据，请稍后重试",
            "a concurrent change conflicted with this one; try again"))

    @app.errorhandler(OperationalError)
    def handle_locked(error: OperationalError) -> Response:
        """A database busy past its timeout (SQLite's lock): 503 with ``Retry-After``."""
        if "database is locked" not in str(error.orig):
            raise error
        roll_back()
        busy = ServiceUnavailable("数据库正忙，请稍后重试", "the database is busy; try again shortly",
                                  details={"retry_after_s": settings.DB_BUSY_RETRY_AFTER_S})
        if _wants_json():
            response = _json_error(busy.status, busy.to_dict())
        else:
            response = make_response(render_template(ERROR_TEMPLATE, error=busy), busy.status)
        response.headers["Retry-After"] = str(settings.DB_BUSY_RETRY_AFTER_S)
        return response

    @app.errorhandler(HTTPException)
    def handle_http(error: HTTPException) -> Response:
        """JSON or a Chinese page, keeping the error's headers (``Allow``, ``Retry-After``)."""
        roll_back()
        status = error.code or 500
        plain = YouluError(_HTTP_ZH.get(status, error.name), error.description or error.name)
        plain.kind = error.name.lower().replace(" ", "_")
        if _wants_json():
            response = _json_error(status, plain.to_dict())
        else:
            response = make_response(render_template(ERROR_TEMPLATE, error=plain), status)
        for key, value in error.get_headers():
            if key.lower() != "content-type":
                response.headers[key] = value
        return response


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"
