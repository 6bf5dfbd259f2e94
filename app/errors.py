"""One place that turns errors into JSON (the API, machine clients) or a Chinese page (a
person following a link); which one is decided once, by ``app.page_errors.wants_json``."""

from __future__ import annotations

from flask import Flask, Response, jsonify, make_response
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from app.db import roll_back
from app.page_errors import error_page, wants_json
from geo import settings
from geo.errors import ServiceUnavailable, StaleWrite, YouluError
from geo.settings import MAX_UPLOAD_BYTES

_HTTP_ZH = {
    400: "请求有误", 401: "需要登录", 403: "没有权限", 404: "找不到", 405: "不支持此方法",
    409: "数据已被他人修改", 413: "上传内容过大", 415: "不支持的内容类型",
    422: "无法处理", 429: "请求太频繁，请稍后再试", 500: "服务器内部错误",
}

# What a person reads on the page (the JSON keeps the short _HTTP_ZH title).
_PAGE_ZH = {
    404: "没有这个页面。地址可能输错了，或者页面已经移走。",
    405: "这个链接不能直接打开，请从页面上的按钮操作。",
    413: f"上传的内容太大（最多 {MAX_UPLOAD_BYTES // 2**20} MB），请换一张小一点的照片再试。",
    500: "服务器出了点问题，我们会尽快处理。请稍后再试。",
}


def _json_error(status: int, body: dict) -> Response:
    response = jsonify(body)
    response.status_code = status
    return response


def init_app(app: Flask) -> None:
    """Register the handlers on ``app``."""

    @app.errorhandler(YouluError)
    def handle_domain_error(error: YouluError) -> Response | tuple[str, int]:
        roll_back()
        if not wants_json():
            return error_page(error.status, error.zh, kind=error.kind)
        return _json_error(error.status, error.to_dict())

    @app.errorhandler(StaleDataError)
    def handle_stale(_error: StaleDataError) -> Response | tuple[str, int]:
        return handle_domain_error(StaleWrite(
            "该要素已被他人修改，请刷新后重试",
            "the feature was changed by someone else; reload and try again"))

    @app.errorhandler(IntegrityError)
    def handle_integrity(_error: IntegrityError) -> Response | tuple[str, int]:
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
        response = _answer(busy.status, busy, page_message=busy.zh)
        response.headers["Retry-After"] = str(settings.DB_BUSY_RETRY_AFTER_S)
        return response

    @app.errorhandler(HTTPException)
    def handle_http(error: HTTPException) -> Response:
        """JSON or a Chinese page, keeping the error's headers (``Allow``, ``Retry-After``)."""
        roll_back()
        status = error.code or 500
        plain = YouluError(_HTTP_ZH.get(status, error.name), error.description or error.name)
        plain.kind = error.name.lower().replace(" ", "_")
        response = _answer(status, plain,
                           page_message=_PAGE_ZH.get(status, _HTTP_ZH.get(status, error.name)))
        for key, value in error.get_headers():
            if key.lower() != "content-type":
                response.headers[key] = value
        return response


def _answer(status: int, error: YouluError, *, page_message: str) -> Response:
    """``error`` as JSON for machines, else as a Chinese page saying ``page_message``."""
    if wants_json():
        return _json_error(status, error.to_dict())
    return make_response(error_page(status, page_message, kind=error.kind))
