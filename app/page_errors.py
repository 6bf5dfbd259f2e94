"""Errors on browser pages: a form shown again with the message next to it, or a short
Chinese page; JSON (the API's body) for clients that ask for it."""

from __future__ import annotations

from collections.abc import Mapping

from flask import Blueprint, Response, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import TooManyRequests

from app.db import roll_back
from geo.errors import YouluError

ERROR_TEMPLATE = "pass/error.html"


# Paths whose errors are JSON whatever the client asks for: the API and machine documents.
JSON_PREFIXES = ("/api/", "/.well-known/")
_HEADINGS = {400: "无法完成", 401: "需要登录", 403: "没有权限", 404: "找不到页面", 405: "无法这样打开",
             409: "数据已被修改", 413: "内容太大", 429: "操作太频繁", 500: "服务器出错了"}


def wants_json() -> bool:
    """Whether to answer JSON rather than a page: the API and machine paths, clients that
    ask for JSON and token holders (machines); a person following a link gets a page.
    Decided here, once."""
    return (request.path.startswith(JSON_PREFIXES)
            or request.accept_mimetypes.best == "application/json"
            or request.headers.get("Authorization", "").startswith("Bearer "))


def error_page(status: int, message: str, *, kind: str = "") -> tuple[str, int]:
    """A Chinese page for ``status`` with ``message`` and the ways forward (back, home)."""
    heading = _HEADINGS.get(status, "无法完成" if status < 500 else "服务器出错了")
    return render_template("errors/page.html", status=status, heading=heading,
                           message=message, kind=kind), status


def _answer(error: YouluError, status: int,
            template: str | None = None) -> tuple[Response | str, int]:
    roll_back()
    if wants_json():
        return jsonify(error.to_dict()), status
    if template is not None:
        return render_template(template, form=request.form, error=error), status
    return render_template(ERROR_TEMPLATE, error=error), status


def register(bp: Blueprint, forms: Mapping[str, str]) -> None:
    """Render errors raised by ``bp``'s views as pages; ``forms`` maps an endpoint
    (``web.passes.register_page``) to the template that shows its form again."""

    @bp.errorhandler(YouluError)
    def domain_error(error: YouluError) -> tuple[Response | str, int]:
        template = forms.get(request.endpoint or "") if request.method == "POST" else None
        return _answer(error, error.status, template)

    @bp.errorhandler(CSRFError)
    def stale_form(error: CSRFError) -> tuple[Response | str, int]:
        stale = YouluError("页面已过期，请返回刷新后再试", f"stale form: {error.description}",
                           details={"reason": "csrf"})
        stale.kind = "csrf_failed"
        return _answer(stale, 400)

    @bp.errorhandler(TooManyRequests)
    def too_many(error: TooManyRequests) -> tuple[Response | str, int]:
        busy = YouluError("操作太频繁，请稍后再试", f"too many requests: {error.description}")
        busy.kind = "too_many_requests"
        return _answer(busy, 429)
